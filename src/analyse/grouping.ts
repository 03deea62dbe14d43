// Predicts the kernel's PCI grouping from config space, following pci_device_group() in
// drivers/iommu/iommu.c step by step, and records why each device joins another:
//   1. DMA alias: behind a PCIe-to-PCI (or conventional) bridge a device's DMA carries the
//      bridge's requester ID, so it joins the nearest such bridge's group (ports are skipped).
//   2. Upstream: if any bridge on the way to the root fails ACS, join the nearest bridge's group.
//   3. Multifunction: a function failing ACS joins the other functions in its slot failing ACS.
//   4. Otherwise a group of its own.
// Parents are probed before children, so "join X's group" is a union with X. Where config space
// is not readable far enough (non-root: 64 bytes) the device is "unknown", never guessed.
import { acsEnabled, functionKind, isMultifunction } from './acs.js';
import type { Device, Model } from '../model/types.js';
import { PCIE_TYPE as T } from '../model/config-space.js';

export interface Edge {
  /** The device that joins. */
  from: string;
  /** The device whose group it joins. */
  to: string;
  step: 'alias' | 'upstream' | 'multifunction';
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
  /** Devices whose grouping config space cannot decide, with the reason. */
  unknown: Map<string, string>;
  /** Predicted group (a set of addresses) of every decided device. */
  groupOf(address: string): string[] | null;
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

export function predictGroups(model: Model): Prediction {
  const byAddr = pciByAddress(model);
  // Parents first, as the kernel probes them; then by address.
  const order = [...byAddr.values()].sort((a, b) => a.pci!.upstream.length - b.pci!.upstream.length || (a.name < b.name ? -1 : 1));
  const uf = new UnionFind();
  const placements = new Map<string, Placement>();
  const unknown = new Map<string, string>();
  const kindOf = (a: string) => {
    const d = byAddr.get(a);
    return (d && functionKind(d)) ?? 'device';
  };

  for (const d of order) {
    const p = place(d);
    if (typeof p === 'string') {
      unknown.set(d.name, p);
      continue;
    }
    for (const e of p.edges) uf.union(e.from, e.to);
    placements.set(d.name, p);
  }

  function place(d: Device): Placement | string {
    const addr = d.name;
    const up = d.pci!.upstream;
    // 1. DMA aliases through bridges that are not PCIe ports.
    for (const b of up) {
      const bd = byAddr.get(b);
      const acs = acsEnabled(bd, b);
      if (acs.result === 'unknown') return acs.why;
      const t = bd!.pci!.caps!.portType;
      if (t === T.ROOT_PORT || t === T.UPSTREAM_PORT || t === T.DOWNSTREAM_PORT) continue;
      if (t === null || t === T.PCIE_TO_PCI_BRIDGE || t === T.PCI_TO_PCIE_BRIDGE) {
        if (unknown.has(b)) return `the group of ${b} above it is unknown: ${unknown.get(b)}`;
        const reason = `${addr} sits behind ${b}, a ${kindOf(b)}: its DMA carries ${b}'s requester ID, so it shares ${b}'s group`;
        return { address: addr, text: reason, edges: [{ from: addr, to: b, step: 'alias', reason }] };
      }
    }
    // 2. Upstream: every bridge from the parent to the root must pass ACS.
    const isolation: string[] = [];
    if (up.length > 0) {
      for (const b of up) {
        const acs = acsEnabled(byAddr.get(b), b);
        if (acs.result === 'unknown') return acs.why;
        if (acs.result === 'fail') {
          const parent = up[0]!;
          if (unknown.has(parent)) return `the group of ${parent} above it is unknown: ${unknown.get(parent)}`;
          const reason =
            b === parent
              ? `${parent} is a ${acs.why}, so ${addr} shares its group`
              : `${b} above ${parent} does not isolate (${acs.why}), so ${addr} shares ${parent}'s group`;
          return { address: addr, text: reason, edges: [{ from: addr, to: parent, step: 'upstream', reason }] };
        }
        isolation.push(`${b}: ${acs.why}`);
      }
    }
    // 3. Functions of one slot that fail ACS share a group.
    if (isMultifunction(d)) {
      const own = acsEnabled(d, addr);
      if (own.result === 'unknown') return own.why;
      if (own.result === 'fail') {
        const edges: Edge[] = [];
        // Only functions probed before this one have a group to join; later ones join this.
        for (const s of d.pci!.siblings.filter((x) => x < addr)) {
          const sd = byAddr.get(s);
          if (!sd || sd.pci!.physfn !== null) continue;
          const r = acsEnabled(sd, s);
          if (r.result === 'unknown') return r.why;
          if (r.result === 'fail') {
            edges.push({
              from: addr,
              to: s,
              step: 'multifunction',
              reason:
                own.why === r.why
                  ? `${addr} and ${s} are functions of one slot and neither isolates: each is a ${own.why}`
                  : `${addr} and ${s} are functions of one slot and neither isolates: ${addr} is a ${own.why}, ${s} is a ${r.why}`,
            });
          }
        }
        // The kernel joins the first such function's group; the rest are in it already.
        if (edges.length > 0) return { address: addr, text: edges[0]!.reason, edges: [edges[0]!] };
      }
    }
    const above = up.length === 0 ? 'it is on a root bus, with no bridge above it' : `every bridge above it isolates (${isolation.join('; ')})`;
    const slot = !isMultifunction(d)
      ? 'it is the only function in its slot'
      : acsEnabled(d, addr).result === 'pass'
        ? `it is a ${acsEnabled(d, addr).why}`
        : 'no function of its slot probed before it fails ACS';
    const text = `${addr} starts a group: ${above}, and ${slot}`;
    return { address: addr, text, edges: [] };
  }

  const members = new Map<string, string[]>();
  for (const a of placements.keys()) {
    const r = uf.find(a);
    (members.get(r) ?? members.set(r, []).get(r)!).push(a);
  }
  return {
    placements,
    unknown,
    groupOf(address: string) {
      if (!placements.has(address)) return null;
      return [...members.get(uf.find(address))!].sort();
    },
  };
}
