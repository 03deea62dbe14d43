// Physical slots: sys/bus/pci/slots/NAME/address ("0000:01:00", or "0000:01:00.0"-less on some
// hotplug drivers) names the bus and device of a card in the slot; the bridge above it is the one
// whose pci_bus/ directory holds that bus. Sets each function's pci.physicalSlot.
import { parsePciName } from '../model/pci-address.js';
import type { Device, ErrorMap, PciSlot } from '../model/types.js';
import type { SysRoot } from './sysfs-root.js';

const SLOTS = 'sys/bus/pci/slots';

/** "0000:01:00" (domain:bus:device), from an address attribute; null when it is not one. */
export function slotAddress(text: string): string | null {
  const m = /^([0-9a-f]{4,8}):([0-9a-f]{2}):([0-9a-f]{2})(\.[0-7])?$/i.exec(text.trim());
  return m ? `${m[1]!.toLowerCase()}:${m[2]!.toLowerCase()}:${m[3]!.toLowerCase()}` : null;
}

/** A function's domain:bus:device, as slot addresses write it. */
export function functionSlotKey(name: string): string | null {
  const a = parsePciName(name);
  return a ? name.slice(0, name.lastIndexOf('.')) : null;
}

export function readSlots(sys: SysRoot, devices: readonly Device[]): PciSlot[] | null {
  const listing = sys.list(SLOTS);
  if (!listing.ok) return listing.absent ? [] : null;
  // Which bridge has each bus below it: its pci_bus/ entries ("0000:01").
  const bridgeOf = new Map<string, string>();
  for (const d of devices) {
    if (d.pci === null || d.pci.headerType !== 1) continue;
    const buses = sys.list(`${d.path}/pci_bus`, false);
    if (buses.ok) for (const b of buses.value) bridgeOf.set(b.toLowerCase(), d.name);
  }
  const slots: PciSlot[] = [];
  for (const name of listing.value) {
    const errors: ErrorMap = {};
    const t = sys.readText(`${SLOTS}/${name}/address`);
    if (!t.ok && !t.absent) errors['address'] = t.error;
    const address = t.ok ? slotAddress(t.value) : null;
    if (t.ok && address === null) errors['address'] = 'EBADFORMAT';
    const bridge = address === null ? null : (bridgeOf.get(address.slice(0, address.lastIndexOf(':'))) ?? null);
    slots.push({ name, address, bridge, errors });
  }
  const byKey = new Map(slots.filter((s) => s.address !== null).map((s) => [s.address!, s.name] as const));
  for (const d of devices) if (d.pci) d.pci.physicalSlot = byKey.get(functionSlotKey(d.name) ?? '') ?? null;
  return slots.sort((a, b) => (a.name.length - b.name.length) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
