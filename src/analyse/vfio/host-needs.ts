// What the host cannot give to a VM: chipset functions (by PCI class), a controller under a
// mounted filesystem or swap, the network interface that carries the default route. Each reason
// names its evidence; where the tree lacks the fact that would decide, the answer is unknown.
import { cmdlineValues } from '../../model/cmdline.js';
import type { Device, Model, NetInterface } from '../../model/types.js';
import type { FindingCode } from '../findings/finding-codes.js';

export interface Need {
  code: FindingCode;
  message: string;
  evidence: string[];
}

export interface HostNeeds {
  /** Reasons the host needs this device. */
  needs: Need[];
  /** Facts that would decide it and that the tree does not hold. */
  unknown: Need[];
}

/** Chipset functions by class code (24-bit): the platform stops working without them. */
const CHIPSET: readonly { match: (cls: number, driver: string | null) => boolean; what: string }[] = [
  { match: (c) => c >> 8 === 0x0600, what: 'the host bridge (the chipset itself)' },
  { match: (c) => c >> 8 === 0x0601, what: 'the chipset\'s ISA/LPC bridge (firmware, TPM, super I/O, embedded controller)' },
  { match: (c) => c >> 8 === 0x0602 || c >> 8 === 0x0603, what: 'a chipset system bus bridge (EISA/MCA)' },
  { match: (c) => c >> 16 === 0x05, what: 'a memory controller' },
  { match: (c) => c >> 8 === 0x0c05, what: 'the SMBus controller (memory SPD, sensors, clock chips)' },
  { match: (c) => c >> 8 >= 0x0800 && c >> 8 <= 0x0803, what: 'a system peripheral the kernel runs on (interrupt, DMA, timer or clock controller)' },
  { match: (c) => c >> 8 === 0x0806, what: 'an IOMMU' },
  { match: (c, d) => c >> 8 === 0x0c80 && d !== null && /spi/i.test(d), what: 'the SPI flash controller (the firmware flash)' },
];

/** One rule: what it looks for, the facts it reads (its evidence), and the check. */
interface HostNeedRule {
  what: string;
  reads: string;
  check: (model: Model, dev: Device, needs: Need[], unknown: Need[]) => void;
}

/** Every reason the host keeps a device, as one table. */
export const HOST_NEED_RULES: readonly HostNeedRule[] = [
  { what: 'a chipset function', reads: 'class', check: chipsetNeeds },
  { what: 'a disk the host mounts or swaps on', reads: 'sys/block, proc/self/mountinfo, proc/swaps', check: storageNeeds },
  { what: 'the interface of the default route', reads: 'sys/class/net, proc/net/route, proc/net/ipv6_route', check: networkNeeds },
  { what: 'the serial port of a console= the kernel writes to', reads: 'proc/cmdline, sys/class/tty', check: serialConsoleNeeds },
  { what: 'the controller of every keyboard', reads: 'sys/class/input/*/capabilities/key', check: keyboardNeeds },
];

export function hostNeeds(model: Model, dev: Device): HostNeeds {
  const needs: Need[] = [];
  const unknown: Need[] = [];
  for (const r of HOST_NEED_RULES) r.check(model, dev, needs, unknown);
  return { needs, unknown };
}

function chipsetNeeds(_model: Model, dev: Device, needs: Need[], unknown: Need[]): void {
  const pci = dev.pci;
  if (!pci) return;
  if (pci.class === null) {
    unknown.push({ code: 'CLASS_UNKNOWN', message: `its PCI class is ${'class' in dev.errors ? `unreadable (${dev.errors['class']})` : 'not in this tree'}: cannot tell whether the host needs it`, evidence: [`${dev.path}/class`] });
    return;
  }
  const c = CHIPSET.find((x) => x.match(pci.class!, dev.driver));
  if (c) needs.push({ code: 'HOST_NEEDS_CHIPSET', message: `${c.what}: the host needs it`, evidence: [`${dev.path}/class = 0x${pci.class.toString(16).padStart(6, '0')}`] });
}

/** console=ttyS1 (any of them: the kernel writes to each) on a serial port of this device. */
function serialConsoleNeeds(model: Model, dev: Device, needs: Need[], unknown: Need[]): void {
  const consoles = cmdlineValues(model.host.cmdline ?? '', 'console').map((v) => v.split(',')[0]!).filter((n) => /^tty[A-Za-z]+\d+$/.test(n));
  if (consoles.length === 0) return;
  const ttys = model.host.display?.serialTtys ?? null;
  if (ttys === null) {
    if (dev.pci?.class != null && dev.pci.class >> 16 === 0x07 && model.host.display) unknown.push({ code: 'CONSOLE_UNKNOWN', message: `a communication controller, and sys/class/tty is not in this tree: cannot tell whether the console (console=${consoles.join(', console=')}) is on it`, evidence: ['sys/class/tty'] });
    return;
  }
  for (const t of ttys.filter((x) => consoles.includes(x.name) && below(x.path, dev))) {
    needs.push({ code: 'HOST_NEEDS_CONSOLE', message: `provides ${t.name}, a console the kernel writes to (console=${t.name} on its command line): the host needs it`, evidence: ['proc/cmdline', `sys/class/tty/${t.name} -> ${t.path}`] });
  }
}

