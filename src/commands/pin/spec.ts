// `pin TARGET...`: record what a VM's configuration names, for check --expect before it starts.
import type { CommandSpec } from '../../cli/spec.js';

export const pin: CommandSpec = {
  name: 'pin',
  description: "Record each target's identity (address, ids, subsystem, class, serial number where shown) and its group's members, as JSON for check --expect.",
  args: [{ name: '<target...>', help: 'PCI addresses (0000:01:00.0 or 01:00.0) or vendor:device ids' }],
  options: [{ flags: '--root <dir>', help: 'read the tree under DIR (a snapshot directory or .tar.gz) instead of /' }],
  formats: null,
  about: `The file is JSON (schema/pin.json). Before a VM starts, check --expect FILE
refuses (exit 1) when the device at a pinned address is another one, the pinned
device moved, or its group's members changed; a new group number alone is no
change. Run pin as root to record serial numbers (extended config space).
Hooks for libvirt and Proxmox: docs/fleet.md.`,
  examples: ['sudo iommu-groups pin 01:00.0 01:00.1 > /etc/iommu-groups/win11.json', 'iommu-groups check --expect /etc/iommu-groups/win11.json'],
  exits: [['ok', 'written']],
  complete: 'addresses',
  run: async (ctx, args) => (await import('./run.js')).runPin(ctx, args[0] as string[]),
};
