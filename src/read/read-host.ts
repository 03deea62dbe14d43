// Host facts outside /sys/bus: the kernel command line and which ACPI tables name an IOMMU.
import type { ErrorMap, HostFacts } from '../model/types.js';
import { type SysRoot } from './sysfs-root.js';

/** DMAR: Intel VT-d; IVRS: AMD-Vi; IORT: Arm SMMU; VIOT: virtio-iommu. */
export const IOMMU_ACPI_TABLES = ['DMAR', 'IVRS', 'IORT', 'VIOT'] as const;

export function readHost(sys: SysRoot): HostFacts {
  const errors: ErrorMap = {};
  let cmdline: string | null = null;
  const c = sys.readText('proc/cmdline');
  if (c.ok) cmdline = c.value;
  else if (!c.absent) errors['cmdline'] = c.error;

  let acpiIommuTables: string[] | null = null;
  const t = sys.list('sys/firmware/acpi/tables');
  // A second instance of a table is named with a number ("DMAR2").
  if (t.ok) acpiIommuTables = t.value.filter((n) => (IOMMU_ACPI_TABLES as readonly string[]).includes(n.replace(/\d+$/, '')));
  else if (!t.absent) errors['acpiIommuTables'] = t.error;
  return { cmdline, acpiIommuTables, errors };
}
