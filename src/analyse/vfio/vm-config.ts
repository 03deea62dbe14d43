// What goes into the VM for a ready (or ready-after-steps) check: the target PCI functions, slot
// by slot, so that a multifunction device (a GPU and its audio function) keeps one guest slot.
// Pure: the rendering per hypervisor is in render/emit.ts.
import type { CheckReport } from './check.js';
import { pciByAddress } from '../grouping/rules.js';
import type { Model } from '../../model/types.js';

export interface VmFunction {
  address: string;
  domain: number;
  bus: number;
  slot: number;
  function: number;
  /** The firmware's boot VGA device (boot_vga = 1). */
  bootVga: boolean;
  /** A VGA-compatible controller (class 0x0300): x-vga applies to it, boot VGA or not. */
  vga: boolean;
  /** Its function number in the guest slot: 0 for a lone function, 0..n-1 in host order for several (a guest probes function 0 first). */
  guestFunction: number;
}

export interface VmSlot {
  /** "0000:05:00" */
  slot: string;
  functions: VmFunction[];
  /** Every function the tree has in this slot is here (Proxmox can then pass the slot as one entry). */
  whole: boolean;
}

/** The slots to pass, in address order; null when the request is not ready (blocked or unknown). */
export function vmSlots(model: Model, report: CheckReport): VmSlot[] | null {
  if (report.outcome !== 'ready' && report.outcome !== 'steps') return null;
  const byAddr = pciByAddress(model);
  const names = [...new Set(report.groups.flatMap((g) => g.targets))].filter((n) => byAddr.has(n)).sort();
  const slots = new Map<string, VmFunction[]>();
  for (const n of names) {
    const p = byAddr.get(n)!.pci!;
    // A VF is a device of its own (never multifunction): it gets a guest slot of its own.
    const key = p.physfn !== null ? n : n.slice(0, n.lastIndexOf('.'));
    (slots.get(key) ?? slots.set(key, []).get(key)!).push({ address: n, domain: p.domain, bus: p.bus, slot: p.slot, function: p.function, bootVga: p.bootVga === true, vga: p.class !== null && p.class >> 8 === 0x0300, guestFunction: 0 });
  }
  return [...slots].map(([key, functions]) => {
    functions.forEach((f, i) => (f.guestFunction = i));
    const slot = functions[0]!.address.slice(0, functions[0]!.address.lastIndexOf('.'));
    const all = key === slot ? [...byAddr.keys()].filter((a) => a.startsWith(slot + '.')) : [key];
    return { slot, functions, whole: all.every((a) => functions.some((f) => f.address === a)) };
  });
}
