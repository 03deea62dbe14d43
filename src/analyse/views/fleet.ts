// What the fleet formats (Prometheus, node-feature-discovery) report: host-level facts, counts per
// bus, and per PCI function its group, driver and whether it is ready for VFIO now. Pure.
import { checker, isVfioDriver, vendorDevice } from '../vfio/check.js';
import { hostReport } from '../host/host-check.js';
import { buildBusesView, type BusSummary } from './buses-view.js';
import { iommuState } from '../grouping/isolation.js';
import type { Model } from '../../model/types.js';

export interface FleetView {
  iommuEnabled: boolean;
  /** 1 ok, 0 warn (missing), -1 unknown. */
  interruptRemapping: 1 | 0 | -1;
  groups: number;
  unitsByKind: Record<string, number>;
  readyGroups: number;
  buses: { bus: string; counts: Record<string, number> }[];
  devices: { address: string; group: number | null; driver: string | null; vendorDevice: string | null; isolation: string; vfioReady: boolean }[];
}

export function buildFleetView(model: Model): FleetView {
  const st = iommuState(model);
  const ir = hostReport(model).interruptRemapping.status;
  const unitsByKind: Record<string, number> = {};
  for (const u of model.units) unitsByKind[u.kind] = (unitsByKind[u.kind] ?? 0) + 1;
  const buses = buildBusesView(model, 'pci');
  const isolationOf = new Map((buses.devices ?? []).map((b) => [b.device.name, b.isolation as string]));
  const pci = model.devices.filter((d) => d.pci !== null);
  const check = checker(model);
  const devices = pci.map((d) => {
    // Ready now: on a VFIO driver, and its group needs no step and lacks no fact.
    const ready = d.driver !== null && isVfioDriver(d.driver) && check([{ spec: d.name, device: d, group: d.group }]).outcome === 'ready';
    const p = d.pci!;
    return {
      address: d.name,
      group: d.group,
      driver: d.driver,
      vendorDevice: vendorDevice(d),
      isolation: (isolationOf.get(d.name) ?? 'unknown').replace('-', '_'),
      vfioReady: ready,
    };
  });
  const readyGroups = new Set(devices.filter((d) => d.vfioReady && d.group !== null).map((d) => d.group)).size;
  return {
    iommuEnabled: st.active,
    interruptRemapping: ir === 'ok' ? 1 : ir === 'warn' ? 0 : -1,
    groups: st.groups,
    unitsByKind,
    readyGroups,
    buses: buildBusesView(model, null).buses.map((b) => ({ bus: b.bus, counts: countsOf(b) })),
    devices,
  };
}

function countsOf(b: BusSummary): Record<string, number> {
  return { isolated: b.isolated, shared: b.shared, no_group: b.noGroup, unknown: b.unknown };
}
