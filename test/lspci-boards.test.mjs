// Real boards' `sudo lspci -vvv` as their owners posted them, with the groups their kernels made
// held back (the `IOMMU group:` lines), turned into IOMMU-off trees (scripts/lspci-to-tree.mjs):
//  - x13s-arm64.lspci: a Lenovo ThinkPad X13s (Qualcomm SC8280XP, kernel 7.0.14), three PCIe
//    controllers, quoted in a reply on linux-arm-msm (2026-07-08, "[PATCH v5 5/5] PCI: qcom: Add
//    D3cold support"), mail quote marks and spaces for tabs as posted.
//  - ls1028a-arm64.lspci: an NXP LS1028A's integrated endpoints (ENETC, a multifunction RCiEP
//    whose ACS capability has no bit set), posted by Vladimir Oltean on linux-kernel (2023-08-09,
//    "[PATCH v2 pci/net 1/3] PCI: move OF status = "disabled" detection to dev->match_driver").
// Neither was taken with -nn: names are read back to ids through test/fixtures/boards/pci.ids
// (lines of the real pci.ids). Both are device-tree boards: lspci does not show the controllers'
// iommu-map, so the converted trees predict nothing but say why; the derived trees add the map the
// boards' own device-tree sources give and must then predict the kernel's groups.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseLspci, pciIdsNames, writeTree } from '../scripts/lspci-to-tree.mjs';
import { PROJECT, TEST_IDS, fixture, fixtureCopy, runCli, tempDir } from './helpers.mjs';

const BOARDS = path.join(PROJECT, 'test', 'fixtures', 'boards');
const IDS = path.join(BOARDS, 'pci.ids');
const names = pciIdsNames(fs.readFileSync(IDS, 'utf8'));

function convert(board) {
  const out = path.join(tempDir('iommu-groups-board-'), 'tree');
  writeTree(parseLspci(fs.readFileSync(path.join(BOARDS, board), 'utf8'), { names }), out);
  return out;
}

function predict(root) {
  const r = runCli(['list', '--predict', '--root', root, '--format', 'json', '--pci-ids', IDS]);
  return JSON.parse(r.stdout);
}

/** Groups as sorted member lists, sorted: a partition to compare, whatever the numbers. */
const partition = (groups) => groups.map((g) => [...g].sort().join(' ')).sort();

function heldBack(tree) {
  const held = JSON.parse(fs.readFileSync(path.join(tree, 'held-back-groups.json'), 'utf8'));
  const by = new Map();
  for (const [a, g] of Object.entries(held)) by.set(g, [...(by.get(g) ?? []), a]);
  return [...by.values()];
}

/** The derived tree: the controller's node, with the iommu-map its device-tree source gives. */
function withIommuMap(tree, node, entries) {
  const dir = path.join(tree, 'sys/firmware/devicetree/base', node);
  fs.mkdirSync(dir, { recursive: true });
  const map = Buffer.alloc(entries.length * 16);
  entries.forEach((e, i) => e.forEach((cell, j) => map.writeUInt32BE(cell, i * 16 + j * 4)));
  fs.writeFileSync(path.join(dir, 'iommu-map'), map);
  // The converted tree hangs every root bus from sys/devices: that is their controller here.
  fs.symlinkSync(path.relative(path.join(tree, 'sys/devices'), dir), path.join(tree, 'sys/devices/of_node'));
  return tree;
}

