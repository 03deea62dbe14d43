// Every command x format x option the tool has, run in-process on each tree given, written to one
// file per case (stdout, stderr, exit code). Two builds compared case by case show whether a
// refactor changed any output:
//
//   node scripts/output-matrix.mjs OUTDIR [--dist DIR] [--root DIR]...
//   diff -r BEFORE AFTER && echo byte-identical
//
// Without --root: the three real captures (extracted as the tests do) and this machine's /.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { fixture, FIXTURES, PROJECT, TEST_IDS } from '../test/helpers.mjs';

const args = process.argv.slice(2);
const outDir = args.shift();
if (!outDir) {
  process.stderr.write('usage: node scripts/output-matrix.mjs OUTDIR [--dist DIR] [--root DIR]...\n');
  process.exit(2);
}
let dist = path.join(PROJECT, 'dist');
const roots = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--dist') dist = path.resolve(args[++i]);
  else if (args[i] === '--root') roots.push(path.resolve(args[++i]));
}
if (roots.length === 0) roots.push(...FIXTURES.map(fixture), '/');
const { run } = await import(pathToFileURL(path.join(dist, 'cli.js')).href);

/** One run, in-process; tty: { columns } makes stdout a terminal of that width. */
async function once(given, tty) {
  // Written root-first for brevity; the command comes first on a real command line.
  const argv = given[0] === '--root' ? [given[4], ...given.slice(5), ...given.slice(0, 4)] : given;
  let out = '';
  let err = '';
  const code = await run({
    argv: ['node', 'iommu-groups', ...argv],
    env: { PATH: process.env.PATH, ...(tty?.colour ? {} : { NO_COLOR: '1' }) },
    stdoutIsTTY: tty !== undefined,
    ...(tty ? { columns: tty.columns } : {}),
    platform: 'linux',
    out: (s) => void (out += s),
    err: (s) => void (err += s),
    version: '0.0.0-matrix',
  });
  return `$ iommu-groups ${argv.join(' ')}${tty ? ` (tty ${tty.columns}${tty.colour ? ', colour' : ''})` : ''}\nexit ${code}\n--- stdout\n${out}--- stderr\n${err}`;
}

fs.mkdirSync(outDir, { recursive: true });
let cases = 0;
async function record(name, argv, tty) {
  const text = await once(argv, tty);
  const file = name.replace(/[^A-Za-z0-9._=,-]+/g, '_').slice(0, 180);
  fs.writeFileSync(path.join(outDir, file), text);
  cases++;
}

const id = (root) => (root === '/' ? 'live' : path.basename(root).replace(/^iommu-groups-fixture-/, '').replace(/-[0-9a-f]{12}$/, ''));

