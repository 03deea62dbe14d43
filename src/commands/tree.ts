// `tree`: the PCI topology with group boundaries, as text or Graphviz DOT.
import { iommuReport } from '../analyse/grouping/isolation.js';
import { buildTreeView, type TreeFilter } from '../analyse/views/tree-view.js';
import { EXIT } from '../errors.js';
import { formatPciAddress } from '../model/pci-address.js';
import { readModel } from '../read/read-model.js';
import { readPciIds } from '../read/read-pci-ids.js';
import { renderTreeDot, renderTreeText } from '../render/tree.js';
import type { Io } from '../io.js';
import { chalkFor, finish, outputWidth, parseDeviceOption, parseGroupOption, requireGroups, resolveRoot, type CommonOptions } from './common.js';

import { TREE_FORMATS } from '../render/format.js';
export { TREE_FORMATS };

export interface TreeOptions extends Omit<CommonOptions, 'format'> {
  format?: (typeof TREE_FORMATS)[number];
  /** Repeatable, comma lists (collect): the union of what each keeps. */
  group?: string[];
  device?: string[];
}

export async function runTree(opts: TreeOptions, io: Io): Promise<number> {
  const filter: TreeFilter = {};
  if (opts.group !== undefined) filter.group = opts.group.map(parseGroupOption);
  if (opts.device !== undefined) filter.device = opts.device.map((d) => formatPciAddress(parseDeviceOption(d)));
  const format = opts.format ?? (io.stdoutIsTTY ? 'table' : 'plain');
  const root = resolveRoot(opts as CommonOptions, io);
  const ids = readPciIds(opts.pciIds);
  const model = readModel(root);
  if (filter.group) requireGroups(model, filter.group);
  const view = buildTreeView(model, filter);
  if (view.empty && (filter.group !== undefined || filter.device !== undefined)) {
    // Nothing to draw: no legend either, just the reason.
    io.err('iommu-groups: no device matches the filters\n');
    return EXIT.NO_MATCH;
  }
  if (format === 'dot') io.out(renderTreeDot(view, ids));
  else {
    const c = format === 'plain' ? await chalkFor({ ...opts, color: 'never' } as CommonOptions, io) : await chalkFor(opts as CommonOptions, io);
    io.out(renderTreeText(view, ids, c, format === 'plain' ? null : outputWidth(opts, io)));
  }
  const code = finish(model, iommuReport(model), 'plain', io);
  return code;
}
