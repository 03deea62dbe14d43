// The single-file bundle's entry (scripts/bundle.mjs): Node's compile cache where it exists, then
// the CLI. bin/iommu-groups.js loads the bundle when it is there (one file to read and compile
// instead of ~150 modules) and dist/main.js when it is not.
import module from 'node:module';
import { main } from './main.js';

(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
await main();
