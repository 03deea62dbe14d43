// What `buses` shows: per bus that has devices, how many are alone in a group (bridges aside),
// share a group with other endpoints, or have no group (not isolated). Pure.
import type { Device, Model } from '../../model/types.js';
import { deviceIndex, deviceIsolation, iommuReport, type DeviceIsolation, type IommuState } from '../grouping/isolation.js';

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
  /** The buses where grouping applies (all of them with `all`). */
  buses: BusSummary[];
  /** Buses left out: no device on them has a group and their devices do no DMA of their own. */
  otherBuses: string[];
  /** With --bus: that bus's devices. */
  devices: BusDevice[] | null;
  selected: string | null;
}

/**
 * Buses whose devices do DMA through an IOMMU (drivers/iommu: the buses IOMMU drivers register
 * for, and VFIO's mdev): they matter for isolation even where no device has a group. Virtual
 * buses (acpi, cpu, workqueue, event_source, ...) never have groups and are left out unless one
 * of their devices has a group.
 */
export const DMA_BUSES: ReadonlySet<string> = new Set(['pci', 'platform', 'amba', 'fsl-mc', 'cdx', 'host1x', 'host1x-context', 'vmbus', 'mdev', 'ccwgroup', 'css', 'ap']);

export function buildBusesView(model: Model, selected: string | null, all = false): BusesView {
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
  const matters = (s: BusSummary) => all || DMA_BUSES.has(s.bus) || s.isolated + s.shared + s.unknown > 0 || s.bus === selected;
  const every = [...perBus.values()];
  return {
    iommu: iommuReport(model),
    buses: every.filter(matters),
    otherBuses: every.filter((s) => !matters(s)).map((s) => s.bus),
    devices: selected === null ? null : list,
    selected,
  };
}
