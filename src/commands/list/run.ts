// `list`: every group with its members and a verdict, with filters.
import type { Context } from '../../cli/context.js';
import type { PciIds } from '../../model/pci-ids.js';
import type { Model } from '../../model/types.js';
import type { Result } from '../../cli/exit.js';
import { requireGroups } from '../../cli/selectors.js';
import { resolveRoot } from '../../cli/root.js';
import { compareModels } from '../../analyse/diff/diff-models.js';
import { predictedGroups } from '../../analyse/grouping/predicted.js';
import { buildListView, buildPredictedView, type ListView } from '../../analyse/views/list-view.js';
import { PREDICT_HINT, predictionDetails, predictionHeading } from '../../render/prediction.js';
import { UsageError } from '../../errors.js';
import { readModel } from '../../read/read-model.js';
import type { Format } from '../../render/format.js';
import { write } from '../../render/renderer.js';
import { LIST_RENDERERS, type ListRenderer } from '../../render/views/list.js';
import { parseFilter, requireMatches, type ListOptions } from './filter.js';
import { pasteOutput } from './paste.js';

/**
 * The groups the options select (or predict), as every view format and the library's list() take
 * them. `hostFacts`: read what pasted lines are checked against; `wholeGroups`: filters pick groups.
 */
export function listInput(root: string, opts: ListOptions, ids: PciIds | null, how: { hostFacts: boolean; wholeGroups: boolean }): { model: Model; view: ListView } {
  const filter = parseFilter(opts);
  // What is pasted is checked against the host's needs (mounts, routes), so those facts are read too.
  const real = readModel(root, { preflight: how.hostFacts, slots: true });
  const predicted = opts.predict ? predictedGroups(real) : null;
  const model = predicted?.model ?? real;
  if (filter.group) requireGroups(model, filter.group);
  requireMatches(model, filter, opts);
  const shape = how.wholeGroups ? { ...filter, wholeGroups: true } : filter;
  const view = predicted ? buildPredictedView(real, predicted, shape, ids) : buildListView(model, shape, ids);
  return { model, view };
}

export async function runList(ctx: Context, opts: ListOptions): Promise<Result> {
  // A bad filter value is told first, before --root is looked at (listInput parses it again: pure and cheap).
  const filter = parseFilter(opts);
  const r: ListRenderer = LIST_RENDERERS[ctx.format as Format];
  const root = ctx.root();
  if (opts.baseline !== undefined && ctx.format !== 'prometheus') throw new UsageError('--baseline goes with --format prometheus', 'for the changes themselves: iommu-groups diff BASELINE');
  if (r.scope === 'whole-host') {
    if (Object.keys(filter).length > 0 || opts.predict) throw new UsageError(`--format ${ctx.format} reports the whole host`, 'drop --group, --device, --class, --vendor, --driver, --related and --predict');
    const baseline = opts.baseline === undefined ? null : readModel(resolveRoot(opts.baseline, ctx.io, '--baseline'));
    const model = readModel(root, { preflight: true });
    const changes = baseline === null ? null : compareModels(baseline, model);
    write(await r.render({ model, changes }, ctx.env()), (s) => ctx.out(s), (s) => ctx.io.err(s));
    ctx.warnIssues(model, r.inlineIssues);
    return 'ok'; // no IOMMU is a value here (iommu_groups_iommu_enabled 0), not an error
  }
  const { model, view } = listInput(root, opts, ctx.names(), { hostFacts: r.hostFacts, wholeGroups: r.scope === 'view' && r.wholeGroups });
  const rendered = await r.render({ model, view }, ctx.env());
  // Formats that do not say it themselves: what the groups are, on stderr.
  if (view.prediction && !r.inlineIssues) for (const line of [predictionHeading(view), ...predictionDetails(view)]) ctx.say(line);
  if (r.scope === 'paste') return pasteOutput(ctx, model, view, r, rendered.out as string);
  write(rendered, (s) => ctx.out(s), (s) => ctx.io.err(s));
  return afterOutput(ctx, model, view, r);
}

/** Issues, the IOMMU state and an empty filter result, told on stderr and in the exit code. */
export function afterOutput(ctx: Context, model: Parameters<typeof ctx.warnIssues>[0], view: ListView, r: Pick<ListRenderer, 'inlineIssues' | 'saysNoIommu'>): Result {
  ctx.warnIssues(model, r.inlineIssues);
  const tail = ctx.iommuTail(view.iommu, r.saysNoIommu === true || view.prediction !== undefined);
  if (tail !== 'ok') {
    // The table says it itself, fitted to the terminal.
    if (!view.prediction && !view.filtered && r.saysNoIommu !== true) ctx.say(PREDICT_HINT);
    return tail;
  }
  if (view.filtered && view.groups.length === 0 && view.ungrouped.length === 0) {
    ctx.io.err('iommu-groups: no device matches the filters\n');
    return 'no-match';
  }
  return 'ok';
}
