// Pure parsers and decisions, on literals taken from real trees and real pci.ids lines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePciName, parseUserAddress } from '../dist/model/pci-address.js';
import { parseReservedRegions } from '../dist/model/reserved-regions.js';
import { PciIds, lspciClassText, lspciDeviceText } from '../dist/model/pci-ids.js';
import { shellQuote, visible, safeJson, safeJsonChunks, field } from '../dist/render/safe-text.js';
import { colourLevel } from '../dist/cli/colour.js';
import { iommuCmdlineOptions } from '../dist/analyse/grouping/isolation.js';
import { unitKind } from '../dist/read/read-units.js';
import { resolveLinkText } from '../dist/read/sysfs-root.js';
import { upstreamBridges } from '../dist/read/read-pci.js';

test('user addresses: short and full forms, and the bad ones', () => {
  assert.deepEqual(parseUserAddress('01:00.0'), { ok: true, address: { domain: 0, bus: 1, slot: 0, function: 0 } });
  assert.deepEqual(parseUserAddress('0001:0A:1f.7'), { ok: true, address: { domain: 1, bus: 10, slot: 31, function: 7 } });
  for (const bad of ['01:00', 'zz:00.0', '0000:01:00.8', '0000:01:20.0', '', '1:2:3:4.0']) {
    assert.equal(parseUserAddress(bad).ok, false, bad);
  }
  assert.deepEqual(parsePciName('0000:00:1f.3'), { domain: 0, bus: 0, slot: 31, function: 3 });
  assert.equal(parsePciName('0000:00:02.0:pcie001'), null);
  assert.equal(parsePciName('PNP0103:00'), null);
});

test('reserved_regions: inclusive ranges, types as written, bad lines reported', () => {
  const r = parseReservedRegions('0x0000000000000000 0x0000000000ffffff direct-relaxable\n0x00000000fee00000 0x00000000feefffff msi\n');
  assert.deepEqual(r, {
    regions: [
      { start: '0x0000000000000000', end: '0x0000000000ffffff', type: 'direct-relaxable' },
      { start: '0x00000000fee00000', end: '0x00000000feefffff', type: 'msi' },
    ],
    badLines: [],
  });
  assert.deepEqual(parseReservedRegions(''), { regions: [], badLines: [] });
  assert.deepEqual(parseReservedRegions('garbage\n0x1 0x2 msi').badLines, [1]);
});

const IDS = [
  '#\tList of PCI ID\'s',
  '1234  Technical Corp.',
  '1b36  Red Hat, Inc.',
  '\t000c  QEMU PCIe Root port',
  '\t\t1b36 0000  subsystem line',
  '8086  Intel Corporation ',
  '\t10d3  82574L Gigabit Network Connection',
  'C 02  Network controller',
  '\t00  Ethernet controller',
  'C 03  Display controller',
  '\t00  VGA compatible controller',
  '\t\t00  VGA controller',
  '',
].join('\n');

test('pci.ids: lookups as pciutils parses them, lspci -nn formatting', () => {
  const ids = new PciIds(IDS);
  assert.equal(ids.vendorName(0x8086), 'Intel Corporation', 'one trailing blank stripped');
  assert.equal(ids.deviceName(0x1b36, 0x000c), 'QEMU PCIe Root port');
  assert.equal(ids.deviceName(0x1b36, 0x000e), null);
  assert.equal(ids.vendorName(0x10de), null);
  assert.equal(lspciDeviceText(ids, 0x1b36, 0x000e), 'Red Hat, Inc. Device [1b36:000e]');
  assert.equal(lspciDeviceText(ids, 0x10de, 0x1234), 'Device [10de:1234]');
  assert.equal(lspciDeviceText(null, 0x8086, 0x10d3), 'Device [8086:10d3]');
  assert.equal(lspciClassText(ids, 0x020000), 'Ethernet controller [0200]');
  assert.equal(lspciClassText(ids, 0x038000), 'Display controller [0380]', 'base class name when the subclass is unknown');
  assert.equal(lspciClassText(ids, 0xff0000), 'Class [ff00]');
});

test('hostile strings are escaped visibly; JSON stays valid; shell words are quoted', () => {
  assert.equal(visible('ok\x1b[31mred\x07\u009b2J\u202e'), 'ok\\x1b[31mred\\x07\\x9b2J\\u202e');
  assert.equal(field('a\tb\nc'), 'a\\x09b\\x0ac');
  assert.equal(field(null), '-');
  assert.equal(field('x', true), '?');
  const j = safeJson({ s: 'a\u009bb\u2028' });
  assert.ok(!/[\u009b\u2028]/.test(j));
  assert.deepEqual(JSON.parse(j), { s: 'a\u009bb\u2028' });
  assert.equal(shellQuote('0000:01:00.0'), '0000:01:00.0');
  assert.equal(shellQuote("x'; rm -rf / #"), `'x'\\''; rm -rf / #'`);
  assert.equal(shellQuote('$(reboot)'), "'$(reboot)'");
});

