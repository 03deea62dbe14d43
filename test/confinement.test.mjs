// The root is a jail: trees derived from q35-intel by one crafted escape each (a group directory,
// a group file, an IOMMU unit, a block device, a device directory, a linked sys/kernel), with bait
// beside the root. No command prints the bait; the escape is reported with its link and target;
// inotify sees nothing opened behind the root; `snapshot` creates nothing beside OUT and writes
// nothing through a link. Also: a partial capture as other tools save it (device attributes and
// links only, no groups directory), and the one JSON writer for watch.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { TEST_IDS, fixture, hasCommand, runCli, tempDir } from './helpers.mjs';
import { runInProcess } from './mutate.mjs';

const BAIT = 'BAIT-BEHIND-THE-ROOT';
const NIC = 'sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0';

/** base/root (a copy of q35-intel), base/outside (bait), base/deep (where snapshots go). */
function layout() {
  const base = tempDir('iommu-groups-jail-');
  const root = path.join(base, 'root');
  fs.mkdirSync(root);
  execFileSync('cp', ['-a', fixture('q35-intel') + '/.', root]);
  const outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(base, 'deep'));
  return { base, root, outside };
}

/** A directory of bait with every name the readers might read, and a devices/ and intel-iommu/ inside. */
function bait(dir) {
  fs.mkdirSync(path.join(dir, 'devices'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'intel-iommu'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'iommu_groups/13/devices'), { recursive: true });
  for (const f of ['type', 'name', 'reserved_regions', 'vendor', 'device', 'class', 'revision', 'dev', 'intel-iommu/cap', 'intel-iommu/ecap', 'iommu_groups/13/type']) {
    fs.writeFileSync(path.join(dir, f), `${BAIT}\n`);
  }
}

/** Replace `rel` in the root by a link to `dir` (bait outside the root), relative like the kernel's links. */
function escape({ root }, rel, dir) {
  bait(dir);
  fs.rmSync(path.join(root, rel), { recursive: true, force: true });
  const text = path.relative(path.dirname(path.join(root, rel)), dir);
  fs.symlinkSync(text, path.join(root, rel));
  return text;
}

const CASES = [
  ['a group directory', 'sys/kernel/iommu_groups/13'],
  ['a group file', 'sys/kernel/iommu_groups/13/type'],
  ['an IOMMU unit', 'sys/class/iommu/dmar0'],
  ['a block device', 'sys/block/nvme0n1'],
  ['a device directory', NIC],
  ['a linked sys/kernel', 'sys/kernel'],
  ['a bus link', 'sys/bus/pci/devices/0000:05:00.0'],
  ['a network interface', 'sys/class/net/eth2'],
];

// Every reader runs in these (check reads the host facts too); all formats render the same model.
const COMMANDS = [
  ['list', '--format', 'json'],
  ['list', '--format', 'legacy'],
  ['host', '--format', 'json'],
  ['check', '02:00.0', '05:00.0', '--format', 'json'],
  ['explain', '02:00.0', '--format', 'plain'],
  ['tree', '--format', 'plain'],
];

/** Start inotifywait on a directory; resolves once its watches are set; stop() gives the events. */
async function watchOpens(dir) {
  const probe = path.join(dir, 'probe');
  fs.writeFileSync(probe, 'probe\n');
  const child = spawn('inotifywait', ['-m', '-r', '-q', '-e', 'open,access', '--format', '%w%f %e', dir]);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  // Events come in order: once a read of the probe made after the command shows, every event of
  // the command has come too (no fixed wait).
  const probes = () => out.split('\n').filter((l) => l.startsWith(probe + ' ')).length;
  const stop = async () => {
    const seen = probes();
    const deadline = Date.now() + 30_000;
    while (probes() <= seen && Date.now() < deadline) {
      fs.readFileSync(probe);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill();
    return out.split('\n').filter((l) => l !== '' && !l.startsWith(probe + ' '));
  };
  // -q prints nothing when ready: prove it is listening with a read of our own.
  for (let i = 0; i < 100 && !out.includes(probe); i++) {
    fs.readFileSync(probe);
    await new Promise((r) => setTimeout(r, 20));
  }
  if (!out.includes(probe)) {
    child.kill();
    assert.fail('inotifywait did not start');
  }
  return stop;
}

/** Every entry under dir (relative, with its kind), for comparing the filesystem around OUT. */
function inventory(dir, skip) {
  const out = [];
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (skip && r === skip) continue;
      out.push(`${r} ${e.isSymbolicLink() ? 'link' : e.isDirectory() ? 'dir' : 'file'}`);
      if (e.isDirectory() && !e.isSymbolicLink()) walk(r);
    }
  };
  walk('');
  return out.sort();
}

