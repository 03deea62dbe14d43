// The built binary, spawned with NO_COLOR=1: exact stdout (golden files in test/expected/,
// regenerate with UPDATE_GOLDEN=1 and review the diff), exact stderr and exit code.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { BIN, PROJECT, TEST_IDS, fixture, fixtureCopy, runCli } from './helpers.mjs';

const EXPECTED = path.join(PROJECT, 'test', 'expected');
const NOIOMMU_MSG =
  'iommu-groups: no active IOMMU: no IOMMU units in /sys/class/iommu; no groups in /sys/kernel/iommu_groups; no IOMMU option on the kernel command line; no DMAR/IVRS/IORT/VIOT ACPI table\n';

/** list without an IOMMU ends by saying how to see the groups once it is on. */
const PREDICT_HINT = 'iommu-groups: the groups the kernel will make once the IOMMU is on: iommu-groups list --predict (as root: it reads config space)\n';

// [golden file, fixture, args, exit code, stderr]
const CASES = [
  ['list-intel.table', 'q35-intel', ['list', '--format', 'table'], 0, ''],
  ['list-intel.plain', 'q35-intel', ['list', '--format', 'plain'], 0, ''],
  ['list-intel.legacy', 'q35-intel', ['list', '--format', 'legacy'], 0, ''],
  ['list-vfio.json', 'q35-intel-vfio', ['list', '--format', 'json'], 0, ''],
  ['list-vfio.table', 'q35-intel-vfio', ['list', '--format', 'table'], 0, ''],
  ['list-noiommu.table', 'q35-noiommu', ['list', '--format', 'table'], 3, ''],
  ['list-noiommu.plain', 'q35-noiommu', ['list', '--format', 'plain'], 3, NOIOMMU_MSG + PREDICT_HINT],
  ['list-noiommu.json', 'q35-noiommu', ['list', '--format', 'json'], 3, NOIOMMU_MSG + PREDICT_HINT],
  ['list-default-off-tty.plain', 'q35-intel', ['list'], 0, ''],
  ['list-device-short.plain', 'q35-intel', ['list', '--device', '01:00.0'], 0, ''],
  ['list-device-full.plain', 'q35-intel', ['list', '--device', '0000:01:00.0'], 0, ''],
  ['list-class-gpu.plain', 'q35-intel', ['list', '--class', 'gpu'], 0, ''],
  ['list-class-gpu-related.plain', 'q35-intel', ['list', '--class', 'gpu', '--related'], 0, ''],
  ['list-vendor.plain', 'q35-intel', ['list', '--vendor', '8086:10d3'], 0, ''],
  ['list-vendor-only.plain', 'q35-intel', ['list', '--vendor', '1b36'], 0, ''],
  ['list-driver.plain', 'q35-intel-vfio', ['list', '--driver', 'vfio-pci'], 0, ''],
  ['list-group.table', 'q35-intel-vfio', ['list', '--group', '21', '--format', 'table'], 0, ''],
  ['buses-intel.table', 'q35-intel', ['buses', '--format', 'table'], 0, ''],
  ['buses-intel.plain', 'q35-intel', ['buses', '--format', 'plain'], 0, ''],
  ['buses-intel-pci.plain', 'q35-intel', ['buses', '--bus', 'pci', '--format', 'plain'], 0, ''],
  ['buses-intel.json', 'q35-intel', ['buses', '--format', 'json'], 0, ''],
  ['buses-noiommu.plain', 'q35-noiommu', ['buses', '--format', 'plain'], 3, NOIOMMU_MSG],
];

for (const [golden, fx, args, code, stderr] of CASES) {
  test(`${golden}: iommu-groups ${args.join(' ')} on ${fx}`, () => {
    const root = fixture(fx);
    const r = runCli([...args, '--root', root, '--pci-ids', TEST_IDS]);
    const stdout = r.stdout.split(root).join('<ROOT>');
    const file = path.join(EXPECTED, golden);
    if (process.env.UPDATE_GOLDEN) fs.writeFileSync(file, stdout);
    assert.equal(r.stderr, stderr);
    assert.equal(r.code, code);
    assert.equal(stdout, fs.readFileSync(file, 'utf8'));
    if (golden.endsWith('.json')) assert.equal(JSON.parse(r.stdout).schemaVersion, 1);
  });
}

