// Predicts the kernel's PCI grouping, following pci_device_group() in drivers/iommu/iommu.c
// (Linux v6.18) step by step, and records why each device joins another:
//   0. Real DMA device: behind an Intel VMD (a PCI domain >= 0x10000 under a PCI function) the
//      device DMAs as the VMD function (pci_real_dma_dev), so it joins the VMD function's group.
//   1. DMA alias walk up the bus: behind a PCIe-to-PCI (or conventional) bridge a device's DMA
//      carries the bridge's requester ID, so it joins that bridge's group (PCIe ports are skipped;
//      a bridge the IOMMU sits at ends the walk).
//   2. Upstream: if any bridge on the way to the root fails ACS, join the nearest bridge's group.
//   3. DMA-alias quirks: functions on the same bus that alias each other share a group.
//   4. Multifunction: a function failing ACS joins the other functions in its slot failing ACS.
//   5. Otherwise a group of its own.
// ACS is the kernel's test with its quirks (acs.ts). Parents are probed before children, so
// "join X's group" is a union with X. Where a fact is missing the device is "unknown", never guessed.
import { IOMMU_KINDS } from '../../model/iommu-kinds.js';
import { acsEnabled, capsUnknownWhy, DEFAULT_CONTEXT, quirkText, functionKind, isMultifunction, type AcsContext, type AcsResult } from './acs.js';
import { ALIAS_QUIRKS, type AliasQuirk } from './quirk-table.js';
import { iommuState } from './isolation.js';
import type { Device, Model } from '../../model/types.js';
import { PCIE_TYPE as T } from '../../model/config-space.js';
import { parsePciName } from '../../model/pci-address.js';

export interface Edge {
  /** The device that joins. */
  from: string;
  /** The device whose group it joins. */
  to: string;
  step: 'real-dma' | 'alias' | 'upstream' | 'alias-quirk' | 'multifunction';
  reason: string;
}

export interface Placement {
  address: string;
  /** Why it is where it is; for a device that starts its own group, what isolates it. */
  text: string;
  edges: Edge[];
}

export interface Prediction {
  placements: Map<string, Placement>;
  /** Devices whose grouping the tree cannot decide, with the reason. */
  unknown: Map<string, string>;
  /** Predicted group (a set of addresses) of every decided device. */
  groupOf(address: string): string[] | null;
  /** Every decided predicted group with more than one member or not, sorted. */
  groups(): string[][];
  /** The ACS answer the prediction used for a function (quirks and assumptions applied). */
  acs(address: string): AcsResult;
  /** Kernel quirks that decided something, by address. */
  quirks: Map<string, string>;
  /** Addresses where the Intel PCH workaround's state decided the answer. */
  pchPorts: string[];
  /** Addresses where pcie_acs_override decided the answer. */
  overridden: string[];
  context: AcsContext;
}

class UnionFind {
  private parent = new Map<string, string>();
  find(x: string): string {
    let p = this.parent.get(x) ?? x;
    if (p !== x) {
      p = this.find(p);
      this.parent.set(x, p);
    }
    return p;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(ra, rb);
  }
}

export function pciByAddress(model: Model): Map<string, Device> {
  const m = new Map<string, Device>();
  for (const d of model.devices) if (d.pci && !m.has(d.name)) m.set(d.name, d);
  return m;
}

/** Bridges above a function on its own PCI bus hierarchy (its domain), nearest first. */
export function busParents(d: Device): string[] {
  const out: string[] = [];
  for (const a of d.pci!.upstream) {
    if (parsePciName(a)?.domain !== d.pci!.domain) break;
    out.push(a);
  }
  return out;
}

/** The function a device DMAs as when its PCI domain hangs below another function (Intel VMD). */
function realDmaDevice(d: Device): string | null {
  const up = d.pci!.upstream;
  const own = busParents(d).length;
  return own < up.length && d.pci!.domain >= 0x10000 ? up[own]! : null;
}

function contextFor(model: Model, over: Partial<AcsContext> = {}): AcsContext {
  const tables = model.host.acpiIommuTables;
  const ivrs = tables !== null ? tables.some((t) => t.startsWith('IVRS')) : model.units.some((u) => IOMMU_KINDS[u.kind].firmwareAliases) ? true : null;
  // A VMD domain's bus is a root bus too (pci_is_root_bus).
  return { ...DEFAULT_CONTEXT, ivrs, onRootBus: (d) => busParents(d).length === 0, iommuOff: model.iommuOff ?? !iommuState(model).active, ...over };
}

function aliasQuirkOf(d: Device): AliasQuirk | null {
  const p = d.pci!;
  return (
    ALIAS_QUIRKS.find(
      (q) => q.vendor === p.vendor && q.device === p.device && (!q.subsystem || (q.subsystem[0] === p.subsystemVendor && q.subsystem[1] === p.subsystemDevice)),
    ) ?? null
  );
}

