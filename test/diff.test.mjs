// Fleet: diff between readings, pin and check --expect, the library, and the JSON Schemas, on the
// real captures and on trees derived from them (groups merged and renumbered as a kernel booted
// with pci=config_acs= would make them; a card moved to the empty root port).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, PROJECT, assertSchema, fixture, fixtureCopy, runCli, tempDir } from './helpers.mjs';
import { deviceDir, moveDevice, regroup } from './derive.mjs';

const TARBALL = (name) => path.join(PROJECT, 'test', 'fixtures', 'sysfs', `${name}.tar.gz`);

/** q35-intel on "another kernel" with pci=config_acs=: groups 19 and 20 merged, every later group renumbered. */
function mergedTree() {
  const root = fixtureCopy('q35-intel');
  regroup(root, { 20: 19, 21: 20 });
  fs.writeFileSync(path.join(root, 'proc/cmdline'), 'console=ttyS0 panic=-1 intel_iommu=on pci=config_acs=000000@0000:07:00.0\n');
  fs.writeFileSync(path.join(root, 'proc/version'), fs.readFileSync(path.join(root, 'proc/version'), 'utf8').replace('6.1.0-56-amd64', '6.12.9-amd64'));
  return root;
}

/** q35-intel with the virtio NIC at 03:00.0 moved to the empty root port 00:02.7 (bus 0c). */
function movedTree() {
  const root = fixtureCopy('q35-intel');
  moveDevice(root, '0000:03:00.0', '0000:0c:00.0', deviceDir(root, '0000:00:02.7'));
  return root;
}

test('diff q35-intel -> q35-intel-vfio: two driver moves and nothing else; exit 1', () => {
  const r = runCli(['diff', fixture('q35-intel'), fixture('q35-intel-vfio'), '--format', 'plain']);
  assert.equal(r.stdout, 'driver-changed\t0000:02:00.0\t0000:02:00.0: driver nvme -> vfio-pci\ndriver-changed\t0000:0b:01.0\t0000:0b:01.0: driver e1000 -> vfio-pci\n');
  assert.deepEqual([r.stderr, r.code], ['', 1]);
  const j = JSON.parse(runCli(['diff', fixture('q35-intel'), fixture('q35-intel-vfio'), '--format', 'json']).stdout);
  assert.deepEqual(j.changes, [
    { kind: 'driver-changed', device: '0000:02:00.0', from: 'nvme', to: 'vfio-pci' },
    { kind: 'driver-changed', device: '0000:0b:01.0', from: 'e1000', to: 'vfio-pci' },
  ]);
  assert.deepEqual([j.renumbered, j.unknown, j.a.groups, j.b.groups, j.a.kernel], [0, [], 22, 22, '6.1.0-56-amd64']);
});

test('diff of a reading with itself, and of .tar.gz snapshots: no change, exit 0', () => {
  const same = runCli(['diff', fixture('q35-intel-vfio'), fixture('q35-intel-vfio'), '--format', 'plain']);
  assert.deepEqual([same.stdout, same.stderr, same.code], ['', '', 0]);
  const tgz = runCli(['diff', TARBALL('q35-intel'), fixture('q35-intel'), '--format', 'json']);
  assert.equal(tgz.code, 0, tgz.stderr);
  assert.equal(JSON.parse(tgz.stdout).a.root, TARBALL('q35-intel'));
});

test('groups renumbered with the same members are no change', () => {
  const root = fixtureCopy('q35-intel');
  regroup(root, { 3: 30, 4: 31, 19: 40, 20: 19, 21: 20 });
  const r = runCli(['diff', fixture('q35-intel'), root, '--format', 'table']);
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, /\nno change \(5 groups renumbered with the same members: not a change\)\n$/);
});

