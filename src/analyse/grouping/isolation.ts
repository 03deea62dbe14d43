// Isolation verdicts: per group (is it a unit that can be passed through alone?), per device,
// and whether the host has an active IOMMU at all. Pure: model in, verdicts out.
import { parseCmdline, sameParam } from '../../model/cmdline.js';
import { groupDirMissing, indexByPath } from '../../model/link.js';
import { isBridgeClass } from '../../model/pci-class.js';
import type { Device, Group, MemberRef, Model } from '../../model/types.js';

export type GroupVerdictKind =
  /** One endpoint; any other members are bridges (they go along, but nothing else does). */
  | 'isolated'
  /** Several endpoints: they can only be passed through together. */
  | 'shared'
  /** Bridges only: nothing to pass through. */
  | 'bridges-only'
  /** No members (a hotplug in progress). */
  | 'empty'
  /** A VFIO no-IOMMU group: no isolation at all. */
  | 'no-iommu'
  /** Membership could not be read completely. */
  | 'unknown';

export interface GroupVerdict {
  kind: GroupVerdictKind;
  endpoints: number;
  bridges: number;
  /** One line for people: "isolated: one endpoint, bridges aside". */
  text: string;
}

export type DeviceIsolation = 'isolated' | 'shared' | 'no-group' | 'unknown';

/** Drivers that leave a group usable for VFIO (Linux 5.19+ rule; variant drivers contain "vfio"). */
export function isVfioDriver(driver: string): boolean {
  return /vfio/.test(driver);
}

export function isBridge(d: Device | undefined): boolean {
  const pci = d?.pci;
  if (!pci) return false;
  if (pci.headerType !== null) return pci.headerType === 1 || pci.headerType === 2;
  return pci.class !== null && isBridgeClass(pci.class);
}

/** Devices by sysfs path, for resolving group members. */
export function deviceIndex(model: Model): Map<string, Device> {
  return indexByPath(model.devices);
}

export function groupVerdict(g: Group, byPath: Map<string, Device>): GroupVerdict {
  const bridges = g.members.filter((m) => isBridge(byPath.get(m.path))).length;
  const endpoints = g.members.length - bridges;
  const kind = verdictKind(g, endpoints);
  const text = verdictText(kind, endpoints, bridges, g);
  // Endpoints that are all functions of one PCI slot (a GPU and its HDMI audio): one device, which
  // goes to a VM whole; not a sharing problem between separate devices.
  if (kind === 'shared' && bridges === 0) {
    const slots = new Set(g.members.map((m) => {
      const p = byPath.get(m.path)?.pci;
      return p ? `${p.domain}:${p.bus}:${p.slot}` : `?${m.path}`;
    }));
    if (slots.size === 1) {
      // The chipset's functions (host bridge, ISA/LPC bridge, SMBus, memory controller) share a slot too: not one to pass.
      const chipset = g.members.some((m) => {
        const c = byPath.get(m.path)?.pci?.class ?? null;
        return c !== null && (c >> 8 === 0x0600 || c >> 8 === 0x0601 || c >> 8 === 0x0c05 || c >> 16 === 0x05);
      });
      return { kind, endpoints, bridges, text: chipset ? `one multifunction device (${endpoints} functions), the chipset's` : `one multifunction device (${endpoints} functions): pass them together` };
    }
  }
  return { kind, endpoints, bridges, text };
}

function verdictKind(g: Group, endpoints: number): GroupVerdictKind {
  if (g.name === 'vfio-noiommu') return 'no-iommu';
  if ('members' in g.errors || 'group' in g.errors) return 'unknown';
  if (g.members.length === 0) return 'empty';
  if (endpoints === 0) return 'bridges-only';
  return endpoints === 1 ? 'isolated' : 'shared';
}

function verdictText(kind: GroupVerdictKind, endpoints: number, bridges: number, g: Group): string {
  switch (kind) {
    case 'isolated':
      return bridges === 0 ? 'isolated: one endpoint' : `isolated: one endpoint, ${plural(bridges, 'bridge')} aside`;
    case 'shared':
      return `shared by ${endpoints} endpoints`;
    case 'bridges-only':
      return bridges === 1 ? 'bridge only' : `bridges only (${bridges})`;
    case 'empty':
      return 'empty (hotplug in progress?)';
    case 'no-iommu':
      return 'no IOMMU: VFIO no-IOMMU group, no isolation';
    case 'unknown':
      return groupDirMissing(g) ? 'unknown: no directory for this group in the tree (members from device links)' : `unknown: members unreadable (${g.errors['members'] ?? g.errors['group']})`;
  }
}

