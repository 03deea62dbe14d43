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

/** pciutils' lspci reading a captured tree as it reads /sys (stderr, e.g. libkmod's, dropped). */
export function lspciOn(root, args) {
  return execFileSync('lspci', ['-A', 'linux-sysfs', '-O', `sysfs.path=${root}/sys/bus/pci`, '-O', 'hwdb.disable=1', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

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
  if (r.status !== 2) validateOutput(args, r.stdout);
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

// ---- JSON Schemas: every JSON document a test gets from runCli is validated against schema/.
import { createRequire } from 'node:module';
let validators = null;
/** The validator of schema/NAME.json (2020-12), with schema/common.json for its references. */
export function schemaValidator(name) {
  if (validators === null) {
    const Ajv2020 = createRequire(import.meta.url)('ajv/dist/2020').default;
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    const dir = path.join(PROJECT, 'schema');
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.json'))) ajv.addSchema(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')), f);
    validators = { ajv, byName: new Map() };
  }
  if (!validators.byName.has(name)) validators.byName.set(name, validators.ajv.getSchema(`${name}.json`));
  const v = validators.byName.get(name);
  if (!v) throw new Error(`no schema/${name}.json`);
  return v;
}

/** Throw, naming what is wrong, unless DOC is valid against schema/NAME.json. */
export function assertSchema(name, doc) {
  const v = schemaValidator(name);
  if (!v(doc)) throw new Error(`${name} document does not match schema/${name}.json: ${JSON.stringify(v.errors.slice(0, 5), null, 1)}`);
}

const SCHEMA_OF = { list: 'list', buses: 'buses', host: 'host', check: 'check', explain: 'explain', tree: 'tree', slots: 'slots', diff: 'diff' };
/** A command's JSON stdout (one document), checked against its schema; what is not one is left alone. */
function validateOutput(args, stdout) {
  const i = args.indexOf('--format');
  const name = SCHEMA_OF[args[0]];
  const json = (i !== -1 && args[i + 1] === 'json') || args[0] === 'pin';
  if (!json || stdout === '' || (name === undefined && args[0] !== 'pin')) return;
  let doc;
  try {
    doc = JSON.parse(stdout);
  } catch {
    return; // a test of broken output says so itself
  }
  assertSchema(args[0] === 'pin' ? 'pin' : name, doc);
}
