// One table of finding codes (src/analyse/finding-codes.ts): the finding constructors take their code
// from it, so a code not in it does not compile; docs/codes.md lists exactly
// those codes, with the same commands in its "from" column.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { FINDING_CODES } from '../dist/analyse/findings/finding-codes.js';
import { PROJECT } from './helpers.mjs';

test('docs/codes.md lists exactly the finding codes of the table, each with the commands that report it', () => {
  const section = fs.readFileSync(path.join(PROJECT, 'docs', 'codes.md'), 'utf8');
  const documented = {};
  for (const [, codes, from] of section.matchAll(/^\| (`[A-Z_]+`(?:, `[A-Z_]+`)*) \| [^|]* \| ([^|]*) \|/gm)) {
    for (const [, c] of codes.matchAll(/`([A-Z_]+)`/g)) documented[c] = from.trim().split(/,\s*/);
  }
  assert.deepEqual(Object.keys(documented).sort(), Object.keys(FINDING_CODES).sort());
  for (const [code, from] of Object.entries(FINDING_CODES)) assert.deepEqual(documented[code], [...from], code);
});
