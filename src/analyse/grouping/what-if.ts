// `explain --assume PARAM`: the groups the kernel would make with a parameter added to its
// command line, which groups split or merge, and what that does to check's outcome. Pure.
import type { ControlChange } from './acs.js';
import { cmdlineSetsAcs, controlChanges, mergeOverrides, type AssumedParam } from './acs-params.js';
import { checkTargets, type Outcome } from '../vfio/check.js';
import { kernelAtLeast } from '../findings/findings.js';
import { predictGroups, type Prediction } from './rules.js';
import { kernelGroupsByAddress, type KernelPrediction } from './kernel-grouping.js';
import type { Device, Group, Model } from '../../model/types.js';
import { iommuState } from './isolation.js';

export interface GroupChange {
  /** The group as it is (the kernel's PCI members, or the rules' where the kernel made none). */
  today: string[];
  /** The groups it becomes. */
  after: string[][];
  kind: 'splits' | 'merges' | 'regroups';
}

export interface WhatIf {
  params: string[];
  prediction: Prediction;
  changes: GroupChange[];
  /** Warnings and what the kernel would ignore, in sentences. */
  notes: string[];
}

export interface DeviceWhatIf {
  device: string;
  today: string[] | null;
  predicted: string[] | null;
  /** Why the prediction cannot be made for this device. */
  unknown: string | null;
  change: 'splits' | 'merges' | 'regroups' | 'same' | 'unknown';
  check: { today: Outcome; predicted: Outcome | null };
}

const OVERRIDE_WARNING =
  'pcie_acs_override gives no real isolation: it only tells the kernel to treat devices without ACS as isolated, so functions it splits apart can still reach each other by peer-to-peer DMA (the reason upstream Linux refuses the patch). It takes effect only on kernels that carry the out-of-tree patch (Proxmox VE, linux-zen and similar); others ignore it.';
const CONFIG_ACS_WARNING =
  'pci=config_acs can only set ACS controls the hardware implements (its ACS capability register); it cannot give isolation to a device without ACS.';

export function whatIf(model: Model, kp: KernelPrediction, assumed: readonly AssumedParam[]): WhatIf {
  const notes: string[] = [];
  let override = kp.override;
  const control = new Map<string, ControlChange>();
  const cmdlineAcs = cmdlineSetsAcs(model.host.cmdline);
  for (const a of assumed) {
    if (a.kind === 'override') override = mergeOverrides(override, a.override);
    else {
      const plan = controlChanges(model, a, cmdlineAcs);
      // A later pci=config_acs replaces an earlier one, as the kernel keeps the last.
      for (const [k, v] of plan.changes) control.set(k, v);
      notes.push(...plan.notes);
    }
  }
  if (assumed.some((a) => a.kind === 'override')) notes.push(OVERRIDE_WARNING);
  if (assumed.some((a) => a.kind === 'pci' && a.configAcs !== null)) {
    notes.push(CONFIG_ACS_WARNING);
    if (kernelAtLeast(model.host.kernelRelease, 6, 11) === false) notes.push(`This kernel (${model.host.kernelRelease}) is older than 6.11 and ignores pci=config_acs: the prediction is for a 6.11 or later kernel on this machine.`);
    else if (kernelAtLeast(model.host.kernelRelease, 6, 15) === false && [...control.keys()].length > 1) {
      notes.push(`Before 6.15 (this kernel is ${model.host.kernelRelease}) a config_acs list naming several devices is applied wrongly to all but the first (fixed by "PCI/ACS: Fix 'pci=config_acs=' parameter").`);
    }
  }
  const prediction = predictGroups(model, { pchWorkaround: kp.pchWorkaround, override, control });
  const undecided = [...prediction.unknown].filter(([a]) => !kp.prediction.unknown.has(a));
  if (undecided.length > 0) {
    const byWhy = new Map<string, string[]>();
    // Chains ("the group of X is unknown: ...") are told once, by their first cause.
    for (const [a, why] of undecided) {
      const root = why.split(' is unknown: ').at(-1)!;
      byWhy.set(root, [...(byWhy.get(root) ?? []), a]);
    }
    for (const [why, as] of byWhy) notes.push(`Cannot predict the group of ${as.join(', ')}: ${why}.`);
  }
  return { params: assumed.map((a) => a.text), prediction, changes: groupChanges(model, kp, prediction), notes: [...new Set(notes)] };
}

/** Today's groups: the kernel's where it made them, else the rules'. */
function todayGroups(model: Model, kp: KernelPrediction): Map<string, string[]> {
  const kernel = kernelGroupsByAddress(model);
  if (kernel.size > 0) return kernel;
  const out = new Map<string, string[]>();
  for (const g of kp.prediction.groups()) for (const a of g) out.set(a, g);
  return out;
}

function groupChanges(model: Model, kp: KernelPrediction, after: Prediction): GroupChange[] {
  const today = todayGroups(model, kp);
  const seen = new Set<string>();
  const out: GroupChange[] = [];
  for (const [a, members] of today) {
    const key = members.join(' ');
    if (seen.has(key) || !after.placements.has(a)) continue;
    seen.add(key);
    const parts = [...new Set(members.filter((m) => after.placements.has(m)).map((m) => after.groupOf(m)!.join(' ')))].map((s) => s.split(' '));
    const same = parts.length === 1 && parts[0]!.join(' ') === members.filter((m) => after.placements.has(m)).join(' ');
    if (same) continue;
    const kind = parts.every((p) => p.every((m) => members.includes(m))) ? 'splits' : parts.length === 1 ? 'merges' : 'regroups';
    out.push({ today: members, after: parts, kind });
  }
  return out;
}

