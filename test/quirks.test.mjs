// Kernel-faithful grouping: ACS and DMA-alias quirks, Intel VMD, pcie_acs_override and
// pci=config_acs, on trees derived from the real q35-intel capture. Each derived tree changes ids,
// config space and the kernel's groups the way the cited kernel code (Linux v6.18) would, and the
// tool must account for those groups (explain), never contradict them (tree), and predict them
// from the original tree with --assume.
// Explain adds reset reasons after the grouping lines (issue 25); these tests are about grouping.
const groupingOnly = (e) => ({ ...e, lines: e.lines.filter((l) => !l.startsWith("reset: ")) });
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fixture, fixtureCopy, runCli } from './helpers.mjs';
import { runInProcess } from './mutate.mjs';
import { readModel } from '../dist/read/read-model.js';
import { predictGroups } from '../dist/analyse/grouping/rules.js';
import { kernelPrediction } from '../dist/analyse/grouping/kernel-grouping.js';
import { acsEnabled, DEFAULT_CONTEXT } from '../dist/analyse/grouping/acs.js';
import { ACS_QUIRKS, ALIAS_QUIRKS } from '../dist/analyse/grouping/quirk-table.js';
import { deviceSpecMatches, parseAcsOverride } from '../dist/analyse/grouping/acs-params.js';

const devDir = (root, a) => fs.realpathSync(path.join(root, 'sys/bus/pci/devices', a));
const G = (root) => path.join(root, 'sys/kernel/iommu_groups');

/** Vendor and device as sysfs (attributes and uevent) and config space show them. */
function setIds(root, a, vendor, device) {
  const d = devDir(root, a);
  const hex = (n) => n.toString(16).padStart(4, '0');
  fs.writeFileSync(path.join(d, 'vendor'), `0x${hex(vendor)}\n`);
  fs.writeFileSync(path.join(d, 'device'), `0x${hex(device)}\n`);
  const ue = fs.readFileSync(path.join(d, 'uevent'), 'utf8');
  fs.writeFileSync(path.join(d, 'uevent'), ue.replace(/^PCI_ID=.*$/m, `PCI_ID=${hex(vendor).toUpperCase()}:${hex(device).toUpperCase()}`));
  const c = fs.readFileSync(path.join(d, 'config'));
  c.writeUInt16LE(vendor, 0);
  c.writeUInt16LE(device, 2);
  fs.writeFileSync(path.join(d, 'config'), c);
}

/** Offset of the ACS extended capability in config space. */
function acsAt(c) {
  for (let p = 0x100, n = 0; p >= 0x100 && n < 64; n++) {
    const h = c.readUInt32LE(p);
    if ((h & 0xffff) === 0x000d) return p;
    p = (h >>> 20) & 0xffc;
    if (p === 0) break;
  }
  return null;
}

/** The ACS capability gone (its id zeroed; the chain still walks on), as on hardware without one. */
function hideAcs(root, a) {
  const f = path.join(devDir(root, a), 'config');
  const c = fs.readFileSync(f);
  c.writeUInt16LE(0, acsAt(c));
  fs.writeFileSync(f, c);
}

function setAcsControl(root, a, ctrl) {
  const f = path.join(devDir(root, a), 'config');
  const c = fs.readFileSync(f);
  c.writeUInt16LE(ctrl, acsAt(c) + 6);
  fs.writeFileSync(f, c);
}

/** Move a PCI function to group `gid` as the kernel would have placed it (creating the group). */
function moveTo(root, a, gid) {
  const dev = devDir(root, a);
  const old = path.basename(fs.readlinkSync(path.join(dev, 'iommu_group')));
  const to = path.join(G(root), String(gid));
  if (!fs.existsSync(to)) {
    fs.mkdirSync(path.join(to, 'devices'), { recursive: true });
    for (const f of ['type', 'reserved_regions']) fs.copyFileSync(path.join(G(root), old, f), path.join(to, f));
  }
  fs.renameSync(path.join(G(root), old, 'devices', a), path.join(to, 'devices', a));
  fs.unlinkSync(path.join(dev, 'iommu_group'));
  fs.symlinkSync(path.relative(dev, to), path.join(dev, 'iommu_group'));
  if (fs.readdirSync(path.join(G(root), old, 'devices')).length === 0) fs.rmSync(path.join(G(root), old), { recursive: true });
}

