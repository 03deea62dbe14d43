// Hostile strings in a real tree: a driver whose name carries terminal escapes and shell syntax,
// a group `type` with an escape sequence, a pci.ids name with a bidi override. Every command and
// format: nothing raw reaches the output, JSON keeps the exact data, TSV keeps its columns, and
// every printed command is built from validated addresses and quoted words only.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { TEST_IDS, fixtureCopy, runCli, tempDir } from './helpers.mjs';

const EVIL_DRIVER = "\x1b]0;owned\x07\x1b[2J$(reboot);'x";
const EVIL_TYPE = 'DMA\x1b[31m\u009b2J';
const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

function hostileTree() {
  const root = fixtureCopy('q35-intel-vfio');
  const drivers = path.join(root, 'sys/bus/pci/drivers');
  fs.mkdirSync(path.join(drivers, EVIL_DRIVER));
  const serial = fs.realpathSync(path.join(root, 'sys/bus/pci/devices/0000:0b:02.0'));
  fs.unlinkSync(path.join(serial, 'driver'));
  fs.symlinkSync(path.relative(serial, path.join(drivers, EVIL_DRIVER)), path.join(serial, 'driver'));
  fs.writeFileSync(path.join(root, 'sys/kernel/iommu_groups/21/type'), EVIL_TYPE + '\n', 'latin1'); // sysfs gives bytes; the tool reads them as latin1
  const ids = path.join(tempDir('iommu-groups-ids-'), 'pci.ids');
  fs.writeFileSync(ids, fs.readFileSync(TEST_IDS, 'latin1').replace(/^1b36  Red Hat, Inc\./m, '1b36  Red \u202eHat\x1b[5m, Inc.'), 'latin1');
  return { root, ids };
}

