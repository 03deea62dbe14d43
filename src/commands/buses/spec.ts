// `buses`: isolation status per bus.
import { NO_IOMMU_EXIT } from '../../cli/exit.js';
import type { CommandSpec } from '../../cli/spec.js';
import { REPORT_FORMATS } from '../../render/format.js';

export const buses: CommandSpec = {
  name: 'buses',
  description: 'Isolation status per bus: devices alone in a group, sharing one, or with none.',
  options: [
    { flags: '--bus <name>', help: 'list the devices of one bus' },
    { flags: '--all', help: 'every bus, also virtual ones no IOMMU serves (acpi, cpu, workqueue, ...)' },
  ],
  formats: REPORT_FORMATS,
  examples: ['iommu-groups buses', 'iommu-groups buses --bus pci', 'iommu-groups buses --all', 'iommu-groups buses --format json'],
  exits: [['ok', 'success'], NO_IOMMU_EXIT],
  run: async (ctx, _args, opts) => (await import('./run.js')).runBuses(ctx, opts),
};
