// `check` as a plan: one outcome per request (ready / steps / blocked / unknown, exit 0/4/1/5),
// decided on every device of every capture by an oracle written from the raw tree (links, classes,
// drivers), never from the tool's output; every printed command checked against the tree; and
// trees derived from a capture by one change each: a platform device in a PCI group, a mounted
// filesystem, swap, the default route (directly and through a bridge), SR-IOV, os-release, a
// partial capture, no interrupt remapping.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, TEST_IDS, fixture, fixtureCopy, runCli } from './helpers.mjs';
import { runInProcess } from './mutate.mjs';

const EXIT = { ready: 0, blocked: 1, steps: 4, unknown: 5 };
const RANK = { ready: 0, steps: 1, unknown: 2, blocked: 3 };
const pciAddrs = (root) => fs.readdirSync(path.join(root, 'sys/bus/pci/devices')).sort();

// ---- the oracle: the kernel's VFIO rule and the host's needs, read straight from the tree
const HOST_CLASSES = [0x0600, 0x0601, 0x0602, 0x0603, 0x0c05, 0x0800, 0x0801, 0x0802, 0x0803, 0x0806];

function raw(root) {
  const real = (p) => fs.realpathSync(p);
  const dev = (a) => real(path.join(root, 'sys/bus/pci/devices', a));
  const read = (d, f) => fs.readFileSync(path.join(d, f), 'latin1').trim();
  const driver = (d) => (fs.existsSync(path.join(d, 'driver')) ? path.basename(fs.readlinkSync(path.join(d, 'driver'))) : null);
  const cls = (d) => parseInt(read(d, 'class'), 16);
  const bridge = (d) => (fs.readFileSync(path.join(d, 'config'))[0x0e] & 0x7f) !== 0;
  const hostClass = (d) => HOST_CLASSES.includes(cls(d) >> 8) || cls(d) >> 16 === 0x05;
  const linksUnder = (dir, d) => (fs.existsSync(path.join(root, dir)) ? fs.readdirSync(path.join(root, dir)).filter((n) => real(path.join(root, dir, n)).startsWith(d + '/')) : []);
  const has = (f) => fs.existsSync(path.join(root, f));
  const groupOf = (d) => (fs.existsSync(path.join(d, 'iommu_group')) ? real(path.join(d, 'iommu_group')) : null);
  const members = (g) => fs.readdirSync(path.join(g, 'devices')).map((m) => real(path.join(g, 'devices', m)));
  const vfioSafe = (drv) => drv === null || drv === 'pci-stub' || /vfio/.test(drv);
  const groupsExist = fs.readdirSync(path.join(root, 'sys/kernel/iommu_groups')).length > 0;
  // What a device the host may need lacks in this tree: disks need mountinfo, interfaces a route table.
  const lacks = (d) => (linksUnder('sys/block', d).length && !has('proc/self/mountinfo')) || (linksUnder('sys/class/net', d).length && !has('proc/net/route'));
  return { dev, driver, bridge, hostClass, lacks, groupOf, members, vfioSafe, groupsExist };
}

/** The outcome for a request (a list of PCI addresses), from the raw tree alone. */
function oracle(root, addrs) {
  const r = raw(root);
  if (!r.groupsExist) return 'blocked';
  const byGroup = new Map();
  for (const a of addrs) {
    const d = r.dev(a);
    const g = r.groupOf(d);
    if (g === null) return 'blocked';
    if (!byGroup.has(g)) byGroup.set(g, new Set());
    byGroup.get(g).add(d);
  }
  let worst = 'ready';
  for (const [g, targets] of byGroup) {
    let o = 'ready';
    const raise = (x) => (o = RANK[x] > RANK[o] ? x : o);
    for (const m of r.members(g)) {
      const drv = r.driver(m);
      if (targets.has(m)) {
        if (r.bridge(m) || r.hostClass(m)) raise('blocked');
        else if (!(drv && /vfio/.test(drv)) && r.lacks(m)) raise('unknown');
      } else if (r.bridge(m)) {
        if (!(drv === null || drv === 'pcieport' || r.vfioSafe(drv))) raise('blocked');
      } else if (!r.vfioSafe(drv)) {
        if (r.hostClass(m)) raise('blocked');
        else if (r.lacks(m)) raise('unknown');
        else raise('steps');
      }
    }
    worst = RANK[o] > RANK[worst] ? o : worst;
  }
  return worst;
}

