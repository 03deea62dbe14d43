// One table of finding codes (src/analyse/finding-codes.ts): the finding constructors take their code
// from it, so a code not in it does not compile; README's "Pre-flight codes" table lists exactly
// those codes, with the same commands in its "from" column.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { FINDING_CODES } from '../dist/analyse/findings/finding-codes.js';
import { PROJECT } from './helpers.mjs';

test('README lists exactly the finding codes of the table, each with the commands that report it', () => {
  const readme = fs.readFileSync(path.join(PROJECT, 'README.md'), 'utf8');
  const start = readme.indexOf('### Pre-flight codes');
  const section = readme.slice(start, readme.indexOf('\n### ', start + 5));
  const documented = {};
  for (const [, codes, from] of section.matchAll(/^\| (`[A-Z_]+`(?:, `[A-Z_]+`)*) \| [^|]* \| ([^|]*) \|/gm)) {
    for (const [, c] of codes.matchAll(/`([A-Z_]+)`/g)) documented[c] = from.trim().split(/,\s*/);
  }
  assert.deepEqual(Object.keys(documented).sort(), Object.keys(FINDING_CODES).sort());
  for (const [code, from] of Object.entries(FINDING_CODES)) assert.deepEqual(documented[code], [...from], code);
});
