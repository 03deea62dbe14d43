// Pure pass that links what the readers saw into one Model: multifunction siblings, and the
// group membership cross-check. A group's devices/ links and each device's iommu_group link are
// two views of one fact; during hotplug they can disagree. Every disagreement becomes an Issue
// and the member is kept with `seenIn` saying which view showed it: nothing is silently dropped.
import type { RawGroup } from '../read/read-groups.js';
import { slotKey } from './pci-address.js';
import type { Device, Group, HostFacts, IommuUnit, Issue, MemberRef, Model } from './types.js';

export interface RawModel {
  root: string;
  live: boolean;
  groupsDir: Model['groupsDir'];
  groups: RawGroup[];
  devices: Device[];
  buses: string[];
  units: IommuUnit[];
  host: HostFacts;
  issues: Issue[];
}

/** A group known only from devices' iommu_group links: its directory is not in the tree. */
export function groupDirMissing(g: Group): boolean {
  return g.errors['group'] === 'ENOENT';
}

export function linkModel(raw: RawModel): Model {
  const issues = [...raw.issues];
  linkSiblings(raw.devices);
  const byPath = indexByPath(raw.devices);
  const { groups, groupById, listedIn } = groupsFromDirectories(raw.groups, byPath, issues);
  for (const d of raw.devices) placeByLink(d, raw.groupsDir, groups, groupById, listedIn.get(d.path) ?? [], issues);
  groups.sort((a, b) => a.id - b.id || (a.dir < b.dir ? -1 : 1));
  const fromLinks = groups.filter(groupDirMissing).length;
  if (raw.groupsDir === 'absent' && fromLinks > 0) {
    issues.push({
      code: 'DEVICE_GROUP_DANGLING',
      subject: 'sys/kernel/iommu_groups',
      message: `not in this tree (a partial capture): ${fromLinks} group${fromLinks === 1 ? ' is' : 's are'} listed from the devices' iommu_group links alone`,
    });
  }
  for (const g of groups) {
    g.members.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.path < b.path ? -1 : 1));
    if (g.members.length === 0 && !('members' in g.errors) && !('group' in g.errors)) {
      issues.push({ code: 'GROUP_EMPTY', subject: `group ${g.id}`, message: `group ${g.id} has no members (a device being added or removed?)` });
    }
  }
  return { root: raw.root, live: raw.live, groupsDir: raw.groupsDir, groups, devices: raw.devices, buses: raw.buses, units: raw.units, host: raw.host, issues };
}

/** The groups as their directories list them; which groups list each device path (more than one is an issue). */
function groupsFromDirectories(raw: readonly RawGroup[], byPath: ReadonlyMap<string, Device>, issues: Issue[]) {
  const groups: Group[] = [];
  const groupById = new Map<number, Group>();
  const listedIn = new Map<string, number[]>();
  for (const rg of raw) {
    const members: MemberRef[] = rg.memberPaths.map((p) => {
      const d = byPath.get(p);
      (listedIn.get(p) ?? listedIn.set(p, []).get(p)!).push(rg.id);
      return { bus: d?.bus ?? null, name: d?.name ?? lastPart(p), path: p, seenIn: 'group' };
    });
    const g: Group = { id: rg.id, dir: rg.dir, type: rg.type, name: rg.name, reservedRegions: rg.reservedRegions, members, errors: rg.errors };
    groups.push(g);
    groupById.set(g.id, g);
  }
  for (const [p, ids] of listedIn) {
    if (ids.length > 1) issues.push({ code: 'DEVICE_IN_SEVERAL_GROUPS', subject: p, message: `listed by groups ${ids.join(', ')}` });
  }
  return { groups, groupById, listedIn };
}

/** A device's iommu_group link against the directories' view: the member marked seen in both, or added and the disagreement said. */
function placeByLink(d: Device, groupsDir: Model['groupsDir'], groups: Group[], groupById: Map<number, Group>, listing: readonly number[], issues: Issue[]): void {
  if (d.group === null) {
    // An unreadable link (or device directory) is not a missing one.
    if (listing.length > 0 && !('group' in d.errors) && !('device' in d.errors)) {
      issues.push({
        code: 'GROUP_MEMBER_LINK_MISSING',
        subject: d.name,
        message: `group ${listing.join(', ')} lists ${d.name} but the device has no iommu_group link (a hotplug in progress?)`,
      });
    }
    return;
  }
  let g = groupById.get(d.group);
  if (!g) {
    // A partial capture (or a kernel mid-change): the link is the only view of this group. The
    // group is listed with the members its links name, and flagged: its directory is missing.
    if (groupsDir !== 'absent') {
      issues.push({
        code: 'DEVICE_GROUP_DANGLING',
        subject: d.name,
        message: `${d.name}'s iommu_group link names group ${d.group}, which has no directory in this tree: listed from the links alone`,
      });
    }
    g = { id: d.group, dir: String(d.group), type: null, name: null, reservedRegions: null, members: [], errors: { group: 'ENOENT' } };
    groups.push(g);
    groupById.set(g.id, g);
  }
  const m = groupDirMissing(g) ? undefined : g.members.find((x) => x.path === d.path);
  if (m) {
    m.seenIn = 'both';
    return;
  }
  g.members.push({ bus: d.bus, name: d.name, path: d.path, seenIn: 'device' });
  if (groupDirMissing(g)) return;
  if (listing.length > 0) {
    issues.push({ code: 'DEVICE_GROUP_MISMATCH', subject: d.name, message: `${d.name}'s iommu_group link names group ${d.group} but group ${listing.join(', ')} lists it` });
  } else if (!('members' in g.errors)) {
    issues.push({ code: 'DEVICE_GROUP_NOT_LISTED', subject: d.name, message: `${d.name}'s iommu_group link names group ${d.group}, which does not list it (a hotplug in progress?)` });
  }
}

/** Devices by sysfs path (the first one listed wins if a broken tree repeats a path). */
export function indexByPath(devices: readonly Device[]): Map<string, Device> {
  const m = new Map<string, Device>();
  for (const d of devices) if (!m.has(d.path)) m.set(d.path, d);
  return m;
}

/**
 * Fill `siblings` and `multifunction` of PCI functions from the other functions in each slot.
 * SR-IOV VFs are never multifunction (the kernel clears the flag) and are nobody's sibling: they
 * share a slot number with their PF only by the way routing IDs are numbered.
 */
function linkSiblings(devices: Device[]): void {
  const slots = new Map<string, Device[]>();
  for (const d of devices) {
    if (!d.pci) continue;
    if (d.pci.physfn !== null) {
      d.pci.multifunction = false;
      continue;
    }
    const k = slotKey(d.pci);
    (slots.get(k) ?? slots.set(k, []).get(k)!).push(d);
  }
  for (const list of slots.values()) {
    for (const d of list) {
      const pci = d.pci!;
      pci.siblings = list.filter((o) => o !== d).map((o) => o.name);
      if (pci.multifunction !== true) {
        pci.multifunction = pci.siblings.length > 0 ? true : pci.headerType !== null ? false : null;
      }
    }
  }
}

function lastPart(p: string): string {
  const i = p.lastIndexOf('/');
  return i === -1 ? p : p.slice(i + 1);
}
