// `explain`: why is this device's group the way it is?
import { NO_IOMMU_EXIT } from '../../cli/exit.js';
import type { CommandSpec } from '../../cli/spec.js';
import { REPORT_FORMATS } from '../../render/format.js';

export const explain: CommandSpec = {
  name: 'explain',
  description: "Why is this device's group the way it is? Follows the kernel's grouping rules on config space (needs root for more than 64 bytes).",
  args: [{ name: '[target...]', help: 'PCI address or vendor:device id' }],
  options: [
    { flags: '--group <n>', help: 'explain group N' },
    { flags: '--assume <param>', help: 'predict the groups with PARAM added to the kernel command line: pcie_acs_override=..., pci=config_acs=..., pci=disable_acs_redir=... (repeatable)', repeat: 'each' },
  ],
  formats: REPORT_FORMATS,
  about: `The rules are the kernel's (pci_device_group, Linux v6.18) with its ACS and DMA-alias quirks;
where the kernel's groups differ, explain says so and names the likely cause.`,
  examples: [
    'sudo iommu-groups explain 08:00.0',
    'iommu-groups explain --group 21 --root ./capture',
    'iommu-groups explain 05:00.0 --format json',
    'iommu-groups explain 08:00.0 --assume pcie_acs_override=downstream,multifunction',
    "iommu-groups explain 08:00.0 --assume 'pci=config_acs=xxx11x1@0000:07:00.0'",
  ],
  exits: [['ok', 'explained, or said why it cannot be'], NO_IOMMU_EXIT],
  complete: 'addresses',
  run: async (ctx, args, opts) => (await import('./run.js')).runExplain(ctx, args[0] as string[], opts),
};
