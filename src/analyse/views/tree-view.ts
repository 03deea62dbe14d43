// `tree`: the PCI hierarchy per host bridge, each device under its real parent (from its sysfs
// path), with its group, where each group begins, and bridges that do not isolate. Pure.
import { bridgeIsolation, groupedBelow, kernelPrediction, type BridgeIsolation } from '../grouping/kernel-grouping.js';
import { deviceIndex, isBridge } from '../grouping/isolation.js';
import { parsePciName } from '../../model/pci-address.js';
import type { Device, Model } from '../../model/types.js';

export interface TreeNode {
  device: Device;
  children: TreeNode[];
  /** This device is the topmost (first in tree order) member of its group. */
  groupStart: boolean;
  /** Members of its group (PCI addresses), for the mark on the group's first device. */
  groupMembers: string[];
  /** For bridges and ports: whether it isolates what is below it (the kernel's ACS test with its quirks, checked against its groups). */
  isolation: BridgeIsolation | null;
}

export interface HostBridge {
  /** "pci0000:00" */
  name: string;
  domain: string;
  children: TreeNode[];
}

export interface TreeView {
  hostBridges: HostBridge[];
  /** Whether the filter (--group/--device) kept anything. */
  empty: boolean;
  /** The groups are the kernel's rules' prediction (tree --predict), not the kernel's own. */
  predicted?: true;
}

/** --group and --device, each one or more values: the tree keeps what any of them keeps. */
export interface TreeFilter {
  group?: number[];
  device?: string[];
}

export function buildTreeView(model: Model, filter: TreeFilter): TreeView {
  const pci = model.devices.filter((d) => d.pci !== null);
  const groupMembers = new Map<number, string[]>();
  const byPath = deviceIndex(model);
  for (const g of model.groups) groupMembers.set(g.id, g.members.filter((m) => byPath.get(m.path)?.pci).map((m) => m.name).sort());

  // What to keep: everything, or the matches, their ancestors (so they sit under their real
  // parents) and, for --device, its subtree and its group.
  let keep: Set<string> | null = null;
  if (filter.group !== undefined || filter.device !== undefined) {
    const seeds = pci.filter((d) => (d.group !== null && filter.group?.includes(d.group)) || filter.device?.includes(d.name));
    keep = new Set<string>();
    for (const d of seeds) {
      keep.add(d.name);
      for (const a of d.pci!.upstream) keep.add(a);
      if (filter.device?.includes(d.name)) {
        for (const o of pci) if (o.pci!.upstream.includes(d.name) || (d.group !== null && o.group === d.group)) {
          keep.add(o.name);
          for (const a of o.pci!.upstream) keep.add(a);
        }
      }
    }
  }

  const kp = kernelPrediction(model);
  const below = groupedBelow(model);
  const nodes = new Map<string, TreeNode>();
  for (const d of pci) {
    if (keep && !keep.has(d.name)) continue;
    const ports = isBridge(d) ? bridgeIsolation(model, kp, d, below) : null;
    nodes.set(d.name, { device: d, children: [], groupStart: false, groupMembers: d.group === null ? [] : (groupMembers.get(d.group) ?? []), isolation: ports });
  }
  const hostBridges = new Map<string, HostBridge>();
  for (const n of [...nodes.values()].sort((a, b) => cmp(a.device.name, b.device.name))) {
    const parent = n.device.pci!.upstream[0];
    if (parent !== undefined && nodes.has(parent)) nodes.get(parent)!.children.push(n);
    else {
      const hb = hostBridgeOf(n.device.path);
      if (!hostBridges.has(hb)) hostBridges.set(hb, { name: hb, domain: hb.replace(/^pci/, ''), children: [] });
      hostBridges.get(hb)!.children.push(n);
    }
  }
  const list = [...hostBridges.values()].sort((a, b) => cmp(a.name, b.name));
  // The first member of each group met in tree order carries the group's mark.
  const seen = new Set<number>();
  const walk = (n: TreeNode) => {
    const g = n.device.group;
    if (g !== null && !seen.has(g)) {
      seen.add(g);
      n.groupStart = true;
    }
    n.children.forEach(walk);
  };
  for (const hb of list) hb.children.forEach(walk);
  return { hostBridges: list, empty: nodes.size === 0 };
}

/** "sys/devices/pci0000:00/0000:00:02.0/..." -> "pci0000:00" (the host bridge directory). */
function hostBridgeOf(path: string): string {
  const part = path.split('/').find((p) => /^pci[0-9a-f]{4,8}:[0-9a-f]{2}$/.test(p));
  if (part) return part;
  const addr = parsePciName(path.split('/').pop() ?? '');
  return addr ? `pci${addr.domain.toString(16).padStart(4, '0')}:??` : 'pci????:??';
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
