#!/usr/bin/env node
// Would a pool of readers pay? Replays the file-system calls that `list --format json` made on a
// bench tree (taken from an strace log of the real run) in three ways, in fresh processes, in
// the same run: synchronous on the main thread (what the tool does), and asynchronously on
// libuv's thread pool (callback API, a window of K operations in flight) with 1, 2 and 4
// threads. Only the calls are replayed; none of the tool's JavaScript runs, so the figures are
// the best case for the pool: its gain can only shrink once the readers' own work is added.
//
//   strace -f -qq -e trace=openat,readlink -o /tmp/list.strace \
//     node bin/iommu-groups.js list --root /tmp/iommu-groups-bench/t4096 --format json >/dev/null
//   node scripts/bench/async-probe.mjs /tmp/list.strace /tmp/iommu-groups-bench/t4096 [--runs 7]
//
// The second line drops the readlink of /proc/self/fd/N that confines a --root tree's reads, to
// show what that check costs. Each operation is what the reader does per entry: a directory is listed (readdirSync /
// fs.readdir), a link read, a file opened, read into a scratch buffer until a short read, its
// place checked with readlink /proc/self/fd/N, and closed.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);

/** The replayable operations of an strace log, in order, for paths inside root. */
function operations(log, root) {
  const ops = [];
  const re = /^\d+\s+(openat|readlink)\((?:AT_FDCWD, )?"([^"]+)"(?:, ([A-Z_|]+))?/;
  for (const line of fs.readFileSync(log, 'utf8').split('\n')) {
    const m = re.exec(line);
    if (!m || !m[2].startsWith(`${root}/`)) continue;
    if (m[1] === 'readlink') ops.push(['link', m[2]]);
    else ops.push([m[3]?.includes('O_DIRECTORY') ? 'dir' : 'file', m[2]]);
  }
  return ops;
}

const scratch = Buffer.allocUnsafe(64 * 1024);

function replaySync(ops, check = true) {
  for (const [kind, p] of ops) {
    try {
      if (kind === 'dir') fs.readdirSync(p, { withFileTypes: true });
      else if (kind === 'link') fs.readlinkSync(p);
      else {
        const fd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
        try {
          if (check) fs.readlinkSync(`/proc/self/fd/${fd}`);
          fs.readSync(fd, scratch, 0, scratch.length, null);
        } finally {
          fs.closeSync(fd);
        }
      }
    } catch {
      // A call that failed in the real run fails here too; the cost is what is measured.
    }
  }
}

function replayAsync(ops, window) {
  return new Promise((resolve) => {
    let next = 0;
    let running = 0;
    const done = () => {
      running--;
      launch();
    };
    const one = ([kind, p]) => {
      running++;
      if (kind === 'dir') fs.readdir(p, { withFileTypes: true }, done);
      else if (kind === 'link') fs.readlink(p, done);
      else
        fs.open(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW, (err, fd) => {
          if (err) return done();
          fs.readlink(`/proc/self/fd/${fd}`, () => {
            // Each operation in flight has its own buffer: the pool reads them at once.
            fs.read(fd, Buffer.allocUnsafe(4096), 0, 4096, null, () => fs.close(fd, done));
          });
        });
    };
    const launch = () => {
      while (running < window && next < ops.length) one(ops[next++]);
      if (running === 0 && next >= ops.length) resolve();
    };
    launch();
  });
}

async function child(log, root, mode, window) {
  const ops = operations(log, root);
  const t0 = process.hrtime.bigint();
  if (mode === 'sync') replaySync(ops);
  else if (mode === 'sync-nocheck') replaySync(ops, false);
  else await replayAsync(ops, window);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(JSON.stringify({ ms, ops: ops.length }));
}

function median(a) {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

function parent(log, root, runs) {
  const configs = [
    { name: 'sync, main thread (as the tool reads)', mode: 'sync', pool: 4, window: 1 },
    { name: 'sync, without the place check', mode: 'sync-nocheck', pool: 4, window: 1 },
    { name: 'async, pool 1, window 64', mode: 'async', pool: 1, window: 64 },
    { name: 'async, pool 2, window 64', mode: 'async', pool: 2, window: 64 },
    { name: 'async, pool 4, window 64', mode: 'async', pool: 4, window: 64 },
    { name: 'async, pool 2, window 8', mode: 'async', pool: 2, window: 8 },
  ];
  const walls = configs.map(() => []);
  const replays = configs.map(() => []);
  let count = 0;
  for (let r = 0; r <= runs; r++) {
    configs.forEach((c, i) => {
      const t0 = process.hrtime.bigint();
      const out = spawnSync(process.execPath, [self, '--child', log, root, c.mode, String(c.window)], {
        encoding: 'utf8',
        env: { ...process.env, UV_THREADPOOL_SIZE: String(c.pool) },
      });
      const wall = Number(process.hrtime.bigint() - t0) / 1e6;
      if (out.status !== 0) throw new Error(`${c.name}: ${out.stderr}`);
      const res = JSON.parse(out.stdout);
      count = res.ops;
      if (r === 0) return; // warm-up: page cache, dentries
      walls[i].push(wall);
      replays[i].push(res.ms);
    });
  }
  const base = median(replays[0]);
  console.log(`${count} operations replayed from ${log}; medians of ${runs} runs, alternating`);
  console.log('configuration                              replay (ms)  vs sync  process (ms)');
  configs.forEach((c, i) => {
    const m = median(replays[i]);
    console.log(`${c.name.padEnd(42)} ${m.toFixed(1).padStart(10)}  ${(m / base).toFixed(2).padStart(6)}x  ${median(walls[i]).toFixed(1).padStart(11)}`);
  });
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') await child(argv[1], argv[2].replace(/\/$/, ''), argv[3], Number(argv[4]));
else {
  if (argv.length < 2) {
    console.error('usage: node scripts/bench/async-probe.mjs STRACE_LOG TREE [--runs N]');
    process.exit(2);
  }
  const i = argv.indexOf('--runs');
  parent(argv[0], argv[1].replace(/\/$/, ''), i === -1 ? 7 : Number(argv[i + 1]));
}
