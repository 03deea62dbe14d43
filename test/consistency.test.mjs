// Hand-made edge cases, each derived from a real capture by one change: the two views of group
// membership disagreeing (as during hotplug), odd group directories, and absent vs unreadable.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { readModel } from '../dist/read/read-model.js';
import { buildListView } from '../dist/analyse/views/list-view.js';
import { NOBODY_SKIP, fixtureCopy, runAsNobody, runCli } from './helpers.mjs';

const G = 'sys/kernel/iommu_groups';
const NIC = 'sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0';
const NVME = 'sys/devices/pci0000:00/0000:00:02.1/0000:02:00.0';
const codes = (m) => m.issues.map((i) => `${i.code} ${i.subject}`);
const group = (m, id) => m.groups.find((g) => g.id === id);
const verdict = (root, id) => buildListView(readModel(root), {}, null).groups.find((g) => g.group.id === id).verdict;

test('a group that no longer lists a device whose own link still names it', () => {
  const root = fixtureCopy('q35-intel');
  fs.unlinkSync(path.join(root, G, '13/devices/0000:01:00.0'));
  const m = readModel(root);
  assert.deepEqual(codes(m), ['DEVICE_GROUP_NOT_LISTED 0000:01:00.0']);
  assert.deepEqual(group(m, 13).members.map((x) => [x.name, x.seenIn]), [['0000:01:00.0', 'device']]);
  assert.equal(verdict(root, 13).kind, 'isolated');
});

test('a group listing a device that has no iommu_group link', () => {
  const root = fixtureCopy('q35-intel');
  fs.unlinkSync(path.join(root, NIC, 'iommu_group'));
  const m = readModel(root);
  assert.deepEqual(codes(m), ['GROUP_MEMBER_LINK_MISSING 0000:01:00.0']);
  assert.deepEqual(group(m, 13).members.map((x) => [x.name, x.seenIn]), [['0000:01:00.0', 'group']]);
});

test('a device whose iommu_group link names another group than the one listing it', () => {
  const root = fixtureCopy('q35-intel');
  fs.unlinkSync(path.join(root, NVME, 'iommu_group'));
  fs.symlinkSync('../../../../kernel/iommu_groups/13', path.join(root, NVME, 'iommu_group'));
  const m = readModel(root);
  assert.deepEqual(codes(m), ['DEVICE_GROUP_MISMATCH 0000:02:00.0']);
  // Both views are kept: group 13 now has two endpoints, group 14 still lists the NVMe.
  assert.deepEqual(group(m, 13).members.map((x) => [x.name, x.seenIn]), [['0000:01:00.0', 'both'], ['0000:02:00.0', 'device']]);
  assert.deepEqual(group(m, 14).members.map((x) => [x.name, x.seenIn]), [['0000:02:00.0', 'group']]);
  assert.equal(verdict(root, 13).kind, 'shared');
  const r = runCli(['list', '--root', root, '--format', 'plain', '--group', '13']);
  assert.equal(r.code, 0);
  assert.equal(r.stderr, "iommu-groups: warning: DEVICE_GROUP_MISMATCH 0000:02:00.0: 0000:02:00.0's iommu_group link names group 13 but group 14 lists it\n");
});

test('an empty group directory, a non-numeric one, and a link that leaves the root', () => {
  const root = fixtureCopy('q35-intel');
  fs.unlinkSync(path.join(root, G, '16/devices/0000:04:00.0'));
  fs.unlinkSync(path.join(root, 'sys/devices/pci0000:00/0000:00:02.3/0000:04:00.0/iommu_group'));
  fs.mkdirSync(path.join(root, G, 'foo/devices'), { recursive: true });
  fs.symlinkSync('../../../../../../../../../../etc', path.join(root, G, '15/devices/escape'));
  const m = readModel(root);
  assert.deepEqual(codes(m).sort(), [
    'GROUP_DIR_NOT_NUMERIC sys/kernel/iommu_groups/foo',
    'GROUP_EMPTY group 16',
    'LINK_OUTSIDE_ROOT sys/kernel/iommu_groups/15/devices/escape',
  ]);
  assert.equal(verdict(root, 16).kind, 'empty');
  assert.deepEqual(group(m, 15).members.map((x) => x.name), ['0000:03:00.0']);
});

test('absent and unreadable stay apart: a directory where driver_override belongs, a FIFO as vendor', () => {
  const root = fixtureCopy('q35-intel');
  fs.rmSync(path.join(root, NIC, 'driver_override'));
  fs.mkdirSync(path.join(root, NIC, 'driver_override'));
  fs.rmSync(path.join(root, NVME, 'uevent')); // ids come from uevent when it is there: make vendor the source
  fs.rmSync(path.join(root, NVME, 'vendor'));
  assert.equal(spawnSync('mkfifo', [path.join(root, NVME, 'vendor')]).status, 0);
  fs.rmSync(path.join(root, NVME, 'driver')); // unbound: absent, not an error
  const m = readModel(root); // must not hang on the FIFO
  const nic = m.devices.find((d) => d.name === '0000:01:00.0');
  assert.deepEqual([nic.driverOverride, nic.errors], [null, { driverOverride: 'EISDIR' }]);
  const nvme = m.devices.find((d) => d.name === '0000:02:00.0');
  assert.deepEqual([nvme.pci.vendor, nvme.driver, nvme.errors], [null, null, { vendor: 'EFTYPE' }]);
  const plain = runCli(['list', '--root', root, '--format', 'plain', '--group', '14']).stdout;
  assert.equal(plain.split('\t')[7], '?:0010', 'unreadable vendor shows as ?');
});

