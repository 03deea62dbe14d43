// `snapshot`: every command answers the same on a snapshot as on the tree it was taken from, for
// every capture (as a directory and as a .tar.gz) and for this host; unreadable entries are kept
// as such; it writes only under OUT (proved with the fs trap) and refuses dangerous places.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { BIN, FIXTURES, NOBODY_SKIP, PROJECT, TEST_IDS, fixture, fixtureCopy, runAsNobody, runCli, tempDir } from './helpers.mjs';

const COMMANDS = [
  ['list', '--format', 'json'],
  ['list', '--format', 'legacy'],
  ['buses', '--format', 'json'],
  ['host', '--format', 'json'],
  ['check', '01:00.0', '0b:01.0', '0b:02.0', '02:00.0', '00:1f.3', '--format', 'json'],
  ['explain', '08:00.0', '0b:02.0', '05:00.1', '--format', 'json'],
  ['tree', '--format', 'plain'],
];

function same(a, b, cmds) {
  for (const args of cmds) {
    const x = runCli([...args, '--root', a, '--pci-ids', TEST_IDS]);
    const y = runCli([...args, '--root', b, '--pci-ids', TEST_IDS]);
    assert.equal(y.code, x.code, args.join(' '));
    assert.equal(y.stdout.split(b).join('ROOT'), x.stdout.split(a).join('ROOT'), args.join(' '));
    assert.equal(y.stderr.split(b).join('ROOT'), x.stderr.split(a).join('ROOT'), args.join(' '));
  }
}

for (const fx of FIXTURES) {
  test(`snapshot of ${fx} round-trips: every command gives the same answer`, () => {
    const root = fixture(fx);
    const out = path.join(tempDir('iommu-groups-snap-'), 'snap');
    const r = runCli(['snapshot', out, '--root', root]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^snapshot: \d+ entries \(\d+ files with content\) from /);
    same(root, out, COMMANDS);
  });
}

test('snapshot as .tar.gz round-trips too, and is much smaller than the capture', () => {
  const root = fixture('q35-intel-vfio');
  const dir = tempDir('iommu-groups-snap-');
  const tgz = path.join(dir, 'host.tar.gz');
  assert.equal(runCli(['snapshot', tgz, '--root', root]).code, 0);
  const x = path.join(dir, 'x');
  fs.mkdirSync(x);
  execFileSync('tar', ['xzf', tgz, '-C', x]);
  same(root, x, COMMANDS);
  assert.ok(fs.statSync(tgz).size < fs.statSync(path.join(PROJECT, 'test/fixtures/sysfs/q35-intel-vfio.tar.gz')).size);
});

test('snapshot of this host: list, buses and tree answer the same from it', { skip: process.platform !== 'linux' }, () => {
  const out = path.join(tempDir('iommu-groups-snap-'), 'live');
  assert.equal(runCli(['snapshot', out]).code, 0);
  for (const args of [['list', '--format', 'json'], ['buses', '--format', 'json'], ['tree', '--format', 'plain'], ['check', fs.readdirSync('/sys/bus/pci/devices')[0], '--format', 'json']]) {
    const x = runCli(args);
    const y = runCli([...args, '--root', out]);
    assert.equal(y.code, x.code, args.join(' '));
    assert.equal(y.stdout.replace(`"root": "${out}"`, '"root": "/"'), x.stdout, args.join(' '));
  }
  // Device nodes the host lacks are recorded as absent (snapshot-meta/absent.txt), so host says what
  // it says live ("does not exist"), not "not in this tree"; a snapshot of the snapshot keeps that.
  const again = path.join(tempDir('iommu-groups-snap-'), 'again');
  assert.equal(runCli(['snapshot', again, '--root', out]).code, 0);
  const nodes = (root) => {
    const h = JSON.parse(runCli(['host', '--format', 'json', ...(root ? ['--root', root] : [])]).stdout);
    return h.findings.filter((f) => ['KVM_DEVICE', 'IOMMUFD', 'VHOST_NET', 'TUN', 'DEV_NODES'].includes(f.code))
      .map((f) => (f.code === 'KVM_DEVICE' && f.status === 'ok' ? 'ok KVM_DEVICE' : `${f.status} ${f.code} ${f.message}`));
  };
  const live = nodes(null);
  assert.equal(live.length, 5);
  assert.deepEqual(nodes(out), live);
  assert.deepEqual(nodes(again), live);
  const absent = fs.readFileSync(path.join(out, 'snapshot-meta/absent.txt'), 'utf8').split('\n').filter(Boolean);
  for (const n of ['dev/kvm', 'dev/iommu', 'dev/vhost-net', 'dev/net/tun']) assert.equal(absent.includes(n), !fs.existsSync('/' + n), n);
  assert.deepEqual(fs.readFileSync(path.join(again, 'snapshot-meta/absent.txt'), 'utf8').split('\n').filter(Boolean), absent);
  // Its listings are the host's whole listings: a module not in its sys/module was not loaded.
  assert.match(fs.readFileSync(path.join(out, 'snapshot-meta/source.txt'), 'utf8'), /^listings\tcomplete$/m);
  assert.match(fs.readFileSync(path.join(again, 'snapshot-meta/source.txt'), 'utf8'), /^listings\tcomplete$/m);
  for (const m of ['kvm', 'kvm_intel', 'kvm_amd']) fs.rmSync(path.join(again, 'sys/module', m), { recursive: true, force: true });
  const kvm = JSON.parse(runCli(['host', '--format', 'json', '--root', again]).stdout).findings.find((f) => f.code === 'KVM_MODULES');
  assert.notEqual(kvm.status, 'unknown', kvm.message);
});

