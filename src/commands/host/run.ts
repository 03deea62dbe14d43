// `host`: is this machine ready for VFIO passthrough? Printed, never changed.
import { worst } from '../../analyse/findings/findings.js';
import { hostReport } from '../../analyse/host/host-check.js';
import type { Context } from '../../cli/context.js';
import type { Result } from '../../cli/exit.js';
import { readModel } from '../../read/read-model.js';
import type { ReportFormat } from '../../render/format.js';
import { write } from '../../render/renderer.js';
import { HOST_RENDERERS } from '../../render/views/host.js';

/** The host's findings and the one verdict (the library's host() takes the same). */
export function hostInput(root: string) {
  const model = readModel(root, { preflight: true });
  const { findings, boot } = hostReport(model);
  return { model, findings, verdict: worst(findings.map((f) => f.status)), boot };
}

export async function runHost(ctx: Context): Promise<Result> {
  const r = HOST_RENDERERS[ctx.format as ReportFormat];
  const { model, findings, verdict, boot } = hostInput(ctx.root());
  write(await r.render({ findings, verdict, boot, issues: model.issues }, ctx.env()), (s) => ctx.out(s), (s) => ctx.io.err(s));
  ctx.warnIssues(model, r.inlineIssues);
  return findings.some((f) => f.status === 'fail') ? 'failed' : 'ok';
}
