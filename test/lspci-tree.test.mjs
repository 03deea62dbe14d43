// A board's `lspci -vvnn` turned into an IOMMU-off tree (scripts/lspci-to-tree.mjs), the groups
// its kernel made held back: how `list --predict` is checked on machines we do not have. Here the
// lspci text is pciutils' own, read from the real captures (lspci reads a captured tree as it reads
// /sys): the prediction from that text must be the kernel's groups (held back from the text's
// `IOMMU group:` lines) and the same as the prediction from the capture itself.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseLspci, writeTree } from '../scripts/lspci-to-tree.mjs';
import { FIXTURES, TEST_IDS, fixture, fixtureCopy, hasCommand, lspciOn, runCli, tempDir } from './helpers.mjs';
import { asNonRoot, withoutAcs } from './derive.mjs';

const skip = !hasCommand('lspci') && !process.env.CI ? 'lspci (Debian package pciutils) is not installed' : false;

const lspci = (root, ...opts) => lspciOn(root, ['-i', TEST_IDS, '-D', ...opts]);

function convert(text) {
  const out = path.join(tempDir('iommu-groups-lspci-'), 'tree');
  writeTree(parseLspci(text), out);
  return out;
}

/** "group<TAB>address" per function of `list --predict --format plain` (group "-" when none). */
function predicted(root) {
  const r = runCli(['list', '--predict', '--root', root, '--format', 'plain', '--pci-ids', TEST_IDS]);
  return r.stdout.trim().split('\n').map((l) => l.split('\t')).map((f) => `${f[0]}\t${f[4]}\t${f[5]}`);
}

/** The held-back groups as the same lines: what the kernel made. */
function heldBack(tree) {
  const held = JSON.parse(fs.readFileSync(path.join(tree, 'held-back-groups.json'), 'utf8'));
  return Object.entries(held).map(([a, g]) => [g, a]);
}

for (const name of FIXTURES) {
  // -xxx dumps 256 bytes: a PCIe function's extended capabilities then come from the decoded text.
  for (const opts of [['-vvnn'], ['-vvnn', '-xxxx'], ['-vvnn', '-xxx']]) {
    test(`${name}, lspci ${opts.join(' ')} as root: the prediction from the text is the capture's, and the kernel's groups`, { skip }, () => {
      const text = lspci(fixture(name), ...opts);
      const tree = convert(text);
      assert.ok(!fs.existsSync(path.join(tree, 'sys/kernel/iommu_groups')), 'the tree has the IOMMU off');
      const fromText = predicted(tree);
      assert.equal(fromText.length, 30);
      assert.deepEqual(fromText, predicted(fixture(name)));
      const held = heldBack(tree);
      if (name === 'q35-noiommu') return assert.deepEqual(held, []);
      assert.equal(held.length, 30);
      const byAddress = new Map(fromText.map((l) => [l.split('\t')[1], Number(l.split('\t')[0])]));
      for (const [group, address] of held) assert.equal(byAddress.get(address), group, address);
    });
  }
}

test('config space built from the text carries the real bytes of every field the rules read', { skip }, () => {
  const real = fixture('q35-intel');
  const tree = convert(lspci(real, '-vvnn'));
  const dirs = (root) => new Map(execFileSync('find', [path.join(root, 'sys/devices'), '-name', 'config', '-type', 'f'], { encoding: 'utf8' }).trim().split('\n').map((f) => [path.basename(path.dirname(f)), f]));
  const ours = dirs(tree);
  let caps = 0;
  let acs = 0;
  for (const [address, file] of dirs(real)) {
    const a = fs.readFileSync(file);
    const b = fs.readFileSync(ours.get(address));
    assert.equal(b.length, a.length, `${address}: config size`);
    const same = (off, len, what) => assert.deepEqual(b.subarray(off, off + len), a.subarray(off, off + len), `${address}: ${what}`);
    same(0, 4, 'vendor and device');
    same(8, 4, 'revision and class');
    // The multifunction bit of function 0; a later function is multifunction for the kernel
    // whatever its bit says (pci_scan_slot), and QEMU leaves it clear there.
    if (address.endsWith('.0')) same(0x0e, 1, 'header type with the multifunction bit');
    else assert.equal(b[0x0e] & 0x7f, a[0x0e] & 0x7f, `${address}: header type`);
    same(0x34, 1, 'capability pointer');
    if ((a[0x0e] & 0x7f) === 1) same(0x18, 3, 'bus numbers');
    for (let p = a[0x34] & 0xfc; p >= 0x40; p = a[p + 1] & 0xfc, caps++) {
      same(p, 2, `capability at 0x${p.toString(16)}: id and next`);
      if (a[p] === 0x10) assert.equal(b.readUInt16LE(p + 2) & 0x1ff, a.readUInt16LE(p + 2) & 0x1ff, `${address}: PCIe version, port type, slot`);
    }
    for (let p = a.length > 256 ? 0x100 : 0; p; p = a.readUInt32LE(p) >>> 20, caps++) {
      if (a.readUInt32LE(p) === 0) break;
      same(p, 4, `extended capability at 0x${p.toString(16)}: id, version and next`);
      if ((a.readUInt32LE(p) & 0xffff) === 0x000d) {
        same(p + 4, 4, 'ACS capability and control');
        acs++;
      }
    }
  }
  assert.ok(caps > 60 && acs === 8, `${caps} capabilities, ${acs} ACS`);
});