test('colour level: --color, NO_COLOR, FORCE_COLOR, TERM=dumb, terminal', () => {
  assert.equal(colourLevel('auto', {}, true), 1);
  assert.equal(colourLevel('auto', {}, false), 0);
  assert.equal(colourLevel('auto', { NO_COLOR: '1' }, true), 0);
  assert.equal(colourLevel('auto', { NO_COLOR: '' }, true), 1, 'an empty NO_COLOR is unset');
  assert.equal(colourLevel('auto', { TERM: 'dumb' }, true), 0);
  assert.equal(colourLevel('auto', { FORCE_COLOR: '1' }, false), 1);
  assert.equal(colourLevel('auto', { FORCE_COLOR: '0' }, true), 0);
  assert.equal(colourLevel('always', { NO_COLOR: '1' }, false), 1);
  assert.equal(colourLevel('never', { FORCE_COLOR: '1' }, true), 0);
});

test('kernel command line: IOMMU options only, none after "--"', () => {
  assert.deepEqual(iommuCmdlineOptions('quiet intel_iommu=on iommu=pt pcie_acs_override=downstream,multifunction vfio-pci.ids=10de:1b80'), [
    'intel_iommu=on',
    'iommu=pt',
    'pcie_acs_override=downstream,multifunction',
    'vfio-pci.ids=10de:1b80',
  ]);
  assert.deepEqual(iommuCmdlineOptions('console=ttyS0 -- iommu=pt'), []);
  assert.deepEqual(iommuCmdlineOptions('vfio_pci.ids=1:2 amd_iommu=off'), ['vfio_pci.ids=1:2', 'amd_iommu=off']);
});

test('IOMMU unit kinds from the kernel\'s naming', () => {
  assert.equal(unitKind('dmar0', 'sys/devices/virtual/iommu/dmar0', ['intel-iommu']), 'intel-vtd');
  assert.equal(unitKind('ivhd0', 'sys/devices/pci0000:00/0000:00:00.2/iommu/ivhd0', ['amd-iommu']), 'amd-vi');
  assert.equal(unitKind('smmu3.0x0000000009050000', 'sys/devices/platform/9050000.smmuv3/iommu/smmu3.0x0000000009050000', []), 'arm-smmu-v3');
  assert.equal(unitKind('smmu.0x0000000009050000', 'x', []), 'arm-smmu');
  assert.equal(unitKind('virtio0', 'sys/devices/pci0000:00/0000:00:02.0/virtio0/iommu/virtio0', []), 'virtio-iommu');
  assert.equal(unitKind('s390-iommu.00000001', 'x', []), 's390');
  assert.equal(unitKind('mystery', 'sys/devices/platform/x', []), 'unknown');
});

test('links resolve inside the root, never above it', () => {
  assert.deepEqual(resolveLinkText('sys/bus/pci/devices/0000:00:01.0', '../../../devices/pci0000:00/0000:00:01.0'), { ok: true, value: 'sys/devices/pci0000:00/0000:00:01.0' });
  assert.deepEqual(resolveLinkText('sys/devices/x/iommu_group', '/sys/kernel/iommu_groups/3'), { ok: true, value: 'sys/kernel/iommu_groups/3' });
  assert.deepEqual(resolveLinkText('sys/a', '../../../etc/passwd'), { ok: false, absent: false, error: 'EOUTSIDE' });
  // Climbing above the root and coming back is still out (never clamped at the root); "." and
  // empty components are nothing; a link to the root itself is the root.
  assert.deepEqual(resolveLinkText('sys/a', '../../sys/b'), { ok: false, absent: false, error: 'EOUTSIDE' });
  assert.deepEqual(resolveLinkText('sys/a', '/../sys/b'), { ok: false, absent: false, error: 'EOUTSIDE' });
  assert.deepEqual(resolveLinkText('sys/kernel/x', './/../devices/./y/'), { ok: true, value: 'sys/devices/y' });
  assert.deepEqual(resolveLinkText('sys/a', '..'), { ok: true, value: '' });
  assert.deepEqual(resolveLinkText('a', 'b/../c'), { ok: true, value: 'c' });
  assert.deepEqual(upstreamBridges('sys/devices/pci0000:00/0000:00:02.5/0000:06:00.0/0000:07:00.0/0000:08:00.0'), ['0000:07:00.0', '0000:06:00.0', '0000:00:02.5']);
});

