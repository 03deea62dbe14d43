// Which device is which across two readings of (possibly) different boots: a PCI function is
// matched by its address first, then by what it is (vendor:device, subsystem, class, and the PCIe
// Device Serial Number where config space shows one), so a card that moved to another slot is
// "moved", and an address that now holds another card is "replaced". Pure.
import type { Device, Model } from '../../model/types.js';

const hex4 = (n: number | null) => (n === null ? '????' : n.toString(16).padStart(4, '0'));

/** What a device is, as far as the tree says: "8086:10d3 sub 8086:0000 class 020000" (+ " dsn ..."). */
export function identityOf(d: Device): string {
  const p = d.pci;
  if (!p) return `${d.bus}/${d.name}`;
  const cls = p.class === null ? '??????' : p.class.toString(16).padStart(6, '0');
  const dsn = p.caps?.dsn ? ` dsn ${p.caps.dsn}` : '';
  return `${hex4(p.vendor)}:${hex4(p.device)} sub ${hex4(p.subsystemVendor)}:${hex4(p.subsystemDevice)} class ${cls}${dsn}`;
}

/** vendor:device, the short form people know a device by. */
export function shortIdentity(d: Device): string {
  return d.pci ? `${hex4(d.pci.vendor)}:${hex4(d.pci.device)}` : d.bus;
}

/** Two identities are the same device unless a fact both sides have differs (a DSN only one side could read is no difference). */
export function sameDevice(a: Device, b: Device): boolean {
  if (!a.pci || !b.pci) return a.bus === b.bus && a.name === b.name;
  const pa = a.pci;
  const pb = b.pci;
  const facts: (keyof typeof pa)[] = ['vendor', 'device', 'subsystemVendor', 'subsystemDevice', 'class'];
  for (const k of facts) if (pa[k] !== null && pb[k] !== null && pa[k] !== pb[k]) return false;
  const da = pa.caps?.dsn ?? null;
  const db = pb.caps?.dsn ?? null;
  return da === null || db === null || da === db;
}

export interface Matching {
  /** Devices in both, A's then B's. */
  pairs: [Device, Device][];
  /** Pairs whose address differs: the device moved. `alike`: more than one device had this identity, so which went where is by address order. */
  moved: { from: Device; to: Device; alike: boolean }[];
  /** An address that holds another device now. */
  replaced: { before: Device; after: Device }[];
  removed: Device[];
  added: Device[];
}

/** The devices a diff follows: PCI functions, and devices of other buses that are in a group on either side. */
function followed(m: Model, other: Model): Device[] {
  const grouped = new Set(other.devices.filter((d) => d.group !== null).map((d) => `${d.bus}/${d.name}`));
  return m.devices.filter((d) => d.pci !== null || d.group !== null || grouped.has(`${d.bus}/${d.name}`));
}

const key = (d: Device) => `${d.bus}/${d.name}`;

export function matchDevices(a: Model, b: Model): Matching {
  const as = followed(a, b);
  const bs = followed(b, a);
  const byKey = new Map(bs.map((d) => [key(d), d]));
  const pairs: [Device, Device][] = [];
  const restA: Device[] = [];
  const takenB = new Set<Device>();
  for (const d of as) {
    const o = byKey.get(key(d));
    if (o && sameDevice(d, o)) {
      pairs.push([d, o]);
      takenB.add(o);
    } else restA.push(d);
  }
  const restB = bs.filter((d) => !takenB.has(d));
  // The rest by identity: the same number of alike devices on each side pair up in address order.
  const moved: Matching['moved'] = [];
  const leftA = new Set(restA);
  const leftB = new Set(restB);
  const ids = new Map<string, { a: Device[]; b: Device[] }>();
  for (const d of restA) if (d.pci) (ids.get(identityOf(d)) ?? ids.set(identityOf(d), { a: [], b: [] }).get(identityOf(d))!).a.push(d);
  for (const d of restB) if (d.pci) ids.get(identityOf(d))?.b.push(d);
  for (const { a: xa, b: xb } of ids.values()) {
    if (xa.length === 0 || xa.length !== xb.length) continue;
    xa.forEach((from, i) => {
      const to = xb[i]!;
      pairs.push([from, to]);
      moved.push({ from, to, alike: xa.length > 1 });
      leftA.delete(from);
      leftB.delete(to);
    });
  }
  const replaced: Matching['replaced'] = [];
  const leftBByKey = new Map([...leftB].map((d) => [key(d), d]));
  for (const d of [...leftA]) {
    const o = leftBByKey.get(key(d));
    if (!o) continue;
    replaced.push({ before: d, after: o });
    leftA.delete(d);
    leftB.delete(o);
  }
  return { pairs, moved, replaced, removed: [...leftA], added: [...leftB] };
}