for (const [what, rel] of CASES) {
  test(`an escape through ${what} (${rel}): reported, never followed, nothing opened behind the root`, { skip: hasCommand('inotifywait') ? false : 'needs inotifywait (inotify-tools)' }, async () => {
    const L = layout();
    const text = escape(L, rel, path.join(L.outside, path.basename(rel)));
    const stop = await watchOpens(L.outside);
    const runs = [];
    for (const args of COMMANDS) runs.push([args, await runInProcess([...args, '--root', L.root, '--pci-ids', TEST_IDS])]);
    const opened = await stop();
    for (const [args, r] of runs) {
      // A check target whose bus link escaped is one the tree does not show: exit 2, with why.
      const shown = !(rel.startsWith('sys/bus/') && args[0] === 'check');
      assert.ok(shown ? [0, 1, 3, 4, 5].includes(r.code) : r.code === 2 && /could not be followed \(its link leaves the root\)/.test(r.err), `${args.join(' ')}: exit ${r.code} ${r.err}`);
      assert.ok(!r.out.includes(BAIT) && !r.err.includes(BAIT), `${args.join(' ')} printed the bait`);
    }
    assert.deepEqual(opened, [], 'files behind the root were opened');
    // Reported once, naming the link and its target (host reads everything list reads, and more;
    // check reads only the targets' part of the tree).
    const warned = runCli(['host', '--format', 'plain', '--root', L.root]).stderr.split('\n').filter((l) => l.includes('LINK_OUTSIDE_ROOT'));
    assert.deepEqual(warned, [`iommu-groups: warning: LINK_OUTSIDE_ROOT ${rel}: -> ${text} leaves the root; not followed (what lies behind it reads as unreadable)`]);
    // host's table and JSON carry it too (issue 28: they used to drop every issue).
    assert.deepEqual(runCli(['host', '--format', 'table', '--root', L.root]).stderr.split('\n').filter((l) => l.includes('LINK_OUTSIDE_ROOT')), warned);
    assert.deepEqual(JSON.parse(runCli(['host', '--format', 'json', '--root', L.root]).stdout).issues.filter((i) => i.code === 'LINK_OUTSIDE_ROOT').map((i) => i.subject), [rel]);

    // snapshot: nothing beside OUT, nothing behind the root, no link in OUT that leaves OUT.
    const before = inventory(L.base, 'root');
    const out = path.join(L.base, 'deep', 'snap');
    const s = runCli(['snapshot', out, '--root', L.root]);
    assert.deepEqual([s.stderr, s.code], ['', 0]);
    const after = inventory(L.base, 'root').filter((e) => !e.startsWith('deep/snap/'));
    assert.deepEqual(after, [...before, 'deep/snap dir'].sort());
    for (const e of inventory(out).filter((x) => x.endsWith(' link'))) {
      const p = path.join(out, e.slice(0, -5));
      const target = path.resolve(path.dirname(p), fs.readlinkSync(p));
      assert.ok(target === out || target.startsWith(out + '/'), `${e} -> ${fs.readlinkSync(p)} leaves OUT`);
    }
    // The escape is not recreated; where a directory link escaped, it is listed as skipped with the reason.
    assert.ok(!fs.existsSync(path.join(out, rel)) || !fs.lstatSync(path.join(out, rel)).isSymbolicLink());
  });
}

