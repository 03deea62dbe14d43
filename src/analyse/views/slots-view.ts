// `slots`: each physical slot, what sits in it, the bridge above it, and the group a card there gets
// (the kernel's groups, or the predicted ones while the IOMMU is off). For an empty slot the
// kernel's rules are asked about a card on the slot's bus: the bridges above it must isolate
// (ACS) and be PCIe ports (a PCI bridge makes everything behind it DMA as the bridge). Pure.
import { PCIE_TYPE as T } from '../../model/config-space.js';
import type { Device, Model, PciSlot } from '../../model/types.js';
import { functionSlotKey } from '../../read/read-slots.js';
import { iommuState, isBridge } from '../grouping/isolation.js';
import { predictedGroups } from '../grouping/predicted.js';
import { busParents, pciByAddress, predictGroups, type Prediction } from '../grouping/rules.js';

export type SlotVerdict = 'own' | 'shares' | 'unknown';

export interface SlotView {
  slot: PciSlot;
  /** The functions in the slot (a card's), by address. */
  functions: string[];
  group: number | null;
  verdict: SlotVerdict;
  text: string;
}

export interface SlotsView {
  /** The groups are predicted (the IOMMU is off). */
  predicted: boolean;
  /** null: sys/bus/pci/slots could not be read. */
  slots: SlotView[] | null;
}

/** Why a card below `bridge` would share a group: the first bridge above it that does not isolate; null when all do. */
function upstreamReason(p: Prediction, byAddr: Map<string, Device>, bridge: string): { verdict: SlotVerdict; why: string } | null {
  const b = byAddr.get(bridge);
  if (!b) return { verdict: 'unknown', why: `its bridge ${bridge} is not in this tree` };
  for (const a of [bridge, ...busParents(b)]) {
    const d = byAddr.get(a);
    const t = d?.pci?.caps?.portType;
    if (d?.pci?.caps === null || d?.pci?.caps === undefined) return { verdict: 'unknown', why: `${a}'s config space is not readable past 64 bytes (run as root)` };
    if (t === T.PCIE_TO_PCI_BRIDGE || t === T.PCI_TO_PCIE_BRIDGE || t === null) return { verdict: 'shares', why: `${a} is a PCI bridge: everything behind it DMAs as it` };
    const r = p.acs(a);
    if (r.result === 'unknown') return { verdict: 'unknown', why: r.why };
    if (r.result === 'fail') return { verdict: 'shares', why: `${a} does not isolate (${r.why})` };
  }
  return null;
}

export function buildSlotsView(real: Model): SlotsView {
  const active = iommuState(real).active;
  const predicted = active ? null : predictedGroups(real);
  const model = predicted?.model ?? real;
  const unpredicted = new Map((predicted?.unknown ?? []).map((u) => [u.device, u.why] as const));
  if (real.slots === null || real.slots === undefined) return { predicted: !active, slots: null };
  const p = predictGroups(model);
  const byAddr = pciByAddress(model);
  const groups = new Map(model.groups.map((g) => [g.id, g] as const));
  const slots = real.slots.map((slot): SlotView => {
    const functions = [...byAddr.values()].filter((d) => slot.address !== null && functionSlotKey(d.name) === slot.address).map((d) => d.name).sort();
    const up = slot.bridge === null ? null : upstreamReason(p, byAddr, slot.bridge);
    if (slot.address === null) return { slot, functions, group: null, verdict: 'unknown', text: 'its address is unreadable' };
    if (functions.length === 0) {
      if (slot.bridge === null) return { slot, functions, group: null, verdict: 'unknown', text: 'empty; the bridge above it is not known (no pci_bus entry names its bus)' };
      if (up === null) return { slot, functions, group: null, verdict: 'own', text: `empty; a card here gets a group of its own (every bridge above it isolates; a multifunction card without ACS keeps its functions in one group)` };
      return { slot, functions, group: null, verdict: up.verdict, text: up.verdict === 'unknown' ? `empty; cannot tell: ${up.why}` : `empty; a card here shares the group of ${slot.bridge}: ${up.why}` };
    }
    const gid = byAddr.get(functions[0]!)!.group;
    const g = gid === null ? undefined : groups.get(gid);
    if (g === undefined) return { slot, functions, group: null, verdict: 'unknown', text: `${functions.join(', ')}: its group ${active ? 'could not be read' : `cannot be predicted: ${unpredicted.get(functions[0]!) ?? 'see iommu-groups list --predict'}`}` };
    const others = g.members.filter((m) => !functions.includes(m.name) && !isBridge(byAddr.get(m.name))).map((m) => m.name);
    if (others.length === 0) return { slot, functions, group: g.id, verdict: 'own', text: `${functions.join(', ')}: the card has group ${g.id} to itself` };
    return { slot, functions, group: g.id, verdict: 'shares', text: `${functions.join(', ')}: shares group ${g.id} with ${others.join(', ')}${up && up.verdict === 'shares' ? `: ${up.why}` : ''}` };
  });
  return { predicted: !active, slots };
}
