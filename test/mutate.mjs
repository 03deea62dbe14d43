// Mutation harness for the robustness issue: damaged variants of the real captures, seeded and
// reproducible. Each variant applies 1-3 mutations to a working copy (delete, truncate, garbage,
// huge file, dangling/looping/escaping link, FIFO or directory in place of a file, hostile names,
// unreadable mode), runs every command in-process on it, checks the outcome, and undoes the
// mutations. Used by test/mutation.test.mjs (a short run) and scripts/mutate.mjs (the long run).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from '../dist/cli.js';
import { TEST_IDS, assertSchema, fixture, fixtureCopy, tempDir } from './helpers.mjs';

/** Small, fast, seedable PRNG (mulberry32). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE = ['\x1b[2J\x1b[31mpwned', "x'; rm -rf / #", '$(reboot)', 'tab\there', 'nl\nhere', '\u202egnp.exe', '\x9b31m'];
export const DOCUMENTED_EXIT_CODES = new Set([0, 1, 2, 3, 4, 5]);

/** Every entry under sys/ and proc/ of a tree, by kind (lstat, not following links). */
function inventory(root) {
  const files = [];
  const links = [];
  const dirs = [];
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isSymbolicLink()) links.push(r);
      else if (e.isDirectory()) {
        dirs.push(r);
        walk(r);
      } else files.push(r);
    }
  };
  for (const top of ['sys', 'proc']) if (fs.existsSync(path.join(root, top))) walk(top);
  // What the tool reads: damage elsewhere would test nothing.
  const readFile = /(^|\/)(config|vendor|device|class|revision|subsystem_vendor|subsystem_device|numa_node|reset_method|boot_vga|sriov_numvfs|sriov_totalvfs|driver_override|type|reserved_regions|name|cmdline|version|cap|ecap|dev|enable_unsafe_noiommu_mode|allow_unsafe_interrupts)$/;
  const readLink = /(^|\/)(iommu_group|driver|iommu|physfn|virtfn\d+)$|iommu_groups\/\d+\/devices\/|^sys\/bus\/\w+\/devices\/|^sys\/class\/iommu\/|^sys\/block\//;
  const readDir = /iommu_groups(\/\d+(\/devices)?)?$|\/0000:[0-9a-f:.]+$|\/vfio-dev$|^sys\/bus\/\w+(\/devices)?$|^sys\/class\/iommu$|\/intel-iommu$/;
  return { files: files.filter((r) => readFile.test(r)), links: links.filter((r) => readLink.test(r)), dirs: dirs.filter((r) => readDir.test(r)) };
}

const MUTATIONS = ['delete', 'truncate', 'garbage', 'huge', 'dangling', 'loop', 'escape', 'escape-dir', 'fifo', 'dir-for-file', 'hostile-link', 'hostile-text', 'unreadable'];

/** What lies behind an escaping directory link: it must never reach any output. */
export const BAIT = 'BAIT-OUTSIDE-THE-ROOT';
/** Every attribute name the readers read, as files in a bait directory (beside its devices/). */
const BAIT_FILES = ['type', 'name', 'reserved_regions', 'uevent', 'vendor', 'device', 'class', 'revision', 'config', 'cap', 'ecap', 'dev', 'reset_method'];

