// JSON output: the model as views of it, with a schemaVersion. Documented in docs/formats.md.
import type { BusesView } from '../analyse/views/buses-view.js';
import type { BridgeIsolation } from '../analyse/grouping/kernel-grouping.js';
import type { ListView, MemberView } from '../analyse/views/list-view.js';
import type { IommuUnit } from '../model/types.js';
import { safeJson, safeJsonChunks } from './safe-text.js';

export const SCHEMA_VERSION = 1;

function member(m: MemberView, bridges: ReadonlyMap<string, BridgeIsolation>) {
  const d = m.device;
  return {
    bus: m.ref.bus,
    name: m.ref.name,
    path: m.ref.path,
    seenIn: m.ref.seenIn,
    isolation: m.isolation,
    group: d?.group ?? null,
    iommu: d?.iommu ?? null,
    driver: d?.driver ?? null,
    driverOverride: d?.driverOverride ?? null,
    className: m.names.className,
    vendorName: m.names.vendorName,
    deviceName: m.names.deviceName,
    pci: d?.pci ?? null,
    bridgeIsolation: bridges.get(m.ref.path) ?? null,
    errors: d?.errors ?? {},
  };
}

function iommu(v: ListView['iommu'], units: readonly IommuUnit[]) {
  return {
    active: v.active,
    groups: v.groups,
    noiommuGroups: v.noiommuGroups,
    units: units.map((u) => ({ name: u.name, kind: u.kind, path: u.path, devices: u.devices.length, errors: u.errors })),
    evidence: v.evidence,
  };
}

function groupDoc(g: ListView['groups'][number], one: (m: MemberView) => ReturnType<typeof member>, predicted: boolean) {
  return {
    id: g.group.id,
    type: g.group.type,
    name: g.group.name,
    reservedRegions: g.group.reservedRegions,
    verdict: g.verdict,
    members: g.members.map(one),
    errors: g.group.errors,
    ...(predicted ? { predicted: true } : {}),
  };
}

function listHead(v: ListView, root: string, units: readonly IommuUnit[], one: (m: MemberView) => ReturnType<typeof member>) {
  return {
    schemaVersion: SCHEMA_VERSION,
    command: 'list' as const,
    root,
    ...(v.prediction ? { predicted: true, prediction: v.prediction } : {}),
    iommu: iommu(v.iommu, units),
    groups: [] as ReturnType<typeof groupDoc>[],
    ungrouped: v.ungrouped.map(one),
    issues: v.issues,
  };
}

/** list's JSON document whole (the library's list()); renderListJsonChunks writes the same text in pieces. */
export function listDocument(v: ListView, root: string, units: readonly IommuUnit[], bridges: ReadonlyMap<string, BridgeIsolation> = new Map()) {
  const one = (m: MemberView) => member(m, bridges);
  return { ...listHead(v, root, units, one), groups: v.groups.map((g) => groupDoc(g, one, v.prediction !== undefined)) };
}

/**
 * `bridges`: for each bridge (by path), whether it isolates what is below it and why.
 * The document in pieces, a group a piece (list streams them: memory stays flat as hosts grow).
 */
export function* renderListJsonChunks(v: ListView, root: string, units: readonly IommuUnit[], bridges: ReadonlyMap<string, BridgeIsolation> = new Map()): Generator<string> {
  const one = (m: MemberView) => member(m, bridges);
  const groups = function* () {
    for (const g of v.groups) yield groupDoc(g, one, v.prediction !== undefined);
  };
  yield* safeJsonChunks({ ...listHead(v, root, units, one), groups: null }, 'groups', groups());
  yield '\n';
}

export function renderBusesJson(v: BusesView, root: string, units: readonly IommuUnit[]): string {
  return safeJson(busesDocument(v, root, units)) + '\n';
}

export function busesDocument(v: BusesView, root: string, units: readonly IommuUnit[]) {
  return {
      schemaVersion: SCHEMA_VERSION,
      command: 'buses',
      root,
      iommu: iommu(v.iommu, units),
      buses: v.buses,
      otherBuses: v.otherBuses,
      devices:
        v.devices?.map((b) => ({
          bus: b.device.bus,
          name: b.device.name,
          path: b.device.path,
          group: b.device.group,
          isolation: b.isolation,
          driver: b.device.driver,
          errors: b.device.errors,
        })) ?? null,
    };
}
