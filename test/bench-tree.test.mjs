// The benchmark's generated trees (scripts/bench/generate.mjs) are trees the kernel could have
// written: no consistency issue, lspci reads the same functions, and config space predicts the
// groups the generator made (VFs alone, GPU + audio together, switch port + drive together).
// Timing is not tested here: that is `npm run bench`.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { generate } from '../scripts/bench/generate.mjs';
import { readModel } from '../dist/read/read-model.js';
import { predictGroups } from '../dist/analyse/grouping/rules.js';
import { hasCommand, lspciOn, tempDir } from './helpers.mjs';

test('a generated 300-function tree is consistent, readable by lspci, and grouped as the kernel would', () => {
  const root = path.join(tempDir('iommu-groups-bench-'), 't300');
  const g = generate(300, root);
  assert.equal(g.functions, 300);
  const model = readModel(root);
  assert.deepEqual(model.issues, []);
  assert.equal(model.devices.filter((d) => d.pci).length, 300);
  assert.equal(model.groups.length, g.groups);
  const vfs = model.devices.filter((d) => d.pci?.physfn);
  assert.ok(vfs.length >= 15 && vfs.every((d) => model.groups.find((x) => x.id === d.group).members.length === 1));
  const pred = predictGroups(model);
  for (const grp of model.groups) {
    const members = grp.members.map((m) => m.name).sort();
    assert.deepEqual(pred.groupOf(members[0]), members, `group ${grp.id}`);
  }
  if (hasCommand('lspci')) {
    const out = lspciOn(root, ['-D', '-n']);
    assert.equal(out.trim().split('\n').length, 300);
  }
});