/** Same-bus functions (slot, function) a device also DMAs as, from its alias quirk. */
function aliasDevfns(d: Device): [number, number][] {
  const q = aliasQuirkOf(d);
  if (!q) return [];
  const { slot, function: fn } = d.pci!;
  switch (q.rule.kind) {
    case 'func0':
      return fn !== 0 ? [[slot, 0]] : [];
    case 'func1':
      return fn !== 1 ? [[slot, 1]] : [];
    case 'devfns':
      return q.rule.devfns.map(([s, f]) => [s, f]);
    case 'all-slots': {
      const out: [number, number][] = [];
      for (let s = 0; s < 0x20; s++) for (let f = 0; f < q.rule.functions; f++) out.push([s, f]);
      return out;
    }
    default:
      return [];
  }
}

function aliases(a: Device, b: Device): boolean {
  return aliasDevfns(a).some(([s, f]) => s === b.pci!.slot && f === b.pci!.function);
}

/**
 * The kernel's pci_device_group(), replayed over the tree: each function placed in probe order by
 * the first rule that decides it (each rule below returns null when it does not apply), and the
 * placements joined into groups.
 */
class GroupWalk {
  readonly byAddr: Map<string, Device>;
  readonly unknown = new Map<string, string>();
  readonly acsCache = new Map<string, AcsResult>();
  private readonly placed = new Set<string>();
  private readonly busMates = new Map<string, Device[]>();

  constructor(
    model: Model,
    readonly ctx: AcsContext,
  ) {
    this.byAddr = pciByAddress(model);
  }

  /** Parents first, as the kernel probes them; then by address. */
  order(): Device[] {
    return [...this.byAddr.values()].sort((a, b) => a.pci!.upstream.length - b.pci!.upstream.length || (a.name < b.name ? -1 : 1));
  }

  acs(a: string): AcsResult {
    let r = this.acsCache.get(a);
    if (!r) this.acsCache.set(a, (r = acsEnabled(this.byAddr.get(a), a, this.ctx)));
    return r;
  }

  private kindOf(a: string): string {
    const d = this.byAddr.get(a);
    return (d && functionKind(d)) ?? 'device';
  }

  private static busKey(d: Device): string {
    return `${d.pci!.domain}:${d.pci!.bus}`;
  }

  /** Place every function in probe order; placements and the unknown by address. */
  run(): Map<string, Placement> {
    const order = this.order();
    for (const d of order) (this.busMates.get(GroupWalk.busKey(d)) ?? this.busMates.set(GroupWalk.busKey(d), []).get(GroupWalk.busKey(d))!).push(d);
    const placements = new Map<string, Placement>();
    for (const d of order) {
      const p = this.place(d);
      this.placed.add(d.name);
      if (typeof p === 'string') this.unknown.set(d.name, p);
      else placements.set(d.name, p);
    }
    return placements;
  }

  private joinKnown(addr: string, to: string, step: Edge['step'], reason: string): Placement | string {
    if (this.unknown.has(to)) return `the group of ${to} is unknown: ${this.unknown.get(to)}`;
    return { address: addr, text: reason, edges: [{ from: addr, to, step, reason }] };
  }

  private place(d: Device): Placement | string {
    const up = busParents(d);
    return this.realDma(d) ?? this.bridgeAlias(d, up) ?? this.upstream(d, up) ?? this.aliasQuirk(d) ?? this.multifunction(d) ?? this.startsGroup(d, up);
  }

  /** 0. Intel VMD: the device DMAs as the VMD function above its domain. */
  private realDma(d: Device): Placement | string | null {
    const real = realDmaDevice(d);
    if (real === null) return null;
    const addr = d.name;
    if (!this.byAddr.has(real)) return `${addr} DMAs as ${real} (its PCI domain hangs below it), which is not in the tree`;
    return this.joinKnown(addr, real, 'real-dma', `${addr} is in PCI domain ${d.pci!.address.split(':')[0]} below ${real} (Intel VMD): its DMA carries ${real}'s requester ID (pci_real_dma_dev), so it shares ${real}'s group`);
  }

  /** 1. DMA aliases through bridges that are not PCIe ports. */
  private bridgeAlias(d: Device, up: readonly string[]): Placement | string | null {
    for (const b of up) {
      const bd = this.byAddr.get(b);
      if (bd && aliasQuirkOf(bd)?.rule.kind === 'xlate-root') break;
      // The walk needs each bridge's port type, from config space.
      if (!bd?.pci?.caps) return capsUnknownWhy(bd, b);
      const t = bd.pci.caps.portType;
      if (t === T.ROOT_PORT || t === T.UPSTREAM_PORT || t === T.DOWNSTREAM_PORT) continue;
      if (t === null || t === T.PCIE_TO_PCI_BRIDGE || t === T.PCI_TO_PCIE_BRIDGE) {
        return this.joinKnown(d.name, b, 'alias', `${d.name} sits behind ${b}, a ${this.kindOf(b)}: its DMA carries ${b}'s requester ID, so it shares ${b}'s group`);
      }
    }
    return null;
  }

