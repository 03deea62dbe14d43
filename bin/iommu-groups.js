#!/usr/bin/env node
// Node >= 22.1 can keep the compiled code of our modules between runs (in its cache directory
// under the temporary directory; NODE_DISABLE_COMPILE_CACHE=1 turns it off): start-up then
// skips most of compiling. Node 20 has no such cache and goes on as before.
import module from 'node:module';
module.enableCompileCache?.();
const { main } = await import('../dist/main.js');
await main();
