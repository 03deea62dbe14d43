// The manual's bad-input table (docs/robustness.md), row by row: each row of the table is run and its stderr and exit code are
// asserted exactly (the table is the specification; this file only reads and runs it). Also the
// closed pipe, which has no stderr to show.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { BIN, PROJECT, fixture, runCli } from './helpers.mjs';

const readme = fs.readFileSync(path.join(PROJECT, 'docs', 'robustness.md'), 'utf8');
const table = readme.slice(readme.indexOf('<!-- bad-input:start -->'), readme.indexOf('<!-- bad-input:end -->'));
const rows = table
  .split('\n')
  .filter((l) => l.startsWith('| `iommu-groups'))
  .map((l) => {
    const cells = l.split(/ \| /).map((c) => c.replace(/^\| |\s*\|$/g, ''));
    const stderr = cells[1].split(' / ').map((s) => s.replace(/^`|`$/g, '')).join('\n') + '\n';
    return { input: cells[0], stderr, exit: Number(cells[2]) };
  });

test('the bad-input table has its rows', () => {
  assert.ok(rows.length >= 20, `${rows.length} rows`);
});

for (const row of rows) {
  test(`bad input: ${row.input}`, async () => {
    const root = fixture('q35-intel');
    const cmd = /^`([^`]*)`/.exec(row.input)[1];
    const args = cmd.split(' ').slice(1).map((a) => a.replace(/^ROOT/, root));
    const expected = row.stderr.split('ROOT').join(root);
    if (row.input.includes('non-Linux')) {
      const r = await runInProcessOn('darwin', args);
      assert.deepEqual([r.out, r.err, r.code], ['', expected, row.exit]);
      return;
    }
    const r = runCli(args);
    assert.deepEqual([r.stdout, r.stderr, r.code], ['', expected, row.exit]);
  });
}

async function runInProcessOn(platform, args) {
  const { run } = await import('../dist/cli.js');
  let out = '';
  let err = '';
  const code = await run({ argv: ['node', 'iommu-groups', ...args], env: {}, stdoutIsTTY: false, platform, out: (s) => void (out += s), err: (s) => void (err += s), version: '0' });
  return { out, err, code };
}

// Outputs larger than a pipe buffer (64 KiB), so the writer really meets EPIPE.
test('a closed stdout ends quietly, with the command\'s own exit code', () => {
  const root = fixture('q35-intel');
  for (const [cmd, rc] of [
    [`node ${BIN} explain $(for i in 1 2 3 4 5 6; do ls ${root}/sys/bus/pci/devices; done) --format json --root ${root} | head -1 >/dev/null; echo "\${PIPESTATUS[0]}"`, '0'],
    [`node ${BIN} check $(ls ${root}/sys/bus/pci/devices) $(ls ${root}/sys/bus/pci/devices) $(ls ${root}/sys/bus/pci/devices) --format json --root ${root} | head -1 >/dev/null; echo "\${PIPESTATUS[0]}"`, '1'],
  ]) {
    const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8' });
    assert.equal(r.stderr, '', cmd);
    assert.equal(r.stdout.trim(), rc, cmd);
  }
});

test('--root /proc (its sys/ is sysctl, not sysfs) is a usage error, not "no IOMMU"', () => {
  assert.deepEqual(runCli(['list', '--root', '/proc']), {
    stdout: '',
    stderr: 'iommu-groups: --root /proc: its sys/ is not a sysfs tree (no bus/, devices/ or class/ in it)\nhint: give the directory that holds sys/ (for a capture: where its tarball was extracted)\n',
    code: 2,
  });
});

test('a full disk under stdout (/dev/full): one line on stderr, exit 2, no stack, for every command that prints', { skip: fs.existsSync('/dev/full') ? false : 'needs /dev/full' }, () => {
  for (const args of [['list', '--format', 'prometheus'], ['list', '--format', 'json'], ['check', '01:00.0', '--format', 'json'], ['tree'], ['--version']]) {
    const full = fs.openSync('/dev/full', 'w');
    const r = spawnSync(process.execPath, [BIN, ...args, ...(args[0] === '--version' ? [] : ['--root', fixture('q35-intel')])], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
    fs.closeSync(full);
    assert.deepEqual([r.status, r.stderr], [2, 'iommu-groups: cannot write the output: ENOSPC (no space left on the device)\n'], args.join(' '));
  }
});

test('--root whose sys/ is a link out of the root: refused, the host\'s /sys never listed', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iommu-groups-sys-link-'));
  try {
    fs.mkdirSync(path.join(dir, 'root'));
    const text = path.relative(path.join(dir, 'root'), '/sys');
    fs.symlinkSync(text, path.join(dir, 'root', 'sys'));
    const r = runCli(['list', '--root', path.join(dir, 'root')]);
    assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', `iommu-groups: --root ${path.join(dir, 'root')}: its sys/ is a link that leaves the root (${text})\nhint: give the directory that holds sys/ (for a capture: where its tarball was extracted)\n`]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