test('a snapshot of a capture records no absence the capture did not: host stays unknown about /dev nodes it lacks', () => {
  const root = fixtureCopy('q35-intel');
  fs.mkdirSync(path.join(root, 'dev/vfio'), { recursive: true });
  const out = path.join(tempDir('iommu-groups-snap-'), 'snap');
  assert.equal(runCli(['snapshot', out, '--root', root]).code, 0);
  assert.equal(fs.readFileSync(path.join(out, 'snapshot-meta/absent.txt'), 'utf8'), '');
  assert.doesNotMatch(fs.readFileSync(path.join(out, 'snapshot-meta/source.txt'), 'utf8'), /listings/);
  const h = JSON.parse(runCli(['host', '--format', 'json', '--root', out]).stdout);
  assert.deepEqual(h.findings.filter((f) => ['KVM_DEVICE', 'IOMMUFD'].includes(f.code)).map((f) => `${f.status} ${f.message}`), [
    'unknown /dev/kvm is not in this tree, and the tree does not say it was absent on the host (a snapshot by this tool does)',
    'unknown /dev/iommu is not in this tree',
  ]);
});

test('an entry that cannot be read is kept as unreadable, and reads as unreadable from the snapshot', () => {
  const root = fixtureCopy('q35-intel');
  const nic = fs.realpathSync(path.join(root, 'sys/bus/pci/devices/0000:01:00.0'));
  fs.rmSync(path.join(nic, 'driver_override'));
  fs.mkdirSync(path.join(nic, 'driver_override')); // EISDIR when read
  const out = path.join(tempDir('iommu-groups-snap-'), 'snap');
  assert.equal(runCli(['snapshot', out, '--root', root]).code, 0);
  const rel = path.relative(root, path.join(nic, 'driver_override'));
  assert.equal(fs.readFileSync(path.join(out, 'snapshot-meta/unreadable.txt'), 'utf8'), `${rel}\tEISDIR\tread\n`);
  same(root, out, [['list', '--device', '01:00.0', '--format', 'json']]);
});

test('snapshot writes only under OUT (fs trap) and refuses dangerous or occupied places', () => {
  const root = fixture('q35-intel');
  const dir = tempDir('iommu-groups-snap-');
  const out = path.join(dir, 'snap');
  const r = spawnSync(process.execPath, ['--import', path.join(PROJECT, 'test/trap-fs.mjs'), BIN, 'snapshot', out, '--root', root], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, FS_TRAP_ALLOW: out },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /FS-TRAP/);
  for (const [args, msg] of [
    [['snapshot', out, '--root', root], `iommu-groups: snapshot ${out}: exists and is not an empty directory\nhint: give a new directory or a .tar.gz path\n`],
    [['snapshot', '/sys/x', '--root', root], 'iommu-groups: snapshot /sys/x: will not write under /sys\nhint: give a directory or a .tar.gz path elsewhere, e.g. ./snapshot.tar.gz\n'],
    [['snapshot', `${root}/snap`, '--root', root], `iommu-groups: snapshot ${root}/snap: inside the tree being read (${root})\nhint: write the snapshot outside --root\n`],
  ]) {
    const e = runCli(args);
    assert.deepEqual([e.stdout, e.stderr, e.code], ['', msg, 2], args.join(' '));
  }
});

