// A fact missing from the tree is never read as harmless: each case removes one fact the kernel
// always writes (or writes where it applies) from a copy of a real capture, and check must say
// unknown naming it, or block where other facts already show the answer. Never ready.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { TEST_IDS, fixtureCopy } from './helpers.mjs';
import { runInProcess } from './mutate.mjs';

const devDir = (root, a) => fs.realpathSync(path.join(root, 'sys/bus/pci/devices', a));
const ROUTE_HEAD = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n';

async function check(root, ...targets) {
  const r = await runInProcess(['check', ...targets, '--root', root, '--format', 'json', '--pci-ids', TEST_IDS]);
  assert.equal(r.err, '');
  return JSON.parse(r.out);
}
const finding = (doc, code) => doc.groups.flatMap((g) => g.findings).filter((f) => f.code === code).map((f) => `${f.status}/${f.effect} ${f.message}`);

test('an IPv4 route table without the IPv6 one (or the other way round): unknown, naming the missing table', async () => {
  const root = fixtureCopy('q35-intel');
  fs.writeFileSync(path.join(root, 'proc/net/route'.replace('/net', '')), ''); // a decoy, not the file read
  fs.mkdirSync(path.join(root, 'proc/net'));
  fs.writeFileSync(path.join(root, 'proc/net/route'), `${ROUTE_HEAD}eth0\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n`);
  const nic = await check(root, '01:00.0'); // eth2: no IPv4 default route, IPv6 not known
  assert.equal(nic.outcome, 'unknown');
  assert.deepEqual(finding(nic, 'ROUTE_UNKNOWN'), ["unknown/unknown provides eth2, and proc/net/ipv6_route is not in this tree: cannot tell whether a default route of that family goes through it"]);
  // eth0 (03:00.0) carries the IPv4 default route: that blocks whatever IPv6 would say.
  assert.equal((await check(root, '03:00.0')).outcome, 'blocked');
  fs.writeFileSync(path.join(root, 'proc/net/ipv6_route'), '');
  assert.equal((await check(root, '01:00.0')).outcome, 'ready');
});

test('a group without reserved_regions (the kernel gives every group one): unknown', async () => {
  const root = fixtureCopy('q35-intel');
  fs.rmSync(path.join(root, 'sys/kernel/iommu_groups/17/reserved_regions'));
  const doc = await check(root, '05:00.0', '05:00.1');
  assert.equal(doc.outcome, 'unknown');
  assert.deepEqual(finding(doc, 'RESERVED_REGIONS_UNKNOWN'), ['unknown/unknown reserved_regions is not in this tree (the kernel gives every group one): cannot tell whether a direct-mapped region stops VFIO']);
});

test('a PF whose sriov_numvfs and virtfn links are missing while its VFs name it (physfn): blocked; totalvfs without numvfs: unknown', async () => {
  const root = fixtureCopy('q35-intel');
  // 02:00.0 and 09:00.0 as VFs of 01:00.0 (physfn links, as the kernel writes them), the PF's own attributes left out.
  const pf = devDir(root, '0000:01:00.0');
  for (const vf of ['0000:02:00.0', '0000:09:00.0']) fs.symlinkSync(path.relative(devDir(root, vf), pf), path.join(devDir(root, vf), 'physfn'));
  // By vendor:device the whole tree is read, VFs included.
  const doc = await check(root, '8086:10d3');
  assert.equal(doc.outcome, 'blocked');
  const f = doc.groups[0].findings.find((x) => x.code === 'PF_WITH_VFS');
  assert.deepEqual([f.message, f.evidence], [
    'an SR-IOV PF with 2 VFs enabled: vfio-pci refuses it; what would change it: pass one of its VFs instead (0000:02:00.0, 0000:09:00.0), or, when nothing uses the VFs, disable them first: echo 0 | sudo tee /sys/bus/pci/devices/0000:01:00.0/sriov_numvfs > /dev/null',
    ['0000:02:00.0/physfn -> 0000:01:00.0', '0000:09:00.0/physfn -> 0000:01:00.0'],
  ]);
  const other = fixtureCopy('q35-intel');
  fs.writeFileSync(path.join(devDir(other, '0000:01:00.0'), 'sriov_totalvfs'), '7\n');
  assert.deepEqual(finding(await check(other, '01:00.0'), 'SRIOV_UNKNOWN'), ['unknown/unknown an SR-IOV PF (sriov_totalvfs 7) whose sriov_numvfs is not in this tree: cannot tell whether VFs are enabled (vfio-pci refuses a PF with VFs)']);
  // No sriov_* attribute at all, but config space has the SR-IOV capability (appended to the chain: AER 0x100 -> DSN 0x140 -> SR-IOV 0x160).
  fs.rmSync(path.join(devDir(other, '0000:01:00.0'), 'sriov_totalvfs'));
  const cfgPath = path.join(devDir(other, '0000:01:00.0'), 'config');
  const cfg = fs.readFileSync(cfgPath);
  cfg.writeUInt32LE((cfg.readUInt32LE(0x140) & 0x000fffff) | (0x160 << 20), 0x140);
  cfg.writeUInt32LE(0x0010 | (1 << 16), 0x160);
  fs.writeFileSync(cfgPath, cfg);
  assert.deepEqual(finding(await check(other, '01:00.0'), 'SRIOV_UNKNOWN'), ['unknown/unknown an SR-IOV PF (its config space has the SR-IOV capability) whose sriov_numvfs is not in this tree: cannot tell whether VFs are enabled (vfio-pci refuses a PF with VFs)']);
});