test('the merge a pci=config_acs= kernel makes: exactly one group change, the command line, the kernel', () => {
  const b = mergedTree();
  const r = runCli(['diff', fixture('q35-intel'), b, '--format', 'plain']);
  assert.equal(
    r.stdout,
    'group-merged\tgroup 19\tgroups 19, 20 are one group now, 19: 0000:07:00.0 0000:07:01.0 0000:08:00.0 0000:09:00.0\n' +
      'cmdline-changed\tpci\tkernel command line pci: (not set) -> config_acs=000000@0000:07:00.0\n',
  );
  assert.equal(r.code, 1);
  const j = JSON.parse(runCli(['diff', fixture('q35-intel'), b, '--format', 'json']).stdout);
  assert.deepEqual(j.changes.filter((c) => c.kind.startsWith('group-')), [{ kind: 'group-merged', from: [19, 20], to: 19, members: ['0000:07:00.0', '0000:07:01.0', '0000:08:00.0', '0000:09:00.0'] }]);
  assert.deepEqual([j.renumbered, j.a.kernel, j.b.kernel, j.b.groups], [1, '6.1.0-56-amd64', '6.12.9-amd64', 21]);
  // The other way round it is a split.
  const back = JSON.parse(runCli(['diff', b, fixture('q35-intel'), '--format', 'json']).stdout);
  assert.deepEqual(back.changes.filter((c) => c.kind.startsWith('group-')).map((c) => [c.kind, c.from, c.to.map((g) => g.group)]), [['group-split', 19, [19, 20]]]);
});

test('a card in another slot is moved, not removed and added; its group is matched by members', () => {
  const r = runCli(['diff', fixture('q35-intel'), movedTree(), '--format', 'plain']);
  assert.deepEqual([r.stdout, r.code], ['device-moved\t0000:0c:00.0\t0000:03:00.0 is at 0000:0c:00.0 now (1af4:1041 sub 1af4:1100 class 020000)\n', 1]);
});

test('an address that holds another device is replaced; the IOMMU turned off is one change and groups are not compared', () => {
  const root = fixtureCopy('q35-intel');
  const dev = deviceDir(root, '0000:01:00.0');
  fs.writeFileSync(path.join(dev, 'device'), '0x10fb\n');
  const cfg = fs.readFileSync(path.join(dev, 'config'));
  cfg.writeUInt16LE(0x10fb, 2);
  // Another card has another serial number (the Device Serial Number capability, lower dword first).
  const dsn = cfg.indexOf(Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff, 0x00, 0x54, 0x52]), 0x100);
  assert.ok(dsn > 0x100, 'the 82574L capture carries a DSN');
  cfg.writeUInt32LE(0x00000002, dsn);
  fs.writeFileSync(path.join(dev, 'config'), cfg);
  const uevent = path.join(dev, 'uevent');
  fs.writeFileSync(uevent, fs.readFileSync(uevent, 'utf8').replace('PCI_ID=8086:10D3', 'PCI_ID=8086:10FB'));
  const r = runCli(['diff', fixture('q35-intel'), root, '--format', 'plain']);
  assert.deepEqual([r.stdout, r.code], ['device-replaced\t0000:01:00.0\t0000:01:00.0 holds another device: 8086:10d3 sub 8086:0000 class 020000 dsn 525400ffff000001 before, 8086:10fb sub 8086:0000 class 020000 dsn 525400ff00000002 now\n', 1]);
  const off = runCli(['diff', fixture('q35-intel'), fixture('q35-noiommu'), '--format', 'plain']);
  assert.equal(off.stdout, 'iommu-changed\tiommu\tthe IOMMU was on and is off\ncmdline-changed\tintel_iommu\tkernel command line intel_iommu: on -> (not set)\n');
  assert.equal(off.stderr, 'iommu-groups: not compared: groups: the IOMMU is off in B, so it has none to compare\n');
});

