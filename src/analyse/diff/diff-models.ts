// `diff`: what changed between two readings (two boots, two kernels, a BIOS update, two hosts):
// groups merged, split or a device moved between groups (groups matched by their members, so
// renumbering alone is no change), devices moved, replaced, added or removed, drivers, the IOMMU
// on or off, and the kernel command line words that decide groups and bindings. Pure.
import { cmdlineValues } from '../../model/cmdline.js';
import type { Device, Model } from '../../model/types.js';
import { iommuState, IOMMU_CMDLINE_KEYS } from '../grouping/isolation.js';
import { identityOf, matchDevices } from './identity.js';
import { changeText } from '../views/watch-diff.js';

export type DiffChange =
  | { kind: 'iommu-changed'; from: boolean; to: boolean }
  | { kind: 'group-merged'; from: number[]; to: number; members: string[] }
  | { kind: 'group-split'; from: number; to: { group: number; members: string[] }[] }
  | { kind: 'group-moved'; device: string; from: number; to: number; fromWith: string[]; toWith: string[] }
  | { kind: 'group-left'; device: string; from: number }
  | { kind: 'group-joined'; device: string; to: number }
  | { kind: 'device-moved'; from: string; to: string; identity: string; alike: boolean }
  | { kind: 'device-replaced'; device: string; from: string; to: string }
  | { kind: 'device-added'; device: string; identity: string; group: number | null; with: string[] }
  | { kind: 'device-removed'; device: string; identity: string; group: number | null }
  | { kind: 'driver-changed'; device: string; from: string | null; to: string | null }
  | { kind: 'cmdline-changed'; param: string; from: string | null; to: string | null };

export type DiffKind = DiffChange['kind'];

/** Every kind, in the order a report lists them (and Prometheus has a series for each). */
export const DIFF_KINDS: readonly DiffKind[] = [
  'iommu-changed',
  'group-merged',
  'group-split',
  'group-moved',
  'group-left',
  'group-joined',
  'device-moved',
  'device-replaced',
  'device-added',
  'device-removed',
  'driver-changed',
  'cmdline-changed',
];

export interface DiffSide {
  kernel: string | null;
  iommu: boolean;
  groups: number;
  pciFunctions: number;
}

export interface DiffView {
  a: DiffSide;
  b: DiffSide;
  changes: DiffChange[];
  /** Groups with the same members under another number: not a change, counted. */
  renumbered: number;
  /** What could not be compared, and why. */
  unknown: string[];
}

/** Command line words that decide groups, isolation or bindings. */
export const DIFF_CMDLINE_KEYS: readonly string[] = [...IOMMU_CMDLINE_KEYS, 'pci', 'intremap', 'amd_iommu_intr'];

function side(m: Model): DiffSide {
  const st = iommuState(m);
  return { kernel: m.host.kernelRelease, iommu: st.active, groups: st.groups, pciFunctions: m.devices.filter((d) => d.pci !== null).length };
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function compareModels(a: Model, b: Model): DiffView {
  const sa = side(a);
  const sb = side(b);
  const changes: DiffChange[] = [];
  const unknown: string[] = [];
  if (sa.iommu !== sb.iommu) changes.push({ kind: 'iommu-changed', from: sa.iommu, to: sb.iommu });
  const m = matchDevices(a, b);
  const membersOf = (model: Model, id: number) => model.groups.find((g) => g.id === id)?.members.map((x) => x.name).sort(byName) ?? [];
  let renumbered = 0;
  if (sa.iommu && sb.iommu) renumbered = groupChanges(m.pairs, (id) => membersOf(b, id), (id) => membersOf(a, id), changes, unknown);
  else if (sa.iommu !== sb.iommu) unknown.push(`groups: the IOMMU is off in ${sa.iommu ? 'B' : 'A'}, so it has none to compare`);
  for (const x of m.moved) changes.push({ kind: 'device-moved', from: x.from.name, to: x.to.name, identity: identityOf(x.to), alike: x.alike });
  for (const x of m.replaced) changes.push({ kind: 'device-replaced', device: x.after.name, from: identityOf(x.before), to: identityOf(x.after) });
  for (const d of m.added) changes.push({ kind: 'device-added', device: d.name, identity: identityOf(d), group: d.group, with: d.group === null ? [] : membersOf(b, d.group).filter((n) => n !== d.name) });
  for (const d of m.removed) changes.push({ kind: 'device-removed', device: d.name, identity: identityOf(d), group: d.group });
  for (const [x, y] of m.pairs) {
    const why = unreadable(x, y, 'driver');
    if (why !== null) unknown.push(`driver of ${y.name}: ${why}`);
    else if (x.driver !== y.driver) changes.push({ kind: 'driver-changed', device: y.name, from: x.driver, to: y.driver });
  }
  cmdlineChanges(a.host.cmdline, b.host.cmdline, changes, unknown);
  return { a: sa, b: sb, changes: DIFF_KINDS.flatMap((k) => changes.filter((c) => c.kind === k)), renumbered, unknown };
}

/**
 * Groups matched by their members: each pair of devices links its group in A to its group in B;
 * a connected set of one A group and one B group is the same group (renumbered or not), several A
 * groups into one B group a merge, one into several a split, and otherwise each A group continues
 * as the B group that took most of its devices and the others moved. Returns how many were renumbered.
 */
function groupChanges(pairs: readonly [Device, Device][], membersB: (id: number) => string[], membersA: (id: number) => string[], out: DiffChange[], unknown: string[]): number {
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let r = k;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(k, r);
    return r;
  };
  const add = (k: string) => parent.has(k) || parent.set(k, k);
  const edges: { a: number; b: number; dev: Device }[] = [];
  for (const [x, y] of pairs) {
    // A group link that could not be read is no "no group": that device is left out, and said.
    const why = unreadable(x, y, 'group');
    if (why !== null) {
      unknown.push(`group of ${y.name}: ${why}`);
      continue;
    }
    if (x.group !== null && y.group === null) out.push({ kind: 'group-left', device: y.name, from: x.group });
    else if (x.group === null && y.group !== null) out.push({ kind: 'group-joined', device: y.name, to: y.group });
    if (x.group === null || y.group === null) continue;
    add(`a${x.group}`);
    add(`b${y.group}`);
    parent.set(find(`a${x.group}`), find(`b${y.group}`));
    edges.push({ a: x.group, b: y.group, dev: y });
  }
  const parts = new Map<string, typeof edges>();
  for (const e of edges) {
    const r = find(`a${e.a}`);
    (parts.get(r) ?? parts.set(r, []).get(r)!).push(e);
  }
  let renumbered = 0;
  for (const es of parts.values()) {
    const ga = [...new Set(es.map((e) => e.a))].sort((x, y) => x - y);
    const gb = [...new Set(es.map((e) => e.b))].sort((x, y) => x - y);
    if (ga.length === 1 && gb.length === 1) {
      if (ga[0] !== gb[0]) renumbered++;
    } else if (gb.length === 1) {
      out.push({ kind: 'group-merged', from: ga, to: gb[0]!, members: membersB(gb[0]!) });
    } else if (ga.length === 1) {
      out.push({ kind: 'group-split', from: ga[0]!, to: gb.map((g) => ({ group: g, members: membersB(g) })) });
    } else {
      for (const g of ga) {
        const mine = es.filter((e) => e.a === g);
        const counts = new Map<number, number>();
        for (const e of mine) counts.set(e.b, (counts.get(e.b) ?? 0) + 1);
        const cont = [...counts].sort((x, y) => y[1] - x[1] || x[0] - y[0])[0]![0];
        for (const e of mine) {
          if (e.b === cont) continue;
          out.push({ kind: 'group-moved', device: e.dev.name, from: g, to: e.b, fromWith: membersA(g).filter((n) => n !== e.dev.name), toWith: membersB(e.b).filter((n) => n !== e.dev.name) });
        }
      }
    }
  }
  return renumbered;
}

