// `tree`: every device exactly once under its real parent, compared with pciutils' own bridge
// paths (`lspci -PP`) read from the same root; the group marks against each device's own
// iommu_group link; the DOT output rendered by Graphviz; exact output (golden files).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, PROJECT, TEST_IDS, fixture, hasCommand, lspciOn, runCli } from './helpers.mjs';

const EXPECTED = path.join(PROJECT, 'test', 'expected');
const noLspci = !hasCommand('lspci') && !process.env.CI ? 'lspci (Debian package pciutils) is not installed' : false;
const noDot = !hasCommand('dot') && !process.env.CI ? 'dot (Debian package graphviz) is not installed' : false;

/** Parse the plain tree: { address -> parent address or host bridge name, tag }. */
function parseTree(text) {
  const out = new Map();
  const stack = [];
  let host = null;
  for (const line of text.split('\n')) {
    const hb = /^(pci[0-9a-f]{4,8}:[0-9a-f]{2}) /.exec(line);
    if (hb) {
      host = hb[1];
      stack.length = 0;
      continue;
    }
    const m = /^((?:[| ] {2})*)[+\\]- ([0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])  (\S+)/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 3;
    stack.length = depth;
    assert.ok(!out.has(m[2]), `${m[2]} appears twice`);
    out.set(m[2], { parent: depth === 0 ? host : stack[depth - 1], tag: m[3] });
    stack[depth] = m[2];
  }
  return out;
}

for (const fx of FIXTURES) {
  test(`${fx}: every device once, under the parent lspci -PP gives, with its own group`, { skip: noLspci }, () => {
    const root = fixture(fx);
    const r = runCli(['tree', '--format', 'plain', '--root', root, '--pci-ids', TEST_IDS]);
    assert.equal(r.code, fx === 'q35-noiommu' ? 3 : 0, r.stderr);
    const tree = parseTree(r.stdout);
    const lspci = lspciOn(root, ['-D', '-PP', '-n']);
    const paths = lspci.trim().split('\n').map((l) => l.split(' ')[0]);
    assert.equal(tree.size, paths.length, 'same number of functions');
    const starts = new Map();
    for (const p of paths) {
      const parts = p.split('/');
      const domain = parts[0].slice(0, 4);
      const full = (x) => (x.length === 7 ? `${domain}:${x}` : x);
      const addr = full(parts.at(-1));
      const parent = parts.length === 1 ? `pci${addr.slice(0, 7)}` : full(parts.at(-2));
      assert.equal(tree.get(addr)?.parent, parent, `${fx} ${addr}`);
      // The group mark against the device's own link, read here without the tool.
      const link = path.join(root, 'sys/bus/pci/devices', addr, 'iommu_group');
      const group = fs.existsSync(link) ? path.basename(fs.readlinkSync(link)) : null;
      const tag = tree.get(addr).tag;
      assert.equal(tag.replace(/\*$/, ''), group === null ? 'NO-GROUP' : `g${group}`, `${fx} ${addr}`);
      if (tag.endsWith('*')) starts.set(group, (starts.get(group) ?? 0) + 1);
    }
    const groups = fs.existsSync(path.join(root, 'sys/kernel/iommu_groups')) ? fs.readdirSync(path.join(root, 'sys/kernel/iommu_groups')) : [];
    assert.deepEqual([...starts.keys()].sort(), groups.sort(), 'one start mark per group');
    assert.ok([...starts.values()].every((n) => n === 1));
  });
}

test('tree --format dot renders with Graphviz: one cluster per group, every device a node', { skip: noDot }, () => {
  const root = fixture('q35-intel');
  const r = runCli(['tree', '--format', 'dot', '--root', root, '--pci-ids', TEST_IDS]);
  assert.equal(r.code, 0);
  const svg = spawnSync('dot', ['-Tsvg'], { input: r.stdout, encoding: 'utf8' });
  assert.equal(svg.status, 0, svg.stderr);
  assert.equal(svg.stderr, '');
  assert.equal((svg.stdout.match(/<g id="clust\d+" class="cluster">/g) ?? []).length, 22);
  for (const a of fs.readdirSync(path.join(root, 'sys/bus/pci/devices'))) assert.ok(svg.stdout.includes(`<title>${a}</title>`), a);
});