test('a link loop inside a path is left out and listed; the rest round-trips (found by the mutation run)', () => {
  const root = fixtureCopy('q35-intel-vfio');
  fs.unlinkSync(path.join(root, 'sys/block/nvme1n1'));
  fs.symlinkSync('nvme1n1', path.join(root, 'sys/block/nvme1n1'));
  const out = path.join(tempDir('iommu-groups-snap-'), 'snap');
  const r = runCli(['snapshot', out, '--root', root]);
  assert.deepEqual([r.stderr, r.code], ['', 0]);
  assert.equal(fs.readFileSync(path.join(out, 'snapshot-meta/unreadable.txt'), 'utf8'), ['sys/block/nvme1n1/dev\tELOOP\tread', 'sys/block/nvme1n1\tELOOP\tlist', 'sys/block/nvme1n1/holders\tELOOP\tlist', ''].join('\n'));
  assert.equal(fs.readFileSync(path.join(out, 'snapshot-meta/skipped.txt'), 'utf8'), '');
  same(root, out, [['list', '--format', 'json'], ['check', '09:00.0', '--format', 'json']]);
});

// As an ordinary user (the lab VM found this): write-only attributes are unreadable to tar, so
// placeholders must be readable for the .tar.gz to be made at all.
/** A copy of a capture that another user can read (the test scratch directories are 0700). */
function readableCopy(name) {
  const root = fixtureCopy(name);
  execFileSync('chmod', ['-R', 'a+rX', root]);
  return root;
}
test('snapshot to .tar.gz as an unprivileged user works and round-trips', { skip: NOBODY_SKIP }, () => {
  const root = readableCopy('q35-intel-vfio');
  const dir = tempDir('iommu-groups-snap-');
  fs.chmodSync(dir, 0o777);
  const tgz = path.join(dir, 'user.tar.gz');
  const r = runAsNobody(['snapshot', tgz, '--root', root]);
  assert.equal(r.code, 0, r.stderr);
  const x = path.join(dir, 'x');
  fs.mkdirSync(x);
  execFileSync('tar', ['xzf', tgz, '-C', x]);
  same(root, x, [['list', '--format', 'json'], ['host', '--format', 'json']]);
});

