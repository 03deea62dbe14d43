// `slots`: which physical slot to put a card in.
import { NO_IOMMU_EXIT } from '../../cli/exit.js';
import type { CommandSpec } from '../../cli/spec.js';
import { REPORT_FORMATS } from '../../render/format.js';

export const slots: CommandSpec = {
  name: 'slots',
  description: 'Physical slots (sys/bus/pci/slots): what sits in each, the bridge above it, and whether a card there gets a group of its own (predicted while the IOMMU is off).',
  options: [],
  formats: REPORT_FORMATS,
  about: `Per slot: own (a card there has its group to itself), shares (and with what, and why), or
unknown (why). An empty slot is judged by the kernel's rules for a card on its bus: the bridges above
it must isolate (ACS, read from config space: run as root).`,
  examples: ['sudo iommu-groups slots', 'iommu-groups slots --format json', 'iommu-groups slots --root ./capture'],
  exits: [['ok', 'success'], ['usage', 'sys/bus/pci/slots is unreadable'], NO_IOMMU_EXIT],
  run: async (ctx) => (await import('./run.js')).runSlots(ctx),
};
