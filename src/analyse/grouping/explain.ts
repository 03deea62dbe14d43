// `explain`: why a device's group is the way it is, by the kernel's grouping rules with its quirks,
// and whether that accounts for what the kernel did. Where it does not, say so and name the likely
// cause; never claim a boundary the kernel did not draw.
import { IOMMU_KINDS } from '../../model/iommu-kinds.js';
import type { Prediction } from './rules.js';
import { kernelPrediction, likelyCauses, type KernelPrediction } from './kernel-grouping.js';
import { iommuState, noIommuEvidence } from './isolation.js';
import type { Device, Model } from '../../model/types.js';


export interface Explanation {
  device: string;
  group: number | null;
  /** PCI members of the kernel's group. */
  members: string[];
  /** The rules' prediction for the group (under --assume: with those parameters); null when it cannot be made. */
  predicted: string[] | null;
  /** yes: the rules give exactly the kernel's group; no: they differ; unknown: cannot tell. */
  accounted: 'yes' | 'no' | 'unknown';
  /** Kernel quirks that decided this group's shape: "0000:00:1c.0: Intel PCH root port, kernel ACS quirk ...". */
  quirks: string[];
  /** One sentence per member (how it was placed), then the conclusion. */
  lines: string[];
}

/** `kp`: the kernel-matched prediction for the whole model, computed once by callers explaining many devices. */
export function explain(model: Model, d: Device, kp: KernelPrediction = kernelPrediction(model)): Explanation {
  const pred = kp.prediction;
  const base = { device: d.name, group: d.group, members: [] as string[], predicted: null, quirks: [] as string[] };
  if (!iommuState(model).active) {
    return { ...base, accounted: 'unknown', lines: [`no active IOMMU, so no groups: ${noIommuEvidence(model).join('; ')}`] };
  }
  const g = d.group === null ? undefined : model.groups.find((x) => x.id === d.group);
  if (!g) return { ...base, accounted: 'unknown', lines: [noGroup(d)] };
  const members = g.members.filter((m) => m.bus === 'pci').map((m) => m.name).sort();
  const nonPci = g.members.filter((m) => m.bus !== 'pci' && m.bus !== null).map((m) => m.name);
  const unlisted = g.members.filter((m) => m.bus === null).map((m) => m.name);
  if (unlisted.length > 0) {
    return { ...base, members, accounted: 'unknown', lines: [`cannot explain group ${g.id} from this tree: it lists ${unlisted.join(', ')}, which no bus in this tree lists (an unreadable device, or a link that leaves the root), so its place in the PCI hierarchy is not known`] };
  }

  const unknown = [...new Set(members.map((m) => pred.unknown.get(m)).filter((x): x is string => x !== undefined))];
  if (unknown.length > 0) {
    return { ...base, members, accounted: 'unknown', lines: [`cannot explain group ${g.id} from this tree: ${unknown.join('; ')}`] };
  }
  const predicted = pred.groupOf(d.name) ?? [];
  const all = [...new Set([...members, ...predicted])].sort((a, b) => depth(model, a) - depth(model, b) || (a < b ? -1 : 1));
  const lines = all.map((a) => pred.placements.get(a)?.text ?? `${a}: no account from the rules`);
  const quirks = quirksIn(pred, all, lines);
  const extra = members.filter((a) => !predicted.includes(a));
  // A function the rules put here that the kernel gave no group at all: the IOMMU does not cover it,
  // which no grouping rule decides (the rules group only what an IOMMU driver took).
  const grouped = (a: string) => model.devices.some((x) => x.name === a && x.pci !== null && (x.group !== null || 'group' in x.errors));
  const uncovered = predicted.filter((a) => !members.includes(a) && !grouped(a));
  const missing = predicted.filter((a) => !members.includes(a) && !uncovered.includes(a));
  if (uncovered.length > 0) {
    lines.push(`The kernel gave ${uncovered.join(', ')} no IOMMU group at all: the IOMMU does not cover ${uncovered.length === 1 ? 'it' : 'them'} (${uncovered.length === 1 ? 'it' : 'they'} cannot be passed through), so the rules' grouping does not apply to ${uncovered.length === 1 ? 'it' : 'them'}; ${COVERAGE}.`);
  }
  const own = model.units.length > 0 && model.units.every((u) => !IOMMU_KINDS[u.kind].pciGrouping);
  if (nonPci.length > 0) lines.push(`group ${g.id} also holds ${nonPci.join(', ')}, not on the PCI bus: grouped by the IOMMU driver's own rules`);
  // What the kernel's groups showed about boot-time facts, where this group depends on them.
  const relevant = pred.pchPorts.filter((a) => all.includes(a) || lines.some((l) => l.includes(a)));
  lines.push(...kp.evidence.filter((s) => relevant.some((a) => s.includes(a)) || s.startsWith('pcie_acs_override')));
  if (extra.length === 0 && missing.length === 0) {
    lines.push(
      members.length === 1
        ? `The kernel's rules account for group ${g.id}: ${d.name} is alone in it.`
        : `The kernel's rules account for group ${g.id} exactly: ${members.join(', ')}.`,
    );
    return { ...base, members, predicted, accounted: 'yes', quirks, lines };
  }
  if (model.units.length === 0 || own) {
    lines.push(
      `The kernel's group ${g.id} differs from what PCI rules predict (${predicted.join(', ')}): this IOMMU ${model.units.length === 0 ? '(no unit in /sys/class/iommu, as on POWER)' : `(${model.units[0]!.kind})`} groups devices by its own rules (POWER: one group per partitionable endpoint), not by PCI ACS.`,
    );
  } else {
    if (extra.length > 0) {
      lines.push(`The kernel grouped differently: it also put ${extra.join(', ')} in group ${g.id}, which the rules do not explain; likely ${likelyCauses(model, true).join(', or ')}.`);
    }
    if (missing.length > 0) {
      lines.push(
        `The kernel grouped differently: the rules put ${missing.join(', ')} in this group too, but the kernel kept ${missing.length === 1 ? 'it' : 'them'} apart; likely ${likelyCauses(model, false).join(', or ')}.`,
      );
    }
  }
  return { ...base, members, predicted, accounted: 'no', quirks, lines };
}

/** Why the kernel gives a device no group on a host whose IOMMU is on. */
const COVERAGE = 'the kernel groups only devices an IOMMU driver takes: the firmware table that places devices behind an IOMMU (DMAR on Intel, IVRS on AMD, IORT on Arm, VIOT for virtio-iommu) does not name it, or the driver did not probe it';

function noGroup(d: Device): string {
  if ('group' in d.errors) return `${d.name}: its iommu_group link could not be read (${d.errors['group']}), so its group is not known`;
  return `${d.name} has no IOMMU group: the IOMMU does not cover it (no group: it cannot be passed through); ${COVERAGE}`;
}

/** Quirks that decided something for the group's members or the bridges its sentences name. */
function quirksIn(pred: Prediction, members: string[], lines: string[]): string[] {
  const out: string[] = [];
  for (const [a, q] of pred.quirks) if (members.includes(a) || lines.some((l) => l.includes(`${a}: `) || l.includes(`${a} is a `))) out.push(`${a}: ${q}`);
  return out.sort();
}

function depth(model: Model, a: string): number {
  return model.devices.find((d) => d.name === a && d.pci)?.pci!.upstream.length ?? 0;
}
