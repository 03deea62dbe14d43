// Reads the IOMMU units in sys/class/iommu: name, kind and the devices each unit lists.
import type { ErrorMap, IommuKind, IommuUnit, Issue } from '../model/types.js';
import { kindOfUnit } from '../model/iommu-kinds.js';
import { readError } from './read-groups.js';
import { type SysRoot } from './sysfs-root.js';

export const UNITS_DIR = 'sys/class/iommu';

/** `withDevices`: also resolve every device link a unit lists (one readlink each; list's JSON counts them). */
export function readUnits(sys: SysRoot, issues: Issue[], withDevices = true): IommuUnit[] {
  const listing = sys.list(UNITS_DIR);
  if (!listing.ok) {
    if (!listing.absent) issues.push(readError(UNITS_DIR, listing.error));
    return [];
  }
  const units: IommuUnit[] = [];
  for (const name of listing.value) {
    const errors: ErrorMap = {};
    const linkRel = `${UNITS_DIR}/${name}`;
    const target = sys.resolveLink(linkRel);
    // Normally a link to the unit's device directory; a plain directory in a hand-made tree.
    const path = target.ok ? target.value : linkRel;
    if (!target.ok && !target.absent && target.error !== 'ENOTLINK') errors['path'] = target.error;
    const entries = sys.list(path);
    const inner = entries.ok ? entries.value : [];
    if (!entries.ok && !entries.absent) errors['unit'] = entries.error;
    const devices: string[] = [];
    const devList = withDevices ? sys.list(`${path}/devices`) : ({ ok: false, absent: true } as const);
    if (devList.ok) {
      for (const d of devList.value) {
        const t = sys.resolveLink(`${path}/devices/${d}`);
        if (t.ok) devices.push(t.value);
        else if (!t.absent) errors['devices'] = t.error;
      }
    } else if (!devList.absent) errors['devices'] = devList.error;
    const kind = unitKind(name, path, inner);
    let intel: IommuUnit['intel'] = null;
    if (inner.includes('intel-iommu')) {
      const reg = (r: string): string | null => {
        const t = sys.readText(`${path}/intel-iommu/${r}`);
        if (!t.ok && !t.absent) errors[r] = t.error;
        return t.ok && /^[0-9a-fA-F]{1,16}$/.test(t.value) ? t.value.toLowerCase() : null;
      };
      intel = { cap: reg('cap'), ecap: reg('ecap') };
    }
    units.push({ name, kind, path, intel, devices, errors });
  }
  return units;
}

/** Unit kind from the kernel's naming (drivers/iommu/*): the rows of model/iommu-kinds.ts. */
export function unitKind(name: string, path: string, entries: readonly string[]): IommuKind {
  return kindOfUnit(name, path, entries);
}
