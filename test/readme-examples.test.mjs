// The README's examples run as written after `npm run demo` (which extracts every bundled capture
// to .tmp/<name>): each "$ iommu-groups ..." line in a code block is run from the project root.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { BIN, PROJECT } from './helpers.mjs';

const readme = fs.readFileSync(path.join(PROJECT, 'README.md'), 'utf8');
const examples = [...readme.matchAll(/^\$ iommu-groups (.+)$/gm)].map((m) => m[1]).filter((l) => !/[|>]/.test(l));

test('the README has examples to run', () => {
  assert.ok(examples.length >= 8, `${examples.length} examples`);
});

test('every README example runs as written after npm run demo', () => {
  const demo = spawnSync(process.execPath, [path.join(PROJECT, 'scripts', 'demo.js')], { cwd: PROJECT, encoding: 'utf8' });
  assert.equal(demo.status, 0, demo.stderr);
  for (const line of examples) {
    const r = spawnSync(process.execPath, [BIN, ...line.split(/\s+/)], { cwd: PROJECT, encoding: 'utf8', env: { PATH: process.env.PATH, NO_COLOR: '1' } });
    assert.ok([0, 1, 3, 4, 5].includes(r.status), `iommu-groups ${line}: exit ${r.status}\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /no such directory|unknown option|not a /, `iommu-groups ${line}`);
    assert.notEqual(r.stdout, '', `iommu-groups ${line} printed nothing`);
  }
});
