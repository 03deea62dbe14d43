// Pre-flight commands (host, check, explain) on the real captures: exact output (golden files,
// UPDATE_GOLDEN=1 to regenerate and review), an independent reading of the kernel's VFIO rule
// for every device, the grouping prediction against every group the kernel made, and edge cases
// derived from a real tree (non-root config reads, pcie_acs_override, an unreadable driver link).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { readModel } from '../dist/read/read-model.js';
import { predictGroups } from '../dist/analyse/grouping/rules.js';
import { explain } from '../dist/analyse/grouping/explain.js';
import { FIXTURES, PROJECT, TEST_IDS, fixture, fixtureCopy, runCli } from './helpers.mjs';

const EXPECTED = path.join(PROJECT, 'test', 'expected');
const pciAddrs = (root) => fs.readdirSync(path.join(root, 'sys/bus/pci/devices')).sort();

// [golden file, fixture, args (ALL = every PCI address of the fixture), exit code]
const CASES = [
  ['host-intel.table', 'q35-intel', ['host', '--format', 'table'], 0],
  ['host-vfio.json', 'q35-intel-vfio', ['host', '--format', 'json'], 0],
  ['host-noiommu.plain', 'q35-noiommu', ['host', '--format', 'plain'], 1],
  ['check-all-intel.plain', 'q35-intel', ['check', 'ALL', '--format', 'plain'], 1],
  ['check-all-vfio.plain', 'q35-intel-vfio', ['check', 'ALL', '--format', 'plain'], 1],
  ['check-all-noiommu.plain', 'q35-noiommu', ['check', 'ALL', '--format', 'plain'], 1],
  ['check-vfio-usable.table', 'q35-intel-vfio', ['check', '02:00.0', '--format', 'table'], 0],
  ['check-vfio-group21.table', 'q35-intel-vfio', ['check', '0000:0b:01.0', '--format', 'table'], 4],
  ['check-vfio-group21.json', 'q35-intel-vfio', ['check', '--group', '21', '--format', 'json'], 0],
  ['check-intel-nic.table', 'q35-intel', ['check', '8086:10d3', '--format', 'table'], 5],
  ['check-intel-gpu-audio.table', 'q35-intel', ['check', '05:00.0', '05:00.1', '--format', 'table'], 0],
  ['check-intel-chipset.table', 'q35-intel', ['check', '00:1f.2', '--format', 'table'], 1],
  ['check-intel-request.table', 'q35-intel', ['check', '05:00.0', '00:1f.3', '--format', 'table'], 1],
  ['explain-intel-multi.table', 'q35-intel', ['explain', '08:00.0', '09:00.0', '05:00.1', '00:1f.3', '00:04.1', '0b:02.0', '--format', 'table'], 0],
  ['explain-intel-switch.json', 'q35-intel', ['explain', '08:00.0', '--format', 'json'], 0],
  ['explain-noiommu.plain', 'q35-noiommu', ['explain', '01:00.0', '--format', 'plain'], 3],
];

for (const [golden, fx, args, code] of CASES) {
  test(`${golden}: iommu-groups ${args.join(' ')} on ${fx}`, () => {
    const root = fixture(fx);
    const argv = args.flatMap((a) => (a === 'ALL' ? pciAddrs(root) : [a]));
    const r = runCli([...argv, '--root', root, '--pci-ids', TEST_IDS]);
    const stdout = r.stdout.split(root).join('<ROOT>');
    const file = path.join(EXPECTED, golden);
    if (process.env.UPDATE_GOLDEN) fs.writeFileSync(file, stdout);
    // check's plain output keeps stdout to one line per target: what the capture lacks is said once on stderr.
    // Without an IOMMU, what the request will be once it is on (from the predicted groups), also on stderr.
    const lacks =
      args[0] !== 'check' || !args.includes('plain') ? /^/
      : fx === 'q35-noiommu' ? /^iommu-groups: once the IOMMU is on: blocked \(predicted groups: iommu-groups list --predict\)\n/
      : /^iommu-groups: This tree lacks proc\/self\/mountinfo, proc\/swaps, proc\/net\/route, proc\/net\/ipv6_route: [^\n]*\n/;
    assert.match(r.stderr, lacks);
    assert.equal(r.stderr.replace(lacks, ''), '');
    assert.equal(r.code, code);
    assert.equal(stdout, fs.readFileSync(file, 'utf8'));
    if (golden.endsWith('.json')) assert.equal(JSON.parse(r.stdout).schemaVersion, args[0] === 'check' ? 2 : 1);
  });
}

