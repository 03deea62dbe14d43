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
  return { ...DEFAULT_CONTEXT, ivrs, onRootBus: (d) => busParents(d).length === 0, iommuOff: !iommuState(model).active, ...over };
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

export function predictGroups(model: Model, over: Partial<AcsContext> = {}): Prediction {
  const ctx = contextFor(model, over);
  const byAddr = pciByAddress(model);
  // Parents first, as the kernel probes them; then by address.
  const order = [...byAddr.values()].sort((a, b) => a.pci!.upstream.length - b.pci!.upstream.length || (a.name < b.name ? -1 : 1));
  const uf = new UnionFind();
  const placements = new Map<string, Placement>();
  const unknown = new Map<string, string>();
  const acsCache = new Map<string, AcsResult>();
  const acs = (a: string): AcsResult => {
    let r = acsCache.get(a);
    if (!r) acsCache.set(a, (r = acsEnabled(byAddr.get(a), a, ctx)));
    return r;
  };
  const kindOf = (a: string) => {
    const d = byAddr.get(a);
    return (d && functionKind(d)) ?? 'device';
  };
  const placed = new Set<string>();
  const busKey = (d: Device) => `${d.pci!.domain}:${d.pci!.bus}`;
  const busMates = new Map<string, Device[]>();
  for (const d of order) (busMates.get(busKey(d)) ?? busMates.set(busKey(d), []).get(busKey(d))!).push(d);

  for (const d of order) {
    const p = place(d);
    placed.add(d.name);
    if (typeof p === 'string') {
      unknown.set(d.name, p);
      continue;
    }
    for (const e of p.edges) uf.union(e.from, e.to);
    placements.set(d.name, p);
  }

  function joinKnown(addr: string, to: string, step: Edge['step'], reason: string): Placement | string {
    if (unknown.has(to)) return `the group of ${to} is unknown: ${unknown.get(to)}`;
    return { address: addr, text: reason, edges: [{ from: addr, to, step, reason }] };
  }

  function place(d: Device): Placement | string {
    const addr = d.name;
    // 0. Intel VMD: the device DMAs as the VMD function above its domain.
    const real = realDmaDevice(d);
    if (real !== null) {
      if (!byAddr.has(real)) return `${addr} DMAs as ${real} (its PCI domain hangs below it), which is not in the tree`;
      return joinKnown(addr, real, 'real-dma', `${addr} is in PCI domain ${d.pci!.address.split(':')[0]} below ${real} (Intel VMD): its DMA carries ${real}'s requester ID (pci_real_dma_dev), so it shares ${real}'s group`);
    }
    const up = busParents(d);
    // 1. DMA aliases through bridges that are not PCIe ports.
    for (const b of up) {
      const bd = byAddr.get(b);
      if (bd && aliasQuirkOf(bd)?.rule.kind === 'xlate-root') break;
      // The walk needs each bridge's port type, from config space.
      if (!bd?.pci?.caps) return capsUnknownWhy(bd, b);
      const t = bd.pci.caps.portType;
      if (t === T.ROOT_PORT || t === T.UPSTREAM_PORT || t === T.DOWNSTREAM_PORT) continue;
      if (t === null || t === T.PCIE_TO_PCI_BRIDGE || t === T.PCI_TO_PCIE_BRIDGE) {
        return joinKnown(addr, b, 'alias', `${addr} sits behind ${b}, a ${kindOf(b)}: its DMA carries ${b}'s requester ID, so it shares ${b}'s group`);
      }
    }
    // 2. Upstream: every bridge from the parent to the root must pass ACS.
    const isolation: string[] = [];
    for (const b of up) {
      const r = acs(b);
      if (r.result === 'unknown') return r.why;
      if (r.result === 'fail') {
        const parent = up[0]!;
        const reason =
          b === parent ? `${parent} is a ${r.why}, so ${addr} shares its group` : `${b} above ${parent} does not isolate (${r.why}), so ${addr} shares ${parent}'s group`;
        return joinKnown(addr, parent, 'upstream', reason);
      }
      isolation.push(`${b}: ${r.why}`);
    }
    // 3. Functions on this bus that it aliases, or that alias it, by a DMA-alias quirk.
    for (const o of busMates.get(busKey(d)) ?? []) {
      if (o === d || !placed.has(o.name)) continue;
      if (!aliases(d, o) && !aliases(o, d)) continue;
      const q = aliasQuirkOf(aliases(d, o) ? d : o)!;
      const who = aliases(d, o) ? `${addr} also DMAs as ${o.name}` : `${o.name} also DMAs as ${addr}`;
      return joinKnown(addr, o.name, 'alias-quirk', `${who} (${q.name}, kernel DMA-alias quirk ${q.fn}), so they share a group`);
    }
    // 4. Functions of one slot that fail ACS share a group.
    const own = isMultifunction(d) ? acs(addr) : null;
    if (own?.result === 'unknown') return own.why;
    if (own?.result === 'fail') {
      // Only functions probed before this one have a group to join; later ones join this.
      for (const s of d.pci!.siblings.filter((x) => x < addr)) {
        const sd = byAddr.get(s);
        if (!sd || sd.pci!.physfn !== null) continue;
        const r = acs(s);
        if (r.result === 'unknown') return r.why;
        if (r.result !== 'fail') continue;
        const reason =
          own.why === r.why
            ? `${addr} and ${s} are functions of one slot and neither isolates: each is a ${own.why}`
            : `${addr} and ${s} are functions of one slot and neither isolates: ${addr} is a ${own.why}, ${s} is a ${r.why}`;
        // The kernel joins the first such function's group; the rest are in it already.
        return joinKnown(addr, s, 'multifunction', reason);
      }
    }
    const above = up.length === 0 ? 'it is on a root bus, with no bridge above it' : `every bridge above it isolates (${isolation.join('; ')})`;
    const slot = !isMultifunction(d) ? 'it is the only function in its slot' : own!.result === 'pass' ? `it is a ${own!.why}` : 'no function of its slot probed before it fails ACS';
    return { address: addr, text: `${addr} starts a group: ${above}, and ${slot}`, edges: [] };
  }

  const members = new Map<string, string[]>();
  for (const a of placements.keys()) {
    const r = uf.find(a);
    (members.get(r) ?? members.set(r, []).get(r)!).push(a);
  }
  for (const a of byAddr.keys()) acs(a);
  const used = [...acsCache.entries()];
  return {
    placements,
    unknown,
    groupOf(address: string) {
      if (!placements.has(address)) return null;
      return [...members.get(uf.find(address))!].sort();
    },
    groups() {
      return [...members.values()].map((m) => [...m].sort()).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
    },
    acs,
    quirks: new Map(used.filter(([, r]) => r.quirk).map(([a, r]) => [a, quirkText(r.quirk!)])),
    pchPorts: used.filter(([, r]) => r.pch).map(([a]) => a).sort(),
    overridden: used.filter(([, r]) => r.override).map(([a]) => a).sort(),
    context: ctx,
  };
}
