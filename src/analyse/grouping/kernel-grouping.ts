// The prediction that accounts for the kernel's real groups. Two facts decide grouping but never
// reach sysfs: whether the kernel enabled its Intel PCH ACS workaround at boot, and whether a
// pcie_acs_override on the command line took effect (only kernels with the out-of-tree patch
// know it). Each is tried both ways; the kernel's groups say which it was.
import { IOMMU_KINDS } from '../../model/iommu-kinds.js';
import { quirkText, type AcsOverride } from './acs.js';
import { cmdlineOverride } from './acs-params.js';
import { kernelAtLeast } from '../findings/findings.js';
import { cmdlineParam } from '../../model/cmdline.js';
import { busParents, predictGroups, type Prediction } from './rules.js';
import { iommuState, isBridge } from './isolation.js';
import { QUIRK_SOURCE } from './quirk-table.js';
import type { Device, Model } from '../../model/types.js';

export interface KernelPrediction {
  prediction: Prediction;
  /** The prediction with no override: what the hardware (and its quirks) isolates. */
  hardware: Prediction;
  /** Whether the prediction equals the kernel's groups; null when the kernel made none or some functions cannot be placed. */
  matches: boolean | null;
  /** Addresses whose predicted group differs from the kernel's. */
  differs: string[];
  /** What the kernel's groups showed about facts sysfs does not hold, in sentences. */
  evidence: string[];
  pchWorkaround: boolean;
  /** pcie_acs_override from the command line, when the kernel's groups show it in effect. */
  override: AcsOverride | null;
}

/** PCI members of each kernel group, by member address (sorted). */
export function kernelGroupsByAddress(model: Model): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!iommuState(model).active) return out;
  const pci = new Set(model.devices.filter((d) => d.pci).map((d) => d.name));
  for (const g of model.groups) {
    if (g.name === 'vfio-noiommu') continue;
    const members = g.members.filter((m) => pci.has(m.name)).map((m) => m.name).sort();
    for (const m of members) out.set(m, members);
  }
  return out;
}

/** Decided addresses whose predicted group is not the kernel's (both restricted to decided devices). */
function differences(pred: Prediction, kernel: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const [a, members] of kernel) {
    const p = pred.groupOf(a);
    if (p === null) continue;
    const k = members.filter((m) => pred.placements.has(m));
    const q = p.filter((m) => kernel.has(m));
    if (k.length !== q.length || k.some((m, i) => m !== q[i])) out.push(a);
  }
  return out.sort();
}

export function kernelPrediction(model: Model): KernelPrediction {
  const kernel = kernelGroupsByAddress(model);
  const fromCmdline = cmdlineOverride(model.host.cmdline);
  // Each (workaround, override) case is predicted once; the evidence below reuses them.
  const cache = new Map<string, Prediction>();
  const predict = (pch: boolean, override: AcsOverride | null) => {
    const key = `${pch} ${override !== null}`;
    let p = cache.get(key);
    if (!p) cache.set(key, (p = predictGroups(model, { pchWorkaround: pch, override })));
    return p;
  };
  const first = predict(true, fromCmdline);
  const pchOptions = first.pchPorts.length > 0 ? [true, false] : [true];
  const overrideOptions = fromCmdline ? [fromCmdline, null] : [null];
  let best: { p: Prediction; differs: string[]; pch: boolean; override: AcsOverride | null } | null = null;
  for (const override of overrideOptions) {
    for (const pch of pchOptions) {
      const p = predict(pch, override);
      const d = kernel.size === 0 ? [] : differences(p, kernel);
      if (!best || d.length < best.differs.length) best = { p, differs: d, pch, override };
    }
  }
  const { p, differs, pch, override } = best!;
  // Unplaced functions (config space not readable) leave the match open.
  const matches = kernel.size === 0 ? null : differs.length > 0 ? false : p.unknown.size > 0 ? null : true;
  const evidence: string[] = [];
  if (p.pchPorts.length > 0) {
    const ports = p.pchPorts.join(', ');
    const other = predict(!pch, override);
    const decides = kernel.size > 0 && differences(other, kernel).length !== differs.length;
    if (kernel.size === 0) evidence.push(`Whether the kernel enables its Intel PCH ACS workaround on ${ports} is decided at boot and not in sysfs: the prediction assumes it is (dmesg: 'Intel PCH root port ACS workaround enabled').`);
    else if (decides && pch) evidence.push(`The kernel's groups show its Intel PCH ACS workaround enabled on ${ports} (dmesg: 'Intel PCH root port ACS workaround enabled').`);
    else if (decides) evidence.push(`The kernel's groups show its Intel PCH ACS workaround not enabled on ${ports} (dmesg: 'Failed to enable Intel PCH ACS quirk'), so those root ports do not isolate.`);
  }
  if (fromCmdline) {
    const value = cmdlineParam(model.host.cmdline, 'pcie_acs_override');
    const alt = predict(pch, override ? null : fromCmdline);
    const decides = kernel.size > 0 && differences(alt, kernel).length !== differs.length;
    if (kernel.size === 0) evidence.push(`pcie_acs_override=${value} is on the command line; the prediction applies it, which only kernels carrying the out-of-tree patch do.`);
    else if (!decides) evidence.push(`pcie_acs_override=${value} is on the command line; the kernel's groups would be the same with or without it.`);
    else if (override) evidence.push(`pcie_acs_override=${value} is on the command line and the kernel's groups show it in effect (this kernel carries the out-of-tree patch): those boundaries are not real isolation.`);
    else evidence.push(`pcie_acs_override=${value} is on the command line but the kernel's groups show it ignored (a kernel without the out-of-tree patch).`);
  }
  const hardware = override ? predict(pch, null) : p;
  return { prediction: p, hardware, matches, differs, evidence, pchWorkaround: pch, override };
}