for (const root of roots) {
  const r = ['--root', root, '--pci-ids', TEST_IDS];
  const tag = id(root);
  const model = JSON.parse((await once([...r, 'list', '--format', 'json'])).split('--- stdout\n')[1].split('--- stderr\n')[0] || '{"groups":[]}');
  const groups = (model.groups ?? []).map((g) => g.id);
  const members = (model.groups ?? []).flatMap((g) => g.members.filter((m) => m.bus === 'pci').map((m) => m.name));
  const ungrouped = (model.ungrouped ?? []).filter((m) => m.bus === 'pci').map((m) => m.name);
  const devices = [...members, ...ungrouped];

  for (const f of ['table', 'json', 'plain', 'legacy', 'ids', 'addresses', 'prometheus', 'nfd']) await record(`${tag}.list.${f}`, [...r, 'list', '--format', f]);
  for (const columns of [60, 80, 120]) {
    await record(`${tag}.list.tty${columns}`, [...r, 'list'], { columns });
    await record(`${tag}.tree.tty${columns}`, [...r, 'tree'], { columns });
    await record(`${tag}.host.tty${columns}`, [...r, 'host'], { columns });
  }
  await record(`${tag}.list.tty80c`, [...r, 'list'], { columns: 80, colour: true });
  await record(`${tag}.tree.tty80c`, [...r, 'tree'], { columns: 80, colour: true });
  await record(`${tag}.list.wide`, [...r, 'list', '--wide'], { columns: 80 });
  for (const [n, extra] of [['gpu-related', ['--class', 'gpu', '--related']], ['class-net-storage', ['--class', 'net,storage']], ['driver-vfio', ['--driver', 'vfio-pci']], ['vendor', ['--vendor', '8086']], ['vendor-none', ['--vendor', 'abcd']], ['group-none', ['--group', '9999']], ['class-bad', ['--class', 'nope']]]) {
    for (const f of ['plain', 'json', 'ids']) await record(`${tag}.list.${n}.${f}`, [...r, 'list', ...extra, '--format', f]);
  }
  for (const f of ['table', 'json', 'plain']) {
    await record(`${tag}.buses.${f}`, [...r, 'buses', '--format', f]);
    await record(`${tag}.buses-all.${f}`, [...r, 'buses', '--all', '--format', f]);
    await record(`${tag}.buses-pci.${f}`, [...r, 'buses', '--bus', 'pci', '--format', f]);
    await record(`${tag}.host.${f}`, [...r, 'host', '--format', f]);
    await record(`${tag}.check-none.${f}`, [...r, 'check', '--format', f]);
    await record(`${tag}.slots.${f}`, [...r, 'slots', '--format', f]);
    await record(`${tag}.list-predict.${f}`, [...r, 'list', '--predict', '--format', f]);
  }
  for (const f of ['table', 'plain', 'dot']) await record(`${tag}.tree.${f}`, [...r, 'tree', '--format', f]);
  for (const g of groups) {
    await record(`${tag}.list.group${g}.plain`, [...r, 'list', '--group', String(g), '--format', 'plain']);
    await record(`${tag}.tree.group${g}`, [...r, 'tree', '--group', String(g), '--format', 'plain']);
    for (const f of ['table', 'json', 'plain']) await record(`${tag}.check.group${g}.${f}`, [...r, 'check', '--group', String(g), '--format', f]);
    await record(`${tag}.explain.group${g}.table`, [...r, 'explain', '--group', String(g), '--format', 'table']);
  }
  for (const d of devices) {
    await record(`${tag}.list.device.${d}`, [...r, 'list', '--device', d, '--related', '--format', 'plain']);
    await record(`${tag}.tree.device.${d}`, [...r, 'tree', '--device', d, '--format', 'plain']);
    for (const f of ['table', 'json', 'plain']) {
      await record(`${tag}.check.${d}.${f}`, [...r, 'check', d, '--format', f]);
      await record(`${tag}.explain.${d}.${f}`, [...r, 'explain', d, '--format', f]);
    }
    await record(`${tag}.check.${d}.strict`, [...r, 'check', d, '--strict', '--format', 'plain']);
    await record(`${tag}.check.${d}.tty80`, [...r, 'check', d], { columns: 80 });
    await record(`${tag}.explain.${d}.tty80`, [...r, 'explain', d], { columns: 80 });
    await record(`${tag}.explain.${d}.assume`, [...r, 'explain', d, '--assume', 'pcie_acs_override=downstream,multifunction', '--format', 'table']);
    for (const e of ['libvirt', 'qemu', 'proxmox']) await record(`${tag}.emit.${e}.${d}`, [...r, 'check', d, '--emit', e, '--vmid', '101', '--domain', 'win10']);
  }
  if (devices.length > 1) {
    const pair = devices.slice(-2);
    for (const f of ['table', 'json', 'plain']) await record(`${tag}.check.pair.${f}`, [...r, 'check', ...pair, '--format', f]);
  }
}

// What does not depend on a tree: help, completion, usage errors.
for (const c of ['', 'list', 'buses', 'host', 'check', 'explain', 'tree', 'slots', 'watch', 'snapshot', 'completion']) {
  await record(`help.${c || 'top'}`, [...(c ? [c] : []), '--help']);
}
await record('noargs', []);
for (const s of ['bash', 'zsh', 'fish']) await record(`completion.${s}`, ['completion', s]);
for (const [n, argv] of [['bad-format', ['list', '--format', 'xml']], ['bad-root', ['list', '--root', '/nonexistent']], ['bad-group', ['list', '--group', 'x']], ['bad-device', ['check', 'zz:zz']], ['bad-interval', ['watch', '--interval', '0']], ['unknown-cmd', ['frobnicate']], ['bad-emit', ['check', '00:00.0', '--emit', 'xen']]]) {
  await record(`usage.${n}`, argv);
}

const digest = crypto.createHash('sha256');
for (const f of fs.readdirSync(outDir).sort()) digest.update(f).update(fs.readFileSync(path.join(outDir, f)));
process.stdout.write(`${cases} cases in ${outDir}; sha256 ${digest.digest('hex')}\n`);