const CASES = [
  ['tree-intel.plain', 'q35-intel', ['tree', '--format', 'plain'], 0, ''],
  ['tree-vfio-group21.plain', 'q35-intel-vfio', ['tree', '--group', '21'], 0, ''],
  ['tree-intel-device.plain', 'q35-intel', ['tree', '--device', '08:00.0'], 0, ''],
  ['tree-intel.dot', 'q35-intel', ['tree', '--format', 'dot'], 0, ''],
  ['tree-noiommu.plain', 'q35-noiommu', ['tree'], 3, 'iommu-groups: no active IOMMU: no IOMMU units in /sys/class/iommu; no groups in /sys/kernel/iommu_groups; no IOMMU option on the kernel command line; no DMAR/IVRS/IORT/VIOT ACPI table\n'],
];
for (const [golden, fx, args, code, stderr] of CASES) {
  test(`${golden}: iommu-groups ${args.join(' ')} on ${fx}`, () => {
    const root = fixture(fx);
    const r = runCli([...args, '--root', root, '--pci-ids', TEST_IDS]);
    const file = path.join(EXPECTED, golden);
    if (process.env.UPDATE_GOLDEN) fs.writeFileSync(file, r.stdout);
    assert.deepEqual([r.stderr, r.code], [stderr, code]);
    assert.equal(r.stdout, fs.readFileSync(file, 'utf8'));
  });
}

test('tree: a device filter that matches nothing exits 1 and draws nothing; a group not in the tree is a usage error', () => {
  const r = runCli(['tree', '--device', '0c:00.0', '--root', fixture('q35-intel')]);
  assert.deepEqual([r.stdout, r.stderr, r.code], ['', 'iommu-groups: no device matches the filters\n', 1]);
  const g = runCli(['tree', '--group', '99', '--root', fixture('q35-intel')]);
  assert.deepEqual([g.stdout, g.stderr, g.code], ['', 'iommu-groups: --group 99: no such group in this tree\nhint: its groups: 0-21\n', 2]);
});

test('SR-IOV marks: a PF and its VF in list (plain column 14, table address) and tree (text and DOT)', async () => {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const { fixtureCopy } = await import('./helpers.mjs');
  const { runInProcess } = await import('./mutate.mjs');
  const root = fixtureCopy('q35-intel');
  // 02:00.0 as the one enabled VF of 01:00.0, as the kernel links them (virtfn0, physfn).
  const dir = (a) => fs.realpathSync(path.join(root, 'sys/bus/pci/devices', a));
  const [pf, vf] = [dir('0000:01:00.0'), dir('0000:02:00.0')];
  fs.writeFileSync(path.join(pf, 'sriov_totalvfs'), '7\n');
  fs.writeFileSync(path.join(pf, 'sriov_numvfs'), '1\n');
  fs.symlinkSync(path.relative(pf, vf), path.join(pf, 'virtfn0'));
  fs.symlinkSync(path.relative(vf, pf), path.join(vf, 'physfn'));
  const run = async (...args) => (await runInProcess([...args, '--root', root])).out;
  const plain = (await run('list', '--format', 'plain')).split('\n').filter(Boolean).map((l) => l.split('\t'));
  assert.deepEqual(plain.filter((f) => f[13] !== '-').map((f) => [f[4], f[13]]), [['0000:01:00.0', 'pf 1/7'], ['0000:02:00.0', 'vf 0000:01:00.0']]);
  const table = await run('list', '--format', 'table', '--wide');
  assert.match(table, /│ 0000:01:00\.0 \(PF 1\/7\) │/);
  assert.match(table, /│ 0000:02:00\.0 \(VF\) +│/);
  const tree = await run('tree', '--format', 'plain');
  assert.match(tree, /\\- 0000:01:00\.0  g13\*  .*  driver=e1000e  sriov=pf 1\/7$/m);
  assert.match(tree, /\\- 0000:02:00\.0  g14\*  .*  driver=nvme  sriov=vf of 0000:01:00\.0$/m);
  assert.match(await run('tree', '--format', 'dot'), /"0000:02:00\.0" \[label="0000:02:00\.0\\n.*\\ndriver=nvme\\nsriov=vf 0000:01:00\.0"/);
});
