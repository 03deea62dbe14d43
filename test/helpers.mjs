// Test helpers: real captures extracted once per machine (atomically, so parallel test files
// share them), and a runner for the built binary.
import { execFileSync, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = path.join(PROJECT, 'bin', 'iommu-groups.js');
export const TEST_IDS = path.join(PROJECT, 'test', 'fixtures', 'pci.ids');
export const FIXTURES = ['q35-intel', 'q35-intel-vfio', 'q35-noiommu'];

/** Extract test/fixtures/sysfs/NAME.tar.gz (once) and return the root directory. */
export function fixture(name) {
  const tarball = path.join(PROJECT, 'test', 'fixtures', 'sysfs', `${name}.tar.gz`);
  const hash = crypto.createHash('sha256').update(fs.readFileSync(tarball)).digest('hex').slice(0, 12);
  const dest = path.join(os.tmpdir(), `iommu-groups-fixture-${name}-${hash}`);
  if (fs.existsSync(path.join(dest, '.complete'))) return dest;
  const tmp = fs.mkdtempSync(dest + '.tmp-');
  execFileSync('tar', ['xzf', tarball, '-C', tmp]);
  fs.writeFileSync(path.join(tmp, '.complete'), '');
  try {
    fs.renameSync(tmp, dest);
  } catch {
    fs.rmSync(tmp, { recursive: true, force: true }); // another process won the race
  }
  return dest;
}

const scratch = [];
process.on('exit', () => {
  for (const d of scratch) {
    try {
      execFileSync('chmod', ['-R', 'u+rwx', d], { stdio: 'ignore' });
    } catch {
      /* best effort */
    }
    fs.rmSync(d, { recursive: true, force: true });
  }
});

/** A scratch directory removed when the test process exits. */
export function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** A writable copy of a fixture, for hand-made edge cases derived from a real tree. */
export function fixtureCopy(name) {
  const dir = tempDir(`iommu-groups-edit-${name}-`);
  execFileSync('cp', ['-a', fixture(name) + '/.', dir]);
  return dir;
}

/** Run the built CLI; returns { stdout, stderr, code }. */
export function runCli(args, { env = {}, input } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, NO_COLOR: '1', ...env },
    input,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}

export function hasCommand(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

let readableBin = null;
/** The checkout may sit in a 0700 directory: give the other user its own copy of the runtime (once). */
export function worldReadableBuild() {
  if (readableBin) return readableBin;
  const dir = tempDir('iommu-groups-build-');
  const r = spawnSync('tar', ['-C', PROJECT, '--exclude=node_modules/typescript', '-cf', '-', 'bin', 'dist', 'package.json', 'node_modules'], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error('tar of the build failed');
  if (spawnSync('tar', ['-C', dir, '-xf', '-'], { input: r.stdout }).status !== 0) throw new Error('untar of the build failed');
  spawnSync('chmod', ['-R', 'a+rX', dir]);
  readableBin = path.join(dir, 'bin', 'iommu-groups.js');
  return readableBin;
}

/** Skip reason for tests that need a real non-root reader (false when they can run). */
export const NOBODY_SKIP = process.getuid?.() === 0 && hasCommand('setpriv') ? false : 'needs root and setpriv to run as another user';

/** Run the built tool as nobody (uid 65534) with setpriv; real permission errors, no root. */
export function runAsNobody(args) {
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, worldReadableBuild(), ...args], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}
