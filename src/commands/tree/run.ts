// `tree`: the PCI topology with group boundaries, as text or Graphviz DOT.
import { iommuReport } from '../../analyse/grouping/isolation.js';
import { predictedGroups } from '../../analyse/grouping/predicted.js';
import { predictionDetails, predictionSummary } from '../../render/prediction.js';
import { buildTreeView, type TreeFilter, type TreeView } from '../../analyse/views/tree-view.js';
import type { Context } from '../../cli/context.js';
import type { Result } from '../../cli/exit.js';
import { parseDeviceOption, parseGroupOption, requireGroups } from '../../cli/selectors.js';
import { formatPciAddress } from '../../model/pci-address.js';
import { readModel } from '../../read/read-model.js';
import type { TreeFormat } from '../../render/format.js';
import { write } from '../../render/renderer.js';
import { TREE_RENDERERS } from '../../render/views/tree.js';

export interface TreeOptions {
  /** Repeatable, comma lists: the union of what each keeps. */
  group?: string[];
  device?: string[];
  predict?: boolean;
}

function treeFilter(opts: TreeOptions): TreeFilter {
  const filter: TreeFilter = {};
  if (opts.group !== undefined) filter.group = opts.group.map(parseGroupOption);
  if (opts.device !== undefined) filter.device = opts.device.map((d) => formatPciAddress(parseDeviceOption(d)));
  return filter;
}

/** The tree the options select, on the real groups or the predicted ones (the library's tree() takes the same). */
export function treeInput(root: string, opts: TreeOptions) {
  const filter = treeFilter(opts);
  const real = readModel(root);
  const predicted = opts.predict ? predictedGroups(real) : null;
  const model = predicted?.model ?? real;
  if (filter.group) requireGroups(model, filter.group);
  const view: TreeView = { ...buildTreeView(model, filter), ...(predicted ? { predicted: true as const } : {}) };
  return { real, model, predicted, view, filter };
}

export async function runTree(ctx: Context, opts: TreeOptions): Promise<Result> {
  const r = TREE_RENDERERS[ctx.format as TreeFormat];
  const root = ctx.root();
  ctx.names();
  const { real, model, predicted, view, filter } = treeInput(root, opts);
  if (view.empty && (filter.group !== undefined || filter.device !== undefined)) {
    // Nothing to draw: no legend either, just the reason.
    ctx.io.err('iommu-groups: no device matches the filters\n');
    return 'no-match';
  }
  write(await r.render(view, ctx.env()), (s) => ctx.out(s), (s) => ctx.io.err(s));
  if (predicted) {
    const { model: _m, ...p } = predicted;
    for (const line of [predictionSummary(p, predicted.model.groups.length, iommuReport(real).evidence), ...predictionDetails(p)]) ctx.say(line);
  }
  ctx.warnIssues(model, r.inlineIssues);
  return ctx.iommuTail(iommuReport(real), r.saysNoIommu === true || predicted !== null);
}