test('a text whose tabs became spaces (pasted through a forum or a mail) gives the same tree', { skip }, () => {
  const text = lspci(fixture('q35-intel'), '-vvnn');
  const spaced = text.replace(/^\t+/gm, (t) => '    '.repeat(t.length));
  assert.notEqual(spaced, text);
  const a = convert(text);
  const b = convert(spaced);
  assert.deepEqual(predicted(b), predicted(a));
  const config = (root) => fs.readFileSync(path.join(root, 'sys/devices/pci0000:00/0000:00:02.5/0000:06:00.0/0000:07:00.0/config'));
  assert.deepEqual(config(b), config(a));
});

test('a root port without ACS in the text: its card shares the port\'s group, as the capture says', { skip }, () => {
  const root = fixtureCopy('q35-noiommu');
  withoutAcs(root, '0000:00:02.4'); // above the GPU and its audio function
  const fromText = predicted(convert(lspci(root, '-vvnn')));
  assert.deepEqual(fromText, predicted(root));
  const gpu = fromText.filter((l) => /\t0000:(00:02\.4|05:00\.[01])\t/.test(l)).map((l) => l.split('\t')[0]);
  assert.equal(new Set(gpu).size, 1, `one group: ${gpu}`);
});

test('lspci run as a non-root user (capabilities denied): every function unknown exactly as on the tree read so', { skip }, () => {
  const root = asNonRoot(fixtureCopy('q35-noiommu'));
  const text = lspci(root, '-vvnn');
  assert.match(text, /Capabilities: <access denied>/);
  const tree = convert(text);
  assert.equal(fs.statSync(path.join(tree, 'sys/devices/pci0000:00/0000:00:00.0/config')).size, 64, 'a function without capabilities is cut too');
  assert.deepEqual(predicted(tree), predicted(root));
  const j = JSON.parse(runCli(['list', '--predict', '--root', tree, '--format', 'json']).stdout);
  assert.ok(j.prediction.unknown.some((u) => u.why === "only 64 bytes of 0000:00:02.0's config space are readable (the rest needs root)"));
});