  /** 2. Upstream: every bridge from the parent to the root must pass ACS. */
  private upstream(d: Device, up: readonly string[]): Placement | string | null {
    for (const b of up) {
      const r = this.acs(b);
      if (r.result === 'unknown') return r.why;
      if (r.result === 'fail') {
        const parent = up[0]!;
        const reason = b === parent ? `${parent} is a ${r.why}, so ${d.name} shares its group` : `${b} above ${parent} does not isolate (${r.why}), so ${d.name} shares ${parent}'s group`;
        return this.joinKnown(d.name, parent, 'upstream', reason);
      }
    }
    return null;
  }

  /** 3. Functions on this bus that it aliases, or that alias it, by a DMA-alias quirk. */
  private aliasQuirk(d: Device): Placement | string | null {
    for (const o of this.busMates.get(GroupWalk.busKey(d)) ?? []) {
      if (o === d || !this.placed.has(o.name)) continue;
      if (!aliases(d, o) && !aliases(o, d)) continue;
      const q = aliasQuirkOf(aliases(d, o) ? d : o)!;
      const who = aliases(d, o) ? `${d.name} also DMAs as ${o.name}` : `${o.name} also DMAs as ${d.name}`;
      return this.joinKnown(d.name, o.name, 'alias-quirk', `${who} (${q.name}, kernel DMA-alias quirk ${q.fn}), so they share a group`);
    }
    return null;
  }

  /** 4. Functions of one slot that fail ACS share a group. */
  private multifunction(d: Device): Placement | string | null {
    const addr = d.name;
    const own = isMultifunction(d) ? this.acs(addr) : null;
    if (own?.result === 'unknown') return own.why;
    if (own?.result !== 'fail') return null;
    // Only functions probed before this one have a group to join; later ones join this.
    for (const s of d.pci!.siblings.filter((x) => x < addr)) {
      const sd = this.byAddr.get(s);
      if (!sd || sd.pci!.physfn !== null) continue;
      const r = this.acs(s);
      if (r.result === 'unknown') return r.why;
      if (r.result !== 'fail') continue;
      const reason =
        own.why === r.why
          ? `${addr} and ${s} are functions of one slot and neither isolates: each is a ${own.why}`
          : `${addr} and ${s} are functions of one slot and neither isolates: ${addr} is a ${own.why}, ${s} is a ${r.why}`;
      // The kernel joins the first such function's group; the rest are in it already.
      return this.joinKnown(addr, s, 'multifunction', reason);
    }
    return null;
  }

  /** No rule joined it to another: it starts a group, and why. */
  private startsGroup(d: Device, up: readonly string[]): Placement {
    const addr = d.name;
    const isolation = up.map((b) => `${b}: ${this.acs(b).why}`);
    const above = up.length === 0 ? 'it is on a root bus, with no bridge above it' : `every bridge above it isolates (${isolation.join('; ')})`;
    const own = isMultifunction(d) ? this.acs(addr) : null;
    const slot = own === null ? 'it is the only function in its slot' : own.result === 'pass' ? `it is a ${own.why}` : 'no function of its slot probed before it fails ACS';
    return { address: addr, text: `${addr} starts a group: ${above}, and ${slot}`, edges: [] };
  }
}

export function predictGroups(model: Model, over: Partial<AcsContext> = {}): Prediction {
  const walk = new GroupWalk(model, contextFor(model, over));
  const placements = walk.run();
  const uf = new UnionFind();
  for (const p of placements.values()) for (const e of p.edges) uf.union(e.from, e.to);
  const members = new Map<string, string[]>();
  for (const a of placements.keys()) {
    const r = uf.find(a);
    (members.get(r) ?? members.set(r, []).get(r)!).push(a);
  }
  for (const a of walk.byAddr.keys()) walk.acs(a);
  const used = [...walk.acsCache.entries()];
  return {
    placements,
    unknown: walk.unknown,
    groupOf(address: string) {
      if (!placements.has(address)) return null;
      return [...members.get(uf.find(address))!].sort();
    },
    groups() {
      return [...members.values()].map((m) => [...m].sort()).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
    },
    acs: (a: string) => walk.acs(a),
    quirks: new Map(used.filter(([, r]) => r.quirk).map(([a, r]) => [a, quirkText(r.quirk!)])),
    pchPorts: used.filter(([, r]) => r.pch).map(([a]) => a).sort(),
    overridden: used.filter(([, r]) => r.override).map(([a]) => a).sort(),
    context: walk.ctx,
  };
}