test('the issue\'s snapshot escape: a group directory linked to ../../../../outside/13 creates nothing in deep/', () => {
  const L = layout();
  bait(path.join(L.outside, '13'));
  fs.rmSync(path.join(L.root, 'sys/kernel/iommu_groups/13'), { recursive: true });
  // From the root's group directory this climbs to base/outside; recreated naively under
  // base/deep/snap it would land in base/deep/outside.
  fs.symlinkSync('../../../../outside/13', path.join(L.root, 'sys/kernel/iommu_groups/13'));
  const baitBefore = inventory(L.outside);
  const out = path.join(L.base, 'deep', 'snap');
  const s = runCli(['snapshot', out, '--root', L.root]);
  assert.deepEqual([s.stderr, s.code], ['', 0]);
  assert.deepEqual(fs.readdirSync(path.join(L.base, 'deep')), ['snap']);
  assert.deepEqual(inventory(L.outside), baitBefore);
  assert.match(fs.readFileSync(path.join(out, 'snapshot-meta/skipped.txt'), 'utf8'), /^sys\/kernel\/iommu_groups\/13\tESHAPE\tlink to \.\.\/\.\.\/\.\.\/\.\.\/outside\/13 leaves the tree: not recreated$/m);
});

test('snapshot never writes through a link it recreated: a link inside the tree over a directory it also reads', () => {
  const L = layout();
  // sys/class/iommu/dmar0 is a link (inside the tree) to sys/devices/virtual/iommu/dmar0: the
  // snapshot keeps the link and writes the unit's files at the real place only.
  const out = path.join(L.base, 'deep', 'snap');
  assert.equal(runCli(['snapshot', out, '--root', L.root]).code, 0);
  assert.ok(fs.lstatSync(path.join(out, 'sys/class/iommu/dmar0')).isSymbolicLink());
  assert.ok(fs.lstatSync(path.join(out, 'sys/devices/virtual/iommu/dmar0/intel-iommu/cap')).isFile());
  const live = runCli(['list', '--format', 'json', '--root', L.root]);
  const back = runCli(['list', '--format', 'json', '--root', out]);
  assert.equal(back.stdout.split(out).join('ROOT'), live.stdout.split(L.root).join('ROOT'));
});

test('a partial capture saved by another tool: every device with its group, no "no IOMMU", the missing facts named', () => {
  // What such tools keep per PCI device: class, device, vendor, revision, the driver and
  // iommu_group links; no sys/kernel/iommu_groups, no config, no reset attributes.
  const src = fixture('q35-intel');
  const root = tempDir('iommu-groups-partial-');
  const devs = path.join(src, 'sys/bus/pci/devices');
  for (const a of fs.readdirSync(devs)) {
    const real = fs.realpathSync(path.join(devs, a));
    const rel = path.relative(src, real);
    fs.mkdirSync(path.join(root, rel), { recursive: true });
    for (const f of ['class', 'device', 'vendor', 'revision']) fs.copyFileSync(path.join(real, f), path.join(root, rel, f));
    for (const l of ['driver', 'iommu_group']) if (fs.existsSync(path.join(real, l))) fs.symlinkSync(fs.readlinkSync(path.join(real, l)), path.join(root, rel, l));
    fs.mkdirSync(path.join(root, 'sys/bus/pci/devices'), { recursive: true });
    fs.symlinkSync(fs.readlinkSync(path.join(devs, a)), path.join(root, 'sys/bus/pci/devices', a));
  }
  const list = runCli(['list', '--format', 'json', '--root', root]);
  assert.equal(list.code, 0);
  const doc = JSON.parse(list.stdout);
  const full = JSON.parse(runCli(['list', '--format', 'json', '--root', src]).stdout);
  assert.deepEqual(doc.groups.map((g) => [g.id, g.members.map((m) => m.name)]), full.groups.map((g) => [g.id, g.members.map((m) => m.name)]));
  assert.ok(doc.groups.every((g) => g.verdict.kind === 'unknown' && g.verdict.text === 'unknown: no directory for this group in the tree (members from device links)'));
  assert.deepEqual(doc.issues, [{ code: 'DEVICE_GROUP_DANGLING', subject: 'sys/kernel/iommu_groups', message: 'not in this tree (a partial capture): 22 groups are listed from the devices\' iommu_group links alone' }]);
  // The same in every output: buses, tree, prometheus count all 30 devices with a group.
  // Without the group directories a device seen alone may not be alone: unknown, never "isolated";
  // "shared" stays (more members cannot undo it).
  assert.equal(runCli(['buses', '--format', 'plain', '--root', root]).stdout, 'pci\t30\t0\t12\t0\t18\n');
  assert.equal((runCli(['tree', '--format', 'plain', '--root', root]).stdout.match(/ g\d+\*? /g) ?? []).length, 30);

  const host = JSON.parse(runCli(['host', '--format', 'json', '--root', root]).stdout).findings;
  assert.equal(host.find((f) => f.code === 'IOMMU_ACTIVE').status, 'ok');
  const check = JSON.parse(runCli(['check', '05:00.0', '05:00.1', '--format', 'json', '--root', root]).stdout);
  assert.equal(check.outcome, 'unknown');
  const why = check.groups[0].findings.filter((f) => f.status === 'unknown').map((f) => [f.code, f.effect]);
  // No sys/class/iommu: which IOMMU this is, and so whether MSIs are isolated, is not in the tree.
  assert.deepEqual(why, [['GROUP_UNREADABLE', 'unknown'], ['RESET_UNKNOWN', 'none'], ['RESET_UNKNOWN', 'none'], ['RESERVED_REGIONS_UNKNOWN', 'unknown'], ['MSI_ISOLATION_UNKNOWN', 'unknown']]);
  assert.ok(!check.groups[0].findings.some((f) => f.code === 'NO_RESET' || f.code === 'NO_IOMMU'));
  const ex = JSON.parse(runCli(['explain', '08:00.0', '--format', 'json', '--root', root]).stdout).explanations[0];
  assert.deepEqual([ex.group, ex.accounted], [19, 'unknown']);
  assert.match(ex.lines[0], /config space is not in this tree \(config space was not read\)/);
  assert.ok(!ex.lines.some((l) => /accounts for/.test(l)));
});

