// `host`: is this machine ready for VFIO passthrough?
import type { CommandSpec } from '../../cli/spec.js';
import { REPORT_FORMATS } from '../../render/format.js';

export const host: CommandSpec = {
  name: 'host',
  description: 'Is this machine ready for VFIO passthrough? IOMMU, firmware, command line, interrupt remapping, VFIO modules.',
  options: [],
  formats: REPORT_FORMATS,
  about: 'Each item is ok, info, warn, fail or unknown, with what was read to decide.',
  examples: ['iommu-groups host', `iommu-groups host --format json | jq '.findings[] | select(.status=="fail")'`, 'iommu-groups host --root ./capture'],
  exits: [['ok', 'no item fails'], ['failed', 'an item fails (no active IOMMU is a failure)']],
  run: async (ctx) => (await import('./run.js')).runHost(ctx),
};