test('SR-IOV in the text: VFs at the PF\'s offset and stride are linked to it and each gets its own group', { skip }, () => {
  // q35-intel's 82574L (01:00.0) given an SR-IOV capability with two VFs, in lspci's own words.
  const text = lspci(fixture('q35-intel'), '-vvnn');
  const pf = /^0000:01:00\.0 .*\n(?:\t.*\n)*/m.exec(text)[0];
  const sriov =
    '\tCapabilities: [160 v1] Single Root I/O Virtualization (SR-IOV)\n' +
    '\t\tIOVCap:\tMigration- 10BitTagReq- Interrupt Message Number: 000\n' +
    '\t\tIOVCtl:\tEnable+ Migration- Interrupt- MSE+ ARIHierarchy- 10BitTagReq-\n' +
    '\t\tInitial VFs: 8, Total VFs: 8, Number of VFs: 2, Function Dependency Link: 00\n' +
    '\t\tVF offset: 128, stride: 2, Device ID: 10ca\n';
  const withCap = pf.replace(/(\tKernel driver in use)/, `${sriov}$1`);
  const vf = (fn) => withCap.split('\n')[0].replace('0000:01:00.0', `0000:01:10.${fn}`).replace('[8086:10d3]', '[8086:10ca]') + '\n\tKernel driver in use: igbvf\n';
  const tree = convert(text.replace(pf, `${withCap}\n${vf(0)}\n${vf(2)}\n`));
  const dir = 'sys/devices/pci0000:00/0000:00:02.0';
  assert.equal(fs.readlinkSync(path.join(tree, dir, '0000:01:10.2/physfn')), '../0000:01:00.0');
  assert.equal(fs.readlinkSync(path.join(tree, dir, '0000:01:00.0/virtfn1')), '../0000:01:10.2');
  const config = fs.readFileSync(path.join(tree, dir, '0000:01:00.0/config'));
  assert.equal(config.readUInt16LE(0x160), 0x0010, 'the PF carries the SR-IOV capability');
  assert.equal(config.readUInt16LE(0x160 + 0x14), 128);
  const lines = predicted(tree).filter((l) => /\t0000:01:/.test(l)).map((l) => l.split('\t')[0]);
  assert.equal(lines.length, 3);
  assert.equal(new Set(lines).size, 3, 'PF and each VF alone');
});

test('text without vendor:device ids is refused with the option that gives them', () => {
  assert.throws(() => parseLspci('00:02.0 PCI bridge: Red Hat, Inc. QEMU PCIe Root port\n'), /0000:00:02\.0: no class or vendor:device id .*take lspci with -nn/);
});

test('a damaged text whose bridges name each other\'s buses still makes a tree (the loop is cut at a root bus)', () => {
  const text =
    '01:00.0 PCI bridge [0604]: Intel Corporation Device [8086:1901]\n\tBus: primary=01, secondary=02, subordinate=02, sec-latency=0\n' +
    '02:00.0 PCI bridge [0604]: Intel Corporation Device [8086:1901]\n\tBus: primary=02, secondary=01, subordinate=01, sec-latency=0\n';
  const tree = path.join(tempDir('iommu-groups-lspci-'), 'tree');
  assert.equal(writeTree(parseLspci(text), tree).functions, 2);
  assert.ok(fs.existsSync(path.join(tree, 'sys/devices/pci0000:02/0000:02:00.0/0000:01:00.0/config')));
});

test('names from the text are data: a driver or slot name that is not a plain file name writes nothing outside the tree', () => {
  const base = tempDir('iommu-groups-lspci-');
  const text =
    '00:02.0 Ethernet controller [0200]: Intel Corporation Device [8086:10d3]\n' +
    '\tPhysical Slot: ../../../slot-escape\n\tKernel driver in use: ../../../../driver-escape\n' +
    '00:03.0 Ethernet controller [0200]: Intel Corporation Device [8086:10d3]\n\tPhysical Slot: 3\n\tKernel driver in use: e1000e\n';
  const tree = path.join(base, 'a', 'tree');
  writeTree(parseLspci(text), tree);
  assert.deepEqual(fs.readdirSync(base), ['a']);
  assert.deepEqual(fs.readdirSync(path.join(base, 'a')), ['tree']);
  assert.deepEqual(fs.readdirSync(path.join(tree, 'sys/bus/pci/drivers')), ['e1000e']);
  assert.deepEqual(fs.readdirSync(path.join(tree, 'sys/bus/pci/slots')), ['3']);
  assert.ok(!fs.existsSync(path.join(tree, 'sys/devices/pci0000:00/0000:00:02.0/driver')));
});

test('the output directory is replaced only when empty or an earlier conversion', () => {
  const dir = tempDir('iommu-groups-lspci-');
  fs.writeFileSync(path.join(dir, 'keep.txt'), 'mine');
  const one = parseLspci('00:03.0 Ethernet controller [0200]: Intel Corporation Device [8086:10d3]\n');
  assert.throws(() => writeTree(one, dir), /is not empty and is not an earlier conversion/);
  assert.equal(fs.readFileSync(path.join(dir, 'keep.txt'), 'utf8'), 'mine');
  const tree = path.join(dir, 'tree');
  writeTree(one, tree);
  assert.equal(writeTree(one, tree).functions, 1, 'an earlier conversion is replaced');
});