test('a filter value that names nothing is named, whatever else matched (exit 2); filters that together match nothing exit 1', () => {
  const root = fixture('q35-intel');
  const hint = "hint: 'iommu-groups list' shows the devices, their ids, classes and drivers\n";
  for (const [args, what] of [
    [['--device', '0000:99:00.0'], '--device 0000:99:00.0: matches'],
    [['--device', '01:00.0', '--device', '7f:1f.7'], '--device 7f:1f.7: matches'],
    [['--vendor', 'abcd', '--driver', 'e1000e', '--driver', 'nosuch'], '--vendor abcd, --driver nosuch: each match'],
  ]) {
    const r = runCli(['list', ...args, '--root', root, '--format', 'plain']);
    assert.deepEqual([r.stdout, r.stderr, r.code], ['', `iommu-groups: ${what} no device in this tree\n${hint}`, 2], args.join(' '));
  }
  const none = runCli(['list', '--class', 'gpu', '--vendor', '8086:10d3', '--root', root, '--format', 'plain']);
  assert.deepEqual([none.stdout, none.stderr, none.code], ['', 'iommu-groups: no device matches the filters\n', 1]);
});

test('colour: never with NO_COLOR, only on request or a terminal', () => {
  const root = fixture('q35-intel');
  const plain = runCli(['list', '--group', '13', '--format', 'table', '--root', root]);
  assert.ok(!plain.stdout.includes('\x1b['), 'NO_COLOR: no escapes');
  const forced = runCli(['list', '--group', '13', '--format', 'table', '--root', root, '--color', 'always']);
  assert.ok(forced.stdout.includes('\x1b[1m13\x1b[22m'), 'bold group id with --color always');
  const json = runCli(['list', '--format', 'json', '--root', root, '--color', 'always']);
  assert.ok(!json.stdout.includes('\x1b['), 'JSON is never coloured');
  const off = runCli(['list', '--format', 'table', '--root', root], { env: { NO_COLOR: '', FORCE_COLOR: '1', TERM: 'dumb' } });
  assert.ok(off.stdout.includes('\x1b['), 'FORCE_COLOR wins over TERM=dumb');
});

test('--version, --help and no arguments', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT, 'package.json'), 'utf8'));
  assert.deepEqual(runCli(['--version']), { stdout: `${pkg.version}\n`, stderr: '', code: 0 });
  const help = runCli(['list', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Examples:\n {2}iommu-groups list\n/);
  assert.match(help.stdout, /Exit codes:\n {2}0 {3}success/);
  const none = runCli([]);
  assert.equal(none.code, 2);
  assert.equal(none.stdout, '');
  assert.match(none.stderr, /^Usage: iommu-groups \[options\] \[command\]/);
});

test('a closed stdout ends quietly', () => {
  const r = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" list --root "${fixture('q35-intel')}" --format json | head -c 10 >/dev/null; echo "rc=\${PIPESTATUS:-done}"`], {
    encoding: 'utf8',
  });
  assert.equal(r.stderr, '');
});

test('the live host: a clear verdict, never a stack trace', () => {
  const r = runCli(['list', '--format', 'plain']);
  const hasGroups = fs.existsSync('/sys/kernel/iommu_groups') && fs.readdirSync('/sys/kernel/iommu_groups').length > 0;
  assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
  if (hasGroups) assert.equal(r.code, 0);
  else {
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^iommu-groups: no active IOMMU: .*no groups in \/sys\/kernel\/iommu_groups/);
  }
});

test('filters add up: a repeated filter or a comma list ORs its values; different filters AND', () => {
  const root = fixture('q35-intel-vfio');
  const col = (args) => runCli(['list', ...args, '--root', root, '--format', 'plain']).stdout.trimEnd().split('\n').map((l) => l.split('\t')[4]);
  assert.deepEqual(col(['--group', '21', '--group', '14']), ['0000:02:00.0', '0000:0a:00.0', '0000:0b:01.0', '0000:0b:02.0']);
  assert.deepEqual(col(['--group', '21,14']), col(['--group', '21', '--group', '14']));
  assert.deepEqual(col(['--device', '01:00.0', '--device', '0000:02:00.0']), ['0000:01:00.0', '0000:02:00.0']);
  assert.deepEqual(col(['--group', '21,14', '--driver', 'vfio-pci']), ['0000:02:00.0', '0000:0b:01.0']);
  assert.deepEqual(col(['--class', 'net,storage', '--driver', 'vfio-pci,e1000e']), ['0000:01:00.0', '0000:02:00.0', '0000:0b:01.0']);
  assert.deepEqual(col(['--vendor', '8086:10d3,1b36:0010']), ['0000:01:00.0', '0000:02:00.0', '0000:09:00.0']);
  const tree = runCli(['tree', '--device', '02:00.0', '--device', '0b:01.0', '--root', root, '--format', 'plain']).stdout;
  assert.deepEqual(tree.match(/0000:[0-9a-f:.]+(?=  g)/g), ['0000:00:02.1', '0000:02:00.0', '0000:00:02.6', '0000:0a:00.0', '0000:0b:01.0', '0000:0b:02.0']);
});

