// The examples of the README and of docs/*.md run as written after `npm run demo` (which extracts every bundled capture
// to .tmp/<name>): each "$ iommu-groups ..." line in a code block is run from the project root, and
// what it prints is compared with the lines the README shows under it. As on a wide terminal, a
// command without --format prints its table (run here with --format table --wide). In the README, a
// line ending in "..." stands for a line that begins so, and a line that is only "..." (indented or
// not) for any number of lines.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { BIN, PROJECT } from './helpers.mjs';

// The README and every page of the manual in docs/.
const pages = ['README.md', ...fs.readdirSync(path.join(PROJECT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const readme = pages.map((p) => fs.readFileSync(path.join(PROJECT, p), 'utf8')).join('\n');

/** Each example: its command line and the output lines shown under it (up to the next "$ " line or the block's end). */
function examples() {
  const out = [];
  const blocks = [];
  let cur = null;
  for (const l of readme.split('\n')) {
    if (l.startsWith('```')) {
      if (cur === null) cur = [];
      else {
        blocks.push(cur);
        cur = null;
      }
    } else if (cur !== null) cur.push(l);
  }
  for (const lines of blocks) {
    for (let i = 0; i < lines.length; i++) {
      const m = /^\$ iommu-groups (.+)$/.exec(lines[i]);
      if (!m) continue;
      let j = i + 1;
      while (j < lines.length && !lines[j].startsWith('$ ')) j++;
      const shown = lines.slice(i + 1, j);
      while (shown.length && shown.at(-1) === '') shown.pop();
      out.push({ line: m[1], shown });
    }
  }
  return out;
}

/** Whether the actual lines are what the README shows ("..." lines and "..." endings as above). */
function matches(shown, actual) {
  const go = (s, a) => {
    if (s === shown.length) return a === actual.length;
    const want = shown[s];
    if (want.trim() === '...') {
      for (let k = a; k <= actual.length; k++) if (go(s + 1, k)) return true;
      return false;
    }
    if (a >= actual.length) return false;
    const ok = want.endsWith('...') ? actual[a].startsWith(want.slice(0, -3)) : actual[a] === want;
    return ok && go(s + 1, a + 1);
  };
  return go(0, 0);
}

const all = examples();

test('the README has examples to run', () => {
  assert.ok(all.length >= 8, `${all.length} examples`);
});

test('every README example runs as written after npm run demo, and prints what the README shows', () => {
  const demo = spawnSync(process.execPath, [path.join(PROJECT, 'scripts', 'demo.js')], { cwd: PROJECT, encoding: 'utf8' });
  assert.equal(demo.status, 0, demo.stderr);
  const wrong = [];
  for (const { line, shown } of all) {
    // A pipeline or redirection runs in a shell; anything else as its words.
    const piped = /[|>]/.test(line);
    const words = line.split(/\s+/);
    const extra = words.includes('--format') || /^(completion|snapshot|watch)\b/.test(line) || piped ? [] : ['--format', 'table', '--wide'];
    const r = piped
      ? spawnSync('sh', ['-c', `'${process.execPath}' '${BIN}' ${line}`], { cwd: PROJECT, encoding: 'utf8', env: { PATH: process.env.PATH, NO_COLOR: '1' } })
      : spawnSync(process.execPath, [BIN, ...words, ...extra], { cwd: PROJECT, encoding: 'utf8', env: { PATH: process.env.PATH, NO_COLOR: '1' } });
    assert.ok([0, 1, 3, 4, 5].includes(r.status), `iommu-groups ${line}: exit ${r.status}\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /no such directory|unknown option|not a /, `iommu-groups ${line}`);
    assert.notEqual(r.stdout, '', `iommu-groups ${line} printed nothing`);
    if (shown.length === 0) continue;
    const actual = r.stdout.replace(/\n$/, '').split('\n');
    while (actual.length && actual.at(-1) === '') actual.pop();
    if (!matches(shown, actual)) wrong.push(`iommu-groups ${line}: the README shows\n${shown.join('\n')}\n--- it prints\n${actual.join('\n')}`);
  }
  assert.deepEqual(wrong, []);
});