test('diff: bad roots are usage errors (exit 2) without a stack', () => {
  const r = runCli(['diff', '/nonexistent', fixture('q35-intel')]);
  assert.deepEqual([r.stderr.split('\n')[0], r.code], ['iommu-groups: diff /nonexistent: no such directory', 2]);
  const junk = path.join(tempDir('iommu-groups-junk-'), 'x.tar.gz');
  fs.writeFileSync(junk, 'not gzip');
  const j = runCli(['diff', junk, fixture('q35-intel')]);
  assert.equal(j.code, 2);
  assert.match(j.stderr, /^iommu-groups: diff .*x\.tar\.gz: could not unpack: /);
  assert.doesNotMatch(j.stderr, /\n\s+at /);
});

test('list --format prometheus --baseline: a series per kind of change', () => {
  const r = runCli(['list', '--root', mergedTree(), '--format', 'prometheus', '--baseline', TARBALL('q35-intel')]);
  assert.equal(r.code, 0, r.stderr);
  const series = r.stdout.split('\n').filter((l) => l.startsWith('iommu_groups_changes{'));
  assert.deepEqual(series, [
    'iommu_groups_changes{kind="iommu-changed"} 0',
    'iommu_groups_changes{kind="group-merged"} 1',
    'iommu_groups_changes{kind="group-split"} 0',
    'iommu_groups_changes{kind="group-moved"} 0',
    'iommu_groups_changes{kind="group-left"} 0',
    'iommu_groups_changes{kind="group-joined"} 0',
    'iommu_groups_changes{kind="device-moved"} 0',
    'iommu_groups_changes{kind="device-replaced"} 0',
    'iommu_groups_changes{kind="device-added"} 0',
    'iommu_groups_changes{kind="device-removed"} 0',
    'iommu_groups_changes{kind="driver-changed"} 0',
    'iommu_groups_changes{kind="cmdline-changed"} 1',
  ]);
  const bad = runCli(['list', '--root', fixture('q35-intel'), '--baseline', fixture('q35-intel'), '--format', 'json']);
  assert.deepEqual([bad.stderr.split('\n')[0], bad.code], ['iommu-groups: --baseline goes with --format prometheus', 2]);
});

function pinFile(root, targets) {
  const r = runCli(['pin', ...targets, '--root', root]);
  assert.equal(r.code, 0, r.stderr);
  const file = path.join(tempDir('iommu-groups-pins-'), 'pins.json');
  fs.writeFileSync(file, r.stdout);
  return file;
}

test('pin records identity and group members; check --expect on the same tree passes them', () => {
  const file = pinFile(fixture('q35-intel'), ['08:00.0']);
  const pins = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.deepEqual(pins.pins, [
    {
      address: '0000:08:00.0',
      identity: '1af4:1041 sub 1af4:1100 class 020000',
      driver: 'virtio-pci',
      group: {
        id: 19,
        members: [
          { address: '0000:07:00.0', identity: '104c:8233 sub 0000:0000 class 060400' },
          { address: '0000:08:00.0', identity: '1af4:1041 sub 1af4:1100 class 020000' },
        ],
      },
    },
  ]);
  const r = runCli(['check', '--expect', file, '--root', fixture('q35-intel'), '--format', 'json']);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.groups[0].findings.filter((f) => f.code.startsWith('PIN_')).map((f) => [f.code, f.status, f.message]), [['PIN_MATCH', 'ok', 'the pinned device, and its group has the pinned members']]);
  // Renumbered alone: still the pinned members.
  const renum = fixtureCopy('q35-intel');
  regroup(renum, { 19: 40, 40: 19 });
  const x = JSON.parse(runCli(['check', '--expect', file, '--root', renum, '--format', 'json']).stdout);
  assert.equal(x.groups[0].findings.find((f) => f.code === 'PIN_MATCH').message, 'the pinned device, and its group has the pinned members (numbered 40 now, 19 then: the number alone is no change)');
});

