// The model read from real kernel captures, asserted exactly as the kernel wrote them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readModel } from '../dist/read/read-model.js';
import { fixture } from './helpers.mjs';

const PCI = (p) => `sys/devices/pci0000:00/${p}`;

// lspci -tv and /sys/kernel/iommu_groups/*/devices of q35-intel (see test/fixtures/sysfs/README.md)
const Q35_GROUPS = {
  0: ['0000:00:00.0'], 1: ['0000:00:01.0'], 2: ['0000:00:02.0'], 3: ['0000:00:02.1'], 4: ['0000:00:02.2'],
  5: ['0000:00:02.3'], 6: ['0000:00:02.4'], 7: ['0000:00:02.5'], 8: ['0000:00:02.6'], 9: ['0000:00:02.7'],
  10: ['0000:00:03.0'], 11: ['0000:00:04.0', '0000:00:04.1'], 12: ['0000:00:1f.0', '0000:00:1f.2', '0000:00:1f.3'],
  13: ['0000:01:00.0'], 14: ['0000:02:00.0'], 15: ['0000:03:00.0'], 16: ['0000:04:00.0'],
  17: ['0000:05:00.0', '0000:05:00.1'], 18: ['0000:06:00.0'], 19: ['0000:07:00.0', '0000:08:00.0'],
  20: ['0000:07:01.0', '0000:09:00.0'], 21: ['0000:0a:00.0', '0000:0b:01.0', '0000:0b:02.0'],
};

const Q35_DRIVERS = {
  '0000:00:00.0': null, '0000:00:01.0': 'bochs-drm', '0000:00:02.0': 'pcieport', '0000:00:02.7': 'pcieport',
  '0000:00:03.0': 'virtio-pci', '0000:00:1f.0': 'lpc_ich', '0000:00:1f.2': 'ahci', '0000:00:1f.3': 'i801_smbus',
  '0000:01:00.0': 'e1000e', '0000:02:00.0': 'nvme', '0000:04:00.0': 'xhci_hcd', '0000:05:00.1': 'snd_hda_intel',
  '0000:0a:00.0': null, '0000:0b:01.0': 'e1000', '0000:0b:02.0': 'serial',
};

function groupMap(model) {
  return Object.fromEntries(model.groups.map((g) => [g.id, g.members.map((m) => m.name)]));
}

function pci(model, name) {
  return model.devices.find((d) => d.bus === 'pci' && d.name === name);
}

test('q35-intel: full group -> members map, types and reserved regions', () => {
  const m = readModel(fixture('q35-intel'));
  assert.equal(m.groupsDir, 'present');
  assert.deepEqual(groupMap(m), Q35_GROUPS);
  for (const g of m.groups) {
    assert.equal(g.type, 'DMA', `group ${g.id} type`);
    assert.equal(g.name, null);
    const msi = { start: '0x00000000fee00000', end: '0x00000000feefffff', type: 'msi' };
    // Group 12 holds the ISA (LPC) bridge: VT-d maps ISA's first 16 MiB 1:1, relaxable.
    const isa = { start: '0x0000000000000000', end: '0x0000000000ffffff', type: 'direct-relaxable' };
    assert.deepEqual(g.reservedRegions, g.id === 12 ? [isa, msi] : [msi], `group ${g.id} reserved regions`);
    assert.deepEqual(g.errors, {});
    for (const mem of g.members) assert.equal(mem.seenIn, 'both', `${mem.name} seen in both views`);
  }
  assert.deepEqual(m.issues, []);
});

