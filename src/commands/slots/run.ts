// `slots`: which physical slot to put a card in.
import { iommuReport } from '../../analyse/grouping/isolation.js';
import { buildSlotsView } from '../../analyse/views/slots-view.js';
import type { Context } from '../../cli/context.js';
import type { Result } from '../../cli/exit.js';
import { readModel } from '../../read/read-model.js';
import type { ReportFormat } from '../../render/format.js';
import { write } from '../../render/renderer.js';
import { SLOTS_RENDERERS } from '../../render/views/slots.js';

export async function runSlots(ctx: Context): Promise<Result> {
  const r = SLOTS_RENDERERS[ctx.format as ReportFormat];
  const model = readModel(ctx.root(), { slots: true });
  const view = buildSlotsView(model);
  write(await r.render(view, ctx.env()), (s) => ctx.out(s), (s) => ctx.io.err(s));
  ctx.warnIssues(model, r.inlineIssues);
  if (view.slots === null) {
    ctx.say('sys/bus/pci/slots is unreadable: run as a user who may read it');
    return 'usage';
  }
  // The groups shown are predicted: the exit code still says the host has no IOMMU now.
  return ctx.iommuTail(iommuReport(model), r.saysNoIommu === true);
}
