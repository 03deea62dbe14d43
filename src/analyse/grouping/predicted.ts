// The groups the kernel will make once the IOMMU is on (list --predict, tree --predict, check's
// "once the IOMMU is on"), as a Model whose groups are the rules' (rules.ts) instead of the
// kernel's, so every view and judge runs on them unchanged. What the tree cannot decide stays
// unknown with its reason: config space a non-root user cannot read, and facts decided at boot that
// sysfs never shows (the Intel PCH ACS workaround, whether a pcie_acs_override patch is in the
// kernel) where they change a function's group. On a device-tree platform, a function its host
// controller's iommu-map leaves out gets no group at all (dt-coverage.ts).
import type { Device, Group, Model } from '../../model/types.js';
import { IOMMU_KINDS } from '../../model/iommu-kinds.js';
import { cmdlineOverride } from './acs-params.js';
import { dtCoverage } from './dt-coverage.js';
import { iommuState } from './isolation.js';
import { kernelPrediction } from './kernel-grouping.js';
import { busParents, pciByAddress, predictGroups, type Prediction } from './rules.js';

export interface PredictedGroups {
  /** The tree with the predicted groups in place of the kernel's (devices not placed have none). */
  model: Model;
  /** Functions whose group cannot be predicted, and why. */
  unknown: { device: string; why: string }[];
  /** Functions that will get no group at all (the device tree maps them to no IOMMU), and why. */
  noGroup: { device: string; why: string }[];
  /** What the prediction assumed or could not know, in sentences. */
  notes: string[];
  /** With an active IOMMU: functions whose kernel group differs from the rules' one. */
  differences: { device: string; kernel: string[]; predicted: string[] }[];
  /** The IOMMU is on: the prediction is shown beside the kernel's groups. */
  iommuActive: boolean;
}

/** The kernel's probe order (pci_bus_add_devices): a bus's functions, then below each bridge in turn. */
function probeOrder(model: Model): Device[] {
  const pci = [...pciByAddress(model).values()];
  const below = new Map<string, Device[]>();
  const roots: Device[] = [];
  for (const d of pci) {
    const parent = busParents(d)[0];
    if (parent === undefined) roots.push(d);
    else (below.get(parent) ?? below.set(parent, []).get(parent)!).push(d);
  }
  const byName = (a: Device, b: Device) => (a.name < b.name ? -1 : 1);
  const out: Device[] = [];
  const walk = (level: Device[]) => {
    level.sort(byName);
    out.push(...level);
    for (const d of level) if (below.has(d.name)) walk(below.get(d.name)!);
  };
  walk(roots);
  return out;
}

/** Functions whose group differs between two predictions. */
function changedBetween(a: Prediction, b: Prediction): string[] {
  const out: string[] = [];
  for (const addr of a.placements.keys()) {
    const x = a.groupOf(addr);
    const y = b.groupOf(addr);
    if (x === null || y === null || x.join(' ') !== y.join(' ')) out.push(addr);
  }
  return out;
}

/** With the IOMMU off: one prediction, and the functions a boot-time fact would move marked unknown. */
function offPrediction(model: Model, notes: string[]): { p: Prediction; unknown: Map<string, string> } {
  const override = cmdlineOverride(model.host.cmdline);
  const p = predictGroups(model, { pchWorkaround: true, override });
  const unknown = new Map(p.unknown);
  if (p.pchPorts.length > 0) {
    const other = predictGroups(model, { pchWorkaround: false, override });
    const moved = changedBetween(p, other);
    for (const a of moved) unknown.set(a, `its group depends on whether the kernel enables its Intel PCH ACS workaround on ${p.pchPorts.join(', ')}, which is decided at boot and not in sysfs (dmesg: 'Intel PCH root port ACS workaround enabled')`);
    if (moved.length === 0) notes.push(`The Intel PCH ACS workaround on ${p.pchPorts.join(', ')} changes no group.`);
  }
  if (override !== null) {
    const without = predictGroups(model, { pchWorkaround: true, override: null });
    for (const a of changedBetween(p, without)) {
      if (!unknown.has(a)) unknown.set(a, 'its group depends on whether this kernel carries the out-of-tree pcie_acs_override patch the command line asks for');
    }
  }
  return { p, unknown };
}