test('q35-intel: drivers, ids, units and links of PCI functions', () => {
  const m = readModel(fixture('q35-intel'));
  for (const [name, driver] of Object.entries(Q35_DRIVERS)) assert.equal(pci(m, name).driver, driver, name);
  assert.equal(m.devices.filter((d) => d.bus === 'pci').length, 30);
  const nic = pci(m, '0000:01:00.0');
  assert.deepEqual(
    { v: nic.pci.vendor, d: nic.pci.device, c: nic.pci.class, r: nic.pci.revision, g: nic.group, u: nic.iommu },
    { v: 0x8086, d: 0x10d3, c: 0x020000, r: 0, g: 13, u: 'dmar0' },
  );
  assert.equal(nic.path, PCI('0000:00:02.0/0000:01:00.0'));
  assert.deepEqual(nic.pci.upstream, ['0000:00:02.0']);
  const nvme2 = pci(m, '0000:09:00.0');
  assert.deepEqual(nvme2.pci.upstream, ['0000:07:01.0', '0000:06:00.0', '0000:00:02.5']);
  const gpu = pci(m, '0000:05:00.0');
  assert.deepEqual([gpu.pci.multifunction, gpu.pci.siblings, gpu.pci.resetMethods, gpu.pci.hasReset], [true, ['0000:05:00.1'], ['flr', 'pm', 'bus'], true]);
  assert.equal(gpu.pci.configBytes, 4096);
  const vga = pci(m, '0000:00:01.0');
  assert.equal(vga.pci.bootVga, true);
  const bridge = pci(m, '0000:0a:00.0');
  assert.equal(bridge.pci.headerType, 1);
  assert.equal(pci(m, '0000:0b:01.0').pci.configBytes, 256);
  assert.deepEqual(m.units.map((u) => [u.name, u.kind, u.path, u.devices.length]), [['dmar0', 'intel-vtd', 'sys/devices/virtual/iommu/dmar0', 30]]);
  assert.equal(m.host.cmdline, 'console=ttyS0 panic=-1 intel_iommu=on');
  assert.deepEqual(m.host.acpiIommuTables, ['DMAR']);
});

test('q35-intel: devices of other buses have no group and keep their bus', () => {
  const m = readModel(fixture('q35-intel'));
  const onBus = (b) => m.devices.filter((d) => d.bus === b);
  assert.equal(onBus('pci_express').length, 27);
  assert.ok(onBus('pci_express').every((d) => d.group === null && d.pci === null));
  assert.equal(onBus('platform').length, 8);
  assert.ok(m.buses.includes('pci') && m.buses.includes('xen'));
});

test('q35-intel-vfio: vfio-pci bindings, vfio-dev children and driver_override', () => {
  const m = readModel(fixture('q35-intel-vfio'));
  assert.deepEqual(groupMap(m), Q35_GROUPS);
  const nvme = pci(m, '0000:02:00.0');
  assert.deepEqual([nvme.driver, nvme.driverOverride, nvme.pci.vfioDev, nvme.group], ['vfio-pci', 'vfio-pci', 'vfio0', 14]);
  const e1000 = pci(m, '0000:0b:01.0');
  assert.deepEqual([e1000.driver, e1000.driverOverride, e1000.group], ['vfio-pci', 'vfio-pci', 21]);
  assert.equal(typeof e1000.pci.vfioDev, 'string');
  const serial = pci(m, '0000:0b:02.0');
  assert.deepEqual([serial.driver, serial.driverOverride, serial.pci.vfioDev], ['serial', null, null]);
  assert.deepEqual(m.issues, []);
});

test('q35-noiommu: the same devices, no groups, no units, no group links', () => {
  const m = readModel(fixture('q35-noiommu'));
  assert.equal(m.groupsDir, 'present');
  assert.deepEqual(m.groups, []);
  assert.deepEqual(m.units, []);
  const pciDevs = m.devices.filter((d) => d.bus === 'pci');
  assert.equal(pciDevs.length, 30);
  assert.ok(pciDevs.every((d) => d.group === null && d.iommu === null));
  assert.deepEqual(m.host.acpiIommuTables, []);
  assert.equal(m.host.cmdline, 'console=ttyS0 panic=-1');
  assert.deepEqual(m.issues, []);
});
