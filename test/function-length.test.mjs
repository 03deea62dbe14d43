// No function in src/ runs past 80 lines: long judges are split into named rules (issue 23).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { PROJECT } from './helpers.mjs';

const MAX = 80;

function sources(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

test(`no function in src/ is longer than ${MAX} lines`, () => {
  const long = [];
  const files = sources(path.join(PROJECT, 'src'));
  assert.ok(files.length > 50, `${files.length} source files`);
  for (const file of files) {
    const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (n) => {
      if (ts.isFunctionLike(n) && 'body' in n && n.body) {
        const from = sf.getLineAndCharacterOfPosition(n.getStart()).line;
        const to = sf.getLineAndCharacterOfPosition(n.end).line;
        if (to - from + 1 > MAX) long.push(`${path.relative(PROJECT, file)}:${from + 1} ${to - from + 1} lines`);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  assert.deepEqual(long, []);
});