/** Why a fact of a device pair cannot be compared (its link, or the device, unreadable on a side), or null. */
function unreadable(x: Device, y: Device, key: 'group' | 'driver'): string | null {
  const side = (d: Device, name: string) => (d.errors[key] ?? d.errors['device']) === undefined ? null : `unreadable in ${name} (${d.errors[key] ?? d.errors['device']})`;
  return side(x, 'A') ?? side(y, 'B');
}

function cmdlineChanges(a: string | null, b: string | null, out: DiffChange[], unknown: string[]): void {
  if (a === null || b === null) {
    unknown.push(`kernel command line: not in ${a === null && b === null ? 'either tree' : a === null ? 'A' : 'B'} (proc/cmdline)`);
    return;
  }
  for (const key of DIFF_CMDLINE_KEYS) {
    const va = cmdlineValues(a, key);
    const vb = cmdlineValues(b, key);
    const from = va.length === 0 ? null : va.join(' ');
    const to = vb.length === 0 ? null : vb.join(' ');
    if (from !== to) out.push({ kind: 'cmdline-changed', param: key, from, to });
  }
}

/** One change as a line of text (the table and plain formats say the same). */
export function diffText(c: DiffChange): string {
  const list = (xs: readonly string[]) => xs.join(' ') || '(nothing else)';
  switch (c.kind) {
    case 'iommu-changed':
      return `the IOMMU was ${c.from ? 'on' : 'off'} and is ${c.to ? 'on' : 'off'}`;
    case 'group-merged':
      return `groups ${c.from.join(', ')} are one group now, ${c.to}: ${list(c.members)}`;
    case 'group-split':
      return `group ${c.from} is ${c.to.length} groups now: ${c.to.map((g) => `${g.group} (${list(g.members)})`).join(', ')}`;
    case 'group-moved':
      return `${c.device} moved from group ${c.from} (with ${list(c.fromWith)}) to group ${c.to} (with ${list(c.toWith)})`;
    case 'group-left':
      return `${c.device} was in group ${c.from} and is in no group now`;
    case 'group-joined':
      return `${c.device} was in no group and is in group ${c.to} now`;
    case 'device-moved':
      return `${c.from} is at ${c.to} now (${c.identity}${c.alike ? '; matched among alike devices in address order' : ''})`;
    case 'device-replaced':
      return `${c.device} holds another device: ${c.from} before, ${c.to} now`;
    case 'device-added':
      return `${c.device} is new (${c.identity})${c.group === null ? '' : `, in group ${c.group}${c.with.length > 0 ? ` with ${c.with.join(' ')}` : ''}`}`;
    case 'device-removed':
      return `${c.device} is gone (${c.identity})${c.group === null ? '' : `; it was in group ${c.group}`}`;
    case 'driver-changed':
      return changeText(c); // as watch says it
    case 'cmdline-changed':
      return `kernel command line ${c.param}: ${c.from ?? '(not set)'} -> ${c.to ?? '(not set)'}`;
  }
}
