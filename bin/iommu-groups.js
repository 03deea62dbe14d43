#!/usr/bin/env node
// Node >= 22.1 can keep the compiled code of our modules between runs (in its cache directory
// under the temporary directory; NODE_DISABLE_COMPILE_CACHE=1 turns it off): start-up then
// skips most of compiling. Node 20 has no such cache and goes on as before.
// What runs: the single-file bundle that `npm run build` makes (dist/iommu-groups.mjs: one file
// to read instead of ~150 modules, ~50 ms less at start-up on Node 20), or the modules when there
// is no bundle. --version takes the modules' short path (it loads two small modules, where the
// bundle would be compiled whole). IOMMU_GROUPS_MODULES=1 runs the modules (stack traces name
// the source's modules; the tests compare the two).
import module from 'node:module';
import { existsSync } from 'node:fs';
module.enableCompileCache?.();
const bundle = new URL('../dist/iommu-groups.mjs', import.meta.url);
const arg = process.argv[2];
if (arg !== '--version' && arg !== '-V' && process.env.IOMMU_GROUPS_MODULES !== '1' && existsSync(bundle)) {
  await import(bundle.href);
} else {
  const { main } = await import('../dist/main.js');
  await main();
}
