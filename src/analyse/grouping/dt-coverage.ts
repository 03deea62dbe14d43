// Which PCI functions a device-tree platform hands to an IOMMU at all (read-dt-iommu.ts): a
// function whose requester ID its host controller's iommu-map leaves out gets no group, whatever
// the grouping rules say; where the map is not in the tree, that is unknown.
import { parsePciName, rootBusDir } from '../../model/pci-address.js';
import type { Model } from '../../model/types.js';
import { pciByAddress } from './rules.js';

export interface DtCoverage {
  /** Functions the kernel gives no IOMMU, and why. */
  none: Map<string, string>;
  /** Functions whose coverage the tree cannot tell, and why. */
  unknown: Map<string, string>;
  /** Covered functions with no driver bound now. */
  unbound: string[];
}

export function dtCoverage(model: Model): DtCoverage {
  const out: DtCoverage = { none: new Map(), unknown: new Map(), unbound: [] };
  const maps = model.host.dtPciIommu ?? null;
  if (maps === null) return out;
  for (const d of pciByAddress(model).values()) {
    const root = rootBusDir(d.path);
    const map = root === null ? undefined : maps[root];
    const a = parsePciName(d.name);
    if (map === undefined || a === null) continue;
    if (map.unknown !== null) {
      out.unknown.set(d.name, `device tree: ${map.unknown}`);
      continue;
    }
    // of_map_id masks the requester ID, then looks for the entry holding it (the function's own
    // ID is the first DMA alias of_iommu_configure maps: a miss ends there with no IOMMU).
    const rid = ((a.bus << 8) | (a.slot << 3) | a.function) & map.mask;
    const hit = map.entries.some(([base, , , length]) => rid >= base && rid < base + length);
    if (!hit) {
      out.none.set(
        d.name,
        map.entries.length === 0
          ? `device tree: its host controller's node ${map.node} has no iommu-map, so the kernel gives its functions no IOMMU`
          : `device tree: its requester ID 0x${rid.toString(16).padStart(4, '0')} is outside the iommu-map of ${map.node}, so the kernel gives it no IOMMU`,
      );
    } else if (map.disabled.includes(d.name)) {
      out.unknown.set(d.name, 'device tree: its node\'s status is not "okay", so the kernel binds no driver to it (vfio-pci neither); whether it ever gets a group depends on the kernel version, not on these rules');
    } else if (d.driver === null) out.unbound.push(d.name);
  }
  return out;
}
