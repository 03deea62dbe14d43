// Ready-to-paste output of `list`, like ls-iommu's --id / --pciaddr: the vendor:device ids
// (comma-joined, for vfio-pci.ids=) or the addresses (one a line) of the PCI endpoints the view
// shows. Bridges are left out: they stay with the host, and vfio-pci refuses them.
import { isBridge } from '../analyse/grouping/isolation.js';
import type { ListView, MemberView } from '../analyse/views/list-view.js';
import { vendorDeviceText } from '../model/pci-ids.js';
import type { Device } from '../model/types.js';

function endpoints(view: ListView): MemberView[] {
  return [...view.groups.flatMap((g) => g.members), ...view.ungrouped].filter((m) => m.device?.pci && !isBridge(m.device));
}

/** The PCI endpoints these formats name, in list order. */
export function shownEndpoints(view: ListView): Device[] {
  return endpoints(view).map((m) => m.device!);
}

/** "8086:10d3,1af4:1041\n": each id once, in list order; devices whose id is unreadable are left out. */
export function renderListIds(view: ListView): string {
  const ids = new Set<string>();
  for (const m of endpoints(view)) {
    const p = m.device!.pci!;
    if (p.vendor !== null && p.device !== null) ids.add(vendorDeviceText(p.vendor, p.device));
  }
  return ids.size ? [...ids].join(',') + '\n' : '';
}

/** One PCI address a line (the kernel's names, validated when read). */
export function renderListAddresses(view: ListView): string {
  return endpoints(view).map((m) => m.device!.name + '\n').join('');
}
