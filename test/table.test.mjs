// The command table and the renderer maps, iterated: every format a command offers has one
// renderer, --help and completion say what the table says, and a command's exit code is the same
// in every format (the format changes how the answer looks, never the answer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../dist/cli.js';
import { COMMANDS } from '../dist/commands/table.js';
import { allOptions } from '../dist/cli/common-options.js';
import { LIST_RENDERERS } from '../dist/render/views/list.js';
import { BUSES_RENDERERS } from '../dist/render/views/buses.js';
import { HOST_RENDERERS } from '../dist/render/views/host.js';
import { CHECK_RENDERERS } from '../dist/render/views/check.js';
import { EXPLAIN_RENDERERS } from '../dist/render/views/explain.js';
import { TREE_RENDERERS } from '../dist/render/views/tree.js';
import { SLOTS_RENDERERS } from '../dist/render/views/slots.js';
import { WATCH_RENDERERS } from '../dist/render/views/watch.js';
import { fixture, TEST_IDS } from './helpers.mjs';

const MAPS = { list: LIST_RENDERERS, buses: BUSES_RENDERERS, host: HOST_RENDERERS, check: CHECK_RENDERERS, explain: EXPLAIN_RENDERERS, tree: TREE_RENDERERS, slots: SLOTS_RENDERERS };
const byName = Object.fromEntries(COMMANDS.map((c) => [c.name, c]));

async function inProcess(argv) {
  let out = '';
  let err = '';
  const code = await run({ argv: ['node', 'iommu-groups', ...argv], env: { NO_COLOR: '1' }, stdoutIsTTY: false, platform: 'linux', out: (s) => void (out += s), err: (s) => void (err += s), version: '0.0.0' });
  return { out, err, code };
}

test('each command with --format has exactly one renderer per format it offers', () => {
  assert.deepEqual(COMMANDS.filter((c) => c.formats !== null).map((c) => c.name).sort(), Object.keys(MAPS).sort());
  for (const [name, map] of Object.entries(MAPS)) assert.deepEqual(Object.keys(map).sort(), [...byName[name].formats].sort(), name);
  const watchFormat = byName.watch.options.find((o) => o.flags.startsWith('--format'));
  assert.deepEqual(Object.keys(WATCH_RENDERERS).sort(), [...watchFormat.choices].sort());
});

test("each command's --help lists its options and formats from the table, and completion offers the same", async () => {
  const script = (await inProcess(['completion', 'bash'])).out;
  for (const c of COMMANDS) {
    const help = (await inProcess([c.name, '--help'])).out.replace(/\s+/g, " ");
    const longs = allOptions(c).map((o) => o.flags.split(' ')[0]);
    for (const l of longs) assert.ok(help.includes(l), `${c.name} --help lacks ${l}`);
    if (c.formats) assert.ok(help.includes(`choices: ${c.formats.map((f) => `"${f}"`).join(', ')}`), `${c.name} --help formats`);
    const line = script.split('\n').find((l) => l.startsWith(`    ${c.name}) opts=`));
    assert.ok(line, `completion has no case for ${c.name}`);
    assert.ok(line.includes(`opts='${[...longs, '--help'].join(' ')}'`), `${c.name} completion options: ${line}`);
  }
});

for (const fx of ['q35-intel-vfio', 'q35-noiommu']) {
  test(`${fx}: every command gives one exit code whatever the format`, async () => {
    const root = fixture(fx);
    const args = { list: [], buses: [], host: [], tree: [], check: ['--group', fx === 'q35-noiommu' ? '0' : '21'], explain: ['00:1f.0'], slots: [] };
    if (fx === 'q35-noiommu') args.check = ['00:1f.0'];
    const seen = [];
    for (const [name, map] of Object.entries(MAPS)) {
      const codes = new Map();
      for (const format of Object.keys(map)) {
        const r = await inProcess([name, ...args[name], '--root', root, '--pci-ids', TEST_IDS, '--format', format]);
        assert.equal(r.err.includes('internal error'), false, `${name} --format ${format}: ${r.err}`);
        // Something is said: on stdout, or (the classic legacy loop on a host without groups) on stderr.
        assert.ok(r.out.length > 0 || /no active IOMMU/.test(r.err), `${name} --format ${format} said nothing`);
        if (format === 'json') assert.equal(typeof JSON.parse(r.out).schemaVersion, 'number');
        codes.set(format, r.code);
      }
      // ids and addresses are guarded paste output (their own exit 1 when an id is shared):
      // the views and reports must agree among themselves.
      const views = [...codes].filter(([f]) => !['ids', 'addresses', 'prometheus', 'nfd'].includes(f));
      assert.equal(new Set(views.map(([, c]) => c)).size, 1, `${name}: ${JSON.stringify(views)}`);
      seen.push(`${name}=${views[0][1]}`);
    }
    const expected = fx === 'q35-noiommu' ? 'list=3 buses=3 host=1 check=1 explain=3 tree=3 slots=3' : 'list=0 buses=0 host=0 check=0 explain=0 tree=0 slots=0';
    assert.equal(seen.join(' '), expected);
  });
}
