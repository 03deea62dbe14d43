// What `buses` shows: per bus that has devices, how many are alone in a group (bridges aside),
// share a group with other endpoints, or have no group (not isolated). Pure.
import type { Device, Model } from '../model/types.js';
import { deviceIndex, deviceIsolation, iommuState, noIommuEvidence, type DeviceIsolation, type IommuState } from './isolation.js';

export interface BusSummary {
  bus: string;
  devices: number;
  isolated: number;
  shared: number;
  noGroup: number;
  unknown: number;
}

export interface BusDevice {
  device: Device;
  isolation: DeviceIsolation;
}

export interface BusesView {
  iommu: IommuState & { evidence: string[] };
  buses: BusSummary[];
  /** With --bus: that bus's devices. */
  devices: BusDevice[] | null;
  selected: string | null;
}

export function buildBusesView(model: Model, selected: string | null): BusesView {
  const byPath = deviceIndex(model);
  const groups = new Map(model.groups.map((g) => [g.id, g] as const));
  const perBus = new Map<string, BusSummary>();
  const list: BusDevice[] = [];
  for (const d of model.devices) {
    const iso = deviceIsolation(d, groups, byPath);
    let s = perBus.get(d.bus);
    if (!s) perBus.set(d.bus, (s = { bus: d.bus, devices: 0, isolated: 0, shared: 0, noGroup: 0, unknown: 0 }));
    s.devices++;
    if (iso === 'isolated') s.isolated++;
    else if (iso === 'shared') s.shared++;
    else if (iso === 'no-group') s.noGroup++;
    else s.unknown++;
    if (selected !== null && d.bus === selected) list.push({ device: d, isolation: iso });
  }
  const state = iommuState(model);
  return {
    iommu: { ...state, evidence: state.active ? [] : noIommuEvidence(model) },
    buses: [...perBus.values()],
    devices: selected === null ? null : list,
    selected,
  };
}