test('X13s: names without -nn become ids; the text alone predicts nothing, and says the iommu-map is missing', () => {
  const tree = convert('x13s-arm64.lspci');
  const ids = fs.readFileSync(path.join(tree, 'sys/devices/pci0002:00/0002:00:00.0/0002:01:00.0/device'), 'utf8');
  assert.equal(ids, '0x5042\n', 'Sandisk WD Black SN770M NVMe SSD (DRAM-less) is 15b7:5042');
  assert.equal(fs.readFileSync(path.join(tree, 'sys/devices/pci0002:00/0002:00:00.0/device'), 'utf8'), '0x010e\n');
  assert.deepEqual(partition(heldBack(tree)), ['0002:00:00.0 0002:01:00.0', '0004:00:00.0', '0006:00:00.0 0006:01:00.0']);
  const j = predict(tree);
  assert.deepEqual(j.groups, []);
  assert.deepEqual(j.prediction.unknown.map((u) => u.device), ['0002:00:00.0', '0002:01:00.0', '0004:00:00.0', '0006:00:00.0', '0006:01:00.0']);
  for (const u of j.prediction.unknown) assert.match(u.why, /^device tree: its host controller's device-tree node \(sys\/devices\/of_node\) is not in this tree/);
  assert.ok(fs.lstatSync(path.join(tree, 'sys/devices/pci0002:00/0002:00:00.0/of_node')).isSymbolicLink());
});

test('X13s with its controller\'s iommu-map: the predicted groups are the kernel\'s (root port and card together: no ACS)', () => {
  // sc8280xp-el2.dtso: iommu-map = <0 &pcie_smmu 0x20000 0x10000> (pcie2a; the others alike).
  const tree = withIommuMap(convert('x13s-arm64.lspci'), 'soc@0/pcie@1c20000', [[0, 1, 0x20000, 0x10000]]);
  const j = predict(tree);
  assert.deepEqual(j.prediction.unknown, []);
  assert.deepEqual(j.prediction.noGroup, []);
  assert.deepEqual(partition(j.groups.map((g) => g.members.map((m) => m.name))), partition(heldBack(tree)));
});

test('LS1028A: a multifunction RCiEP with an all-clear ACS capability splits as the kernel split it; a function outside the map gets no group', () => {
  const tree = convert('ls1028a-arm64.lspci');
  assert.equal(predict(tree).prediction.unknown.length, 8, 'without the map: all unknown');
  // fsl-ls1028a.dtsi: pcie@1f0000000 { iommu-map = <0 &smmu 0x17 0xe>; } (requester IDs 0x00-0x0d).
  const derived = withIommuMap(tree, 'soc/pcie@1f0000000', [[0, 1, 0x17, 0xe]]);
  const j = predict(derived);
  const held = heldBack(derived);
  assert.deepEqual(partition(held), ['0000:00:00.2', '0000:00:00.3', '0000:00:00.4', '0000:00:00.5']);
  const grouped = new Set(held.flat());
  const predicted = j.groups.map((g) => g.members.map((m) => m.name));
  assert.deepEqual(partition(predicted.map((g) => g.filter((a) => grouped.has(a)))).filter((g) => g !== ''), partition(held));
  assert.deepEqual(j.prediction.noGroup.map((u) => u.device), ['0000:00:1f.0']);
  assert.match(j.prediction.noGroup[0].why, /requester ID 0x00f8 is outside the iommu-map of sys\/firmware\/devicetree\/base\/soc\/pcie@1f0000000/);
  assert.deepEqual(j.ungrouped.map((m) => [m.name, m.isolation]), [['0000:00:1f.0', 'no-group']]);
  // The kernel showed no group for the three functions no driver took: said, not hidden.
  const all = [...predicted.flat(), ...j.ungrouped.map((m) => m.name)];
  const driverless = all.filter((a) => !grouped.has(a) && a !== '0000:00:1f.0');
  assert.deepEqual(driverless.sort(), ['0000:00:00.0', '0000:00:00.1', '0000:00:00.6']);
  for (const g of j.groups) for (const m of g.members) assert.equal(m.driver === null, driverless.includes(m.name), m.name);
  assert.ok(j.prediction.notes.some((n) => n.includes('0000:00:00.0, 0000:00:00.1, 0000:00:00.6 (no driver now) get their group once one binds')));
  const plain = runCli(['list', '--predict', '--root', derived, '--format', 'plain', '--pci-ids', IDS]);
  assert.match(plain.stderr, /7 shown; 1 function will get no group/);
  assert.match(plain.stderr, /0000:00:1f\.0 gets no group: device tree: its requester ID 0x00f8/);
  const table = runCli(['list', '--predict', '--root', derived, '--format', 'table', '--pci-ids', IDS]);
  assert.match(table.stdout, /\nPCI devices that will get no IOMMU group \(not isolated; see below\):\n[^]*│ 0000:00:1f\.0 │ Generic system peripheral \[0807\] │/);
  assert.doesNotMatch(table.stdout, /cannot be predicted/);
});

test('LS1028A: a function whose node is disabled (fsl-ls1028a.dtsi disables function 0) takes no driver: unknown, not a group', () => {
  const tree = withIommuMap(convert('ls1028a-arm64.lspci'), 'soc/pcie@1f0000000', [[0, 1, 0x17, 0xe]]);
  fs.writeFileSync(path.join(tree, 'sys/firmware/devicetree/base/soc/pcie@1f0000000/ethernet@0,0/status'), 'disabled\0');
  const j = predict(tree);
  assert.deepEqual(j.prediction.unknown.map((u) => u.device), ['0000:00:00.0']);
  assert.match(j.prediction.unknown[0].why, /status is not "okay", so the kernel binds no driver to it \(vfio-pci neither\)/);
  assert.ok(j.prediction.notes.some((n) => n.includes(' 0000:00:00.1, 0000:00:00.6 (no driver now)')));
  assert.equal(j.groups.length, 6);
  // A driver bound wins over the node's status: it is not read for functions with one.
  fs.writeFileSync(path.join(tree, 'sys/firmware/devicetree/base/soc/pcie@1f0000000/ethernet@0,2/status'), 'disabled\0');
  assert.deepEqual(predict(tree).prediction.unknown.map((u) => u.device), ['0000:00:00.0']);
});

test('a controller node without an iommu-map gives its functions no group; an iommu-map-mask masks the requester ID first', () => {
  const tree = withIommuMap(convert('ls1028a-arm64.lspci'), 'soc/pcie@1f0000000', []);
  const j = predict(tree);
  assert.deepEqual(j.groups, []);
  assert.equal(j.prediction.noGroup.length, 8);
  assert.match(j.prediction.noGroup[0].why, /has no iommu-map, so the kernel gives its functions no IOMMU/);
  // Mask 0xff00 keeps the bus only: every function on bus 0 is 0x0000, inside <0 .. 1>.
  const masked = withIommuMap(convert('ls1028a-arm64.lspci'), 'soc/pcie@1f0000000', [[0, 1, 0x17, 1]]);
  fs.writeFileSync(path.join(masked, 'sys/firmware/devicetree/base/soc/pcie@1f0000000/iommu-map-mask'), Buffer.from([0, 0, 0xff, 0]));
  assert.deepEqual(predict(masked).prediction.noGroup, []);
});

test('a malformed iommu-map is unknown, not a guess', () => {
  const tree = withIommuMap(convert('ls1028a-arm64.lspci'), 'soc/pcie@1f0000000', [[0, 1, 0x17, 0xe]]);
  fs.writeFileSync(path.join(tree, 'sys/firmware/devicetree/base/soc/pcie@1f0000000/iommu-map'), Buffer.alloc(10));
  const j = predict(tree);
  assert.equal(j.prediction.unknown.length, 8);
  assert.match(j.prediction.unknown[0].why, /iommu-map is 10 bytes, not entries of four cells/);
});

test('names back to ids: "Device xxxx", a name two ids share, a name pci.ids lacks', () => {
  const n = pciIdsNames('1957  Freescale Semiconductor Inc\n0e11  Compaq Computer Corporation\n\t0001  PCI to EISA Bridge\n021b  Compaq Computer Corporation\n\t0001  PCI to EISA Bridge\nC 02  Network controller\n\t00  Ethernet controller\n');
  assert.deepEqual(n.ids('Freescale Semiconductor Inc Device e100'), [0x1957, 0xe100]);
  assert.deepEqual(n.ids('Device 1234:5678'), [0x1234, 0x5678]);
  assert.equal(n.ids('Compaq Computer Corporation PCI to EISA Bridge'), 'named so for 0e11:0001 and 021b:0001');
  assert.equal(n.ids('Freescale Semiconductor Inc LS1028A ENETC'), 'not in this pci.ids');
  assert.equal(n.classOf('Ethernet controller'), 0x0200);
  assert.throws(
    () => parseLspci('00:00.0 Ethernet controller: Compaq Computer Corporation PCI to EISA Bridge\n', { names: n }),
    /0000:00:00\.0: "Compaq Computer Corporation PCI to EISA Bridge" is named so for 0e11:0001 and 021b:0001 .*take lspci with -nn/,
  );
  assert.throws(() => parseLspci('00:00.0 Teapot: Device 1234:5678\n', { names: n }), /class "Teapot" is not one class of this pci.ids/);
});

test('mail quote marks before each line are taken off; a device-tree path that climbs out is left out', () => {
  const text =
    '>> 00:02.0 Ethernet controller [0200]: Intel Corporation 82574L Gigabit Network Connection [8086:10d3]\n' +
    '>>\tDevice tree node: /sys/firmware/devicetree/base/soc/../../../../../escape\n' +
    '>>\tKernel driver in use: e1000e\n';
  const [d] = parseLspci(text);
  assert.equal(d.address, '0000:00:02.0');
  assert.equal(d.driver, 'e1000e');
  assert.equal(d.ofNode, null);
});

test('the converter resolves names from --pci-ids on the command line, and says which option gives ids when it cannot', () => {
  const out = path.join(tempDir('iommu-groups-board-'), 'tree');
  const script = path.join(PROJECT, 'scripts', 'lspci-to-tree.mjs');
  const ok = spawnSync(process.execPath, [script, '--pci-ids', IDS, path.join(BOARDS, 'x13s-arm64.lspci'), out], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stderr, /5 functions \(0 VFs\), 5 with a group held back/);
  const empty = path.join(tempDir('iommu-groups-board-'), 'empty.ids');
  fs.writeFileSync(empty, '# nothing\n');
  const bad = spawnSync(process.execPath, [script, '--pci-ids', empty, path.join(BOARDS, 'x13s-arm64.lspci'), `${out}2`], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr, 'lspci-to-tree: 0002:00:00.0: class "PCI bridge" is not one class of this pci.ids in "PCI bridge: Qualcomm Technologies, Inc SC8280XP PCI Express Root Port (prog-if 00 [Normal decode])" (take lspci with -nn)\n');
});

test('an ACPI host whose kernel also shows a device tree (and nodes made for PCI devices) predicts as before', () => {
  // Kernels built with CONFIG_OF create an empty root node where firmware gave no device tree, and
  // with CONFIG_PCI_DYNAMIC_OF_NODES nodes for PCI devices: ACPI still describes the platform.
  const root = fixtureCopy('q35-noiommu');
  fs.mkdirSync(path.join(root, 'sys/firmware/devicetree/base/pci@0'), { recursive: true });
  fs.symlinkSync('../../../firmware/devicetree/base/pci@0', path.join(root, 'sys/devices/pci0000:00/0000:00:02.0/of_node'));
  const args = (r) => ['list', '--predict', '--root', r, '--format', 'json', '--pci-ids', TEST_IDS];
  const before = JSON.parse(runCli(args(fixture('q35-noiommu'))).stdout);
  const after = JSON.parse(runCli(args(root)).stdout);
  assert.equal(after.groups.length, 22);
  assert.deepEqual(after.groups.map((g) => g.members.map((m) => m.name)), before.groups.map((g) => g.members.map((m) => m.name)));
  assert.deepEqual(after.prediction, before.prediction);
});
