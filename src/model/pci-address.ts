// PCI addresses: "0000:01:00.0" as sysfs names devices, and the short "01:00.0" users type.
export interface PciAddress {
  domain: number;
  bus: number;
  slot: number;
  function: number;
}

const FULL = /^([0-9a-f]{4,8}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/;
const USER = /^(?:([0-9a-fA-F]{1,8}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-9a-fA-F]+)$/;

/** Parse a sysfs device name; null when the name is not a PCI function address. */
export function parsePciName(name: string): PciAddress | null {
  const m = FULL.exec(name);
  if (!m) return null;
  const slot = parseInt(m[3]!, 16);
  if (slot > 0x1f) return null;
  return { domain: parseInt(m[1]!, 16), bus: parseInt(m[2]!, 16), slot, function: parseInt(m[4]!, 16) };
}

export type UserAddressResult = { ok: true; address: PciAddress } | { ok: false; reason: string };

/** Parse an address a user typed: "0000:01:00.0", "1:0.0", "01:00.0" (domain 0). */
export function parseUserAddress(text: string): UserAddressResult {
  const m = USER.exec(text.trim());
  if (!m) {
    return { ok: false, reason: 'expected [DOMAIN:]BUS:SLOT.FUNCTION in hex, e.g. 0000:01:00.0 or 01:00.0' };
  }
  const domain = m[1] === undefined ? 0 : parseInt(m[1], 16);
  const bus = parseInt(m[2]!, 16);
  const slot = parseInt(m[3]!, 16);
  const fn = parseInt(m[4]!, 16);
  if (slot > 0x1f) return { ok: false, reason: `slot ${m[3]} is out of range (00-1f)` };
  if (fn > 7) return { ok: false, reason: `function ${m[4]} is out of range (0-7)` };
  return { ok: true, address: { domain, bus, slot, function: fn } };
}

export function formatPciAddress(a: PciAddress): string {
  return `${hex(a.domain, 4)}:${hex(a.bus, 2)}:${hex(a.slot, 2)}.${a.function}`;
}

/** The slot part ("0000:05:00") that multifunction siblings share. */
export function slotKey(a: PciAddress): string {
  return `${hex(a.domain, 4)}:${hex(a.bus, 2)}:${hex(a.slot, 2)}`;
}

export function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** The root bus directory on a device's sysfs path ("sys/devices/platform/x.pcie/pci0000:00"), or null. */
export function rootBusDir(devicePath: string): string | null {
  const parts = devicePath.split('/');
  const i = parts.findIndex((p) => /^pci[0-9a-f]{4,8}:[0-9a-f]{2}$/.test(p));
  return i < 0 ? null : parts.slice(0, i + 1).join('/');
}
