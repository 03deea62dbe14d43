// Reads every device on every bus: sys/bus/<bus>/devices/<name> links to the device directory,
// and in it the iommu_group, iommu and driver links, driver_override, and for PCI functions
// the attributes of read-pci.ts.
import * as path from 'node:path';
import type { Device, ErrorMap, Issue } from '../model/types.js';
import { GROUPS_DIR, readError, unnamedIssue } from './read-groups.js';
import { readPciInfo } from './read-pci.js';
import { compareBytes, type SysRoot } from './sysfs-root.js';

export interface RawDevices {
  buses: string[];
  devices: Device[];
}

export function readDevices(sys: SysRoot, issues: Issue[]): RawDevices {
  const entries = walkBuses(sys, issues);
  const buses = new Set<string>();
  const devices: Device[] = [];
  const seen = new Set<string>();
  for (const rel of entries) {
    const [, , bus, , name] = rel.split('/'); // sys/bus/<bus> or sys/bus/<bus>/devices/<name>
    buses.add(bus!);
    if (name === undefined) continue;
    const d = readDevice(sys, bus!, name, rel, issues);
    // Two entries naming one device (a crafted tree): it is read once.
    if (d && !seen.has(`${d.bus}\0${d.path}`)) {
      seen.add(`${d.bus}\0${d.path}`);
      devices.push(d);
    }
  }
  devices.sort((a, b) => compareBytes(a.bus, b.bus) || compareBytes(a.name, b.name));
  return { buses: [...buses].sort(compareBytes), devices };
}

/**
 * The bus walk: sys/bus, then each bus's devices/ (two listings per bus, confined like every other
 * read). A directory that cannot be read (and not merely vanished) is an issue and reads as empty,
 * so one bad bus costs that bus, not the walk.
 */
function walkBuses(sys: SysRoot, issues: Issue[]): string[] {
  const list = (rel: string): string[] => {
    const g = sys.list(rel);
    if (g.ok) return g.value;
    // A link out of the root is reported once, as an escape (read-model.ts).
    if (!g.absent && g.error !== 'EOUTSIDE' && g.error !== 'ENOTDIR') issues.push(readError(rel, g.error));
    return [];
  };
  const found: string[] = [];
  for (const bus of list('sys/bus')) {
    found.push(`sys/bus/${bus}`);
    for (const name of list(`sys/bus/${bus}/devices`)) found.push(`sys/bus/${bus}/devices/${name}`);
  }
  for (const [dir, names] of sys.unnamed) if (dir.startsWith('sys/bus/')) for (const n of names) issues.push(unnamedIssue(`${dir}/${n}`));
  return found.sort(compareBytes);
}

export function readDevice(sys: SysRoot, bus: string, name: string, rel: string, issues: Issue[]): Device | null {
  const errors: ErrorMap = {};
  const target = sys.resolveLink(rel);
  let devPath: string;
  if (target.ok) {
    devPath = target.value;
  } else if (target.absent) {
    return null; // vanished mid-walk
  } else if (target.error === 'ENOTLINK') {
    devPath = rel; // a directory where a link belongs (hand-made trees): read it in place
  } else {
    if (target.error !== 'EOUTSIDE') issues.push(readError(rel, target.error)); // an escape is reported once (read-model.ts)
    return null;
  }
  // The kernel names a bus entry after its device (dev_name): the device directory is its identity.
  const real = path.posix.basename(devPath);
  if (real !== name && target.ok) {
    issues.push({ code: 'DEVICE_NAME_MISMATCH', subject: rel, message: `links to ${devPath}, a device named ${real}: read as ${real}` });
    name = real;
  }
  const blank: Device = { bus, name, path: devPath, group: null, iommu: null, driver: null, driverOverride: null, pci: null, errors };

  const inside = sys.physicalDir(devPath);
  if (!inside.ok) {
    if (inside.absent) return null; // dangling link: the device went away
    if (inside.error === 'EOUTSIDE') return null; // a link on its way leaves the root: reported as an escape
    errors['device'] = inside.error;
    return blank;
  }
  const listing = sys.list(devPath, false);
  if (!listing.ok) {
    if (listing.absent) return null;
    errors['device'] = listing.error;
    return blank;
  }
  const entries = new Set(listing.value);
  const has = (n: string) => entries.has(n);

  if (has('iommu_group')) {
    const g = sys.resolveLink(`${devPath}/iommu_group`);
    if (g.ok) {
      const id = groupIdFromPath(g.value);
      if (id === null) {
        errors['group'] = 'EBADLINK';
        issues.push({ code: 'DEVICE_GROUP_DANGLING', subject: `${devPath}/iommu_group`, message: `iommu_group link does not name a group under ${GROUPS_DIR}` });
      } else {
        blank.group = id;
      }
    } else if (!g.absent) errors['group'] = g.error;
  }
  if (has('iommu')) {
    const u = sys.resolveLink(`${devPath}/iommu`);
    if (u.ok) blank.iommu = path.posix.basename(u.value);
    else if (!u.absent) errors['iommu'] = u.error;
  }
  if (has('driver')) {
    const d = sys.resolveLink(`${devPath}/driver`);
    if (d.ok) blank.driver = path.posix.basename(d.value);
    else if (!d.absent) errors['driver'] = d.error;
  }
  if (has('driver_override')) {
    const o = sys.readText(`${devPath}/driver_override`);
    if (o.ok) blank.driverOverride = o.value === '(null)' || o.value === '' ? null : o.value;
    else if (!o.absent) errors['driverOverride'] = o.error;
  }
  if (bus === 'pci') blank.pci = readPciInfo(sys, name, devPath, entries, errors);
  return blank;
}

/** "sys/kernel/iommu_groups/13" -> 13; anything else -> null. */
export function groupIdFromPath(p: string): number | null {
  const m = /^sys\/kernel\/iommu_groups\/([0-9]{1,9})$/.exec(p);
  return m ? Number(m[1]) : null;
}
