// `explain`: why a device's group is the way it is, from config space, and whether that accounts
// for what the kernel did. Where it does not, the kernel applied a quirk or an override: say so.
import { predictGroups, type Prediction } from './grouping.js';
import { cmdlineParam } from './findings.js';
import { iommuState, noIommuEvidence } from './isolation.js';
import type { Device, Model } from '../model/types.js';

/** IOMMU drivers that group PCI devices with pci_device_group(). */
const PCI_GROUPING = new Set(['intel-vtd', 'amd-vi', 'virtio-iommu', 'arm-smmu-v3']);

export interface Explanation {
  device: string;
  group: number | null;
  /** PCI members of the kernel's group. */
  members: string[];
  /** Config space's prediction for the group; null when it cannot be made. */
  predicted: string[] | null;
  /** yes: config space gives exactly the kernel's group; no: it differs; unknown: cannot tell. */
  accounted: 'yes' | 'no' | 'unknown';
  /** One sentence per member (how it was placed), then the conclusion. */
  lines: string[];
}

/** `pred`: the prediction for the whole model, computed once by callers explaining many devices. */
export function explain(model: Model, d: Device, pred: Prediction = predictGroups(model)): Explanation {
  const base = { device: d.name, group: d.group, members: [] as string[], predicted: null };
  if (!iommuState(model).active) {
    return { ...base, accounted: 'unknown', lines: [`no active IOMMU, so no groups: ${noIommuEvidence(model).join('; ')}`] };
  }
  const g = d.group === null ? undefined : model.groups.find((x) => x.id === d.group);
  if (!g) return { ...base, accounted: 'unknown', lines: [`${d.name} has no IOMMU group`] };
  const members = g.members.filter((m) => m.bus === 'pci').map((m) => m.name).sort();
  const nonPci = g.members.filter((m) => m.bus !== 'pci').map((m) => m.name);

  const unknown = [...new Set(members.map((m) => pred.unknown.get(m)).filter((x): x is string => x !== undefined))];
  if (unknown.length > 0) {
    return { ...base, members, accounted: 'unknown', lines: [`cannot explain group ${g.id} from config space: ${unknown.join('; ')}`] };
  }
  const predicted = pred.groupOf(d.name) ?? [];
  const all = [...new Set([...members, ...predicted])].sort((a, b) => depth(model, a) - depth(model, b) || (a < b ? -1 : 1));
  const lines = all.map((a) => pred.placements.get(a)?.text ?? `${a}: no config-space account`);
  const extra = members.filter((a) => !predicted.includes(a));
  const missing = predicted.filter((a) => !members.includes(a));
  const override = cmdlineParam(model.host.cmdline, 'pcie_acs_override');
  const own = model.units.length > 0 && model.units.every((u) => !PCI_GROUPING.has(u.kind));
  if (nonPci.length > 0) lines.push(`group ${g.id} also holds ${nonPci.join(', ')}, not on the PCI bus: grouped by the IOMMU driver's own rules`);
  if (extra.length === 0 && missing.length === 0) {
    lines.push(
      members.length === 1
        ? `Config space accounts for group ${g.id}: ${d.name} is alone in it.`
        : `Config space accounts for group ${g.id} exactly: ${members.join(', ')}.`,
    );
    return { ...base, members, predicted, accounted: 'yes', lines };
  }
  if (model.units.length === 0 || own) {
    lines.push(`The kernel's group ${g.id} differs from what config space predicts (${predicted.join(', ')}): this IOMMU ${model.units.length === 0 ? '(no unit in /sys/class/iommu, as on POWER)' : `(${model.units[0]!.kind})`} groups devices by its own rules (POWER: one group per partitionable endpoint), not by PCI ACS.`);
  }
  if (extra.length > 0) {
    lines.push(`The kernel also put ${extra.join(', ')} in group ${g.id}, which config space does not explain: it applied a DMA-alias quirk (drivers/pci/quirks.c) or its own grouping rule.`);
  }
  if (missing.length > 0) {
    lines.push(
      `Config space predicts ${missing.join(', ')} in this group too, but the kernel kept ${missing.length === 1 ? 'it' : 'them'} apart: ${
        override !== null ? `pcie_acs_override=${override} is on the command line and overrides ACS (no real isolation)` : 'an ACS quirk (drivers/pci/quirks.c) declares a device isolated without an ACS capability'
      }.`,
    );
  }
  return { ...base, members, predicted, accounted: 'no', lines };
}

function depth(model: Model, a: string): number {
  return model.devices.find((d) => d.name === a && d.pci)?.pci!.upstream.length ?? 0;
}