test('host off ACPI: a device tree describes the machine; vendor options count only for their vendor', () => {
  const root = tempDir('iommu-groups-dt-');
  execFileSync('cp', ['-a', fixture('q35-noiommu') + '/.', root]);
  fs.rmSync(path.join(root, 'sys/firmware/acpi'), { recursive: true, force: true });
  fs.mkdirSync(path.join(root, 'proc/device-tree/ibm,opal'), { recursive: true });
  const h = JSON.parse(runCli(['host', '--format', 'json', '--root', root]).stdout).findings;
  assert.match(h.find((f) => f.code === 'IOMMU_FIRMWARE').message, /^no ACPI on this machine: POWER firmware/);
  assert.equal(h.find((f) => f.code === 'IOMMU_FIRMWARE').status, 'unknown');

  // intel_iommu=off on a machine whose firmware has only an AMD table is not why its IOMMU is off.
  const amd = tempDir('iommu-groups-amd-');
  execFileSync('cp', ['-a', fixture('q35-noiommu') + '/.', amd]);
  const tables = path.join(amd, 'sys/firmware/acpi/tables');
  for (const t of fs.readdirSync(tables)) if (t.startsWith('DMAR')) fs.rmSync(path.join(tables, t));
  fs.writeFileSync(path.join(tables, 'IVRS'), '');
  fs.writeFileSync(path.join(amd, 'proc/cmdline'), 'intel_iommu=off quiet\n');
  const active = JSON.parse(runCli(['host', '--format', 'json', '--root', amd]).stdout).findings.find((f) => f.code === 'IOMMU_ACTIVE');
  assert.doesNotMatch(active.message, /intel_iommu=off/);
  assert.match(active.message, /AMD-Vi \(IVRS\)/);
});

test('watch --format json escapes like every other JSON output (one writer)', async () => {
  const root = tempDir('iommu-groups-watch-');
  execFileSync('cp', ['-a', fixture('q35-intel-vfio') + '/.', root]);
  const evil = 'drv\u202eevil\u009b2J';
  const drivers = path.join(root, 'sys/bus/pci/drivers');
  fs.mkdirSync(path.join(drivers, evil));
  const child = spawn(process.execPath, [path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'bin', 'iommu-groups.js'), 'watch', '--interval', '0.1', '--format', 'json', '--root', root]);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const until = async (what) => {
    for (let i = 0; i < 200 && !out.includes(what); i++) await new Promise((r) => setTimeout(r, 50));
  };
  await until('"kind":"start"');
  const serial = fs.realpathSync(path.join(root, 'sys/bus/pci/devices/0000:0b:02.0'));
  fs.unlinkSync(path.join(serial, 'driver'));
  fs.symlinkSync(path.relative(serial, path.join(drivers, evil)), path.join(serial, 'driver'));
  await until('driver-changed').finally(() => child.kill('SIGKILL'));
  const line = out.split('\n').find((l) => l.includes('driver-changed'));
  assert.ok(line, out);
  assert.doesNotMatch(line, /[\u202e\u009b]/);
  assert.match(line, /"to":"drv\\u202eevil\\u009b2J"/);
  assert.equal(JSON.parse(line).to, evil);
});

