#!/usr/bin/env node
// `npm run bundle`: one file, dist/iommu-groups.mjs, that runs on a bare Node >= 20 with no
// node_modules (for copying onto a hypervisor without npm). esbuild, from the built dist/.
import { build } from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const project = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
const final = path.join(project, 'dist', 'iommu-groups.mjs');
// Written beside it and renamed into place: a run of bin/ that loads it meanwhile sees the old file or the new one, whole.
const outfile = `${final}.${process.pid}.tmp`;
await build({
  entryPoints: [path.join(project, 'dist', 'entry.js')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  legalComments: 'none',
  // CommonJS dependencies (fast-glob) call require() for Node's own modules.
  banner: { js: "import { createRequire as __iommuGroupsRequire } from 'node:module';\nconst require = __iommuGroupsRequire(import.meta.url);" },
  define: { __IOMMU_GROUPS_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
});
// The file starts with a shebang and is executable: it runs on its own, copied anywhere.
const text = fs.readFileSync(outfile, 'utf8');
fs.writeFileSync(outfile, text.startsWith('#!') ? text : `#!/usr/bin/env node\n${text}`);
fs.chmodSync(outfile, 0o755);
fs.renameSync(outfile, final);
// Quiet under `npm run ... --silent` (npm run demo builds first).
if (process.env.npm_config_loglevel !== 'silent') console.log(`bundle: ${path.relative(project, final)} (${(fs.statSync(final).size / 1024).toFixed(0)} KiB, version ${version})`);