test('JSON written in pieces is the same text as JSON written whole', () => {
  const items = [{ id: 1, name: 'a\u202eb', list: [1, [2, {}]], nested: { x: null } }, { id: 2, s: 'caf\u00e9 \u0085 "q"\n' }];
  const cases = [
    { head: 1, items, tail: { t: [] } },
    { head: 1, items: [], tail: 'x' },
    { items, tail: null },
    { head: { a: [1, 2] }, items: [items[0]] },
  ];
  for (const c of cases) {
    const joined = [...safeJsonChunks({ ...c, items: null }, 'items', c.items)].join('');
    assert.equal(joined, safeJson(c));
  }
  // Each element is one piece: a reader of the stream gets them as they are made.
  const made = [];
  const gen = safeJsonChunks({ head: 1, items: null }, 'items', (function* () { for (const i of [1, 2, 3]) { made.push(i); yield { i }; } })());
  gen.next(); // '{'
  gen.next(); // head
  gen.next(); // '"items": [' after the first element is made
  assert.deepEqual(made, [1]);
});

test('uevent ids: PCI_ID, PCI_SUBSYS_ID and PCI_CLASS as the kernel writes them; anything else is not an id', async () => {
  const { parseUeventIds } = await import('../dist/read/read-pci.js');
  assert.deepEqual(parseUeventIds('DRIVER=ahci\nPCI_CLASS=10601\nPCI_ID=8086:2922\nPCI_SUBSYS_ID=1AF4:1100\nPCI_SLOT_NAME=0000:00:1f.2\n'), { vendor: 0x8086, device: 0x2922, subsystemVendor: 0x1af4, subsystemDevice: 0x1100, class: 0x010601 });
  assert.deepEqual(parseUeventIds('PCI_ID=808:2922\nPCI_CLASS=1234567\nPCI_SUBSYS_ID=1AF4:11000\n XPCI_ID=8086:2922'), {});
  assert.deepEqual(parseUeventIds(''), {});
});

test('--emit: guest functions start at 0; SR-IOV VFs each get a slot of their own; x-vga for any VGA-class target', async () => {
  const { vmSlots } = await import('../dist/analyse/vfio/vm-config.js');
  const { emitQemu, emitLibvirt, emitProxmox } = await import('../dist/render/emit.js');
  const fn = (name, extra = {}) => {
    const [, b, s, f] = /^0000:(..):(..)\.(.)$/.exec(name).map((x) => parseInt(x, 16));
    return { bus: 'pci', name, path: `sys/devices/pci0000:00/${name}`, group: 1, pci: { domain: 0, bus: b, slot: s, function: f, class: 0x020000, bootVga: false, physfn: null, ...extra } };
  };
  const report = (targets) => ({ outcome: 'ready', groups: [{ targets }] });
  // Two VFs of one PF at 0c:00.1 and 0c:00.2: a guest sees a slot only through its function 0.
  const vfModel = { devices: [fn('0000:0c:00.0'), fn('0000:0c:00.1', { physfn: '0000:0c:00.0' }), fn('0000:0c:00.2', { physfn: '0000:0c:00.0' })] };
  const vfs = vmSlots(vfModel, report(['0000:0c:00.1', '0000:0c:00.2']));
  assert.equal(emitQemu(vfs, { vga: false }), '-device vfio-pci,host=0000:0c:00.1 \\\n-device vfio-pci,host=0000:0c:00.2\n');
  assert.equal(emitProxmox(vfs, { vga: false }, '101'), 'qm set 101 -hostpci0 0000:0c:00.1,pcie=1 -hostpci1 0000:0c:00.2,pcie=1\n');
  // Functions 1 and 2 of a multifunction device (not VFs) share a guest slot as functions 0 and 1.
  const mf = { devices: [fn('0000:0d:00.0'), fn('0000:0d:00.1'), fn('0000:0d:00.2')] };
  const two = vmSlots(mf, report(['0000:0d:00.1', '0000:0d:00.2']));
  assert.equal(emitQemu(two, { vga: false }), '-device pcie-root-port,id=ig-rp16,chassis=16,slot=16 \\\n-device vfio-pci,host=0000:0d:00.1,bus=ig-rp16,addr=00.0,multifunction=on \\\n-device vfio-pci,host=0000:0d:00.2,bus=ig-rp16,addr=00.1\n');
  assert.match(emitLibvirt(two), /function='0x2'\/>\n  <\/source>\n  <address type='pci' domain='0x0000' bus='0x10' slot='0x00' function='0x1'\/>/);
  assert.match(emitLibvirt(two), /function='0x1'\/>\n  <\/source>\n  <address type='pci' domain='0x0000' bus='0x10' slot='0x00' function='0x0' multifunction='on'\/>/);
  // A GPU that is not the host's boot VGA is still the guest's primary: x-vga where asked.
  const gpu = { devices: [fn('0000:01:00.0', { class: 0x030000 }), fn('0000:01:00.1', { class: 0x040300 })] };
  const g = vmSlots(gpu, report(['0000:01:00.0', '0000:01:00.1']));
  assert.match(emitQemu(g, { vga: true }), /host=0000:01:00\.0,bus=ig-rp16,addr=00\.0,multifunction=on,x-vga=on \\\n-device vfio-pci,host=0000:01:00\.1,bus=ig-rp16,addr=00\.1\n$/);
  assert.equal(emitProxmox(g, { vga: true }, '101'), 'qm set 101 -hostpci0 0000:01:00,pcie=1,x-vga=1\n');
});