/** Apply one mutation; returns { what, undo }. */
function mutate(root, inv, r, trash) {
  const pick = (a) => a[Math.floor(r() * a.length)];
  const kind = pick(MUTATIONS);
  const abs = (rel) => path.join(root, rel);
  const save = (rel) => {
    const dest = path.join(trash, String(Math.floor(r() * 1e12)));
    fs.renameSync(abs(rel), dest);
    return () => {
      fs.rmSync(abs(rel), { recursive: true, force: true });
      fs.renameSync(dest, abs(rel));
    };
  };
  const anyEntry = () => pick([...inv.files, ...inv.links, ...inv.dirs]);
  switch (kind) {
    case 'delete': {
      const rel = anyEntry();
      if (!fs.existsSync(abs(rel)) && !isLink(abs(rel))) return null;
      return { what: `${kind} ${rel}`, undo: save(rel) };
    }
    case 'truncate':
    case 'garbage':
    case 'huge':
    case 'hostile-text':
    case 'fifo':
    case 'dir-for-file':
    case 'unreadable': {
      const rel = pick(inv.files);
      if (!isFile(abs(rel))) return null; // an earlier mutation of this variant replaced it
      const original = kind === 'truncate' ? fs.readFileSync(abs(rel)) : null;
      const undo = kind === 'unreadable' ? null : save(rel);
      if (kind === 'truncate') fs.writeFileSync(abs(rel), original.subarray(0, Math.floor(r() * Math.min(original.length, 64))));
      if (kind === 'garbage') fs.writeFileSync(abs(rel), Buffer.from(Array.from({ length: 1 + Math.floor(r() * 300) }, () => Math.floor(r() * 256))));
      if (kind === 'huge') fs.writeFileSync(abs(rel), Buffer.alloc(200 * 1024 + Math.floor(r() * 1024), 0x41));
      if (kind === 'hostile-text') fs.writeFileSync(abs(rel), pick(HOSTILE) + '\n');
      if (kind === 'fifo') execFileSync('mkfifo', [abs(rel)]);
      if (kind === 'dir-for-file') fs.mkdirSync(abs(rel));
      if (kind === 'unreadable') {
        const mode = fs.statSync(abs(rel)).mode;
        fs.chmodSync(abs(rel), 0);
        return { what: `${kind} ${rel}`, undo: () => fs.chmodSync(abs(rel), mode) };
      }
      return { what: `${kind} ${rel}`, undo };
    }
    case 'escape-dir': {
      // A directory the readers walk (a group, a device, the groups directory, a unit) replaced by
      // a link out of the root to a directory of bait with every attribute name they read.
      const rel = pick(inv.dirs);
      if (isLink(abs(rel)) || !fs.existsSync(abs(rel))) return null;
      const undo = save(rel);
      const bait = path.join(trash, `bait-${Math.floor(r() * 1e12)}`);
      fs.mkdirSync(path.join(bait, 'devices'), { recursive: true });
      for (const f of BAIT_FILES) fs.writeFileSync(path.join(bait, f), `${BAIT}\n`);
      fs.symlinkSync(path.relative(path.dirname(abs(rel)), bait), abs(rel));
      return { what: `${kind} ${rel}`, undo };
    }
    case 'dangling':
    case 'loop':
    case 'escape':
    case 'hostile-link': {
      const rel = pick(inv.links);
      if (!isLink(abs(rel))) return null;
      const undo = save(rel);
      const base = path.basename(rel);
      const target = { dangling: '../no/such/target', loop: base, escape: '../../../../../../../../../../../../etc', 'hostile-link': `../${pick(HOSTILE).replace(/\//g, '_')}` }[kind];
      fs.symlinkSync(target, abs(rel));
      return { what: `${kind} ${rel}`, undo };
    }
  }
  return null;
}

function isFile(p) {
  try {
    return fs.lstatSync(p).isFile();
  } catch {
    return false;
  }
}

function isLink(p) {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Run the CLI in-process; returns { code, out, err, threw }. */
export async function runInProcess(args) {
  let out = '';
  let err = '';
  try {
    const code = await run({
      argv: ['node', 'iommu-groups', ...args],
      env: { NO_COLOR: '1' },
      stdoutIsTTY: false,
      platform: 'linux',
      out: (s) => void (out += s),
      err: (s) => void (err += s),
      version: '0.0.0-test',
    });
    return { code, out, err, threw: null };
  } catch (e) {
    return { code: null, out, err, threw: e };
  }
}

/** What must hold for every command on every variant. Returns a list of problems. */
export function judge(args, r) {
  const p = [];
  if (r.threw) p.push(`uncaught ${r.threw?.stack ?? r.threw}`);
  else if (!DOCUMENTED_EXIT_CODES.has(r.code)) p.push(`exit code ${r.code}`);
  if (/\n\s+at .+:\d+:\d+\)?\n/.test(r.err)) p.push('stack trace on stderr');
  if (r.out.includes(BAIT) || r.err.includes(BAIT)) p.push('printed what lies outside the root');
  const json = args.includes('json') || args[0] === 'pin';
  // check prints its JSON document for every outcome (0 ready, 1 blocked, 4 steps, 5 unknown), diff for 0 and 1.
  if (json && (r.code === 0 || (args[0] === 'check' && [1, 4, 5].includes(r.code)) || (args[0] === 'diff' && r.code === 1))) {
    let doc = null;
    try {
      doc = JSON.parse(r.out);
    } catch (e) {
      p.push(`invalid JSON: ${e.message}`);
    }
    // And it is the document its schema describes, whatever the damage.
    if (doc !== null) {
      try {
        assertSchema(args[0], doc);
      } catch (e) {
        p.push(e.message.slice(0, 600));
      }
    }
  }
  if (/[\x00-\x08\x0b-\x1f\x7f\x9b]/.test(r.out.replace(/\t/g, '')) || /[\x00-\x08\x0b-\x1f\x7f\x9b]/.test(r.err.replace(/\t/g, ''))) {
    p.push('a raw control character reached the output');
  }
  if (!json && /\n/.test(r.out) && args.includes('plain') && args[0] !== 'tree') { // tree's plain is text, not TSV
    for (const line of r.out.split('\n').filter((l) => l !== '')) if (line.split('\t').length < 2) p.push(`plain line without tabs: ${JSON.stringify(line)}`);
  }
  return p;
}

