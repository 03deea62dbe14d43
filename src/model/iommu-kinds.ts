// One row per kind of IOMMU: how the kernel names its units, the firmware table that describes it,
// the platform it belongs to, and what of it sysfs shows. The readers and the judges ask this table
// instead of naming kinds themselves; a new kind is a new row.
import type { IommuKind } from './types.js';

export type Arch = 'x86' | 'arm64' | 'power' | 's390';

export interface IommuKindFacts {
  /** As people know it. */
  name: string;
  /** Its unit's name in /sys/class/iommu (drivers/iommu/*), or null where it registers none. */
  unitName: RegExp | null;
  /** A directory in the unit that marks the kind whatever its name (intel-iommu/, amd-iommu/). */
  unitDir: string | null;
  /** The ACPI table that places devices behind it, or null (device tree, or the platform's own). */
  acpiTable: 'DMAR' | 'IVRS' | 'IORT' | 'VIOT' | null;
  /** The platform it implies, or null for one that runs on several (virtio-iommu). */
  arch: Arch | null;
  /** Its driver groups PCI devices with pci_device_group(), so the kernel's rules can be replayed. */
  pciGrouping: boolean;
  /** x86 interrupt remapping comes from it (VT-d, AMD-Vi): no other IOMMU remaps on x86. */
  remapsX86Interrupts: boolean;
  /** It refuses a group with a direct-mapped reserved region on any kernel (not only 6.6+). */
  refusesDirectRegions: boolean;
  /** The firmware table's entries also give DMA aliases sysfs does not show (AMD's IVRS). */
  firmwareAliases: boolean;
}

const NONE = { unitDir: null, remapsX86Interrupts: false, refusesDirectRegions: false, firmwareAliases: false } as const;

/** The kinds this tool knows, and POWER's sPAPR TCE, which registers no unit at all. */
export const IOMMU_KINDS: Record<IommuKind | 'power-tce', IommuKindFacts> = {
  'intel-vtd': { ...NONE, name: 'Intel VT-d', unitName: /^dmar\d+$/, unitDir: 'intel-iommu', acpiTable: 'DMAR', arch: 'x86', pciGrouping: true, remapsX86Interrupts: true, refusesDirectRegions: true },
  'amd-vi': { ...NONE, name: 'AMD-Vi', unitName: /^ivhd\d+$/, unitDir: 'amd-iommu', acpiTable: 'IVRS', arch: 'x86', pciGrouping: true, remapsX86Interrupts: true, firmwareAliases: true },
  'arm-smmu-v3': { ...NONE, name: 'Arm SMMUv3', unitName: /^smmu3\./, acpiTable: 'IORT', arch: 'arm64', pciGrouping: true },
  // SMMUv2 merges groups whose devices share stream-match entries: pci_device_group() alone does not say.
  'arm-smmu': { ...NONE, name: 'Arm SMMU', unitName: /^smmu\./, acpiTable: 'IORT', arch: 'arm64', pciGrouping: false },
  'virtio-iommu': { ...NONE, name: 'virtio-iommu', unitName: /^virtio\d+$/, acpiTable: 'VIOT', arch: null, pciGrouping: true },
  s390: { ...NONE, name: 's390 PCI IOMMU', unitName: /^s390-iommu/, acpiTable: null, arch: 's390', pciGrouping: false },
  'power-tce': { ...NONE, name: 'POWER sPAPR TCE', unitName: null, acpiTable: null, arch: 'power', pciGrouping: false },
  unknown: { ...NONE, name: 'unknown', unitName: null, acpiTable: null, arch: null, pciGrouping: false },
};

/** The kinds that register units in /sys/class/iommu, in the order their names are tested. */
const UNIT_KINDS = (Object.keys(IOMMU_KINDS) as (IommuKind | 'power-tce')[]).filter((k): k is IommuKind => k !== 'power-tce' && k !== 'unknown');

/** A unit's kind from its name and its directory's entries; virtio-iommu also from its device path. */
export function kindOfUnit(name: string, path: string, entries: readonly string[]): IommuKind {
  for (const k of UNIT_KINDS) {
    const f = IOMMU_KINDS[k];
    if ((f.unitDir !== null && entries.includes(f.unitDir)) || f.unitName?.test(name)) return k;
  }
  if (/\/virtio\d+(\/|$)/.test(path)) return 'virtio-iommu';
  return 'unknown';
}

/** "DMAR2" -> its kind's name; undefined for a table no IOMMU kind has. */
export function tableKindName(table: string): string | undefined {
  const t = table.replace(/\d+$/, '');
  const names = Object.values(IOMMU_KINDS).filter((f) => f.acpiTable === t).map((f) => f.name);
  // IORT describes both SMMU generations: the family's name.
  return names.length <= 1 ? names[0] : 'Arm SMMU';
}