/** Likely reasons the kernel grouped differently from the rules, for the sentence after "because". */
export function likelyCauses(model: Model, kernelMergedMore: boolean): string[] {
  const causes: string[] = [];
  const release = model.host.kernelRelease;
  const newer = kernelAtLeast(release, 6, 19) === true;
  if (kernelMergedMore) {
    causes.push(`a DMA alias sysfs does not show${model.units.some((u) => IOMMU_KINDS[u.kind].firmwareAliases) ? ' (the AMD IOMMU adds aliases from the firmware\'s IVRS table)' : ''}`);
  } else {
    causes.push(`an ACS quirk not in this tool's table (${QUIRK_SOURCE.kernel}, ${QUIRK_SOURCE.files[0]}) or added by a distribution patch`);
    if (cmdlineParam(model.host.cmdline, 'pcie_acs_override') === null) causes.push('an override this command line does not show');
  }
  if (newer) causes.push(`grouping rules newer than ${QUIRK_SOURCE.kernel}, which this tool follows (this kernel is ${release})`);
  return causes;
}

/** Whether a bridge or port isolates what is below it, by the rules checked against the kernel's groups. */
export interface BridgeIsolation {
  result: 'pass' | 'fail' | 'unknown';
  why: string;
  /** The kernel quirk that decided it ("Intel PCH root port, kernel ACS quirk pci_quirk_intel_pch_acs"). */
  quirk: string | null;
  /** agrees / differs: what the kernel's groups show below it; null when they show nothing. */
  kernel: 'agrees' | 'differs' | null;
}

/** Grouped PCI functions below each bridge (in its PCI domain), by bridge address. */
export function groupedBelow(model: Model): Map<string, Device[]> {
  const out = new Map<string, Device[]>();
  for (const o of model.devices) {
    if (!o.pci || o.group === null) continue;
    for (const b of busParents(o)) (out.get(b) ?? out.set(b, []).get(b)!).push(o);
  }
  return out;
}

export function bridgeIsolation(model: Model, kp: KernelPrediction, d: Device, index: Map<string, Device[]> = groupedBelow(model)): BridgeIsolation {
  const r = kp.prediction.acs(d.name);
  const quirk = r.quirk ? quirkText(r.quirk) : null;
  // Everything below a bridge that fails ACS shares the bridge's group; a group boundary below it
  // means the kernel found it isolating.
  const below = d.group === null ? [] : (index.get(d.name) ?? []);
  if (below.length === 0) return { result: r.result, why: r.why, quirk, kernel: null };
  const boundary = below.some((o) => o.group !== d.group);
  if (r.result === 'fail' && boundary) {
    const causes = likelyCauses(model, false).join(', or ');
    return { result: 'pass', why: `a group boundary below it; the rules say ${r.why}, so likely ${causes}`, quirk, kernel: 'differs' };
  }
  if (r.result === 'pass' && !boundary && !busParents(d).some((b) => kp.prediction.acs(b).result === 'fail')) {
    const causes = likelyCauses(model, true).join(', or ');
    return { result: 'fail', why: `everything below it is in its group; the rules say ${r.why}, so likely ${causes}`, quirk, kernel: 'differs' };
  }
  return { result: r.result, why: r.why, quirk, kernel: r.result === 'unknown' ? null : 'agrees' };
}

/** Every bridge's isolation, by sysfs path (list --format json). */
export function bridgeIsolations(model: Model): Map<string, BridgeIsolation> {
  const kp = kernelPrediction(model);
  const index = groupedBelow(model);
  return new Map(model.devices.filter((d) => isBridge(d)).map((d) => [d.path, bridgeIsolation(model, kp, d, index)]));
}