test('check --expect refuses the merged group, a moved card and a replaced one (exit 1)', () => {
  const file = pinFile(fixture('q35-intel'), ['08:00.0', '03:00.0']);
  const merged = runCli(['check', '--expect', file, '--root', mergedTree(), '--format', 'plain']);
  assert.equal(merged.code, 1);
  assert.equal(merged.stdout.split('\n')[0], '0000:08:00.0\t0000:08:00.0\t19\tblocked\tPIN_GROUP_CHANGED,ROUTE_UNKNOWN,MOUNTS_UNKNOWN,GROUP_MEMBER_HOST_DRIVER');
  const jm = JSON.parse(runCli(['check', '--expect', file, '--root', mergedTree(), '--format', 'json']).stdout);
  assert.equal(
    jm.groups[0].findings[0].message,
    "its group's members changed since it was pinned (group 19 then, group 19 now): joined: 0000:07:01.0 (104c:8233 sub 0000:0000 class 060400), 0000:09:00.0 (1b36:0010 sub 1af4:1100 class 010802); what goes to the VM with it is not what the configuration was made for",
  );
  const moved = JSON.parse(runCli(['check', '--expect', file, '--root', movedTree(), '--format', 'json']).stdout);
  assert.equal(moved.outcome, 'blocked');
  const m = moved.groups.find((g) => g.targets[0] === '0000:03:00.0');
  assert.deepEqual([m.group, m.outcome, m.findings.map((f) => f.code)], [null, 'blocked', ['PIN_DEVICE_MOVED']]);
  assert.equal(m.findings[0].message, "no device at 0000:03:00.0 now: a device like it (same ids, no serial number pinned to tell alike devices apart) is at 0000:0c:00.0 now; update the VM's configuration (and the pin) before it starts");
  assert.deepEqual(moved.targets.map((t) => [t.device, t.outcome]), [['0000:08:00.0', 'unknown'], ['0000:03:00.0', 'blocked']]);
});

