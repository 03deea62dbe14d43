// `buses`: isolation status per bus.
import { buildBusesView } from '../../analyse/views/buses-view.js';
import type { Context } from '../../cli/context.js';
import type { Result } from '../../cli/exit.js';
import { UsageError } from '../../errors.js';
import { readModel } from '../../read/read-model.js';
import type { ReportFormat } from '../../render/format.js';
import { write } from '../../render/renderer.js';
import { BUSES_RENDERERS } from '../../render/views/buses.js';

export interface BusesOptions {
  bus?: string;
  all?: boolean;
}

export async function runBuses(ctx: Context, opts: BusesOptions): Promise<Result> {
  const r = BUSES_RENDERERS[ctx.format as ReportFormat];
  const model = readModel(ctx.root());
  const selected = opts.bus ?? null;
  const view = buildBusesView(model, selected, opts.all === true);
  if (selected !== null && !view.buses.some((b) => b.bus === selected)) {
    throw new UsageError(`--bus ${selected}: no such bus with devices`, `buses with devices: ${[...view.buses.map((b) => b.bus), ...view.otherBuses].sort().join(', ')}`);
  }
  write(await r.render({ view, units: model.units }, ctx.env()), (s) => ctx.out(s), (s) => ctx.io.err(s));
  ctx.warnIssues(model, r.inlineIssues);
  return ctx.iommuTail(view.iommu, r.saysNoIommu === true);
}
