// `explain`: why is this group the way it is, by the kernel's rules; with --assume, what the
// groups would be with more kernel parameters.
import { parseAssumed } from '../../analyse/grouping/acs-params.js';
import { explain } from '../../analyse/grouping/explain.js';
import { resetFacts } from '../../analyse/vfio/reset.js';
import { bootChange } from '../../analyse/host/boot-loader.js';
import { iommuState } from '../../analyse/grouping/isolation.js';
import { kernelPrediction } from '../../analyse/grouping/kernel-grouping.js';
import { deviceWhatIf, whatIf, whatIfLines } from '../../analyse/grouping/what-if.js';
import type { Context } from '../../cli/context.js';
import type { Result } from '../../cli/exit.js';
import { resolveTargets } from '../../cli/targets.js';
import { UsageError } from '../../errors.js';
import type { Device, Model } from '../../model/types.js';
import { readModel } from '../../read/read-model.js';
import type { ReportFormat } from '../../render/format.js';
import { write } from '../../render/renderer.js';
import { EXPLAIN_RENDERERS } from '../../render/views/explain.js';

export interface ExplainOptions {
  group?: string;
  assume?: string[];
}

/** The devices to explain: each target, or the first PCI member of a --group. */
function targetDevices(model: Model, targets: readonly string[], group: string | undefined): Device[] {
  const byPath = new Map(model.devices.map((d) => [d.path, d]));
  return resolveTargets(model, targets, group).flatMap((t) => {
    if (t.device) return [t.device];
    const g = model.groups.find((x) => x.id === t.group)!;
    return g.members
      .map((m) => byPath.get(m.path))
      .filter((d): d is Device => d !== undefined && d.pci !== null)
      .slice(0, 1);
  });
}

/** Why a reset method the kernel could offer is missing, and the AMD reset bug: after the grouping lines. */
function withReset(model: Model, d: Device, e: ReturnType<typeof explain>): ReturnType<typeof explain> {
  const r = resetFacts(model, d);
  if (!r) return e;
  const lines = [...r.why.map((w) => `reset: ${w}`), ...(r.amd ? [`reset: ${r.amd.line}`] : [])];
  return lines.length ? { ...e, lines: [...e.lines, ...lines] } : e;
}

/** The explanations the options ask for (the library's explain() takes the same). */
export function explainInput(root: string, targets: readonly string[], opts: ExplainOptions) {
  const assumed = (opts.assume ?? []).map((p) => {
    const a = parseAssumed(p);
    if ('error' in a) throw new UsageError(`--assume ${a.error}`, "e.g. --assume pcie_acs_override=downstream,multifunction or --assume 'pci=config_acs=xxx11x1@0000:07:00.0'");
    return a;
  });
  // A what-if runs check on the predicted groups, which needs the host facts check reads.
  const model = readModel(root, assumed.length > 0 ? { preflight: true } : undefined);
  const devices = targetDevices(model, targets, opts.group);
  const kp = kernelPrediction(model);
  const w = assumed.length > 0 ? whatIf(model, kp, assumed) : null;
  const explanations = devices.map((d) => {
    const e = withReset(model, d, explain(model, d, kp));
    if (!w) return e;
    const dw = deviceWhatIf(model, kp, w, d);
    return { ...e, predicted: dw.predicted, whatIf: dw, lines: [...e.lines, ...whatIfLines(model, w, dw)] };
  });
  // The edit that adds the parameters, for the way this host boots (what it would take to try them).
  const boot = assumed.length > 0 ? bootChange(model, opts.assume ?? [], []) : null;
  const assume = w ? { params: w.params, changes: w.changes, notes: w.notes, bootChange: boot } : undefined;
  return { model, explanations, assume };
}

export async function runExplain(ctx: Context, targets: string[], opts: ExplainOptions): Promise<Result> {
  const r = EXPLAIN_RENDERERS[ctx.format as ReportFormat];
  const { model, explanations, assume } = explainInput(ctx.root(), targets, opts);
  write(await r.render({ explanations, assume, issues: model.issues }, ctx.env()), (s) => ctx.out(s), (s) => ctx.io.err(s));
  ctx.warnIssues(model, r.inlineIssues);
  return iommuState(model).active ? 'ok' : 'no-iommu';
}
