// `diff`: read both roots, compare them, render; exit 1 when anything changed.
import { compareModels } from '../../analyse/diff/diff-models.js';
import type { Context } from '../../cli/context.js';
import type { Result } from '../../cli/exit.js';
import { openRoot } from '../../cli/root.js';
import { readModel } from '../../read/read-model.js';
import type { ReportFormat } from '../../render/format.js';
import { write } from '../../render/renderer.js';
import { DIFF_RENDERERS, type DiffInput } from '../../render/views/diff.js';

export interface DiffOptions {
  format?: ReportFormat;
}

/** Both roots read and compared (the library's diff() takes the same); B defaults to this host. */
export function diffInput(a: string, b: string | undefined, io: { platform: NodeJS.Platform }): DiffInput {
  const ra = openRoot(a, io, 'diff');
  const rb = openRoot(b, io, 'diff');
  return { view: compareModels(readModel(ra.dir), readModel(rb.dir)), a: ra.label, b: rb.label };
}

export async function runDiff(ctx: Context, a: string, b: string | undefined, _opts: DiffOptions): Promise<Result> {
  const input = diffInput(a, b, ctx.io);
  const view = input.view;
  const r = DIFF_RENDERERS[ctx.format as ReportFormat];
  const env = { root: input.b, width: ctx.width(), chalk: () => ctx.chalk(), names: () => ctx.names() };
  write(await r.render(input, env), (s) => ctx.out(s), (s) => ctx.io.err(s));
  return view.changes.length > 0 ? 'failed' : 'ok';
}
