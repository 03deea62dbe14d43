// The read-only promise, proved: every command in every format, on every capture, on a tree with
// /dev/vfio nodes and on this host, runs with the fs write and open-for-write entry points (and
// any open under /dev/vfio) trapped by test/trap-fs.mjs. The trap itself is shown to fire.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { BIN, FIXTURES, PROJECT, TEST_IDS, fixture, fixtureCopy } from './helpers.mjs';

const TRAP = path.join(PROJECT, 'test', 'trap-fs.mjs');

function trapped(args) {
  const r = spawnSync(process.execPath, ['--import', TRAP, BIN, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, NO_COLOR: '1' }, maxBuffer: 1 << 26 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const COMMANDS = [
  ['list', '--format', 'table'],
  ['list', '--format', 'json'],
  ['list', '--format', 'plain'],
  ['list', '--format', 'legacy'],
  ['list', '--class', 'storage', '--related'],
  ['buses', '--format', 'table'],
  ['buses', '--format', 'json', '--bus', 'pci'],
  ['host', '--format', 'table'],
  ['host', '--format', 'json'],
  ['check', '02:00.0', '0b:01.0', '01:00.0', '--format', 'table'],
  ['check', '--group', '21', '--format', 'json'],
  ['explain', '08:00.0', '0b:02.0', '--format', 'table'],
  ['explain', '05:00.1', '--format', 'json'],
  ['tree', '--format', 'plain'],
  ['tree', '--format', 'dot', '--device', '08:00.0'],
  ['--help'],
  ['check', '--help'],
  ['--version'],
];

test('the trap fires on a write, an open for writing and an open under /dev/vfio', () => {
  const tmp = path.join(fixture('q35-intel'), 'proc', 'cmdline');
  for (const code of [
    `require('fs').writeFileSync(${JSON.stringify(tmp)}, 'x')`,
    `require('fs').openSync(${JSON.stringify(tmp)}, 'r+')`,
    `require('fs').openSync('/dev/vfio/vfio', 'r')`,
    `import('node:fs').then((fs) => fs.mkdirSync('/tmp/never'))`,
  ]) {
    const r = spawnSync(process.execPath, ['--import', TRAP, '-e', code], { encoding: 'utf8' });
    assert.equal(r.status, 99, code);
    assert.match(r.stderr, /^FS-TRAP: /, code);
  }
});

for (const fx of FIXTURES) {
  test(`no write and no /dev/vfio open across all commands on ${fx}`, () => {
    const root = fixture(fx);
    for (const args of COMMANDS) {
      const extra = args[0].startsWith('-') || args.includes('--help') ? [] : ['--root', root, '--pci-ids', TEST_IDS];
      const r = trapped([...args, ...extra]);
      assert.doesNotMatch(r.stderr, /FS-TRAP/, `${args.join(' ')}: ${r.stderr}`);
      assert.ok([0, 1, 2, 3, 4, 5].includes(r.code), `${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    }
  });
}

test('a tree with /dev/vfio group nodes: looked at, never opened', () => {
  const root = fixtureCopy('q35-intel-vfio');
  fs.mkdirSync(path.join(root, 'dev/vfio'), { recursive: true });
  for (const n of ['vfio', '14', '21']) fs.writeFileSync(path.join(root, 'dev/vfio', n), ''); // stand-ins for the char nodes
  const r = trapped(['check', '02:00.0', '0b:01.0', '--format', 'json', '--root', root]);
  assert.doesNotMatch(r.stderr, /FS-TRAP/);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.groups[0].findings.find((f) => f.code === 'VFIO_GROUP_NODE').message, '/dev/vfio/14 exists (checked with lstat, not opened)');
  const h = JSON.parse(trapped(['host', '--format', 'json', '--root', root]).stdout);
  assert.equal(h.findings.find((f) => f.code === 'DEV_NODES').message, '/dev/vfio: 14 21 vfio');
});

test('this host, live: no write and no /dev/vfio open', { skip: process.platform !== 'linux' }, () => {
  for (const args of [['list', '--format', 'json'], ['buses'], ['host'], ['check', ...fs.readdirSync('/sys/bus/pci/devices').slice(0, 3)]]) {
    const r = trapped(args);
    assert.doesNotMatch(r.stderr, /FS-TRAP/, args.join(' '));
  }
});