test('hostile strings: never raw on the terminal, exact in JSON, TSV columns intact, commands quoted', () => {
  const { root, ids } = hostileTree();
  const runs = [
    ['list', '--format', 'table'],
    ['list', '--format', 'plain'],
    ['list', '--format', 'legacy'],
    ['buses', '--bus', 'pci', '--format', 'table'],
    ['check', '0b:01.0', '0b:02.0', '--format', 'table'],
    ['check', '0b:01.0', '--format', 'plain'],
    ['explain', '0b:02.0', '--format', 'table'],
    ['host', '--format', 'table'],
    ['tree', '--format', 'table', '--color', 'never'],
    ['tree', '--format', 'dot'],
  ];
  for (const args of runs) {
    const r = runCli([...args, '--root', root, '--pci-ids', ids]);
    assert.ok([0, 1, 4, 5].includes(r.code), `${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stdout.replace(/[\t\n]/g, ''), RAW, args.join(' '));
    assert.doesNotMatch(r.stderr.replace(/\n/g, ''), RAW, args.join(' '));
  }
  const plain = runCli(['list', '--format', 'plain', '--root', root, '--pci-ids', ids]).stdout.trimEnd().split('\n');
  for (const line of plain) assert.equal(line.split('\t').length, 14, JSON.stringify(line));
  const serialLine = plain.find((l) => l.includes('0000:0b:02.0'));
  assert.ok(serialLine.includes('\\x1b]0;owned\\x07\\x1b[2J$(reboot);\'x'), serialLine);

  const doc = JSON.parse(runCli(['list', '--format', 'json', '--root', root, '--pci-ids', ids]).stdout);
  const g21 = doc.groups.find((g) => g.id === 21);
  assert.equal(g21.type, EVIL_TYPE);
  assert.equal(g21.members.find((m) => m.name === '0000:0b:02.0').driver, EVIL_DRIVER);

  // The commands for moving 0b:02.0 off its (hostile) driver: addresses only, nothing from the name.
  const check = JSON.parse(runCli(['check', '0b:01.0', '--format', 'json', '--root', root, '--pci-ids', ids]).stdout);
  assert.equal(check.outcome, 'steps');
  assert.deepEqual(check.plan.required.map((s) => s.line), [
    'echo vfio-pci | sudo tee /sys/bus/pci/devices/0000:0b:02.0/driver_override > /dev/null',
    'echo 0000:0b:02.0 | sudo tee /sys/bus/pci/devices/0000:0b:02.0/driver/unbind > /dev/null',
    'echo 0000:0b:02.0 | sudo tee /sys/bus/pci/drivers_probe > /dev/null',
  ]);
  assert.deepEqual(check.plan.persistent.map((s) => s.line), ['sudo driverctl set-override 0000:0b:02.0 vfio-pci']);

  // A module link whose name would add a line to modprobe.d ("install vfio-pci /bin/sh"): never printed.
  const evilModule = 'x\ninstall vfio-pci reboot';
  fs.mkdirSync(path.join(root, 'sys/module', evilModule));
  fs.symlinkSync(`../../../../module/${evilModule}`, path.join(root, 'sys/bus/pci/drivers', EVIL_DRIVER, 'module'));
  const again = runCli(['check', '0b:01.0', '--format', 'json', '--root', root, '--pci-ids', ids]);
  assert.doesNotMatch(again.stdout, /install vfio-pci/);
  assert.equal(JSON.parse(again.stdout).plan.byId, null);
});

test('a hostile kernel command line on an IOMMU-off tree: never raw, in every command and format', () => {
  const root = fixtureCopy('q35-noiommu');
  // An OSC 52 (writes the viewer's clipboard), a CSI, C1 and bidi controls in IOMMU words and elsewhere.
  const OSC52 = '\x1b]52;c;cm0gLXJmIH4K\x07';
  fs.writeFileSync(path.join(root, 'proc/cmdline'), `BOOT_IMAGE=/vmlinuz root=/dev/vda1 intel_iommu=off${OSC52} iommu=pt\x1b[2J amd_iommu=on\u009b31m pcie_acs_override=downstream\u202e quiet\n`, 'latin1');
  fs.mkdirSync(path.join(root, 'etc/default'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/default/grub'), `GRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=off${OSC52}"\n`, 'latin1');
  fs.writeFileSync(path.join(root, 'etc/os-release'), 'ID=debian\n');
  for (const args of [
    ['list', '--format', 'table'], ['list', '--format', 'plain'], ['list', '--format', 'legacy'], ['list', '--format', 'ids'],
    ['buses', '--format', 'table'], ['buses', '--format', 'plain'], ['tree', '--format', 'table'], ['tree', '--format', 'plain'], ['tree', '--format', 'dot'],
    ['host', '--format', 'table'], ['host', '--format', 'plain'], ['check', '01:00.0', '--format', 'table'], ['check', '01:00.0', '--format', 'plain'],
    ['explain', '01:00.0', '--format', 'table'], ['explain', '01:00.0', '--format', 'plain'],
    ['list', '--format', 'json'], ['host', '--format', 'json'], ['check', '01:00.0', '--format', 'json'],
  ]) {
    const r = runCli([...args, '--root', root, '--pci-ids', TEST_IDS]);
    assert.ok(r.code !== 70 && !/\n\s+at /.test(r.stderr), `${args.join(' ')}: exit ${r.code} ${r.stderr}`);
    assert.doesNotMatch(r.stdout.replace(/[\t\n]/g, ''), RAW, args.join(' '));
    assert.doesNotMatch(r.stderr.replace(/\n/g, ''), RAW, args.join(' '));
  }
  // What is there is shown escaped, so the reader sees it was there.
  const list = runCli(['list', '--format', 'plain', '--root', root, '--pci-ids', TEST_IDS]);
  assert.match(list.stderr, /^iommu-groups: no active IOMMU: .*kernel command line has intel_iommu=off\\x1b\]52;c;cm0gLXJmIH4K\\x07 iommu=pt\\x1b\[2J/m);
});
