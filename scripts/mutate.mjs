#!/usr/bin/env node
// The long mutation run (issue: robustness): `npm run mutate -- [--seed N] [--count N] [--snapshot-every N]`.
// Damaged variants of every real capture, every command on each; prints the failures (with the
// seed that reproduces each) and exits 1 if there are any. Needs `npm run build` first.
import { runMutations } from '../test/mutate.mjs';
import { FIXTURES } from '../test/helpers.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? dflt : Number(process.argv[i + 1]);
};
const seed = arg('--seed', 20261123);
const count = arg('--count', 1200);
const snapshotEvery = arg('--snapshot-every', 1);
const t0 = Date.now();
const res = await runMutations({ seed, count, fixtures: FIXTURES, snapshotEvery, log: (s) => console.error(s) });
const secs = ((Date.now() - t0) / 1000).toFixed(1);
console.log(`mutation run: seed ${seed}, ${res.variants} variants over ${FIXTURES.join(', ')}, ${res.commands} commands, ${secs} s`);
console.log(`damage visible in list --format json on ${res.changed} variants; mutations applied: ${JSON.stringify(res.kinds)}`);
console.log(`failures: ${res.failures.length}`);
for (const f of res.failures) console.log(JSON.stringify(f));
process.exitCode = res.failures.length === 0 ? 0 : 1;