export function predictedGroups(model: Model): PredictedGroups {
  const active = iommuState(model).active;
  const notes: string[] = [];
  let p: Prediction;
  let unknown: Map<string, string>;
  let differs: string[] = [];
  if (active) {
    const kp = kernelPrediction(model);
    p = kp.prediction;
    unknown = new Map(p.unknown);
    differs = kp.differs;
    notes.push(...kp.evidence);
  } else {
    ({ p, unknown } = offPrediction(model, notes));
  }
  // With the IOMMU on, the kernel's own groups already show which functions it left out.
  const dt = active ? null : dtCoverage(model);
  const none = dt?.none ?? new Map<string, string>();
  for (const [a, why] of dt?.unknown ?? []) if (!unknown.has(a)) unknown.set(a, why);
  if (dt && dt.unbound.length > 0) {
    notes.push(`Device tree: on kernels that attach a PCI function to its IOMMU only when a driver binds to it, ${dt.unbound.join(', ')} (no driver now) get their group once one binds (vfio-pci too).`);
  }
  if ((model.host.acpiIommuTables ?? []).some((t) => t.startsWith('IVRS')) || model.units.some((u) => IOMMU_KINDS[u.kind].firmwareAliases)) {
    notes.push("AMD-Vi: the firmware's IVRS table can add DMA aliases that sysfs does not show; where it does, the kernel merges those groups.");
  }
  // A group with an unknown member is unknown as a whole: its members go with it.
  for (const [a] of [...unknown]) for (const m of p.groupOf(a) ?? []) if (!unknown.has(m)) unknown.set(m, `it would share a group with ${a}, whose group cannot be predicted`);
  // Numbered in the order the kernel creates groups (the first member's probe); on a host where
  // devices on other buses get groups too, the kernel's numbers can differ.
  const ids = new Map<string, number>();
  const groups: Group[] = [];
  const byName = pciByAddress(model);
  for (const d of probeOrder(model)) {
    if (unknown.has(d.name) || none.has(d.name)) continue;
    const members = p.groupOf(d.name)?.filter((m) => !none.has(m)) ?? null;
    if (members === null || members.some((m) => unknown.has(m))) continue;
    const key = members.join(' ');
    if (ids.has(key)) continue;
    const id = groups.length;
    ids.set(key, id);
    const refs = members.map((m) => byName.get(m)!).map((x) => ({ bus: x.bus, name: x.name, path: x.path, seenIn: 'both' as const }));
    groups.push({ id, dir: String(id), type: null, name: null, reservedRegions: null, members: refs, errors: {} });
  }
  const groupOf = new Map<string, number>();
  for (const g of groups) for (const m of g.members) groupOf.set(m.name, g.id);
  const devices = model.devices.map((d) => (d.pci === null ? { ...d, group: null } : { ...d, group: groupOf.get(d.name) ?? null }));
  const kernel = new Map(model.groups.flatMap((g) => g.members.map((m) => [m.name, g.members.map((x) => x.name)] as const)));
  // /proc/interrupts shows today's interrupt chips: with the IOMMU off no chip remaps, which says
  // nothing about once it is on. Those facts are dropped from the predicted host (then unknown).
  const host = active ? model.host : { ...model.host, remappedIrqChips: null, msiChips: null };
  return {
    model: { ...model, groups, devices, host, groupsDir: 'present', iommuOff: !active },
    unknown: [...unknown].map(([device, why]) => ({ device, why })).sort((a, b) => (a.device < b.device ? -1 : 1)),
    noGroup: [...none].map(([device, why]) => ({ device, why })).sort((a, b) => (a.device < b.device ? -1 : 1)),
    notes,
    differences: differs.map((a) => ({ device: a, kernel: kernel.get(a) ?? [], predicted: p.groupOf(a) ?? [] })),
    iommuActive: active,
  };
}