/** Every keyboard the host has sits below this device (a USB controller with the only keyboard). */
function keyboardNeeds(model: Model, dev: Device, needs: Need[], unknown: Need[]): void {
  const d = model.host.display;
  if (!d || d.keyboards === null || d.keyboards.length === 0) return;
  const mine = d.keyboards.filter((k) => below(k.path, dev));
  if (mine.length === 0) return;
  const evidence = mine.map((k) => `sys/class/input/${k.name} -> ${k.path}`);
  if (mine.length < d.keyboards.length) return;
  if (d.inputsUnknown.length > 0) {
    unknown.push({ code: 'KEYBOARD_UNKNOWN', message: `every keyboard this tree shows is below it, and ${d.inputsUnknown.join(', ')} could not be read: cannot tell whether the host keeps another keyboard`, evidence });
    return;
  }
  needs.push({ code: 'HOST_NEEDS_KEYBOARD', message: `every keyboard the host has is below it (${mine.map((k) => k.name).join(', ')}): the host needs it to be typed on; what would change it: another keyboard on another controller, or a host you reach over the network only`, evidence });
}

/** A class device (sys/class/net/eth0, sys/block/sda, an fbN) that lives below this device's directory. */
export const below = (path: string, dev: Device) => path.startsWith(dev.path + '/');

/** Controllers a disk or a network interface can sit below (by 24-bit class): mass storage, USB, FireWire, SD host, Thunderbolt. */
const carries = (dev: Device, own: number): boolean => {
  const c = dev.pci?.class;
  if (c == null) return false;
  return c >> 16 === own || [0x0c03, 0x0c00, 0x0805, 0x0c0a].includes(c >> 8);
};

/** "sys/block/sda (its link leaves the root)", "sys/class/net/eth0 (EACCES)". */
const unresolvedText = (dir: string, u: { name: string; error: string }) => `${dir}/${u.name} (${u.error === 'EOUTSIDE' ? 'its link leaves the root' : u.error})`;

/** Disks below the device that hold a mounted filesystem or swap, directly or through dm/md holders. */
function storageNeeds(model: Model, dev: Device, needs: Need[], unknown: Need[]): void {
  const h = model.host;
  if (h.blockDevices === null) {
    if (dev.pci?.class != null && dev.pci.class >> 16 === 0x01) {
      unknown.push({ code: 'MOUNTS_UNKNOWN', message: 'a storage controller, and sys/block is not in this tree: cannot tell whether it holds a disk the host uses', evidence: ['sys/block'] });
    }
    return;
  }
  const lost = h.unresolved.block;
  if (lost.length > 0 && carries(dev, 0x01)) {
    unknown.push({
      code: 'MOUNTS_UNKNOWN',
      message: `${lost.map((u) => unresolvedText('sys/block', u)).join(', ')} could not be followed: cannot tell whether ${lost.length === 1 ? 'that disk sits' : 'those disks sit'} below it and the host uses ${lost.length === 1 ? 'it' : 'them'}`,
      evidence: lost.map((u) => `sys/block/${u.name}`),
    });
  }
  const disks = h.blockDevices.filter((b) => below(b.path, dev));
  if (disks.length === 0) return;
  const held = `holds ${disks.map((d) => d.name).join(', ')}`;
  const evidence = disks.map((d) => `sys/block/${d.name} -> ${d.path}`);
  if (h.mounted === null) {
    unknown.push({ code: 'MOUNTS_UNKNOWN', message: `${held}, and proc/self/mountinfo ${gap(h.errors['mounted'])}: cannot tell whether the host uses ${disks.length === 1 ? 'it' : 'them'} (run on the host, or take a snapshot there)`, evidence });
    return;
  }
  const mounted = new Set(h.mounted);
  const byMount = new Set(h.mountedByName?.names ?? []);
  const swaps = new Set(h.swaps ?? []);
  const byName = new Map(h.blockDevices.map((b) => [b.name, b]));
  // A block device, its partitions, and what is stacked on them (dm, md: LVM, LUKS, RAID).
  const inUse = (name: string, seen: Set<string>): 'mounted' | 'swap' | null => {
    if (swaps.has(name)) return 'swap';
    if (byMount.has(name)) return 'mounted';
    const b = byName.get(name);
    if (!b || seen.has(name)) return null;
    seen.add(name);
    if (b.partitions.some((p) => swaps.has(p))) return 'swap';
    if (b.devs.some((d) => mounted.has(d)) || b.partitions.some((p) => byMount.has(p))) return 'mounted';
    for (const x of b.holders) {
      const u = inUse(x, seen);
      if (u) return u;
    }
    return null;
  };
  let found = false;
  for (const d of disks) {
    const use = inUse(d.name, new Set());
    if (use === null) continue;
    found = true;
    needs.push({
      code: 'MOUNTED_FILESYSTEM',
      message: `holds ${d.name}, which ${use === 'swap' ? 'the host uses as swap' : 'has a mounted filesystem (or one stacked on it)'}: the host needs it`,
      evidence: [`sys/block/${d.name} -> ${d.path}`, use === 'swap' ? 'proc/swaps' : 'proc/self/mountinfo'],
    });
  }
  if (found) return;
  // Nothing found in use: say so only where every fact that could show a use was there.
  if (h.swaps === null) {
    unknown.push({ code: 'MOUNTS_UNKNOWN', message: `${held}, and proc/swaps ${gap(h.errors['swaps'])}: cannot tell whether the host swaps on ${disks.length === 1 ? 'it' : 'them'}`, evidence: [...evidence, 'proc/swaps'] });
  }
  for (const u of h.mountedByName?.unresolved ?? []) {
    unknown.push({ code: 'MOUNTS_UNKNOWN', message: `${held}; the host's ${u.what} stands on a device this tree does not name (${u.why}): it may be on ${disks.length === 1 ? 'it' : 'them'}`, evidence: [...evidence, u.what.startsWith('swap') ? 'proc/swaps' : 'proc/self/mountinfo'] });
  }
}