test('the one usable and the one unusable group in q35-intel-vfio', () => {
  const root = fixture('q35-intel-vfio');
  const doc = JSON.parse(runCli(['check', '02:00.0', '0b:01.0', '0b:02.0', '--root', root, '--format', 'json']).stdout);
  const [nvme, e1000, serial] = doc.targets;
  assert.deepEqual([nvme.group, nvme.outcome], [14, 'ready']);
  // Asked together, 0b:01.0 and 0b:02.0 are all of group 21's endpoints: ready (the serial port is a target).
  assert.deepEqual([e1000.group, e1000.outcome, serial.outcome], [21, 'ready', 'ready']);
  assert.deepEqual(doc.groups.find((g) => g.group === 21).binds.map((m) => [m.device, m.driver, m.vendorDevice]), [['0000:0b:02.0', 'serial', '1b36:0002']]);
  assert.deepEqual(doc.plan.persistent.map((s) => s.line), ['sudo driverctl set-override 0000:0b:02.0 vfio-pci']);
  // Asked alone, 0b:01.0 needs its partner moved first.
  const alone = JSON.parse(runCli(['check', '0b:01.0', '--root', root, '--format', 'json']).stdout);
  assert.equal(alone.outcome, 'steps');
  const mover = alone.groups[0].findings.find((f) => f.code === 'GROUP_MEMBER_HOST_DRIVER');
  assert.equal(mover.subject, '0000:0b:02.0');
  assert.match(mover.message, /the host loses 0000:0b:02\.0 \(serial, /);
});

test('config space predicts exactly the groups the kernel made in q35-intel, with a story for each', () => {
  const model = readModel(fixture('q35-intel'));
  const pred = predictGroups(model);
  assert.equal(pred.unknown.size, 0);
  let multi = 0;
  for (const g of model.groups) {
    const members = g.members.map((m) => m.name).sort();
    for (const m of members) assert.deepEqual(pred.groupOf(m), members, `group ${g.id} via ${m}`);
    if (members.length > 1) {
      multi++;
      for (const m of members) {
        const e = explain(model, model.devices.find((d) => d.name === m));
        assert.equal(e.accounted, 'yes', `${m}: ${e.lines.join(' | ')}`);
      }
    }
  }
  assert.equal(multi, 6); // 11 (00:04.x), 12 (00:1f.x), 17 (05:00.x), 19 and 20 (switch ports), 21 (PCIe-to-PCI)
});

test('unprivileged config reads (64 bytes): explain says root is needed and guesses nothing', () => {
  const root = fixtureCopy('q35-intel');
  for (const a of pciAddrs(root)) {
    const f = path.join(fs.realpathSync(path.join(root, 'sys/bus/pci/devices', a)), 'config');
    fs.truncateSync(f, 64);
  }
  const r = runCli(['explain', '08:00.0', '--root', root, '--format', 'json']);
  assert.equal(r.code, 0);
  const [e] = JSON.parse(r.stdout).explanations;
  assert.deepEqual([e.accounted, e.predicted], ['unknown', null]);
  assert.match(e.lines[0], /only 64 bytes of 0000:0[0-9]:0[0-9]\.[0-9]'s config space are readable \(the rest needs root\)/);
});

test('pcie_acs_override splitting a group: explain names the override, check warns the group depends on it', () => {
  const root = fixtureCopy('q35-intel');
  // What an override kernel does: the switch's downstream ports (no ACS) pass, so 08:00.0 and
  // 09:00.0 get groups of their own; "multifunction" passes 05:00.0 (PCIe, no ACS), which leaves
  // its conventional-PCI partner 05:00.1 alone too.
  const G = path.join(root, 'sys/kernel/iommu_groups');
  for (const [a, from, to] of [['0000:08:00.0', 19, 22], ['0000:09:00.0', 20, 23], ['0000:05:00.1', 17, 24]]) {
    fs.mkdirSync(path.join(G, `${to}/devices`), { recursive: true });
    fs.renameSync(path.join(G, `${from}/devices/${a}`), path.join(G, `${to}/devices/${a}`));
    fs.writeFileSync(path.join(G, `${to}/type`), 'DMA\n');
    fs.writeFileSync(path.join(G, `${to}/reserved_regions`), fs.readFileSync(path.join(G, `${from}/reserved_regions`)));
    const dev = fs.realpathSync(path.join(root, 'sys/bus/pci/devices', a));
    fs.unlinkSync(path.join(dev, 'iommu_group'));
    fs.symlinkSync(path.relative(dev, path.join(G, String(to))), path.join(dev, 'iommu_group'));
  }
  fs.writeFileSync(path.join(root, 'proc/cmdline'), 'console=ttyS0 intel_iommu=on pcie_acs_override=downstream,multifunction\n');

  // The kernel's groups show the override in effect: the rules with it account for group 22.
  const e = JSON.parse(runCli(['explain', '08:00.0', '--root', root, '--format', 'json']).stdout).explanations[0];
  assert.equal(e.accounted, 'yes');
  assert.deepEqual(e.members, ['0000:08:00.0']);
  assert.deepEqual(e.predicted, ['0000:08:00.0']);
  assert.match(e.lines.at(-2), /^pcie_acs_override=downstream,multifunction is on the command line and the kernel's groups show it in effect \(this kernel carries the out-of-tree patch\): those boundaries are not real isolation\.$/);

  const c = JSON.parse(runCli(['check', '08:00.0', '--root', root, '--format', 'json']).stdout).groups[0];
  const w = c.findings.find((f) => f.code === 'ACS_OVERRIDE');
  assert.equal(w.status, 'warn');
  assert.match(w.message, /exists only because of it: without the override the kernel's rules put 0000:07:00\.0 in it too/);
  const h = JSON.parse(runCli(['host', '--root', root, '--format', 'json']).stdout);
  assert.equal(h.findings.find((f) => f.code === 'ACS_OVERRIDE').status, 'warn');
});

test('a member whose driver link cannot be read makes the verdict unknown, not pass', () => {
  const root = fixtureCopy('q35-intel-vfio');
  const serial = fs.realpathSync(path.join(root, 'sys/bus/pci/devices/0000:0b:02.0'));
  fs.unlinkSync(path.join(serial, 'driver'));
  fs.writeFileSync(path.join(serial, 'driver'), ''); // not a link: the driver cannot be known
  const r = runCli(['check', '0b:01.0', '--root', root, '--format', 'plain']);
  assert.equal(r.stdout, '0b:01.0\t0000:0b:01.0\t21\tunknown\tDRIVER_UNREADABLE,NO_RESET,BUS_RESET_SCOPE\n');
  assert.equal(r.code, 5);
});

test('host on this machine (no IOMMU): the IOMMU item fails with evidence, exit 1', { skip: process.platform !== 'linux' }, () => {
  const r = runCli(['host', '--format', 'json']);
  const doc = JSON.parse(r.stdout);
  const active = doc.findings.find((f) => f.code === 'IOMMU_ACTIVE');
  if (fs.readdirSync('/sys/kernel/iommu_groups', { withFileTypes: true }).length === 0) {
    assert.equal(active.status, 'fail');
    assert.equal(r.code, 1);
    assert.equal(doc.ready, false);
  } else {
    assert.equal(active.status, 'ok');
  }
  assert.ok(doc.findings.some((f) => f.code === 'MEMLOCK'), 'the live host reports RLIMIT_MEMLOCK');
});

test('check: bad targets are usage errors (exit 2), one line and a hint', () => {
  const root = fixture('q35-intel');
  const cases = [
    [['check', '01:00'], "iommu-groups: 01:00: not a PCI address or vendor:device id (expected [DOMAIN:]BUS:SLOT.FUNCTION in hex, e.g. 0000:01:00.0 or 01:00.0)\nhint: e.g. 01:00.0, 0000:01:00.0 or 10de:1b80\n"],
    [['check', '0c:00.0'], "iommu-groups: 0c:00.0: no PCI device 0000:0c:00.0 in this tree\nhint: 'iommu-groups list' shows the devices\n"],
    [['check', '10de:1b80'], "iommu-groups: 10de:1b80: no PCI device with this vendor:device id\nhint: 'iommu-groups list' shows the ids\n"],
    [['check'], 'iommu-groups: no target given\nhint: give a PCI address, a vendor:device id, or --group N\n'],
    [['check', '--group', '99'], 'iommu-groups: --group 99: no such group in this tree\nhint: its groups: 0-21\n'],
    [['explain', '--format', 'legacy', '01:00.0'], 'iommu-groups: option \'--format <format>\' argument \'legacy\' is invalid. Allowed choices are table, json, plain.\niommu-groups: see \'iommu-groups --help\'\n'],
  ];
  for (const [args, err] of cases) {
    const r = runCli([...args, '--root', root]);
    assert.deepEqual([r.stdout, r.stderr, r.code], ['', err, 2], args.join(' '));
  }
});