test('list --format ids and --format addresses: the endpoints shown, ready to paste, bridges left out', () => {
  const root = fixture('q35-intel');
  const run = (args) => runCli(['list', ...args, '--root', root]);
  assert.deepEqual(run(['--device', '01:00.0', '--format', 'ids']), {
    stdout: '8086:10d3\n',
    stderr: 'iommu-groups: 0000:01:00.0: provides eth2, and proc/net/route and proc/net/ipv6_route are not in this tree: cannot tell whether the default route goes through it (run on the host, or take a snapshot there)\n',
    code: 0,
  });
  assert.deepEqual(run(['--group', '21', '--format', 'addresses']), { stdout: '0000:0b:01.0\n0000:0b:02.0\n', stderr: 'iommu-groups: 0000:0b:01.0: provides eth3, and proc/net/route and proc/net/ipv6_route are not in this tree: cannot tell whether the default route goes through it (run on the host, or take a snapshot there)\n', code: 0 });
  assert.equal(run(['--group', '21', '--format', 'ids']).stdout, '8086:100e,1b36:0002\n');
  assert.deepEqual(run(['--group', '2', '--format', 'ids']), { stdout: '', stderr: 'iommu-groups: no endpoint among the devices shown (bridges are left out of ids and addresses)\n', code: 1 });
  assert.equal(run(['--format', 'addresses']).stdout.split('\n').length - 1, 18); // 30 functions, 12 of them bridges (header type 1)
});

test('list --format ids never prints an id another device shares, and names a device the host needs', () => {
  const root = fixture('q35-intel');
  const run = (args) => runCli(['list', ...args, '--root', root]);
  // The two NVMe drives share 1b36:0010: pasting it would take 0000:02:00.0 at the next boot.
  assert.deepEqual(run(['--device', '09:00.0', '--format', 'ids']), {
    stdout: '',
    stderr: [
      'iommu-groups: not printing ids: 1b36:0010 is also the id of 0000:02:00.0, outside the selection; vfio-pci.ids=1b36:0010 would take it too at the next boot',
      "iommu-groups: bind by address instead, which moves single devices: sudo driverctl set-override 0000:09:00.0 vfio-pci (or write vfio-pci to each device's driver_override); iommu-groups check 0000:09:00.0 prints the whole plan",
      'iommu-groups: 0000:09:00.0: holds nvme1n1, and proc/self/mountinfo is not in this tree: cannot tell whether the host uses it (run on the host, or take a snapshot there)',
      '',
    ].join('\n'),
    code: 1,
  });
  // Both drives selected: the id is theirs alone, so it is printed.
  assert.equal(run(['--device', '02:00.0,09:00.0', '--format', 'ids']).stdout, '1b36:0010\n');
  // The boot VGA is printed (it was asked for) but named, and the exit code says so.
  const gpu = run(['--class', 'gpu', '--related', '--format', 'ids']);
  assert.equal(gpu.stdout, '1234:1111,1af4:1050,8086:293e\n');
  assert.equal(gpu.stderr, "iommu-groups: 0000:00:01.0 is a device the host needs: the host's boot VGA device: its console is on it\n");
  assert.equal(gpu.code, 1);
  // A derived tree where the first drive holds the mounted root: named as needed, by address too.
  const edit = fixtureCopy('q35-intel');
  fs.mkdirSync(path.join(edit, 'proc/self'), { recursive: true });
  fs.writeFileSync(path.join(edit, 'proc/self/mountinfo'), '22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/nvme0n1 rw\n');
  const a = runCli(['list', '--device', '02:00.0', '--format', 'addresses', '--root', edit]);
  assert.deepEqual(a, { stdout: '0000:02:00.0\n', stderr: 'iommu-groups: 0000:02:00.0 is a device the host needs: holds nvme0n1, which has a mounted filesystem (or one stacked on it): the host needs it\n', code: 1 });
});

test('list --format legacy with a filter shows each matching group whole (a group is a unit there)', () => {
  const r = runCli(['list', '--class', 'net', '--format', 'legacy', '--root', fixture('q35-intel-vfio'), '--pci-ids', TEST_IDS]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^IOMMU Group 21:\n\t0a:00\.0 PCI bridge .*\n\t0b:01\.0 Ethernet .*\n\t0b:02\.0 Serial controller .*\n/m);
});
