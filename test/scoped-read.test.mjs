// check ADDRESS reads only the targets' part of the tree (src/read/read-scoped.ts). It must decide
// exactly as a read of the whole tree does: for every PCI function and every group of every
// capture (and of a derived tree whose by-id rule depends on a function outside the group), the
// report and the plan are compared with those made from the full model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, fixture, fixtureCopy } from './helpers.mjs';
import { readModel } from '../dist/read/read-model.js';
import { readScopedModel, withOtherIds } from '../dist/read/read-scoped.js';
import { checkTargets } from '../dist/analyse/vfio/check.js';
import { buildPlan } from '../dist/analyse/vfio/plan.js';

function decide(model, root, name, group) {
  const dev = name ? model.devices.find((d) => d.name === name && d.pci) : null;
  const targets = name ? [{ spec: name, device: dev, group: dev.group }] : model.groups.find((g) => g.id === group).members.map((m) => model.devices.find((d) => d.path === m.path)).filter((d) => d?.pci).map((d) => ({ spec: `group ${group}`, device: d, group }));
  const report = checkTargets(model, targets);
  const planModel = model.scope && (report.outcome === 'ready' || report.outcome === 'steps') ? withOtherIds(root, model) : model;
  return JSON.stringify({ report, plan: buildPlan(planModel, report) });
}

function compareAll(root) {
  const full = readModel(root, { preflight: true });
  let scoped = 0;
  for (const d of full.devices.filter((x) => x.pci)) {
    const s = readScopedModel(root, { names: [d.name], groups: [] });
    if (s === null) continue; // the scoped read declines: check reads everything
    scoped++;
    assert.ok(s.scope.read.length < full.devices.length || full.devices.length < 40, `${d.name}: read ${s.scope.read.length}`);
    assert.equal(decide(s, root, d.name), decide(full, root, d.name), `check ${d.name} on ${root}`);
  }
  for (const g of full.groups) {
    const s = readScopedModel(root, { names: [], groups: [g.id] });
    if (s === null || !g.members.some((m) => full.devices.find((d) => d.path === m.path)?.pci)) continue;
    assert.equal(decide(s, root, null, g.id), decide(full, root, null, g.id), `check --group ${g.id} on ${root}`);
  }
  return scoped;
}

test('a scoped check decides as a full read does, for every function and group of every capture', () => {
  const counts = FIXTURES.map((f) => compareAll(fixture(f)));
  // q35-noiommu has no groups: every target declines to a full read.
  assert.deepEqual(counts, [30, 30, 0]);
});

test('the by-id rule sees functions outside the group: ids shared with a function elsewhere', () => {
  const root = fixtureCopy('q35-intel');
  // 09:00.0 given the USB controller 04:00.0's ids in its uevent and attributes (04:00.0 is ready
  // on xhci_hcd): vfio-pci.ids would take both.
  const dir = fs.realpathSync(path.join(root, 'sys/bus/pci/devices/0000:09:00.0'));
  const src = fs.realpathSync(path.join(root, 'sys/bus/pci/devices/0000:04:00.0'));
  for (const f of ['vendor', 'device', 'uevent']) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  assert.equal(compareAll(root), 30);
  const s = readScopedModel(root, { names: ['0000:04:00.0'], groups: [] });
  assert.equal(s.devices.some((d) => d.name === '0000:09:00.0'), false); // not read for the decision
  const plan = JSON.parse(decide(s, root, '0000:04:00.0')).plan;
  assert.match(plan.notes.join('\n'), /vfio-pci\.ids=1b36:000d would also take 0000:09:00\.0/);
});

test('the scoped read declines where a rule needs the whole tree', () => {
  const root = fixtureCopy('q35-intel');
  fs.writeFileSync(path.join(root, 'proc/cmdline'), 'intel_iommu=on pcie_acs_override=downstream\n');
  assert.equal(readScopedModel(root, { names: ['0000:01:00.0'], groups: [] }), null);
  assert.equal(readScopedModel(fixture('q35-noiommu'), { names: ['0000:01:00.0'], groups: [] }), null);
  assert.equal(readScopedModel(fixture('q35-intel'), { names: ['0000:0c:00.0'], groups: [] }), null);
});