/** A fact the tree lacks: "is not in this tree", or "could not be read (EFBIG)". */
const gap = (error: string | undefined) => (error === undefined ? 'is not in this tree' : `could not be read (${error})`);

/** "proc/net/route is not in this tree", "proc/net/route (EFBIG) could not be read". */
function tablesText(missing: readonly string[]): string {
  const list = missing.length ? missing.join(' and ') : 'proc/net/route';
  return missing.some((m) => m.includes(' (')) ? `${list} could not be read` : `${list} ${missing.length > 1 ? 'are' : 'is'} not in this tree`;
}

/** The interface under the default route, followed down through bridges, bonds and VLANs. */
function networkNeeds(model: Model, dev: Device, needs: Need[], unknown: Need[]): void {
  const h = model.host;
  const isNic = dev.pci?.class != null && dev.pci.class >> 16 === 0x02;
  if (h.netInterfaces === null) {
    if (isNic) unknown.push({ code: 'ROUTE_UNKNOWN', message: 'a network controller, and sys/class/net is not in this tree: cannot tell whether the host\'s network runs through it', evidence: ['sys/class/net'] });
    return;
  }
  const lost = h.unresolved.net;
  if (lost.length > 0 && (carries(dev, 0x02) || dev.pci?.class != null && dev.pci.class >> 16 === 0x0d)) {
    unknown.push({
      code: 'ROUTE_UNKNOWN',
      message: `${lost.map((u) => unresolvedText('sys/class/net', u)).join(', ')} could not be followed: cannot tell whether ${lost.length === 1 ? 'that interface is' : 'those interfaces are'} on it and carr${lost.length === 1 ? 'ies' : 'y'} the host's network`,
      evidence: lost.map((u) => `sys/class/net/${u.name}`),
    });
  }
  const mine = h.netInterfaces.filter((n) => below(n.path, dev));
  if (mine.length === 0) return;
  const names = mine.map((n) => n.name).join(', ');
  if (h.defaultRouteInterfaces === null) {
    unknown.push({
      code: 'ROUTE_UNKNOWN',
      message: `provides ${names}, and ${tablesText(h.routeTablesMissing)}: cannot tell whether the default route goes through it (run on the host, or take a snapshot there)`,
      evidence: mine.map((n) => `sys/class/net/${n.name} -> ${n.path}`),
    });
    return;
  }
  const byName = new Map(h.netInterfaces.map((n) => [n.name, n]));
  let found = false;
  for (const top of h.defaultRouteInterfaces) {
    const via = carriers(top, byName);
    const hit = mine.find((n) => via.has(n.name));
    if (!hit) continue;
    found = true;
    needs.push({
      code: 'DEFAULT_ROUTE',
      message: `provides ${hit.name}, which carries the host's default route${top === hit.name ? '' : ` (through ${top})`}: the host needs it`,
      evidence: ['proc/net/route', `sys/class/net/${hit.name} -> ${hit.path}`],
    });
  }
  if (!found && h.routeTablesMissing.length > 0) {
    unknown.push({
      code: 'ROUTE_UNKNOWN',
      message: `provides ${names}, and ${tablesText(h.routeTablesMissing)}: cannot tell whether a default route of that family goes through it`,
      evidence: [...mine.map((n) => `sys/class/net/${n.name} -> ${n.path}`), ...h.routeTablesMissing],
    });
  }
}

/** An interface and everything below it. */
function carriers(name: string, byName: Map<string, NetInterface>): Set<string> {
  const out = new Set<string>();
  const walk = (n: string) => {
    if (out.has(n)) return;
    out.add(n);
    for (const l of byName.get(n)?.lower ?? []) walk(l);
  };
  walk(name);
  return out;
}