export { groupDirMissing };

/** Whether the device's group link could not be read (its own, or its whole directory). */
export function groupLinkUnreadable(d: Device): boolean {
  return 'group' in d.errors || 'device' in d.errors;
}

/** A device's own isolation: alone in its group but for bridges, sharing it, or no group. */
export function deviceIsolation(d: Device, groups: Map<number, Group>, byPath: Map<string, Device>): DeviceIsolation {
  if (d.group === null) return groupLinkUnreadable(d) ? 'unknown' : 'no-group';
  const g = groups.get(d.group);
  if (!g) return 'unknown';
  if (g.name === 'vfio-noiommu') return 'no-group';
  if ('members' in g.errors) return 'unknown';
  const others = g.members.filter((m: MemberRef) => m.path !== d.path);
  if (!others.every((m) => isBridge(byPath.get(m.path)))) return 'shared'; // more members cannot undo that
  // Alone only as far as a partial member list shows: another endpoint may be missing from it.
  return groupDirMissing(g) || 'group' in g.errors ? 'unknown' : 'isolated';
}

export interface IommuState {
  active: boolean;
  /** Groups that give isolation (not VFIO no-IOMMU ones). */
  groups: number;
  units: number;
  noiommuGroups: number;
}

/**
 * The IOMMU is active when there is any evidence of it: a group that is not a VFIO no-IOMMU
 * group (a directory, or a device's iommu_group link in a partial capture: the link pass lists
 * those groups too), or a unit in /sys/class/iommu. Units are not required: 6.1 powerpc
 * registers none and still groups devices per PE.
 */
export function iommuState(model: Model): IommuState {
  const noiommu = model.groups.filter((g) => g.name === 'vfio-noiommu').length;
  const real = model.groups.length - noiommu;
  return { active: real > 0 || model.units.length > 0, groups: real, units: model.units.length, noiommuGroups: noiommu };
}

/** Kernel command line options that decide whether and how an IOMMU is used. */
export const IOMMU_CMDLINE_KEYS = [
  'intel_iommu',
  'amd_iommu',
  'iommu',
  'iommu.passthrough',
  'iommu.strict',
  'pcie_acs_override',
  'vfio-pci.ids',
  'vfio_iommu_type1.allow_unsafe_interrupts',
  'vfio.enable_unsafe_noiommu_mode',
] as const;

/** The IOMMU-related words of a kernel command line, in the order given, as written. */
export function iommuCmdlineOptions(cmdline: string): string[] {
  return parseCmdline(cmdline)
    .filter((p) => IOMMU_CMDLINE_KEYS.some((k) => sameParam(k, p.name)))
    .map((p) => p.raw);
}

/** The IOMMU state with, when none is active, the evidence for that: what list, buses and tree report. */
export function iommuReport(model: Model): IommuState & { evidence: string[] } {
  const state = iommuState(model);
  return { ...state, evidence: state.active ? [] : noIommuEvidence(model) };
}

/** The evidence for "no active IOMMU", as short clauses. */
export function noIommuEvidence(model: Model): string[] {
  const st = iommuState(model);
  const ev: string[] = [];
  ev.push(st.units === 0 ? 'no IOMMU units in /sys/class/iommu' : `${plural(st.units, 'IOMMU unit')} in /sys/class/iommu`);
  if (model.groupsDir === 'absent') ev.push('/sys/kernel/iommu_groups does not exist');
  else if (model.groupsDir === 'unreadable') ev.push('/sys/kernel/iommu_groups is unreadable');
  else ev.push(st.noiommuGroups > 0 ? `only VFIO no-IOMMU groups (${st.noiommuGroups})` : 'no groups in /sys/kernel/iommu_groups');
  const cmd = model.host.cmdline;
  if (cmd === null) ev.push('kernel command line not readable');
  else {
    const opts = iommuCmdlineOptions(cmd);
    ev.push(opts.length === 0 ? 'no IOMMU option on the kernel command line' : `kernel command line has ${opts.join(' ')}`);
  }
  const t = model.host.acpiIommuTables;
  if (t !== null) ev.push(t.length === 0 ? 'no DMAR/IVRS/IORT/VIOT ACPI table' : `ACPI table ${t.join(', ')} present`);
  return ev;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