test('a VGA-class GPU without boot_vga: whether the console is on it is said to be unknown', async () => {
  const root = fixtureCopy('q35-intel');
  const vga = devDir(root, '0000:00:01.0');
  assert.equal(fs.readFileSync(path.join(vga, 'boot_vga'), 'utf8'), '1\n');
  assert.deepEqual(finding(await check(root, '00:01.0'), 'BOOT_VGA').map((s) => s.split(' ')[0]), ['warn/none']);
  fs.rmSync(path.join(vga, 'boot_vga'));
  assert.deepEqual(finding(await check(root, '00:01.0'), 'BOOT_VGA'), ["unknown/none boot_vga is not in this tree: whether the host's console is on this GPU is not known"]);
});

test('a member whose name is not valid UTF-8: an issue naming it (escaped), its group unknown, never "isolated"', async () => {
  const root = fixtureCopy('q35-intel');
  // 05:00.1 renamed to "0000:05:00.\xff" in its group's devices/ and in the bus: no path can name it.
  const bad = Buffer.from('0000:05:00.\xff', 'latin1');
  for (const dir of ['sys/kernel/iommu_groups/17/devices', 'sys/bus/pci/devices']) {
    fs.renameSync(path.join(root, dir, '0000:05:00.1'), Buffer.concat([Buffer.from(path.join(root, dir) + '/'), bad]));
  }
  const list = await runInProcess(['list', '--root', root, '--format', 'json', '--device', '05:00.0']);
  const j = JSON.parse(list.out);
  assert.deepEqual([j.groups[0].verdict.kind, j.groups[0].members.map((m) => [m.name, m.isolation])], ['unknown', [['0000:05:00.0', 'unknown']]]);
  assert.deepEqual(j.issues.filter((i) => i.message.includes('EILSEQ')).map((i) => i.subject).sort(), ['sys/bus/pci/devices/0000:05:00.\\xff', 'sys/kernel/iommu_groups/17/devices/0000:05:00.\\xff']);
  const plain = await runInProcess(['check', '05:00.0', '--root', root, '--format', 'plain']);
  assert.deepEqual([plain.code, plain.out], [5, '05:00.0\t0000:05:00.0\t17\tunknown\tGROUP_UNREADABLE\n']);
  assert.match(plain.err, /^iommu-groups: warning: READ_ERROR sys\/kernel\/iommu_groups\/17\/devices\/0000:05:00\.\\xff: could not read: EILSEQ \(its name is not valid UTF-8, so it cannot be named or followed\)$/m);
});

