#!/usr/bin/env node
// `npm run bench`: iommu-groups against pciutils on generated trees of 256, 1,024 and 4,096 PCI
// functions (scripts/bench/generate.mjs, cloned from the q35-intel capture), all in one run on
// one machine: medians of repeated wall times, the ratio to the lspci reference, peak RSS (GNU
// time's %M), the classic shell loop at 256, start-up (--version against a bare `node -e 0`), and
// the largest list pinned to one core (taskset -c 0) against the same on every core.
// Options: --sizes 256,1024,4096  --runs N (default 7)  --out DIR (default $TMPDIR/iommu-groups-bench,
// outside the project so that copies of it, such as the lab VM's, stay small)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.mjs';

const project = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(project, 'bin', 'iommu-groups.js');
const opt = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? dflt : process.argv[i + 1];
};
const SIZES = opt('--sizes', '256,1024,4096').split(',').map(Number);
const RUNS = Number(opt('--runs', '7'));
const OUT = path.resolve(opt('--out', path.join(os.tmpdir(), 'iommu-groups-bench')));
const IDS = ['/usr/share/misc/pci.ids', '/usr/share/hwdata/pci.ids'].find((p) => fs.existsSync(p));

if (!fs.existsSync('/usr/bin/time') || spawnSync('lspci', ['--version']).status !== 0) {
  console.error('bench: needs /usr/bin/time (Debian package time) and lspci (pciutils)');
  process.exit(2);
}

/** One run: wall seconds (hrtime) and peak RSS in MiB (GNU time), stdout discarded. */
function once(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'ignore', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const rss = Number(r.stderr.trim().split('\n').pop()) / 1024;
  return { wall, rss, status: r.status };
}

function measure(cmd, args, runs = RUNS) {
  once(cmd, args); // warm the page cache and node's compile cache
  const walls = [];
  let rss = 0;
  let status = 0;
  for (let i = 0; i < runs; i++) {
    const r = once(cmd, args);
    walls.push(r.wall);
    rss = Math.max(rss, r.rss);
    status = r.status;
  }
  walls.sort((a, b) => a - b);
  return { median: walls[Math.floor(walls.length / 2)], rss, status, runs };
}

const rows = [];
const row = (size, name, m, ref) => {
  rows.push({ size, name, ...m, ratio: ref ? m.median / ref.median : null });
  const ratio = ref ? `${(m.median / ref.median).toFixed(2)}x` : '';
  console.error(`  ${String(size).padStart(5)}  ${name.padEnd(34)} ${m.median.toFixed(3).padStart(8)} s  ${ratio.padStart(7)}  ${m.rss.toFixed(1).padStart(6)} MiB`);
};

/** System calls of one run (strace -c -f), or null without strace. */
function syscalls(cmd, args) {
  const out = path.join(os.tmpdir(), `iommu-groups-strace-${process.pid}.txt`);
  const r = spawnSync('strace', ['-c', '-f', '-o', out, cmd, ...args], { stdio: 'ignore' });
  if (r.error || !fs.existsSync(out)) return null; // check exits 4 or 5 by its outcome
  const total = /^\s*100\.00\s+\S+\s+\S+\s+(\d+)/m.exec(fs.readFileSync(out, 'utf8'));
  fs.rmSync(out, { force: true });
  return total ? Number(total[1]) : null;
}

