// `watch`: changes made to a copy of a real capture while it runs are reported (text and JSON
// lines), and SIGTERM or SIGINT (Ctrl-C) ends it cleanly with exit 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { BIN, assertSchema, fixtureCopy } from './helpers.mjs';

function startWatch(args) {
  const child = spawn(process.execPath, [BIN, 'watch', '--interval', '0.1', ...args], { env: { PATH: process.env.PATH, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const until = async (pred, ms = 10000) => {
    const t0 = Date.now();
    while (!pred(out)) {
      if (Date.now() - t0 > ms) {
        child.kill('SIGKILL'); // never leave a watcher running after a failed test
        throw new Error(`timed out; output so far:\n${out}${err}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = (signal = 'SIGTERM') =>
    new Promise((resolve) => {
      child.on('close', (code, sig) => resolve({ code, signal: sig, out, err }));
      child.kill(signal);
    });
  return { until, stop, get out() { return out; } };
}

function rebindAndRemove(root) {
  const serial = fs.realpathSync(path.join(root, 'sys/bus/pci/devices/0000:0b:02.0'));
  fs.unlinkSync(path.join(serial, 'driver'));
  fs.symlinkSync(path.relative(serial, path.join(root, 'sys/bus/pci/drivers/vfio-pci')), path.join(serial, 'driver'));
  // As the kernel removes a group: the member's iommu_group link first, then the directory (a
  // directory gone while a device still links to it would be a partial tree: listed from the link).
  fs.unlinkSync(path.join(fs.realpathSync(path.join(root, 'sys/bus/pci/devices/0000:02:00.0')), 'iommu_group'));
  fs.renameSync(path.join(root, 'sys/kernel/iommu_groups/14'), path.join(root, 'gone-14'));
}

test('watch reports a rebind and a group going away, and ends on SIGTERM with exit 0', async () => {
  const root = fixtureCopy('q35-intel-vfio');
  const w = startWatch(['--root', root]);
  await w.until((o) => o.includes('watching'));
  rebindAndRemove(root);
  await w.until((o) => o.includes('driver serial -> vfio-pci') && o.includes('group 14 went away'));
  const r = await w.stop();
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  const lines = r.out.trim().split('\n').map((l) => l.replace(/^\S+ /, ''));
  assert.deepEqual(lines, [`watching ${root}: 22 groups, 30 PCI functions (225 devices on all buses; every 0.1 s; Ctrl-C ends)`, 'group 14 went away (had 0000:02:00.0)', '0000:0b:02.0: driver serial -> vfio-pci']);
});

test('watch --format json prints JSON lines', async () => {
  const root = fixtureCopy('q35-intel-vfio');
  const w = startWatch(['--root', root, '--format', 'json']);
  await w.until((o) => o.includes('"start"'));
  rebindAndRemove(root);
  await w.until((o) => o.split('\n').length >= 4);
  const r = await w.stop();
  assert.equal(r.code, 0);
  const docs = r.out.trim().split('\n').map((l) => JSON.parse(l));
  for (const d of docs) assertSchema('watch', d);
  assert.deepEqual(docs.map(({ time, ...rest }) => (assert.match(time, /^\d{4}-\d\d-\d\dT/), rest)), [
    { kind: 'start', root, groups: 22, pciFunctions: 30, devices: 225 },
    { kind: 'group-removed', group: 14, members: ['0000:02:00.0'] },
    { kind: 'driver-changed', device: '0000:0b:02.0', from: 'serial', to: 'vfio-pci' },
  ]);
});

test('Ctrl-C (SIGINT) ends watch with exit 0, nothing on stderr', async () => {
  const root = fixtureCopy('q35-intel');
  const w = startWatch(['--root', root]);
  await w.until((o) => o.includes('watching'));
  const r = await w.stop('SIGINT');
  assert.deepEqual([r.code, r.signal, r.err, r.out.trim().split('\n').length], [0, null, '', 1]);
});

test('watch | head -1: the reader gone ends the watch at once, though nothing changes (no tail left behind)', { skip: process.platform === 'linux' ? false : 'Linux pipes' }, async () => {
  const root = fixtureCopy('q35-intel');
  for (const format of ['plain', 'json']) {
    const sh = spawn('sh', ['-c', `'${process.execPath}' '${BIN}' watch --root '${root}' --format ${format} --interval 30 | head -1; echo "head done"`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    sh.stdout.on('data', (d) => (out += d));
    const started = Date.now();
    const code = await new Promise((r) => sh.on('exit', r));
    // The pipeline ends when watch does; with a 30 s interval only noticing the reader ends it.
    assert.equal(code, 0);
    assert.ok(Date.now() - started < 10000, `took ${Date.now() - started} ms`);
    assert.match(out, format === 'json' ? /^\{"time":"[^"]+","kind":"start",/ : / watching .*: 22 groups, 30 PCI functions /);
    assert.match(out, /head done\n$/);
  }
});