test('longer than the read bound is an error (EFBIG), never a cut value: reserved_regions past 64 KiB, mountinfo past 4 MiB', async () => {
  const root = fixtureCopy('q35-intel');
  // 64 KiB of msi regions, then a direct (RMRR) region that a cut would have lost.
  const rr = path.join(root, 'sys/kernel/iommu_groups/17/reserved_regions');
  const filler = '0x00000000fee00000 0x00000000feefffff msi\n'.repeat(1700);
  fs.writeFileSync(rr, `${filler}0x00000000bf800000 0x00000000bfffffff direct\n`);
  assert.ok(fs.statSync(rr).size > 64 * 1024);
  const doc = await check(root, '05:00.0', '05:00.1');
  assert.equal(doc.outcome, 'unknown');
  assert.deepEqual(finding(doc, 'RESERVED_REGIONS_UNKNOWN'), ['unknown/unknown reserved_regions is unreadable (EFBIG): cannot tell whether a direct-mapped region stops VFIO']);

  fs.mkdirSync(path.join(root, 'proc/self'), { recursive: true });
  fs.writeFileSync(path.join(root, 'proc/swaps'), 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n');
  const majmin = fs.readFileSync(path.join(root, 'sys/block/nvme1n1/dev'), 'utf8').trim();
  const line = (i) => `${100 + i} 1 0:${50 + (i % 100)} / /mnt/m${i} rw,relatime shared:${i} - tmpfs tmpfs rw\n`;
  fs.writeFileSync(path.join(root, 'proc/self/mountinfo'), Array.from({ length: 70000 }, (_, i) => line(i)).join('') + `22 1 ${majmin} / / rw - ext4 /dev/nvme1n1 rw\n`);
  assert.ok(fs.statSync(path.join(root, 'proc/self/mountinfo')).size > 4 * 1024 * 1024);
  const disk = await check(root, '09:00.0');
  assert.deepEqual([disk.outcome, ...finding(disk, 'MOUNTS_UNKNOWN')], ['unknown', 'unknown/unknown holds nvme1n1, and proc/self/mountinfo could not be read (EFBIG): cannot tell whether the host uses it (run on the host, or take a snapshot there)']);
});

test('a FIFO or device node in a --root tree is never opened; --pci-ids takes a regular file only', async () => {
  const { spawn, spawnSync } = await import('node:child_process');
  const root = fixtureCopy('q35-intel');
  const cfg = path.join(devDir(root, '0000:05:00.0'), 'config');
  fs.rmSync(cfg);
  assert.equal(spawnSync('mkfifo', [cfg]).status, 0);
  // A writer blocks in open() until a reader opens the FIFO: if the tool opened it, the writer would finish.
  const writer = spawn('sh', ['-c', `echo x > '${cfg}'`]);
  const exited = new Promise((res) => writer.on('exit', res));
  const r = await runInProcess(['list', '--root', root, '--format', 'json', '--device', '05:00.0']);
  const m = JSON.parse(r.out).groups[0].members.find((x) => x.name === '0000:05:00.0');
  assert.deepEqual([m.pci.configBytes, m.errors.config], [null, 'EFTYPE']);
  await runInProcess(['check', '05:00.0', '--root', root, '--format', 'json']);
  // Now open it ourselves: the writer, still waiting, writes its line to us. Had the tool opened the
  // FIFO, the writer would have written to the tool (and that line would be gone).
  const fd = fs.openSync(cfg, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  await exited;
  const buf = Buffer.alloc(16);
  assert.equal(buf.toString('utf8', 0, fs.readSync(fd, buf)), 'x\n', 'the FIFO was opened by the tool');
  fs.closeSync(fd);
  if (process.getuid?.() === 0) {
    // A character device (1:5, /dev/zero) where config belongs: not opened, not read.
    const zero = path.join(devDir(root, '0000:01:00.0'), 'config');
    fs.rmSync(zero);
    assert.equal(spawnSync('mknod', [zero, 'c', '1', '5']).status, 0);
    const z = JSON.parse((await runInProcess(['list', '--root', root, '--format', 'json', '--device', '01:00.0'])).out);
    assert.equal(z.groups[0].members[0].errors.config, 'EFTYPE');
  }
  for (const bad of ['/dev/zero', cfg]) {
    const p = await runInProcess(['list', '--root', root, '--pci-ids', bad, '--format', 'plain']);
    assert.deepEqual([p.code, p.out, p.err], [2, '', `iommu-groups: cannot read --pci-ids ${bad}: not a regular file\nhint: give a pci.ids file such as /usr/share/misc/pci.ids\n`]);
  }
});

test('check on a capture without route or mount facts: each unknown, and once at the end which facts the tree lacks', async () => {
  const root = fixtureCopy('q35-intel');
  const r = await runInProcess(['check', '01:00.0', '02:00.0', '--root', root, '--format', 'json']);
  assert.deepEqual(JSON.parse(r.out).lacking, ['proc/self/mountinfo', 'proc/swaps', 'proc/net/route', 'proc/net/ipv6_route']);
  const plain = await runInProcess(['check', '01:00.0', '02:00.0', '--root', root, '--format', 'plain']);
  assert.equal(plain.err, 'iommu-groups: This tree lacks proc/self/mountinfo, proc/swaps, proc/net/route, proc/net/ipv6_route: run check on the host, or record them there with sudo iommu-groups snapshot OUT (a capture of /sys alone leaves every disk and network controller unknown).\n');
  const table = await runInProcess(['check', '01:00.0', '02:00.0', '--root', root, '--format', 'table']);
  assert.equal(table.out.split('\n').filter((l) => l.startsWith('This tree lacks')).length, 1);
  // A tree that has them says nothing of the kind.
  fs.mkdirSync(path.join(root, 'proc/self'), { recursive: true });
  fs.mkdirSync(path.join(root, 'proc/net'), { recursive: true });
  for (const f of ['proc/self/mountinfo', 'proc/net/route', 'proc/net/ipv6_route']) fs.writeFileSync(path.join(root, f), '');
  fs.writeFileSync(path.join(root, 'proc/swaps'), 'Filename\tType\tSize\tUsed\tPriority\n');
  assert.deepEqual(JSON.parse((await runInProcess(['check', '01:00.0', '02:00.0', '--root', root, '--format', 'json'])).out).lacking, []);
});