/** The shell line a step must be: argv shell-quoted, stdin piped in with echo or printf. */
function expectedLine(s) {
  const q = (w) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);
  const cmd = s.argv.map(q).join(' ');
  if (s.input === null) return cmd;
  const lines = s.input.replace(/\n$/, '').split('\n');
  const feed = lines.length === 1 && /^[A-Za-z0-9][A-Za-z0-9_.:@+=,-]*$/.test(lines[0]) ? `echo ${lines[0]}` : `printf '%s\\n' ${lines.map(q).join(' ')}`;
  return `${feed} | ${cmd} > /dev/null`;
}

/** Every step of a plan: its line is its argv, it writes only where it may, and names no placeholder. */
function assertSafePlan(root, plan, label) {
  const steps = [...plan.required, ...plan.optional, ...plan.persistent, ...(plan.byId ? [...plan.byId.steps, ...plan.byId.initramfs] : [])];
  for (const s of steps) {
    assert.equal(s.line, expectedLine(s), `${label}: ${s.line}`);
    assert.equal(s.argv[0], 'sudo', `${label}: ${s.line}`);
    assert.doesNotMatch(s.line, /\b(MODULE|DRIVER|ADDR|VMID)\b|<[a-z]+>/, `${label}: placeholder in ${s.line}`);
    if (s.argv[1] === 'tee') {
      const file = s.argv.at(-1);
      if (file.startsWith('/sys/')) {
        assert.ok(fs.existsSync(path.join(root, file)), `${label}: ${file} is not in the tree`);
        assert.ok(!s.argv.includes('-a'));
      } else {
        assert.equal(file, '/etc/modprobe.d/vfio-pci-iommu-groups.conf', label);
        assert.ok(s.argv.includes('-a'), `${label}: tee without -a into /etc`);
      }
    }
  }
  return steps;
}

/** check in-process (the CLI's own run(): no node start-up per call), JSON, exit code = outcome. */
const check = async (root, args) => {
  const r = await runInProcess(['check', ...args, '--root', root, '--format', 'json', '--pci-ids', TEST_IDS]);
  assert.equal(r.err, '');
  const doc = JSON.parse(r.out);
  assert.equal(r.code, EXIT[doc.outcome], `exit code of ${doc.outcome}`);
  return doc;
};

for (const fx of FIXTURES) {
  test(`every device of ${fx} alone and every slot together: the outcome the raw tree implies, and only safe steps`, async () => {
    const root = fixture(fx);
    const addrs = pciAddrs(root);
    const slots = [...new Set(addrs.map((a) => a.slice(0, -2)))].map((s) => addrs.filter((a) => a.startsWith(s + '.')));
    const tally = {};
    const requests = [...addrs.map((a) => [a]), ...slots.filter((s) => s.length > 1)];
    for (const req of requests) {
      const doc = await check(root, req);
      assert.equal(doc.outcome, oracle(root, req), `${fx} ${req.join(' ')}: ${doc.groups.flatMap((g) => g.findings.filter((f) => f.effect !== 'none').map((f) => `${f.code} ${f.subject}`)).join(', ')}`);
      tally[doc.outcome] = (tally[doc.outcome] ?? 0) + 1;
      if (doc.outcome === 'blocked' || doc.outcome === 'unknown') assert.equal(doc.plan, null);
      else assertSafePlan(root, doc.plan, `${fx} ${req.join(' ')}`);
      // No step ever names a device the analysis found the host needs.
      const needed = doc.groups.flatMap((g) => g.findings.filter((f) => f.effect === 'block').map((f) => f.subject));
      for (const s of doc.plan ? [...doc.plan.required, ...doc.plan.optional] : []) for (const n of needed) assert.ok(!s.line.includes(n), s.line);
    }
    if (fx === 'q35-noiommu') assert.deepEqual(tally, { blocked: requests.length });
    else assert.ok(tally.ready && tally.steps && tally.blocked && tally.unknown, JSON.stringify(tally)); // every outcome occurs
  });
}