test('an unwritable OUT ends with exit 2 and one message, no stack', { skip: NOBODY_SKIP }, () => {
  const r = runAsNobody(['snapshot', '/root/nope.tar.gz', '--root', readableCopy('q35-intel')]);
  assert.equal(r.code, 2, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.match(r.stderr, /^iommu-groups: snapshot: /);
});

test('what an ordinary user cannot read (a mode-000 device directory, a bus) reads back as unreadable, as root too', { skip: NOBODY_SKIP }, () => {
  const root = readableCopy('q35-intel');
  fs.chmodSync(path.join(root, 'sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0'), 0o000);
  fs.chmodSync(path.join(root, 'sys/bus/virtio/devices'), 0o000);
  const dir = tempDir('iommu-groups-snap-');
  fs.chmodSync(dir, 0o777);
  const out = path.join(dir, 'snap');
  const ids = path.join(dir, 'pci.ids'); // the checkout itself may be private (mktemp -d)
  fs.copyFileSync(TEST_IDS, ids);
  fs.chmodSync(ids, 0o644);
  const r = runAsNobody(['snapshot', out, '--root', root]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    fs.readFileSync(path.join(out, 'snapshot-meta/unreadable.txt'), 'utf8'),
    // The interface under the device is listed too (for lower_* links) and fails the same way.
    ['sys/bus/virtio/devices\tEACCES\tlist', 'sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0\tEACCES\tlist', 'sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0/net/eth2\tEACCES\tlist', ''].join('\n'),
  );
  for (const args of [['list', '--format', 'json'], ['buses', '--format', 'plain'], ['check', '01:00.0', '--format', 'json']]) {
    const live = runAsNobody([...args, '--root', root, '--pci-ids', ids]);
    const wanted = [live.stdout.split(root).join('ROOT'), live.stderr.split(root).join('ROOT'), live.code];
    const asNobodyBack = runAsNobody([...args, '--root', out, '--pci-ids', ids]);
    const asRootBack = runCli([...args, '--root', out, '--pci-ids', ids]);
    for (const back of [asNobodyBack, asRootBack]) assert.deepEqual([back.stdout.split(out).join('ROOT'), back.stderr.split(out).join('ROOT'), back.code], wanted, args.join(' '));
  }
  assert.match(runAsNobody(['list', '--format', 'json', '--root', root, '--pci-ids', ids]).stdout, /"device": "EACCES"/);
});

test('OUT through a link is judged where it leads: into /dev or the tree is refused; a directory others can write is refused', () => {
  const root = fixtureCopy('q35-intel');
  const dir = tempDir('iommu-groups-snap-');
  fs.symlinkSync('/dev', path.join(dir, 'devlink'));
  fs.symlinkSync(root, path.join(dir, 'treelink'));
  const refuse = (out, msg) => {
    const e = runCli(['snapshot', out, '--root', root]);
    assert.deepEqual([e.stdout, e.stderr, e.code], ['', msg, 2], out);
  };
  refuse(path.join(dir, 'devlink/snap'), `iommu-groups: snapshot ${dir}/devlink/snap: will not write under /dev (it leads to /dev/snap)\nhint: give a directory or a .tar.gz path elsewhere, e.g. ./snapshot.tar.gz\n`);
  refuse(path.join(dir, 'devlink/snap.tar.gz'), `iommu-groups: snapshot ${dir}/devlink/snap.tar.gz: will not write under /dev (it leads to /dev/snap.tar.gz)\nhint: give a directory or a .tar.gz path elsewhere, e.g. ./snapshot.tar.gz\n`);
  refuse(path.join(dir, 'treelink/snap'), `iommu-groups: snapshot ${dir}/treelink/snap: inside the tree being read (${root})\nhint: write the snapshot outside --root\n`);
  // OUT itself a link to an empty directory: not written through.
  fs.mkdirSync(path.join(dir, 'empty'));
  fs.symlinkSync(path.join(dir, 'empty'), path.join(dir, 'outlink'));
  refuse(path.join(dir, 'outlink'), `iommu-groups: snapshot ${dir}/outlink: is a link\nhint: give a new directory (or the directory the link names)\n`);
  // A .tar.gz name where a dangling link waits: refused, nothing written where it points.
  fs.symlinkSync(path.join(dir, 'elsewhere.tar.gz'), path.join(dir, 'dangling.tar.gz'));
  refuse(path.join(dir, 'dangling.tar.gz'), `iommu-groups: snapshot ${dir}/dangling.tar.gz: already exists\nhint: give a new file name\n`);
  assert.equal(fs.existsSync(path.join(dir, 'elsewhere.tar.gz')), false);
  // An existing empty OUT that others can write.
  fs.mkdirSync(path.join(dir, 'shared'));
  fs.chmodSync(path.join(dir, 'shared'), 0o777);
  refuse(path.join(dir, 'shared'), `iommu-groups: snapshot ${dir}/shared: another user can write this directory (owner uid ${process.getuid()}, mode 777)\nhint: give a new directory: it is made for you\n`);
  fs.chmodSync(path.join(dir, 'shared'), 0o755);
  assert.equal(runCli(['snapshot', path.join(dir, 'shared'), '--root', root]).code, 0);
});

test('SIGTERM while a .tar.gz is being staged: the staging directory goes too, nothing is left beside OUT', async () => {
  const { spawn } = await import('node:child_process');
  const dir = tempDir('iommu-groups-snap-');
  const child = spawn(process.execPath, [BIN, 'snapshot', path.join(dir, 'snap.tar.gz'), '--root', fixture('q35-intel')], { stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', (code, signal) => r([code, signal])));
  // Wait for the staging directory to appear (or the run to end first, on a fast machine).
  let ended = null;
  exited.then((x) => (ended = x));
  while (ended === null && !fs.readdirSync(dir).some((n) => n.startsWith('.iommu-groups-snapshot-'))) await new Promise((r) => setImmediate(r));
  if (ended === null) child.kill('SIGTERM');
  const [code, signal] = await exited;
  if (signal === 'SIGTERM') assert.deepEqual(fs.readdirSync(dir), []);
  else assert.deepEqual([code, fs.readdirSync(dir)], [0, ['snap.tar.gz']]); // finished before the signal landed
});
