// Fleet outputs of `list`: Prometheus text exposition (for node_exporter's textfile collector) and
// node-feature-discovery local feature lines. Metric and label names follow Prometheus naming
// (snake_case, unit-less gauges, an _info metric with value 1); label values are escaped as the
// exposition format requires, after control characters are made visible.
import type { FleetView } from '../analyse/views/fleet.js';
import { DIFF_KINDS, type DiffView } from '../analyse/diff/diff-models.js';
import { visible } from './safe-text.js';

/** A label value: visible, then backslash, double quote and newline escaped. */
function lv(s: string | number | null): string {
  return `"${visible(String(s ?? '')).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function labels(l: Record<string, string | number | null>): string {
  return `{${Object.entries(l).map(([k, v]) => `${k}=${lv(v)}`).join(',')}}`;
}

/** `changes`: list --baseline's comparison with an earlier reading (a series per kind of change), or null. */
export function renderPrometheus(v: FleetView, changes: DiffView | null = null): string {
  const out: string[] = [];
  const metric = (name: string, help: string, samples: [Record<string, string | number | null> | null, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [l, value] of samples) out.push(`${name}${l && Object.keys(l).length ? labels(l) : ''} ${value}`);
  };
  metric('iommu_groups_iommu_enabled', 'Whether the kernel has an active IOMMU (groups that give isolation).', [[null, v.iommuEnabled ? 1 : 0]]);
  metric('iommu_groups_interrupt_remapping', 'Interrupt remapping: 1 enabled or supported, 0 not, -1 unknown.', [[null, v.interruptRemapping]]);
  metric('iommu_groups_groups', 'IOMMU groups (VFIO no-IOMMU groups not counted).', [[null, v.groups]]);
  metric('iommu_groups_units', 'IOMMU units in /sys/class/iommu by kind.', Object.entries(v.unitsByKind).map(([kind, n]) => [{ kind }, n]));
  metric('iommu_groups_passthrough_ready_groups', 'Groups that could be handed to a VM now (every member on a VFIO driver, pci-stub or unbound; bridges on pcieport).', [[null, v.readyGroups]]);
  metric(
    'iommu_groups_bus_devices',
    'Devices per bus by isolation: isolated (alone in a group but for bridges), shared, no_group, unknown.',
    v.buses.flatMap((b) => Object.entries(b.counts).map(([isolation, n]) => [{ bus: b.bus, isolation }, n] as [Record<string, string>, number])),
  );
  metric(
    'iommu_groups_device_info',
    'One series per PCI function with its group, driver and ids (value always 1).',
    v.devices.map((d) => [{ device: d.address, group: d.group, driver: d.driver ?? '', vendor_device: d.vendorDevice ?? '', isolation: d.isolation }, 1]),
  );
  metric(
    'iommu_groups_device_vfio_ready',
    '1 when the PCI function is on a VFIO driver and its whole group can be handed to a VM now, else 0.',
    v.devices.map((d) => [{ device: d.address, group: d.group }, d.vfioReady ? 1 : 0]),
  );
  if (changes !== null) {
    metric(
      'iommu_groups_changes',
      'Changes since the baseline reading (list --baseline), by kind, as iommu-groups diff reports them; 0 when none.',
      DIFF_KINDS.map((kind) => [{ kind }, changes.changes.filter((c) => c.kind === kind).length]),
    );
  }
  return out.join('\n') + '\n';
}

/** node-feature-discovery "local" source feature file: one name=value per line. */
export function renderNfd(v: FleetView): string {
  return [
    `iommu.enabled=${v.iommuEnabled}`,
    `iommu.kind=${Object.keys(v.unitsByKind).filter((k) => v.unitsByKind[k]! > 0).join('_') || 'none'}`,
    `iommu.interrupt-remapping=${v.interruptRemapping === 1 ? 'true' : v.interruptRemapping === 0 ? 'false' : 'unknown'}`,
    `iommu.groups=${v.groups}`,
    `iommu.passthrough-ready-groups=${v.readyGroups}`,
  ].join('\n') + '\n';
}