test('the issue\'s examples on the captures: GPU + audio together, alone, a root port, the chipset group, the host bridge', async () => {
  const intel = fixture('q35-intel');
  const vfio = fixture('q35-intel-vfio');
  const pair = await check(intel, ['05:00.0', '05:00.1']);
  assert.equal(pair.outcome, 'ready');
  assert.deepEqual(pair.groups.map((g) => [g.group, g.targets]), [[17, ['0000:05:00.0', '0000:05:00.1']]]);
  assert.deepEqual(pair.plan.required, []);
  assert.deepEqual(pair.plan.optional.map((s) => s.line).slice(0, 2), ['sudo modprobe vfio-pci', 'echo vfio-pci | sudo tee /sys/bus/pci/devices/0000:05:00.0/driver_override > /dev/null']);

  const gpu = await check(intel, ['05:00.0']);
  assert.equal(gpu.outcome, 'steps');
  const move = gpu.groups[0].findings.find((f) => f.code === 'GROUP_MEMBER_HOST_DRIVER');
  assert.equal(move.message, 'bound to the host driver snd_hda_intel in the same group 17: it must move to vfio-pci too, and the host loses 0000:05:00.1 (snd_hda_intel, Audio device [0403])');
  assert.deepEqual(gpu.plan.required.map((s) => s.argv), [
    ['sudo', 'modprobe', 'vfio-pci'],
    ['sudo', 'tee', '/sys/bus/pci/devices/0000:05:00.1/driver_override'],
    ['sudo', 'tee', '/sys/bus/pci/devices/0000:05:00.1/driver/unbind'],
    ['sudo', 'tee', '/sys/bus/pci/drivers_probe'],
  ]);
  assert.deepEqual(gpu.plan.byId.steps[0].input, 'options vfio-pci ids=8086:293e,1af4:1050\nsoftdep snd_hda_intel pre: vfio-pci\nsoftdep virtio_pci pre: vfio-pci\n');

  assert.equal((await check(intel, ['00:02.0'])).groups[0].findings[0].code, 'TARGET_IS_BRIDGE');
  const chipset = await check(vfio, ['00:1f.2']);
  assert.equal(chipset.outcome, 'blocked');
  assert.equal(chipset.plan, null);
  assert.deepEqual(chipset.groups[0].findings.filter((f) => f.effect === 'block').map((f) => `${f.code} ${f.subject}`), ['HOST_NEEDS_CHIPSET 0000:00:1f.0', 'HOST_NEEDS_CHIPSET 0000:00:1f.3']);
  const hostBridge = await check(vfio, ['00:00.0']);
  assert.deepEqual([hostBridge.outcome, hostBridge.groups[0].findings[0].code], ['blocked', 'HOST_NEEDS_CHIPSET']);
});

test('the table view leads with the answer in one line; plain gives the outcome word per target', async () => {
  const root = fixture('q35-intel');
  const t = runCli(['check', '05:00.0', '--root', root, '--format', 'table', '--pci-ids', TEST_IDS]);
  assert.equal(t.stdout.split('\n')[0], '0000:05:00.0 (group 17): READY after 4 steps');
  assert.equal(t.code, 4);
  const p = runCli(['check', '05:00.0', '05:00.1', '00:1f.0', '01:00.0', '--root', root, '--format', 'plain']);
  assert.equal(p.stdout, [
    '05:00.0\t0000:05:00.0\t17\tready\tNO_RESET',
    '05:00.1\t0000:05:00.1\t17\tready\tNO_RESET',
    '00:1f.0\t0000:00:1f.0\t12\tblocked\tHOST_NEEDS_CHIPSET,GROUP_MEMBER_HOST_DRIVER,NO_RESET',
    '01:00.0\t0000:01:00.0\t13\tunknown\tROUTE_UNKNOWN',
    '',
  ].join('\n'));
  assert.equal(p.code, 1); // the request is blocked: the worst of its groups
});

/** A q35-intel-vfio copy with host files added. */
function derived(name, files = {}) {
  const root = fixtureCopy(name);
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  return root;
}
const devDir = (root, a) => fs.realpathSync(path.join(root, 'sys/bus/pci/devices', a));
const ROUTE_HEAD = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n';