// node's own start-up, measured first: list at 256 functions is compared with it.
const bare = measure(process.execPath, ['-e', '0'], 15);
const results = {};
const perFunction = [];
for (const size of SIZES) {
  const root = path.join(OUT, `t${size}`);
  const g = generate(size, root);
  console.error(`bench: ${g.functions} functions, ${g.groups} groups, ${g.domains} PCI domains in ${path.relative(project, root)}`);
  const idsArgs = IDS ? ['--pci-ids', IDS] : [];
  const lspci = measure('lspci', ['-A', 'linux-sysfs', '-O', `sysfs.path=${root}/sys/bus/pci`, '-vmm', '-D', '-nn', '-k']);
  row(size, 'lspci -vmm -D -nn -k (reference)', lspci);
  const ours = (name, args) => {
    const m = measure(process.execPath, [BIN, ...args, '--root', root, ...idsArgs]);
    row(size, name, m, lspci);
    return m;
  };
  const target = fs.readdirSync(path.join(root, 'sys/bus/pci/devices')).sort()[Math.floor(size / 2)];
  results[size] = {
    lspci,
    json: ours('list --format json', ['list', '--format', 'json']),
    table: ours('list (table)', ['list', '--format', 'table']),
    buses: ours('buses', ['buses', '--format', 'plain']),
    check: ours(`check ${target}`, ['check', target, '--format', 'json']),
  };
  if (size === Math.max(...SIZES)) {
    const lsArgs = ['-A', 'linux-sysfs', '-O', `sysfs.path=${root}/sys/bus/pci`, '-vmm', '-D', '-nn', '-k'];
    for (const [name, cmd, args] of [
      ['lspci -vmm -D -nn -k', 'lspci', lsArgs],
      ['list --format json', process.execPath, [BIN, 'list', '--format', 'json', '--root', root, ...idsArgs]],
      [`check ${target}`, process.execPath, [BIN, 'check', target, '--format', 'json', '--root', root, ...idsArgs]],
    ]) {
      const n = syscalls(cmd, args);
      if (n !== null) perFunction.push(`${name}: ${n} system calls, ${(n / g.functions).toFixed(1)} per function (strace -c -f, ${g.functions} functions)`);
    }
  }
  if (size === 256) {
    const loop = measure('bash', [path.join(project, 'scripts', 'classic-loop.sh'), root, ...(IDS ? [IDS] : [])], 3);
    row(size, 'classic loop (one lspci per device)', loop, lspci);
    results[size].loop = loop;
  }
}
// One core against two: the largest tree's list pinned to CPU 0 (taskset, util-linux).
let oneCore = null;
const big = Math.max(...SIZES);
if (os.availableParallelism?.() !== 1 && spawnSync('taskset', ['-c', '0', 'true']).status === 0) {
  const root = path.join(OUT, `t${big}`);
  oneCore = measure('taskset', ['-c', '0', process.execPath, BIN, 'list', '--format', 'json', '--root', root, ...(IDS ? ['--pci-ids', IDS] : [])]);
  row(big, 'list --format json on one core', oneCore, results[big].lspci);
}
const version = measure(process.execPath, [BIN, '--version'], 15);
row(0, 'iommu-groups --version', version, bare);
row(0, 'node -e 0 (reference)', bare);

// Targets (issue 27), as ratios measured in this run.
const checks = [];
if (results[big]) {
  checks.push([`list --format json at ${big} functions <= 1.0x lspci`, results[big].json.median / results[big].lspci.median, (r) => r <= 1.0, 'x']);
  checks.push([`peak RSS of list --format json at ${big} functions <= 100 MiB`, results[big].json.rss, (r) => r <= 100, ' MiB']);
  checks.push([`check of one device at ${big} functions <= 0.5x lspci`, results[big].check.median / results[big].lspci.median, (r) => r <= 0.5, 'x']);
}
if (results[256]) checks.push(['list --format json at 256 functions <= 2.0x node -e 0', results[256].json.median / bare.median, (r) => r <= 2.0, 'x']);
checks.push(['--version / node -e 0 <= 1.2x', version.median / bare.median, (r) => r <= 1.2, 'x']);
if (oneCore) checks.push([`list --format json at ${big}: one core / two cores >= 1.6x`, oneCore.median / results[big].json.median, (r) => r >= 1.6, 'x']);
// Linear: the cost of a function added, between each pair of sizes, within 15% of the first pair's.
const sizes = SIZES.filter((s) => results[s]).sort((a, b) => a - b);
if (sizes.length >= 3) {
  const per = (a, b) => (results[b].json.median - results[a].json.median) / (b - a);
  const steps = sizes.slice(1).map((b, i) => per(sizes[i], b));
  console.log(`linearity: list --format json costs ${steps.map((v, i) => `${(v * 1e3).toFixed(3)} ms per function from ${sizes[i]} to ${sizes[i + 1]}`).join(', ')}`);
  checks.push([`linear from ${sizes[0]} to ${big} (last step / first step <= 1.15)`, steps[steps.length - 1] / steps[0], (r) => r <= 1.15, 'x']);
}
if (results[256]?.loop) console.log(`classic loop / list --format json at 256 functions: ${(results[256].loop.median / results[256].json.median).toFixed(1)}x`);

console.log('\n| functions | command | median (s) | vs lspci | peak RSS (MiB) |\n|---:|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.size || '-'} | ${r.name} | ${r.median.toFixed(3)} | ${r.ratio === null ? '' : r.ratio.toFixed(2) + 'x'} | ${r.rss.toFixed(1)} |`);
console.log(`\nruns per median: ${RUNS} (classic loop 3, start-up 15); node ${process.version}; ${IDS ?? 'no pci.ids'}`);
for (const l of perFunction) console.log(l);
if (perFunction.length === 0) console.log('system calls: strace not installed (apt-get install strace)');
let missed = 0;
for (const [name, value, ok, unit] of checks) {
  const pass = ok(value);
  if (!pass) missed++;
  console.log(`${pass ? 'MET   ' : 'MISSED'} ${name}: ${value.toFixed(2)}${unit}`);
}
process.exitCode = missed === 0 ? 0 : 1;
