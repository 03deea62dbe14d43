// tree's JSON document: each host bridge and below it each function under its real parent, with
// its group, where each group begins, and whether a bridge isolates what is below it.
import type { HostBridge, TreeNode, TreeView } from '../analyse/views/tree-view.js';
import type { PciIds } from '../model/pci-ids.js';
import { SCHEMA_VERSION } from './json.js';
import { namesOf } from '../analyse/views/list-view.js';

function node(n: TreeNode, ids: PciIds | null): TreeDocumentNode {
  const d = n.device;
  const names = namesOf(d, ids);
  return {
    address: d.name,
    group: d.group,
    driver: d.driver,
    vendor: d.pci?.vendor ?? null,
    device: d.pci?.device ?? null,
    class: d.pci?.class ?? null,
    className: names.className,
    vendorName: names.vendorName,
    deviceName: names.deviceName,
    groupStart: n.groupStart,
    groupMembers: n.groupStart ? n.groupMembers : [],
    isolation: n.isolation,
    children: n.children.map((c) => node(c, ids)),
  };
}

export interface TreeDocumentNode {
  address: string;
  group: number | null;
  driver: string | null;
  vendor: number | null;
  device: number | null;
  class: number | null;
  className: string | null;
  vendorName: string | null;
  deviceName: string | null;
  /** The first function of its group in tree order; groupMembers then lists the group. */
  groupStart: boolean;
  groupMembers: string[];
  isolation: TreeNode['isolation'];
  children: TreeDocumentNode[];
}

export function treeDocument(v: TreeView, root: string, ids: PciIds | null) {
  return {
    schemaVersion: SCHEMA_VERSION,
    command: 'tree' as const,
    root,
    ...(v.predicted ? { predicted: true } : {}),
    hostBridges: v.hostBridges.map((h: HostBridge) => ({ name: h.name, domain: h.domain, children: h.children.map((c) => node(c, ids)) })),
  };
}