test('check --expect: a file that is not a pin file, or with targets too, is a usage error', () => {
  const dir = tempDir('iommu-groups-badpin-');
  fs.writeFileSync(path.join(dir, 'x.json'), '{"command":"list"}');
  const r = runCli(['check', '--expect', path.join(dir, 'x.json'), '--root', fixture('q35-intel')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^iommu-groups: --expect .*x\.json: not a pin file/);
  const both = runCli(['check', '01:00.0', '--expect', path.join(dir, 'x.json'), '--root', fixture('q35-intel')]);
  assert.deepEqual([both.stderr.split('\n')[0], both.code], ['iommu-groups: --expect takes its targets from the file', 2]);
});

/** Every JSON document every command prints on every capture, checked against its schema. */
test('schemas: every JSON output of every command on every capture validates (2020-12)', () => {
  let n = 0;
  for (const name of FIXTURES) {
    const root = fixture(name);
    const runs = [
      ['list'],
      ['list', '--predict'],
      ['list', '--class', 'net', '--related'],
      ['buses'],
      ['buses', '--bus', 'pci'],
      ['host'],
      ['check', '01:00.0'],
      ['check', '05:00.0', '05:00.1'],
      ['check', '0b:01.0', '--strict'],
      ['explain', '08:00.0'],
      ['explain', '08:00.0', '--assume', 'pcie_acs_override=downstream'],
      ['tree'],
      ['tree', '--predict'],
      ['slots'],
    ];
    for (const args of runs) {
      const r = runCli([...args, '--root', root, '--format', 'json']);
      assert.notEqual(r.stdout, '', `${name}: ${args.join(' ')}: ${r.stderr}`);
      n++; // runCli validated it
    }
    const d = runCli(['diff', root, fixture('q35-intel'), '--format', 'json']);
    assert.notEqual(d.stdout, '');
    const p = runCli(['pin', '01:00.0', '02:00.0', '--root', root]);
    assert.equal(p.code, 0);
    n += 2;
  }
  assert.equal(n, 48);
});

test('schemas fail what they should: a wrong type, a missing key, an unknown key', () => {
  const doc = JSON.parse(runCli(['check', '01:00.0', '--root', fixture('q35-intel'), '--format', 'json']).stdout);
  assert.doesNotThrow(() => assertSchema('check', doc));
  assert.throws(() => assertSchema('check', { ...doc, outcome: 'maybe' }), /outcome/);
  const { plan: _p, ...noPlan } = doc;
  assert.throws(() => assertSchema('check', noPlan), /plan/);
  assert.throws(() => assertSchema('check', { ...doc, extra: 1 }), /additionalProperties/);
  assert.throws(() => assertSchema('list', { ...doc, command: 'list' }), /must have required property/);
});

test('the library returns what each command prints with --format json, and throws typed errors', async () => {
  const api = await import(path.join(PROJECT, 'dist', 'api.js'));
  const ids = path.join(PROJECT, 'test', 'fixtures', 'pci.ids');
  for (const name of FIXTURES) {
    const root = fixture(name);
    const cli = (args) => JSON.parse(runCli([...args, '--root', root, '--format', 'json', '--pci-ids', ids]).stdout);
    assert.deepEqual(await api.list({ root, pciIds: ids }), cli(['list']), `${name} list`);
    assert.deepEqual(await api.list({ root, pciIds: ids, class: ['net'], related: true }), cli(['list', '--class', 'net', '--related']));
    assert.deepEqual(await api.check(['05:00.0', '05:00.1'], { root, pciIds: ids }), cli(['check', '05:00.0', '05:00.1']), `${name} check`);
    assert.deepEqual(await api.host({ root }), cli(['host']), `${name} host`);
    assert.deepEqual(await api.explain(['08:00.0'], { root, assume: ['pcie_acs_override=downstream'] }), cli(['explain', '08:00.0', '--assume', 'pcie_acs_override=downstream']));
    assert.deepEqual(await api.tree({ root, pciIds: ids, predict: true }), cli(['tree', '--predict']), `${name} tree`);
  }
  const d = await api.diff(fixture('q35-intel'), mergedTree());
  assert.deepEqual(d.changes.map((c) => c.kind), ['group-merged', 'cmdline-changed']);
  assertSchema('diff', d);
  await assert.rejects(api.check(['99:00.0'], { root: fixture('q35-intel') }), (e) => e instanceof api.UsageError && e.exitCode === 2 && e.message === '99:00.0: no PCI device 0000:99:00.0 in this tree');
  await assert.rejects(api.list({ root: '/nonexistent' }), api.UsageError);
});

test('diff: a group link that cannot be read is not compared, and said (not "left its group")', () => {
  const root = fixtureCopy('q35-intel');
  const link = path.join(deviceDir(root, '0000:01:00.0'), 'iommu_group');
  fs.rmSync(link);
  fs.symlinkSync('../../../../kernel/not-a-group', link);
  const r = runCli(['diff', fixture('q35-intel'), root, '--format', 'json']);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.changes.filter((c) => c.kind.startsWith('group-')), [], JSON.stringify(j.changes));
  assert.ok(j.unknown.includes('group of 0000:01:00.0: unreadable in B (EBADLINK)'), JSON.stringify(j.unknown));
});

test('pin: a group member that is no PCI address (another bus, or a crafted name) is kept as written, and the file reads back', () => {
  const root = fixtureCopy('q35-intel');
  // Group 2's member link retargeted to a name that is no PCI address (what the mutation run met, seed 20261612).
  const link = path.join(root, 'sys/kernel/iommu_groups/2/devices/0000:00:02.0');
  fs.rmSync(link);
  fs.symlinkSync('../$(touch x); y', link);
  const file = pinFile(root, ['00:02.0']); // runCli checked it against schema/pin.json
  const members = JSON.parse(fs.readFileSync(file, 'utf8')).pins[0].group.members.map((m) => m.address);
  assert.deepEqual(members, ['$(touch x); y', '0000:00:02.0']);
  const r = runCli(['check', '--expect', file, '--root', root, '--format', 'plain']);
  assert.notEqual(r.code, 2, r.stderr);
  assert.match(r.stdout, /^0000:00:02\.0\t0000:00:02\.0\t2\t/);
});