/** One device under the assumption: its group before and after, and check's outcome before and after. */
export function deviceWhatIf(model: Model, kp: KernelPrediction, w: WhatIf, d: Device): DeviceWhatIf {
  const today = todayGroups(model, kp).get(d.name) ?? null;
  const predicted = w.prediction.groupOf(d.name);
  const unknown = predicted === null ? (w.prediction.unknown.get(d.name) ?? `${d.name} cannot be placed`) : null;
  const before = checkTargets(model, [{ spec: d.name, device: d, group: d.group }]).outcome;
  if (predicted === null || today === null) return { device: d.name, today, predicted, unknown, change: 'unknown', check: { today: before, predicted: null } };
  const same = predicted.join(' ') === today.join(' ');
  const change = same ? 'same' : predicted.every((m) => today.includes(m)) ? 'splits' : today.every((m) => predicted.includes(m)) ? 'merges' : 'regroups';
  const hypo = same ? model : regrouped(model, w.prediction, w.params);
  const hd = hypo.devices.find((x) => x.name === d.name && x.pci)!;
  const after = same ? before : checkTargets(hypo, [{ spec: d.name, device: hd, group: hd.group }]).outcome;
  return { device: d.name, today, predicted, unknown, change, check: { today: before, predicted: after } };
}

/**
 * The model with its PCI groups replaced by predicted ones. A group the prediction keeps keeps its
 * id; new groups get ids after the highest. Reserved regions and type come from a member's group today.
 */
function regrouped(model: Model, pred: Prediction, params: readonly string[] = []): Model {
  if (model.groups.length === 0) return model;
  const byName = new Map(model.devices.filter((d) => d.pci).map((d) => [d.name, d]));
  const groupById = new Map(model.groups.map((g) => [g.id, g]));
  let next = Math.max(...model.groups.map((g) => g.id)) + 1;
  const newGroup = new Map<string, number>();
  const groups: Group[] = [];
  const replaced = new Set<number>();
  for (const members of pred.groups()) {
    const ids = new Set(members.map((m) => byName.get(m)?.group ?? null));
    const only = ids.size === 1 ? [...ids][0]! : null;
    const kept = only !== null && groupById.get(only)!.members.filter((m) => byName.has(m.name)).length === members.length;
    if (kept) continue;
    const from = groupById.get([...ids].find((x) => x !== null) ?? -1);
    for (const id of ids) if (id !== null) replaced.add(id);
    const id = next++;
    for (const m of members) newGroup.set(m, id);
    groups.push({
      id,
      dir: String(id),
      type: from?.type ?? null,
      name: null,
      reservedRegions: from?.reservedRegions ?? null,
      members: members.map((m) => ({ bus: 'pci', name: m, path: byName.get(m)!.path, seenIn: 'both' as const })),
      errors: {},
    });
  }
  for (const g of model.groups) {
    if (!replaced.has(g.id)) groups.push(g);
    else {
      const rest = g.members.filter((m) => !newGroup.has(m.name));
      if (rest.length > 0) groups.push({ ...g, members: rest });
    }
  }
  groups.sort((a, b) => a.id - b.id);
  const devices = model.devices.map((d) => (d.pci && newGroup.has(d.name) ? { ...d, group: newGroup.get(d.name)! } : d));
  const cmdline = params.length === 0 ? model.host.cmdline : [model.host.cmdline ?? '', ...params].join(' ').trim();
  return { ...model, groups, devices, host: { ...model.host, cmdline } };
}

const VERB = { splits: 'splits', merges: 'merges', regroups: 'changes' } as const;

/** The sentences explain adds for one device under the assumption. */
export function whatIfLines(model: Model, w: WhatIf, dw: DeviceWhatIf): string[] {
  const groupOf = (a: string) => model.devices.find((x) => x.name === a && x.pci)?.group ?? null;
  const label = (members: string[]) => {
    const id = groupOf(members[0]!);
    return id !== null && members.every((m) => groupOf(m) === id) ? `group ${id} (${members.join(', ')})` : `the group of ${members.join(', ')}`;
  };
  const out = [`With ${w.params.join(' ')} on the kernel command line:`];
  const others = (p: string[]) => p.filter((m) => m !== dw.device);
  if (dw.change === 'unknown') out.push(`cannot predict ${dw.device}'s group: ${dw.unknown ?? 'the tree does not say'}.`);
  else if (dw.change === 'same') out.push(`${dw.device}'s group would stay as it is: ${dw.today!.join(', ')}.`);
  else {
    const after = others(dw.predicted!).length === 0 ? `${dw.device} would be alone in its group` : `${dw.device} would share a group with ${others(dw.predicted!).join(', ')}`;
    const now = iommuState(model).active ? 'today' : 'without it';
    out.push(`${after}; ${now}: ${label(dw.today!)}, which ${VERB[dw.change]}.`);
  }
  if (dw.check.predicted !== null) {
    out.push(
      dw.check.predicted === dw.check.today
        ? `check ${dw.device}: ${dw.check.today} either way.`
        : `check ${dw.device}: ${dw.check.today} today, ${dw.check.predicted} with it (group numbers after a reboot are the kernel's to choose).`,
    );
  }
  const elsewhere = w.changes.filter((c) => !c.today.includes(dw.device) && !c.after.some((p) => p.includes(dw.device)));
  if (elsewhere.length > 0) out.push(`Elsewhere: ${elsewhere.map((c) => `${label(c.today)} ${VERB[c.kind]}`).join('; ')}.`);
  const unplaced = w.prediction.unknown.size;
  if (w.changes.length === 0) out.push(unplaced === 0 ? 'No group would change.' : `No group that can be predicted would change; ${unplaced} PCI function${unplaced === 1 ? '' : 's'} cannot be predicted from this tree.`);
  out.push(...w.notes);
  return out;
}