/** The CLI run in this process (no spawn per call: the suite stays fast). */
async function json(args, root) {
  const r = await runInProcess([...args, '--root', root, '--format', 'json']);
  assert.equal(r.err, '');
  return JSON.parse(r.out);
}

/** The kernel's groups as sets of PCI addresses (what explain must account for). */
async function kernelGroups(root) {
  return (await json(['list'], root)).groups.map((g) => g.members.filter((m) => m.bus === 'pci').map((m) => m.name).sort()).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

async function treeLine(root, a) {
  return (await runInProcess(['tree', '--root', root, '--format', 'table'])).out.split('\n').find((l) => l.includes(`- ${a} `));
}

test('the quirk table: source version, size, and every entry a real rule', async () => {
  assert.equal(ACS_QUIRKS.length, 130);
  assert.equal(ALIAS_QUIRKS.length, 40);
  for (const q of [...ACS_QUIRKS, ...ALIAS_QUIRKS]) assert.match(q.fn, /^(pci_quirk_|quirk_)/);
});

test('every capture: the rules give exactly the kernel groups, and explain accounts for each', async () => {
  for (const name of ['q35-intel', 'q35-intel-vfio']) {
    const model = readModel(fixture(name));
    const kp = kernelPrediction(model);
    assert.deepEqual([kp.matches, kp.differs], [true, []], name);
    assert.deepEqual(kp.prediction.groups(), await kernelGroups(fixture(name)), name);
  }
  assert.equal(kernelPrediction(readModel(fixture('q35-noiommu'))).matches, null);
});

// drivers/pci/pci.c pci_enable_acs(): only with an IOMMU (pci_acs_enable) does the kernel set
// SV/RR/CR/UF at boot; q35-noiommu is the q35-intel machine booted without one, its root ports'
// ACS control as firmware left it (0). The prediction there is the groups q35-intel's kernel made.
test('IOMMU off: the prediction is the groups the same machine gets with the IOMMU on', async () => {
  const off = readModel(fixture('q35-noiommu'));
  assert.ok(off.devices.some((d) => d.pci?.caps?.acs && d.pci.caps.acs.control === 0));
  assert.deepEqual(kernelPrediction(off).prediction.groups(), await kernelGroups(fixture('q35-intel')));
  assert.match(await treeLine(fixture('q35-noiommu'), '0000:00:02.5'), /isolates \(root port with ACS SV\+RR\+CR\+UF enabled, SV\+RR\+CR\+UF of them by the kernel at boot once an IOMMU is on \(off now\)\)/);
});

// drivers/pci/quirks.c, pci_quirk_intel_pch_acs(): a root port in pci_quirk_intel_pch_acs_ids
// isolates iff the boot-time enable set PCI_DEV_FLAGS_ACS_ENABLED_QUIRK
// ("return pci_acs_ctrl_enabled(acs_flags, PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF)"),
// else "return pci_acs_ctrl_enabled(acs_flags, 0)": it fails. Cougar Point root port 8086:1c10.
test('Intel PCH root port quirk, workaround enabled: the port isolates, explain and tree name the quirk', async () => {
  const root = fixtureCopy('q35-intel');
  setIds(root, '0000:00:02.0', 0x8086, 0x1c10);
  hideAcs(root, '0000:00:02.0');
  const e = (await json(['explain', '01:00.0'], root)).explanations.map(groupingOnly)[0];
  assert.equal(e.accounted, 'yes');
  assert.deepEqual(e.quirks, ['0000:00:02.0: Intel PCH root port, kernel ACS quirk pci_quirk_intel_pch_acs']);
  assert.ok(e.lines.includes("The kernel's groups show its Intel PCH ACS workaround enabled on 0000:00:02.0 (dmesg: 'Intel PCH root port ACS workaround enabled')."), e.lines.join('\n'));
  assert.match(await treeLine(root, '0000:00:02.0'), /isolates \(Intel PCH root port, kernel ACS quirk pci_quirk_intel_pch_acs: isolates if the kernel's Intel PCH ACS workaround is enabled/);
  const bridge = (await json(['list'], root)).groups.flatMap((g) => g.members).find((m) => m.name === '0000:00:02.0').bridgeIsolation;
  assert.deepEqual([bridge.result, bridge.quirk, bridge.kernel], ['pass', 'Intel PCH root port, kernel ACS quirk pci_quirk_intel_pch_acs', 'agrees']);
});

test('Intel PCH root port quirk, workaround not enabled: the kernel grouped the NIC with its port, and the tool says why', async () => {
  const root = fixtureCopy('q35-intel');
  setIds(root, '0000:00:02.0', 0x8086, 0x1c10);
  hideAcs(root, '0000:00:02.0');
  moveTo(root, '0000:01:00.0', 2); // pci_device_group(): upstream bridge fails ACS -> its group
  const e = (await json(['explain', '01:00.0'], root)).explanations.map(groupingOnly)[0];
  assert.deepEqual([e.accounted, e.members, e.predicted], ['yes', ['0000:00:02.0', '0000:01:00.0'], ['0000:00:02.0', '0000:01:00.0']]);
  assert.ok(e.lines.some((l) => l.startsWith("The kernel's groups show its Intel PCH ACS workaround not enabled on 0000:00:02.0 (dmesg: 'Failed to enable Intel PCH ACS quirk')")), e.lines.join('\n'));
  assert.match(await treeLine(root, '0000:00:02.0'), /DOES NOT ISOLATE \(Intel PCH root port, kernel ACS quirk pci_quirk_intel_pch_acs: does not isolate/);
});

test('a port without ACS that the kernel still isolates (a quirk we lack): no "DOES NOT ISOLATE" next to the kernel boundary', async () => {
  const root = fixtureCopy('q35-intel');
  hideAcs(root, '0000:00:02.0'); // 1b36:000c has no quirk; the kernel's groups g2 and g13 stay apart
  const line = await treeLine(root, '0000:00:02.0');
  assert.doesNotMatch(line, /DOES NOT ISOLATE/);
  assert.match(line, /isolates by kernel groups \(a group boundary below it; the rules say root port without an ACS capability, so likely an ACS quirk not in this tool's table \(v6\.18, drivers\/pci\/quirks\.c\)/);
  const e = (await json(['explain', '01:00.0'], root)).explanations.map(groupingOnly)[0];
  assert.equal(e.accounted, 'no');
  assert.match(e.lines.at(-1), /^The kernel grouped differently: the rules put 0000:00:02\.0 in this group too, but the kernel kept it apart; likely an ACS quirk not in this tool's table/);
  const bridge = (await json(['list'], root)).groups.flatMap((g) => g.members).find((m) => m.name === '0000:00:02.0').bridgeIsolation;
  assert.deepEqual([bridge.result, bridge.kernel], ['pass', 'differs']);
});

// pci_dev_acs_enabled[]: { PCI_VENDOR_ID_INTEL, 0x1521, pci_quirk_mf_endpoint_acs } (I350): the
// functions isolate from each other, so get_pci_function_alias_group() finds no partner.
test('multifunction endpoint quirk (Intel I350): functions the kernel keeps apart are accounted for', async () => {
  const root = fixtureCopy('q35-intel');
  setIds(root, '0000:05:00.0', 0x8086, 0x1521);
  setIds(root, '0000:05:00.1', 0x8086, 0x1521);
  moveTo(root, '0000:05:00.1', 22);
  const e = (await json(['explain', '05:00.1'], root)).explanations.map(groupingOnly)[0];
  assert.deepEqual([e.accounted, e.members], ['yes', ['0000:05:00.1']]);
  assert.deepEqual(e.quirks, ['0000:05:00.1: Intel I350 NIC, kernel ACS quirk pci_quirk_mf_endpoint_acs']);
  assert.equal(e.lines[0], '0000:05:00.1 starts a group: every bridge above it isolates (0000:00:02.4: root port with ACS SV+RR+CR+UF enabled), and it is a Intel I350 NIC, kernel ACS quirk pci_quirk_mf_endpoint_acs: isolates (the vendor declares no peer-to-peer)');
});

// quirk_dma_func1_alias() (Marvell 88SE9172, 1b4b:9172) adds devfn .1 to function 0's
// dma_alias_mask; get_pci_alias_group() then puts function 1 in function 0's group even though
// function 1 (an I350 id here) passes ACS on its own.
test('DMA-alias quirk (Marvell SATA): an isolating function shares its aliasing partner\'s group', async () => {
  const root = fixtureCopy('q35-intel');
  setIds(root, '0000:05:00.0', 0x1b4b, 0x9172);
  setIds(root, '0000:05:00.1', 0x8086, 0x1521);
  const e = (await json(['explain', '05:00.1'], root)).explanations.map(groupingOnly)[0];
  assert.deepEqual([e.accounted, e.members], ['yes', ['0000:05:00.0', '0000:05:00.1']]);
  assert.ok(e.lines.includes('0000:05:00.0 also DMAs as 0000:05:00.1 (Marvell SATA controller, kernel DMA-alias quirk quirk_dma_func1_alias), so they share a group'), e.lines.join('\n'));
  // Without the alias id the I350 function would stand alone: the rules say so, the kernel differs.
  setIds(root, '0000:05:00.0', 0x1af4, 0x1050);
  const d = (await json(['explain', '05:00.1'], root)).explanations.map(groupingOnly)[0];
  assert.equal(d.accounted, 'no');
  assert.match(d.lines.at(-1), /^The kernel grouped differently: it also put 0000:05:00\.0 in group 17, which the rules do not explain; likely a DMA alias sysfs does not show/);
});

// arch/x86/pci/common.c pci_real_dma_dev(): a device on a VMD bus DMAs as the VMD endpoint;
// drivers/pci/search.c pci_for_each_dma_alias() starts from it, so pci_device_group() returns
// the VMD endpoint's group. Here an NVMe function in domain 10000 below 0000:00:03.0.
test('Intel VMD: a device in domain 10000 shares the VMD endpoint\'s group', async () => {
  const root = fixtureCopy('q35-intel');
  setIds(root, '0000:00:03.0', 0x8086, 0x9a0b);
  const vmd = devDir(root, '0000:00:03.0');
  const nvme = devDir(root, '0000:02:00.0');
  const child = path.join(vmd, 'pci10000:e0', '10000:e0:00.0');
  fs.mkdirSync(child, { recursive: true });
  for (const f of fs.readdirSync(nvme, { withFileTypes: true })) if (f.isFile() && f.name !== 'uevent') fs.copyFileSync(path.join(nvme, f.name), path.join(child, f.name));
  const g10 = path.join(G(root), '10');
  fs.symlinkSync(path.relative(child, g10), path.join(child, 'iommu_group'));
  fs.symlinkSync(path.relative(path.join(g10, 'devices'), child), path.join(g10, 'devices', '10000:e0:00.0'));
  fs.symlinkSync(path.relative(path.join(root, 'sys/bus/pci/devices'), child), path.join(root, 'sys/bus/pci/devices/10000:e0:00.0'));

  const pred = predictGroups(readModel(root));
  assert.deepEqual(pred.groupOf('10000:e0:00.0'), ['0000:00:03.0', '10000:e0:00.0']);
  const e = (await json(['explain', '10000:e0:00.0'], root)).explanations.map(groupingOnly)[0];
  assert.deepEqual([e.accounted, e.group], ['yes', 10]);
  assert.ok(e.lines.includes("10000:e0:00.0 is in PCI domain 10000 below 0000:00:03.0 (Intel VMD): its DMA carries 0000:00:03.0's requester ID (pci_real_dma_dev), so it shares 0000:00:03.0's group"), e.lines.join('\n'));
  assert.match(await treeLine(root, '0000:00:03.0'), /g10\*/);
});

// The override patch's pcie_acs_overrides(): "Never override ACS for legacy devices or devices
// with ACS caps"; downstream -> root and downstream ports without ACS pass. The switch's two
// downstream ports (104c:8233, no ACS) then isolate: 08:00.0 and 09:00.0 get groups of their own.
test('pcie_acs_override=downstream: --assume on the original predicts what an override kernel made', async () => {
  const root = fixtureCopy('q35-intel');
  moveTo(root, '0000:08:00.0', 22);
  moveTo(root, '0000:09:00.0', 23);
  fs.writeFileSync(path.join(root, 'proc/cmdline'), 'console=ttyS0 intel_iommu=on pcie_acs_override=downstream\n');
  const made = await kernelGroups(root);

  const w = await json(['explain', '08:00.0', '--assume', 'pcie_acs_override=downstream'], fixture('q35-intel'));
  const e = w.explanations[0];
  assert.deepEqual([e.predicted, e.whatIf.change, e.whatIf.check.today], [['0000:08:00.0'], 'splits', 'unknown']);
  const predicted = (await kernelGroups(fixture('q35-intel'))).flatMap((g) => {
    const c = w.assume.changes.find((x) => x.today.join() === g.join());
    return c ? c.after : [g];
  });
  assert.deepEqual(predicted.sort((a, b) => (a[0] < b[0] ? -1 : 1)), made);
  assert.ok(w.assume.notes.some((n) => n.startsWith('pcie_acs_override gives no real isolation')));

  // On the override kernel's own tree: the override is seen in effect and accounts for the groups.
  const k = (await json(['explain', '08:00.0'], root)).explanations.map(groupingOnly)[0];
  assert.deepEqual([k.accounted, k.predicted], ['yes', ['0000:08:00.0']]);
  assert.ok(k.lines.some((l) => l.startsWith('pcie_acs_override=downstream is on the command line and the kernel\'s groups show it in effect')), k.lines.join('\n'));
});

// drivers/pci/pci.c __pci_config_acs(): "caps->ctrl = (caps->fw_ctrl & ~mask) | (flags & mask)",
// written by pci_enable_acs() at boot. config_acs=xxxx0xx clears RR (bit 2) on root port 00:02.5;
// pci_acs_flags_enabled() then fails it and everything below joins its group (g7).
test('pci=config_acs: a tree with RR cleared is accounted for, and --assume predicts it from the original', async () => {
  const root = fixtureCopy('q35-intel');
  setAcsControl(root, '0000:00:02.5', 0x19);
  for (const a of ['0000:06:00.0', '0000:07:00.0', '0000:07:01.0', '0000:08:00.0', '0000:09:00.0']) moveTo(root, a, 7);
  const made = await kernelGroups(root);
  const e = (await json(['explain', '08:00.0'], root)).explanations.map(groupingOnly)[0];
  assert.equal(e.accounted, 'yes');
  assert.match(e.lines.join('\n'), /0000:00:02\.5 is a root port with ACS RR not enabled \(control 0x0019\)/);

  const w = await json(['explain', '06:00.0', '--assume', 'pci=config_acs=xxxx0xx@0000:00:02.5'], fixture('q35-intel'));
  const [x] = w.explanations;
  assert.deepEqual(x.predicted, made.find((g) => g.includes('0000:06:00.0')));
  assert.equal(x.whatIf.change, 'merges');
  // And back: on the changed tree, setting the bits again predicts the original groups.
  const back = (await json(['explain', '08:00.0', '--assume', 'pci=config_acs=1x111x1@0000:00:02.5'], root)).explanations.map(groupingOnly)[0];
  assert.deepEqual(back.predicted, ['0000:07:00.0', '0000:08:00.0']);
  // 'x' for a bit the decision needs: firmware's value is not in sysfs, so unknown, not a guess.
  const unsure = await json(['explain', '01:00.0', '--assume', 'pci=config_acs=xx11101@0000:00:02.0'], fixture('q35-intel'));
  assert.equal(unsure.explanations[0].whatIf.change, 'same');
  const partial = (await json(['explain', '01:00.0', '--assume', 'pci=config_acs=1x1@0000:00:02.0'], fixture('q35-intel'))).explanations.map(groupingOnly)[0];
  assert.equal(partial.whatIf.change, 'unknown');
  assert.match(partial.whatIf.unknown, /leaves ACS CR\+UF of 0000:00:02\.0 \(root port\) as 'x'/);
});

test('--assume refuses parameters that do not change grouping, with exit 2', async () => {
  const r = runCli(['explain', '01:00.0', '--assume', 'iommu=pt', '--root', fixture('q35-intel')]);
  assert.deepEqual([r.code, r.stdout], [2, '']);
  assert.equal(r.stderr.split('\n')[0], 'iommu-groups: --assume iommu=pt: not a parameter that changes grouping (pcie_acs_override=..., pci=config_acs=..., pci=disable_acs_redir=...)');
  const n = await json(['explain', '01:00.0', '--assume', 'pci=config_acs=1111111@0000:01:00.0'], fixture('q35-intel'));
  assert.ok(n.assume.notes.includes('0000:01:00.0 has no ACS capability: pci=config_acs=1111111@0000:01:00.0 changes nothing there (it can only set what the hardware implements)'), n.assume.notes.join('\n'));
});

test('ACS quirk rules on their own (object literals): AMD southbridge needs IVRS, Zhaoxin and Wangxun fail other ids, SPT reads +8', async () => {
  const dev = (vendor, device, portType, extra = {}) => ({
    bus: 'pci', name: '0000:00:14.0', path: 'x', group: null, iommu: null, driver: null, driverOverride: null, errors: {},
    pci: { address: '0000:00:14.0', domain: 0, bus: 0, slot: 0x14, function: 0, vendor, device, subsystemVendor: null, subsystemDevice: null, class: null, revision: null, headerType: 0, multifunction: true, configBytes: 4096, caps: { portType, extendedRead: true, acs: null, ...extra }, numaNode: null, resetMethods: null, hasReset: null, bootVga: null, upstream: [], siblings: ['0000:00:14.1'], physfn: null, virtfns: [], sriovNumvfs: null, sriovTotalvfs: null, vfioDev: null },
  });
  const amd = dev(0x1002, 0x4385, null);
  assert.equal(acsEnabled(amd, 'a', { ...DEFAULT_CONTEXT, ivrs: true }).result, 'pass');
  assert.equal(acsEnabled(amd, 'a', { ...DEFAULT_CONTEXT, ivrs: false }).result, 'fail'); // falls through: conventional PCI
  assert.equal(acsEnabled(amd, 'a', { ...DEFAULT_CONTEXT, ivrs: null }).result, 'unknown');
  assert.equal(acsEnabled(dev(0x1d17, 0x0715, 4), 'a').result, 'pass');
  assert.equal(acsEnabled(dev(0x1d17, 0x0722, 4, { acs: { capability: 0x1f, control: 0x1f, dwordControl: 0 } }), 'a').result, 'fail');
  assert.equal(acsEnabled(dev(0x8088, 0x1001, 0), 'a').result, 'pass');
  assert.equal(acsEnabled(dev(0x8088, 0x1002, 0), 'a').result, 'fail');
  // Sunrise Point: the word at +6 says nothing is enabled; the dword at +8 (what the kernel reads) says all is.
  assert.equal(acsEnabled(dev(0x8086, 0xa110, 4, { acs: { capability: 0x1f, control: 0, dwordControl: 0x1f } }), 'a').result, 'pass');
  assert.equal(acsEnabled(dev(0x8086, 0xa110, 4, { acs: { capability: 0x1f, control: 0x1f, dwordControl: 0 } }), 'a').result, 'fail');
  // An Intel RCiEP is isolating even when multifunction without ACS.
  assert.equal(acsEnabled(dev(0x8086, 0x1234, 9), 'a').quirk.fn, 'pci_quirk_rciep_acs');
});

test('kernel parameter parsing: the override patch and pci_dev_str_match', async () => {
  assert.deepEqual(parseAcsOverride('downstream,multifunction,id:8086:1c10,bogus'), { downstream: true, multifunction: true, ids: [[0x8086, 0x1c10]] });
  const model = readModel(fixture('q35-intel'));
  const by = new Map(model.devices.filter((d) => d.pci).map((d) => [d.name, d]));
  const nic = by.get('0000:08:00.0');
  assert.equal(deviceSpecMatches('0000:08:00.0', nic, by), true);
  assert.equal(deviceSpecMatches('08:00.0', nic, by), true);
  assert.equal(deviceSpecMatches('00:02.5/00.0/00.0/00.0', nic, by), true); // a path from the root port down
  assert.equal(deviceSpecMatches('00:02.5/00.0/01.0/00.0', nic, by), false);
  assert.equal(deviceSpecMatches('pci:1af4:1041', nic, by), true);
  assert.equal(deviceSpecMatches('pci:0:0', nic, by), true);
  assert.equal(deviceSpecMatches('zz', nic, by), null);
});

test('a function the IOMMU does not cover (no group, as behind a PCIe-to-PCI bridge on virtio-iommu and SMMUv3): said so, not "an ACS quirk"', async () => {
  const root = fixtureCopy('q35-intel');
  // The kernel never probed 08:00.0 into a group: no iommu_group link, not in group 19's devices.
  fs.rmSync(path.join(devDir(root, '0000:08:00.0'), 'iommu_group'));
  fs.rmSync(path.join(G(root), '19/devices/0000:08:00.0'));
  const ex = (await json(['explain', '07:00.0', '08:00.0'], root)).explanations;
  const cover = 'the kernel groups only devices an IOMMU driver takes: the firmware table that places devices behind an IOMMU (DMAR on Intel, IVRS on AMD, IORT on Arm, VIOT for virtio-iommu) does not name it, or the driver did not probe it';
  assert.deepEqual([ex[0].accounted, ex[0].members, ex[0].predicted], ['yes', ['0000:07:00.0'], ['0000:07:00.0', '0000:08:00.0']]);
  assert.deepEqual(ex[0].lines.slice(-2), [
    `The kernel gave 0000:08:00.0 no IOMMU group at all: the IOMMU does not cover it (it cannot be passed through), so the rules' grouping does not apply to it; ${cover}.`,
    "The kernel's rules account for group 19: 0000:07:00.0 is alone in it.",
  ]);
  assert.ok(!ex[0].lines.some((l) => /ACS quirk/.test(l)), ex[0].lines.join('\n'));
  assert.deepEqual([ex[1].group, ex[1].accounted, ex[1].lines], [null, 'unknown', [`0000:08:00.0 has no IOMMU group: the IOMMU does not cover it (no group: it cannot be passed through); ${cover}`]]);
  const c = await runInProcess(['check', '08:00.0', '--root', root, '--format', 'plain']);
  assert.deepEqual([c.code, c.out], [1, '08:00.0\t0000:08:00.0\t-\tblocked\tDEVICE_NO_GROUP\n']);
});