test('parseResource: BARs 0-5 as resource_show prints them (I/O, 32-bit, 64-bit prefetchable, unimplemented); anything else is null', async () => {
  const { parseResource } = await import('../dist/read/read-pci.js');
  const z = '0x0000000000000000 0x0000000000000000 0x0000000000000000';
  assert.deepEqual(parseResource(['0x000000000000c000 0x000000000000c03f 0x0000000000040101', '0x00000000fe004000 0x00000000fe004fff 0x0000000000040200', z, z,
    '0x0000038000000000 0x000003bfffffffff 0x000000000014220c', z, '0x00000000fe000000 0x00000000fe03ffff 0x0000000000046200', ''].join('\n')), [
    { index: 0, size: 64, kind: 'io', prefetchable: false },
    { index: 1, size: 4096, kind: 'mem32', prefetchable: false },
    { index: 4, size: 274877906944, kind: 'mem64', prefetchable: true },
  ]);
  assert.equal(parseResource([z, z, z, z, z].join('\n')), null);
  assert.equal(parseResource([z, z, z, z, z, '0x1 0x2'].join('\n')), null);
  assert.equal(parseResource([z, z, z, z, z, '0x1 0x2 0x200 \x1b[2J'].join('\n')), null);
  // A crafted end below its start is no BAR, never a negative size.
  assert.deepEqual(parseResource(['0x0000000000002000 0x0000000000001fff 0x0000000000040200', z, z, z, z, z].join('\n')), []);
});

test('wrapped commands break only where the shell splits: never inside \'...\'\\\'\'...\' or "..." or after a backslash', async () => {
  const { wrapCommand, splitShellWords } = await import('../dist/render/fit.js');
  assert.deepEqual(splitShellWords("printf '%s\\n' 'it'\\''s a b' \"c d\" e\\ f"), ["printf", "'%s\\n'", "'it'\\''s a b'", '"c d"', 'e\\ f']);
  const line = "printf '%s\\n' 'options vfio-pci ids=10de:1b80' 'softdep nouveau pre: vfio-pci' 'it'\\''s one word with spaces' | sudo tee -a /etc/modprobe.d/vfio-pci-iommu-groups.conf > /dev/null";
  const lines = wrapCommand(line, 60, 2);
  // Joined back as the shell would read the continuation lines, it is the same command.
  assert.equal(lines.map((l) => l.trim().replace(/ \\$/, '')).join(' '), line);
  assert.ok(lines.some((l) => l.includes("'it'\\''s one word with spaces'")), lines.join('\n'));
});

test('a bus entry whose name differs from its device directory: an issue, and the device read by its directory', async () => {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const { fixtureCopy } = await import('./helpers.mjs');
  const { runInProcess } = await import('./mutate.mjs');
  const root = fixtureCopy('q35-intel');
  fs.rmSync(path.join(root, 'sys/bus/pci/devices/0000:05:00.1'));
  fs.symlinkSync('../../../devices/pci0000:00/0000:00:02.1/0000:02:00.0', path.join(root, 'sys/bus/pci/devices/0000:05:00.1'));
  const j = JSON.parse((await runInProcess(['list', '--root', root, '--format', 'json'])).out);
  const names = j.groups.flatMap((g) => g.members).map((m) => m.name);
  assert.equal(names.filter((n) => n === '0000:02:00.0').length, 1);
  assert.deepEqual(j.issues.filter((i) => i.code === 'DEVICE_NAME_MISMATCH'), [{ code: 'DEVICE_NAME_MISMATCH', subject: 'sys/bus/pci/devices/0000:05:00.1', message: 'links to sys/devices/pci0000:00/0000:00:02.1/0000:02:00.0, a device named 0000:02:00.0: read as 0000:02:00.0' }]);
  // 05:00.1 is then known from its group alone: unknown, never isolated or ready.
  assert.equal(j.groups.find((g) => g.id === 17).members.find((m) => m.name === '0000:05:00.1').isolation, 'unknown');
  const c = await runInProcess(['check', '05:00.1', '--root', root]);
  assert.deepEqual([c.code, c.err.split('\n')[0]], [2, 'iommu-groups: 05:00.1: sys/bus/pci/devices/0000:05:00.1 links to sys/devices/pci0000:00/0000:00:02.1/0000:02:00.0, a device named 0000:02:00.0: this tree does not show the device, so it cannot be checked']);
});