let snapBase = null;
/** Where mutation runs put their snapshots (removed when the test process exits). */
function snapDir() {
  snapBase ??= tempDir('iommu-groups-mut-snap-');
  return snapBase;
}

/** The commands run on every variant. */
export function commandsFor(root, r, pristine = null) {
  const common = ['--root', root, '--pci-ids', TEST_IDS];
  const addr = ['00:02.0', '01:00.0', '05:00.1', '08:00.0', '0b:02.0', '00:1f.3'][Math.floor(r() * 6)];
  return [
    ['list', '--format', 'json', ...common],
    ['list', '--format', 'table', '--color', 'never', ...common],
    ['list', '--format', 'legacy', ...common],
    ['list', '--format', 'plain', ...common],
    ['buses', '--format', 'plain', ...common],
    ['host', '--format', 'json', ...common],
    ['check', addr, '--format', 'json', ...common],
    ['check', addr, '--format', 'table', ...common],
    ['explain', addr, '--format', 'plain', ...common],
    ['tree', '--format', r() < 0.5 ? 'plain' : 'dot', ...common],
    // What changed from the undamaged capture, and a pin of a device on the damaged tree.
    ...(pristine === null ? [] : [['diff', pristine, root, '--format', r() < 0.5 ? 'json' : 'plain']]),
    ['pin', addr, '--root', root],
    ['snapshot', path.join(snapDir(), `s${Math.floor(r() * 1e9)}`), '--root', root],
  ];
}

/**
 * Run `count` variants starting at `seed` over the fixtures, round robin; `snapshot` runs on every
 * `snapshotEvery`-th variant (the others run all other commands). Returns
 * { variants, commands, changed, kinds, failures: [{ seed, fixture, mutations, args, problems }] }.
 */
export async function runMutations({ seed, count, fixtures, snapshotEvery = 1, log = () => {} }) {
  const copies = Object.fromEntries(fixtures.map((f) => [f, fixtureCopy(f)]));
  const invs = Object.fromEntries(fixtures.map((f) => [f, inventory(copies[f])]));
  const failures = [];
  const kinds = {};
  let commands = 0;
  let changed = 0;
  const pristine = {};
  for (const f of fixtures) pristine[f] = (await runInProcess(['list', '--format', 'json', '--root', copies[f], '--pci-ids', TEST_IDS])).out;
  for (let i = 0; i < count; i++) {
    const s = seed + i;
    const r = rng(s);
    const fx = fixtures[i % fixtures.length];
    const root = copies[fx];
    const trash = fs.mkdtempSync(path.join(root, '..', 'iommu-groups-trash-'));
    const applied = [];
    const n = 1 + Math.floor(r() * 3);
    try {
      for (let k = 0; k < n; k++) {
        const m = mutate(root, invs[fx], r, trash);
        if (m) {
          applied.push(m);
          const k = m.what.split(' ')[0];
          kinds[k] = (kinds[k] ?? 0) + 1;
        }
      }
      // snapshot writes some 3,500 entries; on a slow disk that is seconds, so short runs take it on
      // every snapshotEvery-th variant only (the damage it meets still varies with the seed).
      for (const args of commandsFor(root, r, fixture(fx))) {
        if (args[0] === 'snapshot' && i % snapshotEvery !== 0) continue;
        const res = await runInProcess(args);
        commands++;
        if (args[0] === 'snapshot') fs.rmSync(args[1], { recursive: true, force: true });
        if (args[0] === 'list' && args[2] === 'json' && res.out !== pristine[fx]) changed++;
        const problems = judge(args, res);
        // Nothing may be written into the bait behind an escaping link (snapshot included).
        for (const b of fs.readdirSync(trash).filter((n) => n.startsWith('bait-'))) {
          if (fs.readdirSync(path.join(trash, b)).length !== BAIT_FILES.length + 1 || fs.readdirSync(path.join(trash, b, 'devices')).length !== 0) problems.push(`wrote outside the root, into ${b}`);
        }
        if (problems.length) failures.push({ seed: s, fixture: fx, mutations: applied.map((m) => m.what), args: args.filter((a) => a !== root), problems });
      }
    } finally {
      for (const m of applied.reverse()) m.undo();
      fs.rmSync(trash, { recursive: true, force: true });
    }
    if ((i + 1) % 100 === 0) log(`${i + 1}/${count} variants, ${failures.length} failures`);
  }
  // changed: variants whose `list --format json` differs from the undamaged tree's (the damage mattered)
  return { variants: count, commands, changed, kinds, failures };
}