test('VFIO no-IOMMU groups are not an IOMMU', () => {
  const root = fixtureCopy('q35-noiommu');
  const dir = path.join(root, G, '0');
  fs.mkdirSync(path.join(dir, 'devices'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'name'), 'vfio-noiommu\n');
  fs.writeFileSync(path.join(dir, 'type'), 'unknown\n');
  fs.writeFileSync(path.join(dir, 'reserved_regions'), '');
  fs.symlinkSync(`../../../../${NIC.slice(4)}`, path.join(dir, 'devices/0000:01:00.0'));
  fs.symlinkSync('../../../../kernel/iommu_groups/0', path.join(root, NIC, 'iommu_group'));
  const m = readModel(root);
  assert.deepEqual(m.issues, []);
  assert.equal(verdict(root, 0).kind, 'no-iommu');
  const r = runCli(['list', '--root', root, '--format', 'plain', '--group', '0']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /only VFIO no-IOMMU groups \(1\)/);
  assert.match(r.stdout, /^0\tno-iommu\tunknown\tpci\t0000:01:00\.0\tno-group\t/);
});

// Real permission errors need a non-root reader: as root, drop to nobody with setpriv.
test('an unreadable device directory (EACCES) is reported, not guessed', { skip: NOBODY_SKIP }, () => {
  const root = fixtureCopy('q35-intel');
  fs.chmodSync(root, 0o755);
  fs.chmodSync(path.join(root, NIC), 0o000);
  const r = runAsNobody(['list', '--root', root, '--format', 'json', '--group', '13']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  const nic = doc.groups[0].members[0];
  assert.deepEqual([nic.name, nic.seenIn, nic.isolation, nic.driver, nic.errors], ['0000:01:00.0', 'group', 'unknown', null, { device: 'EACCES' }]);
  assert.deepEqual(doc.issues, [], 'an unreadable link is not reported as a missing one');
});


// Ids and class come from one uevent read (PCI_ID, PCI_SUBSYS_ID, PCI_CLASS: the same struct
// pci_dev fields the vendor, device, subsystem_* and class attributes print); the attributes are
// the fallback for a field uevent lacks, garbles or cannot give.
test('uevent gives what the five id attributes give, on every capture; the attributes stand in for it', () => {
  for (const name of ['q35-intel', 'q35-intel-vfio', 'q35-noiommu']) {
    const root = fixtureCopy(name);
    const withUevent = readModel(root);
    const pci = fs.readdirSync(path.join(root, 'sys/bus/pci/devices'));
    for (const d of pci) fs.rmSync(path.join(root, 'sys/bus/pci/devices', d, 'uevent'));
    assert.deepEqual(readModel(root), withUevent, `${name}: the same model from the attributes alone`);
    assert.equal(withUevent.devices.filter((d) => d.bus === 'pci' && d.pci.vendor !== null && d.pci.class !== null).length, pci.length);
  }
  const root = fixtureCopy('q35-intel');
  const ids = (m, n) => {
    const p = m.devices.find((d) => d.name === n);
    return [p.pci.vendor, p.pci.device, p.pci.subsystemVendor, p.pci.subsystemDevice, p.pci.class, p.errors];
  };
  const before = readModel(root);
  // NIC: uevent garbled in PCI_ID, no PCI_CLASS -> those from the attributes; its PCI_SUBSYS_ID is used.
  fs.writeFileSync(path.join(root, NIC, 'uevent'), 'DRIVER=e1000e\nPCI_ID=zzzz:10D3\nPCI_SUBSYS_ID=ABCD:0001\n');
  // NVMe: uevent a FIFO (unreadable, must not hang) -> every id from the attributes, no error.
  fs.rmSync(path.join(root, NVME, 'uevent'));
  assert.equal(spawnSync('mkfifo', [path.join(root, NVME, 'uevent')]).status, 0);
  // 00:1f.2: attributes gone (another tool's snapshot kept only uevent) -> everything from uevent.
  const SATA = 'sys/devices/pci0000:00/0000:00:1f.2';
  for (const a of ['vendor', 'device', 'subsystem_vendor', 'subsystem_device', 'class']) fs.rmSync(path.join(root, SATA, a));
  const after = readModel(root);
  assert.deepEqual(ids(after, '0000:01:00.0'), [0x8086, 0x10d3, 0xabcd, 0x0001, 0x020000, {}]);
  assert.deepEqual(ids(after, '0000:02:00.0'), ids(before, '0000:02:00.0'));
  assert.deepEqual(ids(after, '0000:00:1f.2'), [0x8086, 0x2922, 0x1af4, 0x1100, 0x010601, {}]);
});
