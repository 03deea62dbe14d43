// Reads one sysfs root into the Model: groups, devices on every bus, IOMMU units, host facts.
import { linkModel } from '../model/link.js';
import type { Issue, Model } from '../model/types.js';
import { readDevices } from './read-devices.js';
import { readDtPciIommu } from './read-dt-iommu.js';
import { readGroups } from './read-groups.js';
import { readHost } from './read-host.js';
import { readUnits } from './read-units.js';
import { readSlots } from './read-slots.js';
import { SysRoot, type Recorder } from './sysfs-root.js';

/**
 * `preflight`: also read the host facts only host/check/explain need (see readHost).
 * `recorder`: told of every entry read (for snapshot).
 */
/** Every link that would have led out of the root, once, wherever a reader met it. */
export function escapeIssues(sys: SysRoot): Issue[] {
  return [
    ...[...sys.escapes].map(([link, text]): Issue => ({ code: 'LINK_OUTSIDE_ROOT', subject: link, message: `-> ${text} leaves the root; not followed (what lies behind it reads as unreadable)` })),
    // A directory on the path became a link while the tree was read: the file opened was elsewhere.
    ...[...sys.changed].map(([rel, where]): Issue => ({ code: where.startsWith(sys.root + '/') ? 'READ_ERROR' : 'LINK_OUTSIDE_ROOT', subject: rel, message: `opened as ${where}: a directory on its path changed into a link while the tree was read; not read (ECHANGED)` })),
  ];
}

/** `slots`: also read sys/bus/pci/slots (list, slots and snapshot use them; the rest do not pay for it). */
export function readModel(root: string, { preflight = false, slots: withSlots = false, recorder = null as Recorder | null } = {}): Model {
  const sys = new SysRoot(root);
  sys.recorder = recorder;
  const groups = readGroups(sys);
  const issues: Issue[] = [...groups.issues];
  const devices = readDevices(sys, issues);
  const units = readUnits(sys, issues);
  const slots = withSlots ? readSlots(sys, devices.devices) : undefined;
  // Module names feed check's softdep lines: only drivers of devices in a group can have to move.
  const drivers = devices.devices.flatMap((d) => (d.driver === null || d.group === null ? [] : [{ bus: d.bus, driver: d.driver }]));
  const host = readHost(sys, preflight, drivers);
  host.dtPciIommu = readDtPciIommu(sys, devices.devices, host.acpiIommuTables);
  issues.push(...escapeIssues(sys));
  const model = linkModel({
    root: sys.root,
    live: sys.live,
    groupsDir: groups.state,
    groups: groups.groups,
    devices: devices.devices,
    buses: devices.buses,
    units,
    host,
    issues,
  });
  if (slots !== undefined) model.slots = slots;
  return model;
}
