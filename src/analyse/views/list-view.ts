// What `list` shows: groups in numeric order with verdicts, members resolved to devices and
// names, devices without a group, and the issues found. Pure: model (+ names) in, view out.
import type { PredictedGroups } from '../grouping/predicted.js';
import { CLASS_FILTERS, type ClassFilterName } from '../../model/pci-class.js';
import type { PciAddress } from '../../model/pci-address.js';
import { type PciIds } from '../../model/pci-ids.js';
import type { Device, Group, Issue, MemberRef, Model } from '../../model/types.js';
import {
  deviceIndex,
  deviceIsolation,
  groupVerdict,
  iommuReport,
  type DeviceIsolation,
  type GroupVerdict,
  type IommuState,
} from '../grouping/isolation.js';

export interface Names {
  className: string | null;
  vendorName: string | null;
  deviceName: string | null;
}

export interface MemberView {
  ref: MemberRef;
  /** Null when the group lists a device that no bus lists (it is still shown). */
  device: Device | null;
  isolation: DeviceIsolation;
  names: Names;
}

export interface GroupView {
  group: Group;
  verdict: GroupVerdict;
  members: MemberView[];
}

export interface ListView {
  iommu: IommuState & { evidence: string[] };
  groups: GroupView[];
  /** PCI functions with no group: every one of them on a host with no active IOMMU. */
  ungrouped: MemberView[];
  issues: Issue[];
  filtered: boolean;
  /** list --predict: the groups are the rules' prediction, not the kernel's. */
  prediction?: Omit<PredictedGroups, 'model'>;
}

/** Each filter holds one or more values (OR); a device must pass every filter given (AND). */
export interface ListFilter {
  group?: number[];
  device?: PciAddress[];
  class?: ClassFilterName[];
  vendor?: { vendor: number; device?: number }[];
  driver?: string[];
  /** Add what goes to a VM along with each match: its group and its slot's other functions. */
  related?: boolean;
  /** Show each matching group whole (the legacy shape, where a group is a unit). */
  wholeGroups?: boolean;
}

export function isFiltered(f: ListFilter): boolean {
  return f.group !== undefined || f.device !== undefined || f.class !== undefined || f.vendor !== undefined || f.driver !== undefined;
}

export function matchesFilter(d: Device, f: ListFilter): boolean {
  const pci = d.pci;
  if (f.group !== undefined && !f.group.includes(d.group ?? -1)) return false;
  if (f.device !== undefined && !(pci && f.device.some((a) => pci.domain === a.domain && pci.bus === a.bus && pci.slot === a.slot && pci.function === a.function))) return false;
  if (f.class !== undefined && !(pci?.class != null && f.class.some((c) => CLASS_FILTERS[c].match(pci.class!)))) return false;
  if (f.vendor !== undefined && !(pci && f.vendor.some((v) => pci.vendor === v.vendor && (v.device === undefined || pci.device === v.device)))) return false;
  if (f.driver !== undefined && !f.driver.includes(d.driver ?? '')) return false;
  return true;
}

export function namesOf(d: Device | null, ids: PciIds | null): Names {
  const pci = d?.pci;
  if (!pci || !ids) return { className: null, vendorName: null, deviceName: null };
  const cls = pci.class;
  return {
    className: cls === null ? null : ids.classLabel(cls >> 8),
    vendorName: pci.vendor === null ? null : ids.vendorName(pci.vendor),
    deviceName: pci.vendor === null || pci.device === null ? null : ids.deviceName(pci.vendor, pci.device),
  };
}

/**
 * list --predict: the view of the predicted groups, with the real IOMMU state (the host's truth) and
 * the functions that cannot be predicted shown as unknown.
 */
export function buildPredictedView(real: Model, predicted: PredictedGroups, filter: ListFilter, ids: PciIds | null): ListView {
  const { model, ...prediction } = predicted;
  const v = buildListView(model, filter, ids);
  const unknown = new Set(prediction.unknown.map((u) => u.device));
  const ungrouped = v.ungrouped.map((m) => (unknown.has(m.ref.name) ? { ...m, isolation: 'unknown' as const } : m));
  return { ...v, ungrouped, iommu: iommuReport(real), prediction };
}

export function buildListView(model: Model, filter: ListFilter, ids: PciIds | null): ListView {
  const byPath = deviceIndex(model);
  const groupsById = new Map(model.groups.map((g) => [g.id, g] as const));
  const filtered = isFiltered(filter);

  // The paths to show: every device when unfiltered; else the matches, plus with --related the
  // rest of each match's group and the other functions of its slot.
  let keep: Set<string> | null = null;
  if (filtered) {
    keep = new Set<string>();
    const matched = model.devices.filter((d) => matchesFilter(d, filter));
    const groupsOf = new Map<string, Group[]>();
    for (const g of model.groups) for (const m of g.members) (groupsOf.get(m.path) ?? groupsOf.set(m.path, []).get(m.path)!).push(g);
    const pciByName = new Map(model.devices.filter((d) => d.pci !== null).map((d) => [d.name, d] as const));
    // Group members the buses do not list can still match --group.
    if (filter.group !== undefined && filter.device === undefined && filter.class === undefined && filter.vendor === undefined && filter.driver === undefined) {
      for (const id of filter.group) for (const m of groupsById.get(id)?.members ?? []) keep.add(m.path);
    }
    for (const d of matched) {
      keep.add(d.path);
      if (!filter.related && !filter.wholeGroups) continue;
      for (const g of groupsOf.get(d.path) ?? []) for (const m of g.members) keep.add(m.path);
      if (!filter.related) continue;
      for (const s of d.pci?.siblings ?? []) {
        const sib = pciByName.get(s);
        if (sib) keep.add(sib.path);
      }
    }
  }

  const view = (ref: MemberRef): MemberView => {
    const device = byPath.get(ref.path) ?? null;
    return {
      ref,
      device,
      isolation: device ? deviceIsolation(device, groupsById, byPath) : 'unknown',
      names: namesOf(device, ids),
    };
  };

  const groups: GroupView[] = [];
  for (const g of model.groups) {
    const members = g.members.filter((m) => keep === null || keep.has(m.path)).map(view);
    if (keep !== null && members.length === 0) continue;
    groups.push({ group: g, verdict: groupVerdict(g, byPath), members });
  }

  const ungrouped = model.devices
    .filter((d) => d.pci !== null && d.group === null && (keep === null || keep.has(d.path)))
    .map((d) => view({ bus: d.bus, name: d.name, path: d.path, seenIn: 'device' }));

  return {
    iommu: iommuReport(model),
    groups,
    ungrouped,
    issues: model.issues,
    filtered,
  };
}