test('what lies behind an escape is unknown, never harmless: a disk, an interface, a device\'s bus link', async () => {
  const L = layout();
  escape(L, 'sys/block/nvme0n1', path.join(L.outside, 'nvme0n1'));
  escape(L, 'sys/class/net/eth2', path.join(L.outside, 'eth2'));
  escape(L, 'sys/bus/pci/devices/0000:05:00.0', path.join(L.outside, 'dev'));
  const check = async (...args) => {
    const r = await runInProcess(['check', ...args, '--root', L.root, '--format', 'json']);
    const j = JSON.parse(r.out);
    return [r.code, j.outcome, j.groups[0].findings.filter((f) => f.status === 'unknown').map((f) => `${f.code} ${f.message}`), j.issues.map((i) => i.subject)];
  };
  // The NVMe controller: nvme0n1 might be its disk, and the tree cannot say whether the host mounts it.
  assert.deepEqual(await check('02:00.0'), [5, 'unknown', [
    'MOUNTS_UNKNOWN sys/block/nvme0n1 (its link leaves the root) could not be followed: cannot tell whether that disk sits below it and the host uses it',
  ], ['sys/block/nvme0n1', 'sys/class/net/eth2']]);
  // The NIC: eth2 might be its interface.
  const nic = await check('01:00.0');
  assert.deepEqual([nic[0], nic[1], nic[2][0]], [5, 'unknown', "ROUTE_UNKNOWN sys/class/net/eth2 (its link leaves the root) could not be followed: cannot tell whether that interface is on it and carries the host's network"]);
  // A function whose bus link leaves the root: not "no such device", but why the tree does not show it.
  const gone = await runInProcess(['check', '05:00.0', '--root', L.root]);
  assert.deepEqual([gone.code, gone.out, gone.err], [2, '', 'iommu-groups: 05:00.0: sys/bus/pci/devices/0000:05:00.0 could not be followed (its link leaves the root): this tree does not show the device, so it cannot be checked\nhint: take a snapshot on the host (iommu-groups snapshot OUT) and read that\n']);
  // Its group-mate: the group lists a function no bus shows, so neither check nor explain accounts for it.
  assert.deepEqual((await check('05:00.1')).slice(0, 2), [5, 'unknown']);
  const ex = await runInProcess(['explain', '05:00.1', '--root', L.root, '--format', 'plain']);
  assert.equal(ex.out, '0000:05:00.1\t17\tunknown\tcannot explain group 17 from this tree: it lists 0000:05:00.0, which no bus in this tree lists (an unreadable device, or a link that leaves the root), so its place in the PCI hierarchy is not known\n');
  // A storage controller elsewhere is unaffected by an unrelated interface, and a bridge by both.
  assert.deepEqual((await check('00:02.0'))[2], []);
});

test('a directory swapped for a link after it was resolved (a race): the file opened is checked where it really is, never read from outside', async () => {
  const { SysRoot } = await import('../dist/read/sysfs-root.js');
  const { escapeIssues } = await import('../dist/read/read-model.js');
  const L = layout();
  const sys = new SysRoot(L.root);
  assert.equal(sys.readText(`${NIC}/vendor`).value, '0x8086'); // resolved and cached, as a walk would
  // Now the device directory becomes a link to bait outside the root.
  bait(L.outside);
  fs.renameSync(path.join(L.root, NIC), path.join(L.base, 'moved-away'));
  fs.symlinkSync(path.relative(path.dirname(path.join(L.root, NIC)), L.outside), path.join(L.root, NIC));
  const r = sys.readText(`${NIC}/vendor`);
  assert.deepEqual(r, { ok: false, absent: false, error: 'ECHANGED' });
  assert.deepEqual(escapeIssues(sys), [{ code: 'LINK_OUTSIDE_ROOT', subject: `${NIC}/vendor`, message: `opened as ${fs.realpathSync(L.outside)}/vendor: a directory on its path changed into a link while the tree was read; not read (ECHANGED)` }]);
});
