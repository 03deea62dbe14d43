// The command table: every command, in the order --help lists them. A command is one spec here
// (commands/NAME/spec.ts) and the module its run loads.
import type { CommandSpec } from '../cli/spec.js';
import { buses } from './buses/spec.js';
import { check } from './check/spec.js';
import { completion } from './completion/spec.js';
import { diff } from './diff/spec.js';
import { explain } from './explain/spec.js';
import { host } from './host/spec.js';
import { list } from './list/spec.js';
import { pin } from './pin/spec.js';
import { slots } from './slots/spec.js';
import { snapshot } from './snapshot/spec.js';
import { tree } from './tree/spec.js';
import { watch } from './watch/spec.js';

export const COMMANDS: readonly CommandSpec[] = [list, buses, host, check, explain, tree, slots, watch, diff, pin, snapshot, completion];