test('a mounted filesystem or swap on a disk under a target blocks; without mountinfo it is unknown', async () => {
  const root = derived('q35-intel');
  const majmin = fs.readFileSync(path.join(root, 'sys/block/nvme1n1/dev'), 'utf8').trim();
  assert.equal((await check(root, ['09:00.0'])).groups[0].findings.find((f) => f.effect === 'unknown').code, 'MOUNTS_UNKNOWN');
  fs.writeFileSync(path.join(root, 'proc/self/mountinfo'.replace('self/', '')), ''); // not the file we read
  fs.mkdirSync(path.join(root, 'proc/self'), { recursive: true });
  fs.writeFileSync(path.join(root, 'proc/self/mountinfo'), `22 1 ${majmin} / / rw,relatime shared:1 - ext4 /dev/nvme1n1 rw\n`);
  const doc = await check(root, ['09:00.0']);
  assert.equal(doc.outcome, 'blocked');
  const f = doc.groups[0].findings.find((x) => x.code === 'MOUNTED_FILESYSTEM');
  assert.deepEqual([f.subject, f.evidence], ['0000:09:00.0', ['sys/block/nvme1n1 -> sys/devices/pci0000:00/0000:00:02.5/0000:06:00.0/0000:07:01.0/0000:09:00.0/nvme/nvme1/nvme1n1', 'proc/self/mountinfo']]);
  fs.writeFileSync(path.join(root, 'proc/self/mountinfo'), '22 1 8:1 / / rw - ext4 /dev/sda1 rw\n');
  // No proc/swaps: whether the host swaps on it is not known.
  assert.equal((await check(root, ['09:00.0'])).groups[0].findings.find((f) => f.effect === 'unknown').message, 'holds nvme1n1, and proc/swaps is not in this tree: cannot tell whether the host swaps on it');
  fs.writeFileSync(path.join(root, 'proc/swaps'), 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n');
  assert.equal((await check(root, ['09:00.0'])).outcome, 'ready');
  fs.writeFileSync(path.join(root, 'proc/swaps'), 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/nvme1n1                            partition\t8388604\t\t0\t\t-2\n');
  assert.equal((await check(root, ['09:00.0'])).groups[0].findings.find((x) => x.effect === 'block').message, 'nvme, Non-Volatile memory controller [0108]: holds nvme1n1, which the host uses as swap: the host needs it; it cannot go to a VM');
});

test('the NIC under the default route blocks, as a target, through a bridge, and as another member of the group', async () => {
  const root = derived('q35-intel-vfio', { 'proc/net/route': `${ROUTE_HEAD}eth2\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n`, 'proc/net/ipv6_route': '' });
  const nic = await check(root, ['01:00.0']);
  assert.equal(nic.outcome, 'blocked');
  assert.equal(nic.groups[0].findings[0].message, 'e1000e, Ethernet controller [0200]: provides eth2, which carries the host\'s default route: the host needs it; it cannot go to a VM');
  assert.equal((await check(root, ['03:00.0'])).outcome, 'ready'); // eth0 carries no default route

  // A bridge br0 over eth1 (08:00.0) carries the IPv6 default route.
  fs.mkdirSync(path.join(root, 'sys/devices/virtual/net/br0'), { recursive: true });
  fs.symlinkSync('../../devices/virtual/net/br0', path.join(root, 'sys/class/net/br0'));
  fs.symlinkSync('../../../pci0000:00/0000:00:02.5/0000:06:00.0/0000:07:00.0/0000:08:00.0/virtio5/net/eth1', path.join(root, 'sys/devices/virtual/net/br0/lower_eth1'));
  fs.writeFileSync(path.join(root, 'proc/net/ipv6_route'), `${'0'.repeat(32)} 00 ${'0'.repeat(32)} 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003      br0\n${'0'.repeat(32)} 00 ${'0'.repeat(32)} 00 ${'0'.repeat(32)} ffffffff 00000001 00000000 00200200       lo\n`);
  const bridged = await check(root, ['08:00.0']);
  assert.equal(bridged.groups[0].findings.find((f) => f.code === 'DEFAULT_ROUTE').message, 'virtio-pci, Ethernet controller [0200]: provides eth1, which carries the host\'s default route (through br0): the host needs it; it cannot go to a VM');

  // An interface under the serial port (another member of group 21) carries it: 0b:01.0 is blocked, no step names 0b:02.0.
  const serial = devDir(root, '0000:0b:02.0');
  fs.mkdirSync(path.join(serial, 'net/eth9'), { recursive: true });
  fs.symlinkSync(path.relative(path.join(root, 'sys/class/net'), path.join(serial, 'net/eth9')), path.join(root, 'sys/class/net/eth9'));
  fs.writeFileSync(path.join(root, 'proc/net/route'), `${ROUTE_HEAD}eth9\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n`);
  const member = await check(root, ['0b:01.0']);
  assert.equal(member.outcome, 'blocked');
  assert.equal(member.plan, null);
  const why = member.groups[0].findings.find((f) => f.code === 'DEFAULT_ROUTE');
  assert.equal(why.subject, '0000:0b:02.0');
  assert.match(why.message, /it cannot leave serial, so group 21 cannot go to a VM/);
  const text = runCli(['check', '0b:01.0', '--root', root, '--format', 'table', '--pci-ids', TEST_IDS]).stdout;
  assert.doesNotMatch(text, /tee|driverctl/);
});

test('a platform device in a PCI group moves through the platform bus with vfio-platform; a bus without a VFIO driver blocks', async () => {
  const root = derived('q35-intel');
  // Group 17 gains serial8250 (a platform device on the serial8250 driver), as a device-tree host would group it.
  const plat = fs.realpathSync(path.join(root, 'sys/bus/platform/devices/serial8250'));
  fs.symlinkSync(path.relative(plat, path.join(root, 'sys/kernel/iommu_groups/17')), path.join(plat, 'iommu_group'));
  fs.symlinkSync(path.relative(path.join(root, 'sys/kernel/iommu_groups/17/devices'), plat), path.join(root, 'sys/kernel/iommu_groups/17/devices/serial8250'));
  const doc = await check(root, ['05:00.0', '05:00.1']);
  assert.equal(doc.outcome, 'steps');
  assert.deepEqual(doc.groups[0].moves.map((m) => [m.device, m.bus, m.driver, m.vfioDriver]), [['serial8250', 'platform', 'serial8250', 'vfio-platform']]);
  const steps = assertSafePlan(root, doc.plan, 'platform');
  assert.deepEqual(doc.plan.required.map((s) => s.line), [
    'sudo modprobe vfio-platform',
    'echo vfio-platform | sudo tee /sys/bus/platform/devices/serial8250/driver_override > /dev/null',
    'echo serial8250 | sudo tee /sys/bus/platform/devices/serial8250/driver/unbind > /dev/null',
    'echo serial8250 | sudo tee /sys/bus/platform/drivers_probe > /dev/null',
  ]);
  assert.ok(steps.every((s) => !s.line.includes('/sys/bus/pci/devices/serial8250')));
  assert.ok(doc.plan.persistent.some((s) => s.line === 'sudo driverctl --bus platform set-override serial8250 vfio-platform'));
  assert.match(doc.plan.notes.join('\n'), /reset module/);
  assert.equal(doc.plan.byId, null);

  // The same member on a bus no VFIO driver serves (a virtio device): blocked, nothing printed.
  const virtio = fs.realpathSync(path.join(root, 'sys/bus/virtio/devices/virtio0'));
  fs.symlinkSync(path.relative(virtio, path.join(root, 'sys/kernel/iommu_groups/17')), path.join(virtio, 'iommu_group'));
  fs.symlinkSync(path.relative(path.join(root, 'sys/kernel/iommu_groups/17/devices'), virtio), path.join(root, 'sys/kernel/iommu_groups/17/devices/virtio0'));
  const blocked = await check(root, ['05:00.0', '05:00.1']);
  assert.equal(blocked.outcome, 'blocked');
  assert.equal(blocked.groups[0].findings.find((f) => f.effect === 'block').code, 'NO_VFIO_DRIVER');
});

test('an SR-IOV PF with VFs enabled is blocked with the full sriov_numvfs path, and no steps', async () => {
  const root = derived('q35-intel-vfio');
  const pf = devDir(root, '0000:03:00.0');
  fs.writeFileSync(path.join(pf, 'sriov_numvfs'), '2\n');
  fs.writeFileSync(path.join(pf, 'sriov_totalvfs'), '8\n');
  const doc = await check(root, ['03:00.0']);
  assert.equal(doc.outcome, 'blocked');
  assert.equal(doc.plan, null);
  assert.match(doc.groups[0].findings.find((f) => f.code === 'PF_WITH_VFS').message, /disable them first: echo 0 \| sudo tee \/sys\/bus\/pci\/devices\/0000:03:00\.0\/sriov_numvfs > \/dev\/null$/);
});

test('the initramfs command follows etc/os-release, and the modprobe file is only appended to', async () => {
  const cases = [
    ['ID=debian\nVERSION_ID="12"\n', 'sudo update-initramfs -u'],
    ['NAME="Fedora Linux"\nID=fedora\n', 'sudo dracut -f'],
    ['ID="rocky"\nID_LIKE="rhel centos fedora"\n', 'sudo dracut -f'],
    ['ID=endeavouros\nID_LIKE=arch\n', 'sudo mkinitcpio -P'],
  ];
  for (const [osRelease, cmd] of cases) {
    const root = derived('q35-intel', { 'usr/lib/os-release': osRelease });
    fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
    fs.symlinkSync('../usr/lib/os-release', path.join(root, 'etc/os-release'));
    const doc = await check(root, ['05:00.0', '05:00.1']);
    assert.deepEqual(doc.plan.byId.initramfs.map((s) => s.line), [cmd], osRelease);
    assert.deepEqual(doc.plan.byId.initramfsChoices, []);
    assert.deepEqual(doc.plan.byId.steps[0].argv, ['sudo', 'tee', '-a', '/etc/modprobe.d/vfio-pci-iommu-groups.conf']);
  }
  const none = await check(fixture('q35-intel'), ['05:00.0', '05:00.1']);
  assert.deepEqual(none.plan.byId.initramfsChoices, ['Debian, Ubuntu, Proxmox VE: sudo update-initramfs -u', 'Fedora, RHEL and derivatives, openSUSE: sudo dracut -f', 'Arch Linux: sudo mkinitcpio -P']);
});

test('a partial capture (no config, no reset attributes) says reset is not in the capture, not NO_RESET', async () => {
  const root = derived('q35-intel');
  const gpu = devDir(root, '0000:05:00.0');
  for (const f of ['config', 'reset', 'reset_method']) fs.rmSync(path.join(gpu, f), { force: true });
  const doc = await check(root, ['05:00.0', '05:00.1']);
  const r = doc.groups[0].findings.find((f) => f.subject === '0000:05:00.0' && f.code.startsWith('RESET') || f.code === 'NO_RESET' && f.subject === '0000:05:00.0');
  assert.deepEqual([r.code, r.status, r.effect, r.message], ['RESET_UNKNOWN', 'unknown', 'none', 'reset: not in this capture (no reset_method, reset or config in the tree)']);
  assert.equal(doc.outcome, 'ready'); // a reset method does not decide whether the group can go
});

test('no interrupt remapping blocks on an x86 IOMMU unless unsafe interrupts are allowed', async () => {
  const root = derived('q35-intel-vfio', { 'proc/interrupts': '           CPU0\n  0:         45   IO-APIC   2-edge      timer\n 24:          0   PCI-MSI 16384-edge      PCIe PME\n' });
  const doc = await check(root, ['02:00.0']);
  assert.equal(doc.outcome, 'blocked');
  assert.match(doc.groups[0].findings.find((f) => f.code === 'NO_INTERRUPT_REMAPPING').message, /what would change it: enable interrupt remapping in the firmware/);
  fs.writeFileSync(path.join(root, 'proc/cmdline'), 'console=ttyS0 panic=-1 intel_iommu=on vfio_iommu_type1.allow_unsafe_interrupts=1\n');
  const allowed = await check(root, ['02:00.0']);
  assert.equal(allowed.outcome, 'ready');
  assert.equal(allowed.groups[0].findings.find((f) => f.code === 'NO_INTERRUPT_REMAPPING').status, 'warn');
  // intel_iommu=off says nothing about interrupt remapping under another IOMMU (it only turns VT-d off).
  fs.writeFileSync(path.join(root, 'proc/interrupts'), '           CPU0\n 24:          0   IR-PCI-MSI 16384-edge      PCIe PME\n');
  fs.writeFileSync(path.join(root, 'proc/cmdline'), 'intel_iommu=off\n');
  assert.equal((await check(root, ['02:00.0'])).outcome, 'ready');
});

test('--strict: warnings block; exit codes per outcome', async () => {
  const root = fixture('q35-intel-vfio');
  assert.equal(runCli(['check', '02:00.0', '--root', root, '--format', 'plain']).code, 0);
  assert.equal(runCli(['check', '0b:01.0', '--root', root, '--format', 'plain']).code, 4);
  const strict = runCli(['check', '0b:01.0', '--strict', '--root', root, '--format', 'plain']);
  assert.deepEqual([strict.stdout, strict.code], ['0b:01.0\t0000:0b:01.0\t21\tblocked\tGROUP_MEMBER_HOST_DRIVER,NO_RESET,BUS_RESET_SCOPE\n', 1]);
  assert.equal(runCli(['check', '01:00.0', '--root', root, '--format', 'plain']).code, 5);
  assert.equal(runCli(['check', '01:00.0', '--root', fixture('q35-noiommu'), '--format', 'plain']).code, 1);
});

test('by-id plans keep the ids already configured: one merged list, the old word replaced, a foreign modprobe.d line edited', async () => {
  // vfio-pci.ids=8086:10d3 on the command line: a second vfio-pci.ids= would replace it.
  const root = derived('q35-intel', { 'etc/modprobe.d/README': '' });
  fs.writeFileSync(path.join(root, 'proc/cmdline'), 'console=ttyS0 panic=-1 intel_iommu=on vfio-pci.ids=8086:10d3\n');
  const a = (await check(root, ['05:00.0', '05:00.1'])).plan.byId;
  assert.deepEqual(
    { p: a.kernelParameter, already: a.already, replaces: a.replaces, edit: a.edit, steps: a.steps },
    { p: 'vfio-pci.ids=8086:10d3,1af4:1050,8086:293e', already: ['8086:10d3 (proc/cmdline)'], replaces: 'vfio-pci.ids=8086:10d3', edit: null, steps: [] },
  );
  const text = runCli(['check', '05:00.0', '05:00.1', '--root', root, '--format', 'table', '--wide']).stdout;
  assert.match(text, /\nOr by vendor:device id: on the kernel command line, replace vfio-pci\.ids=8086:10d3 with vfio-pci\.ids=8086:10d3,1af4:1050,8086:293e \(it keeps what is already set: 8086:10d3 \(proc\/cmdline\)\); a second vfio-pci\.ids= would replace the first, and a modprobe\.d line would lose to the command line\.\n/);
  // An options line in someone else's file: edit it (ours would compete with it), continuation lines read.
  const m = derived('q35-intel', { 'etc/modprobe.d/vfio.conf': '# GPU for the VM\noptions vfio_pci disable_vga=1 \\\n  ids=10de:1b80,10de:10f0\nsoftdep nouveau pre: vfio-pci\n' });
  const b = (await check(m, ['05:00.0', '05:00.1'])).plan;
  assert.deepEqual(b.byId.edit, { file: '/etc/modprobe.d/vfio.conf', line: 2, from: 'ids=10de:1b80,10de:10f0', to: 'ids=10de:1b80,10de:10f0,1af4:1050,8086:293e' });
  assert.deepEqual([b.byId.already, b.byId.steps, b.byId.replaces], [['10de:1b80 (etc/modprobe.d/vfio.conf line 2)', '10de:10f0 (etc/modprobe.d/vfio.conf line 2)'], [], null]);
  assert.ok(!b.notes.some((n) => /etc\/modprobe\.d is not in this tree/.test(n)));
  // An id this tool cannot read is never silently dropped: no by-id way.
  fs.writeFileSync(path.join(m, 'etc/modprobe.d/vfio.conf'), 'options vfio-pci ids=10de:1b80,$(reboot)\n');
  const c = (await check(m, ['05:00.0', '05:00.1'])).plan;
  assert.equal(c.byId, null);
  assert.match(c.notes.join('\n'), /^no by-id way: etc\/modprobe\.d\/vfio\.conf line 1 gives vfio-pci an id this tool cannot read \("\$\(reboot\)"\)/m);
});
