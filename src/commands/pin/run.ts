// `pin`: the targets' identities and their groups' members, as a pin file on stdout.
import { pinOf, PINS_SCHEMA_VERSION, type PinFile } from '../../analyse/diff/pins.js';
import type { Context } from '../../cli/context.js';
import type { Result } from '../../cli/exit.js';
import { resolveTargets } from '../../cli/targets.js';
import { readModel } from '../../read/read-model.js';
import { safeJson } from '../../render/safe-text.js';

export function pinDocument(model: ReturnType<typeof readModel>, targets: readonly string[], root: string): PinFile {
  const devices = resolveTargets(model, targets, undefined).flatMap((t) => (t.device ? [t.device] : []));
  const unique = devices.filter((d, i) => devices.indexOf(d) === i);
  return { schemaVersion: PINS_SCHEMA_VERSION, command: 'pin', root, kernel: model.host.kernelRelease, pins: unique.map((d) => pinOf(model, d)) };
}

export async function runPin(ctx: Context, targets: string[]): Promise<Result> {
  const model = readModel(ctx.root());
  ctx.out(safeJson(pinDocument(model, targets, ctx.env().root)) + '\n');
  ctx.warnIssues(model, false);
  return 'ok';
}
