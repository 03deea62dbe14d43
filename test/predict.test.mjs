// Before the first reboot (issue 24): list --predict, check's "once the IOMMU is on", and slots,
// on the real captures and on trees derived from them by one change each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { slotAddress, functionSlotKey } from '../dist/read/read-slots.js';
import { fixture, fixtureCopy, runCli, TEST_IDS } from './helpers.mjs';
import { asNonRoot, withoutAcs } from './derive.mjs';

const ids = ['--pci-ids', TEST_IDS];
const groupsOf = (plain) => plain.trim().split('\n').map((l) => l.split('\t')).map((f) => `${f[0]} ${f[4]}`);

test('list --predict on the IOMMU-off capture gives the groups the kernel made with it on: members and numbers', () => {
  const predicted = runCli(['list', '--predict', '--root', fixture('q35-noiommu'), '--format', 'plain']);
  const real = runCli(['list', '--root', fixture('q35-intel'), '--format', 'plain']);
  assert.equal(predicted.code, 3, 'the host still has no IOMMU');
  assert.deepEqual(groupsOf(predicted.stdout), groupsOf(real.stdout));
  assert.match(predicted.stderr, /^iommu-groups: Predicted groups, once the IOMMU is on \(no active IOMMU now: .*\): 22 shown, from config space and the kernel's quirks; numbered in the order the kernel would make them\.$/m);
});

test('list --predict JSON: the list schema with predicted: true, per group too, and nothing unknown as root', () => {
  const r = runCli(['list', '--predict', '--root', fixture('q35-noiommu'), '--format', 'json']);
  const j = JSON.parse(r.stdout);
  assert.equal(j.predicted, true);
  assert.equal(j.iommu.active, false, 'the real state stays');
  assert.equal(j.groups.length, 22);
  assert.ok(j.groups.every((g) => g.predicted === true && g.type === null));
  assert.deepEqual(j.prediction.unknown, []);
  assert.deepEqual(j.groups.find((g) => g.id === 17).members.map((m) => m.name), ['0000:05:00.0', '0000:05:00.1']);
});

test('as a non-root user (64 bytes of config space) what depends on a bridge is unknown, with the reason, never guessed', () => {
  const root = asNonRoot(fixtureCopy('q35-noiommu'));
  const j = JSON.parse(runCli(['list', '--predict', '--root', root, '--format', 'json']).stdout);
  const unknown = new Map(j.prediction.unknown.map((u) => [u.device, u.why]));
  assert.equal(unknown.get('0000:01:00.0'), "only 64 bytes of 0000:00:02.0's config space are readable (the rest needs root)");
  assert.equal(unknown.get('0000:08:00.0'), "only 64 bytes of 0000:07:00.0's config space are readable (the rest needs root)");
  // No predicted group holds a function whose group is unknown.
  for (const g of j.groups) for (const m of g.members) assert.ok(!unknown.has(m.name), m.name);
  assert.ok(j.ungrouped.filter((m) => unknown.has(m.name)).every((m) => m.isolation === 'unknown'));
  const plain = runCli(['list', '--predict', '--root', root, '--format', 'plain']).stdout;
  assert.match(plain, /^-\tunknown\t-\tpci\t0000:01:00\.0\tunknown\t/m);
});

test('with the IOMMU on, --predict shows the rules\' groups beside the kernel\'s and says they agree', () => {
  const r = runCli(['list', '--predict', '--root', fixture('q35-intel'), '--format', 'plain']);
  assert.equal(r.code, 0);
  assert.equal(r.stderr, "iommu-groups: Predicted groups (the kernel's rules on config space, beside the kernel's own groups): 22 shown; they agree with the kernel's groups.\n");
});

test('plain list on a host without an IOMMU ends with how to see the prediction; prometheus refuses --predict', () => {
  const r = runCli(['list', '--root', fixture('q35-noiommu'), '--format', 'plain']);
  assert.equal(r.stderr.trim().split('\n').at(-1), 'iommu-groups: the groups the kernel will make once the IOMMU is on: iommu-groups list --predict (as root: it reads config space)');
  const p = runCli(['list', '--predict', '--root', fixture('q35-noiommu'), '--format', 'prometheus']);
  assert.equal(p.code, 2);
});

test('check on the IOMMU-off capture: blocked now, and what it will be once on, with the reasons it cannot say more', () => {
  const root = fixture('q35-noiommu');
  const t = runCli(['check', '05:00.0', '05:00.1', '--root', root, ...ids, '--format', 'table']);
  assert.equal(t.code, 1);
  assert.match(t.stdout, /^0000:05:00\.0 \+ 0000:05:00\.1: BLOCKED$/m);
  assert.match(t.stdout, /^once the IOMMU is on: UNKNOWN$/m);
  assert.match(t.stdout, /^ {2}\(0000:05:00\.0 \+ 0000:05:00\.1 in predicted group 17; /m);
  assert.match(t.stdout, /^ {2}RESERVED_REGIONS_UNKNOWN group 17: /m);
  const j = JSON.parse(runCli(['check', '05:00.0', '05:00.1', '--root', root, '--format', 'json']).stdout);
  assert.equal(j.outcome, 'blocked');
  assert.equal(j.whenIommuOn.outcome, 'unknown');
  assert.deepEqual(j.whenIommuOn.groups, [{ group: 17, targets: ['0000:05:00.0', '0000:05:00.1'], outcome: 'unknown' }]);
  assert.deepEqual(j.whenIommuOn.why.map((w) => w.code).sort(), ['MSI_ISOLATION_UNKNOWN', 'RESERVED_REGIONS_UNKNOWN']);
});

test('check on a host whose firmware has VT-d but whose kernel left it off: the boot-loader edit that turns it on', () => {
  const root = fixtureCopy('q35-noiommu');
  fs.copyFileSync(path.join(fixture('q35-intel'), 'sys/firmware/acpi/tables/DMAR'), path.join(root, 'sys/firmware/acpi/tables/DMAR'));
  const t = runCli(['check', '05:00.0', '05:00.1', '--root', root, ...ids, '--format', 'table']);
  assert.match(t.stdout, /^To add intel_iommu=on on the kernel command line \(printed, not run; reboot afterwards\):$/m);
  assert.match(t.stdout, /^ {4}sudo grubby --update-kernel=ALL --args=intel_iommu=on$/m);
  assert.equal(JSON.parse(runCli(['check', '05:00.0', '--root', root, '--format', 'json']).stdout).whenIommuOn.bootChange.add[0], 'intel_iommu=on');
});

test('slots: every slot of sys/bus/pci/slots, with its card, bridge and group', () => {
  const root = fixture('q35-intel');
  const names = fs.readdirSync(path.join(root, 'sys/bus/pci/slots')).sort();
  const r = runCli(['slots', '--root', root, '--format', 'plain']);
  assert.equal(r.code, 0);
  const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'));
  assert.deepEqual(rows.map((f) => f[0]).sort(), names);
  for (const f of rows) assert.equal(f[1], fs.readFileSync(path.join(root, 'sys/bus/pci/slots', f[0], 'address'), 'utf8').trim());
  const by = Object.fromEntries(rows.map((f) => [f[0], f]));
  assert.deepEqual(by['0'], ['0', '0000:01:00', '0000:00:02.0', '0000:01:00.0', '13', 'own', '0000:01:00.0: the card has group 13 to itself']);
  assert.deepEqual(by['1'].slice(4, 6), ['21', 'shares']);
  assert.equal(by['1'][6], '0000:0b:01.0: shares group 21 with 0000:0b:02.0: 0000:0a:00.0 is a PCI bridge: everything behind it DMAs as it');
  assert.deepEqual(by['0-8'].slice(3, 6), ['-', '-', 'own']);
  // JSON carries each function's physical slot.
  const j = JSON.parse(runCli(['list', '--root', root, '--format', 'json']).stdout);
  const slotOf = Object.fromEntries(j.groups.flatMap((g) => g.members).map((m) => [m.name, m.pci.physicalSlot]));
  assert.equal(slotOf['0000:01:00.0'], '0');
  assert.equal(slotOf['0000:00:02.0'], null);
});

test('slots with the IOMMU off: predicted groups; two root ports without ACS make their cards share one', () => {
  const root = fixtureCopy('q35-noiommu');
  const before = runCli(['slots', '--root', root, '--format', 'plain']);
  assert.equal(before.code, 3);
  assert.match(before.stdout, /^0\t0000:01:00\t0000:00:02\.0\t0000:01:00\.0\t13\town\t/m);
  withoutAcs(root, '0000:00:02.0');
  withoutAcs(root, '0000:00:02.1');
  const after = runCli(['slots', '--root', root, '--format', 'plain']).stdout;
  assert.match(after, /^0\t0000:01:00\t0000:00:02\.0\t0000:01:00\.0\t2\tshares\t0000:01:00\.0: shares group 2 with 0000:02:00\.0: 0000:00:02\.0 does not isolate \(root port without an ACS capability\)$/m);
  const nonRoot = runCli(['slots', '--root', asNonRoot(fixtureCopy('q35-noiommu')), '--format', 'plain']).stdout;
  assert.match(nonRoot, /^0-8\t0000:0c:00\t0000:00:02\.7\t-\t-\tunknown\tempty; cannot tell: 0000:00:02\.7's config space is not readable past 64 bytes \(run as root\)$/m);
});

test('slot addresses on model objects', () => {
  assert.equal(slotAddress('0000:01:00\n'), '0000:01:00');
  assert.equal(slotAddress('0000:0B:1F'), '0000:0b:1f');
  assert.equal(slotAddress('10000:01:00'), '10000:01:00');
  assert.equal(slotAddress('01:00'), null);
  assert.equal(slotAddress('junk'), null);
  assert.equal(functionSlotKey('0000:01:00.1'), '0000:01:00');
  assert.equal(functionSlotKey('nonsense'), null);
});

test('explain --assume prints the boot-loader edit that adds the parameter (quoted where the shell needs it)', () => {
  const r = runCli(['explain', '08:00.0', '--assume', 'pcie_acs_override=downstream,multifunction', '--root', fixture('q35-intel'), ...ids, '--format', 'table']);
  assert.match(r.stdout, /^To add pcie_acs_override=downstream,multifunction on the kernel command line \(printed, not run; reboot afterwards\):$/m);
  assert.match(r.stdout, /^ {4}sudo grubby --update-kernel=ALL --args=pcie_acs_override=downstream,multifunction$/m);
  const j = JSON.parse(runCli(['explain', '08:00.0', '--assume', 'pcie_acs_override=downstream', '--root', fixture('q35-intel'), '--format', 'json']).stdout);
  assert.deepEqual(j.assume.bootChange.add, ['pcie_acs_override=downstream']);
});

test('check as a non-root user on an IOMMU-off host: once on is unknown because the group cannot be predicted, never "no group"', () => {
  const root = asNonRoot(fixtureCopy('q35-noiommu'));
  const j = JSON.parse(runCli(['check', '05:00.0', '05:00.1', '--root', root, '--format', 'json']).stdout);
  assert.equal(j.outcome, 'blocked');
  assert.equal(j.whenIommuOn.outcome, 'unknown');
  assert.deepEqual(j.whenIommuOn.why.map((w) => `${w.code} ${w.subject}`), ['GROUP_NOT_PREDICTED 0000:05:00.0', 'GROUP_NOT_PREDICTED 0000:05:00.1']);
  assert.match(j.whenIommuOn.why[0].message, /only 64 bytes of 0000:00:02\.4's config space are readable \(the rest needs root\)$/);
});
