// `tree`: the PCI topology with group boundaries.
import { NO_IOMMU_EXIT, NO_MATCH_EXIT } from '../../cli/exit.js';
import type { CommandSpec } from '../../cli/spec.js';
import { TREE_FORMATS } from '../../render/format.js';

export const tree: CommandSpec = {
  name: 'tree',
  description: "The PCI hierarchy per host bridge, like lspci -t, with each device's group, where groups begin, and bridges that do not isolate.",
  options: [
    { flags: '--group <n>', help: 'only group N, under its real parents (repeat or N,M)', repeat: 'comma' },
    { flags: '--device <addr>', help: 'only this device: its parents, its subtree and its group (repeat or A,B)', repeat: 'comma' },
    { flags: '--predict', help: 'the groups the kernel will make once the IOMMU is on (what they are is said on stderr)' },
  ],
  formats: TREE_FORMATS,
  about: `Marks: g<N>* the first device of group N in the tree (with the group's members), g<N> the others,
NO-GROUP a device without a group, "DOES NOT ISOLATE" a bridge or port that fails the kernel's
ACS test (decoded from config space: "isolation unknown" without root).

Formats:
  table   coloured on a terminal
  plain   the same text without colour (default when not a terminal)
  dot     Graphviz, one cluster per group: iommu-groups tree --format dot | dot -Tsvg > pci.svg`,
  examples: ['iommu-groups tree', 'iommu-groups tree --group 19', 'iommu-groups tree --device 08:00.0', 'iommu-groups tree --format dot | dot -Tsvg > pci.svg'],
  exits: [['ok', 'success'], NO_MATCH_EXIT, NO_IOMMU_EXIT],
  run: async (ctx, _args, opts) => (await import('./run.js')).runTree(ctx, opts),
};
