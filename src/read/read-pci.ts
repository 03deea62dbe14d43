// Reads a PCI function's attributes. Sample (q35-intel, 0000:05:00.0):
//   vendor 0x1af4, device 0x1050, class 0x038000, revision 0x01, numa_node -1,
//   reset_method "flr pm bus", config 4096 bytes as root (64 for other users).
// Attribute names come from the directory listing the caller already made, so a missing
// attribute costs no syscall and stays "absent" rather than "unreadable".
import * as path from 'node:path';
import { parseCaps, parseHeader } from '../model/config-space.js';
import { parsePciName } from '../model/pci-address.js';
import type { Bar, ErrorMap, MdevType, PciInfo } from '../model/types.js';
import { type SysRoot } from './sysfs-root.js';

export const CONFIG_MAX = 4096;

/** A function's attributes, read by name from its directory; an error (not an absence) goes to `errors[key]`. */
class Attrs {
  constructor(
    readonly sys: SysRoot,
    private readonly dir: string,
    private readonly entries: ReadonlySet<string>,
    readonly errors: ErrorMap,
  ) {}

  has(n: string): boolean {
    return this.entries.has(n);
  }

  at(n: string): string {
    return `${this.dir}/${n}`;
  }

  names(): string[] {
    return [...this.entries];
  }

  text(attr: string, key: string): string | null {
    if (!this.has(attr)) return null;
    const t = this.sys.readText(this.at(attr));
    if (t.ok) return t.value;
    if (!t.absent) this.errors[key] = t.error;
    return null;
  }

  num(attr: string, key: string, radix: 10 | 16): number | null {
    const t = this.text(attr, key);
    if (t === null) return null;
    const v = radix === 16 ? parseHexAttr(t) : parseDecAttr(t);
    if (v === null) this.errors[key] = 'EBADFORMAT';
    return v;
  }

  /** The name a link (physfn, virtfnN) points at. */
  linkName(rel: string, key: string): string | null {
    const p = this.sys.resolveLink(this.at(rel));
    if (p.ok) return path.posix.basename(p.value);
    if (!p.absent) this.errors[key] = p.error;
    return null;
  }
}

export function readPciInfo(sys: SysRoot, name: string, devPath: string, entries: ReadonlySet<string>, errors: ErrorMap): PciInfo | null {
  const addr = parsePciName(name);
  if (!addr) {
    errors['pci'] = 'EBADNAME';
    return null;
  }
  const a = new Attrs(sys, devPath, entries, errors);
  // One uevent read gives what five attributes give: the kernel prints both from the same
  // struct pci_dev fields (pci_uevent and vendor_show/device_show/class_show/... in
  // drivers/pci/pci-driver.c and pci-sysfs.c), so `class` is the fixed-up class either way,
  // not config space's. A field uevent lacks or garbles (snapshots of other tools, older
  // kernels) falls back to its attribute.
  const ue = a.has('uevent') ? readUevent(sys, a.at('uevent')) : null;
  const ids = (key: keyof UeventIds, attr: string): number | null => ue?.[key] ?? a.num(attr, key, 16);
  const info: PciInfo = {
    address: name,
    domain: addr.domain,
    bus: addr.bus,
    slot: addr.slot,
    function: addr.function,
    vendor: ids('vendor', 'vendor'),
    device: ids('device', 'device'),
    subsystemVendor: ids('subsystemVendor', 'subsystem_vendor'),
    subsystemDevice: ids('subsystemDevice', 'subsystem_device'),
    class: ids('class', 'class'),
    revision: null, // from config space below, else the attribute
    headerType: null,
    multifunction: null,
    configBytes: null,
    caps: null,
    numaNode: a.num('numa_node', 'numaNode', 10),
    resetMethods: null,
    hasReset: a.has('reset'),
    bootVga: null,
    upstream: upstreamBridges(devPath),
    siblings: [],
    physfn: null,
    virtfns: [],
    sriovNumvfs: a.num('sriov_numvfs', 'sriovNumvfs', 10),
    sriovTotalvfs: a.num('sriov_totalvfs', 'sriovTotalvfs', 10),
    vfioDev: null,
    vfioCdev: null,
    rom: a.has('rom') ? a.at('rom') : null,
    mdevTypes: null,
    bars: null,
  };
  readConfig(a, info);
  readResetAndVga(a, info);
  readSriovLinks(a, info);
  readVfioDev(a, info);
  readBars(a, info);
  if (a.has('mdev_supported_types')) info.mdevTypes = readMdevTypes(sys, a.at('mdev_supported_types'), errors);
  if (a.has('nvidia')) info.nvidiaVgpu = readNvidiaVgpu(sys, a.at('nvidia'), errors);
  return info;
}

/** Capabilities, header type and revision from config space (64 bytes for other users, 4096 for root). */
function readConfig(a: Attrs, info: PciInfo): void {
  if (a.has('config')) {
    const c = a.sys.readBytesView(a.at('config'), CONFIG_MAX); // parsed here, before the next read
    if (c.ok) {
      info.configBytes = c.value.length;
      info.caps = parseCaps(c.value);
      const h = parseHeader(c.value);
      if (h) {
        info.headerType = h.headerType;
        info.multifunction = h.multifunctionBit ? true : null;
        // The kernel sets pdev->revision from this byte at enumeration (pci_setup_device) and
        // prints it as the revision attribute; mainline changes it only with config space. The
        // first 64 bytes are readable by every user, so this costs no read of its own.
        info.revision = h.revision;
      }
    } else if (!c.absent) a.errors['config'] = c.error;
  }
  // No config space to take it from (a snapshot without it, a device gone): the attribute, which
  // kernels before 4.x lack.
  if (info.revision === null) info.revision = a.num('revision', 'revision', 16);
}

function readResetAndVga(a: Attrs, info: PciInfo): void {
  const r = a.text('reset_method', 'resetMethods');
  if (r !== null) info.resetMethods = r.split(/\s+/).filter((s) => s !== '');
  const b = a.text('boot_vga', 'bootVga');
  if (b !== null) info.bootVga = b === '1';
}

/** SR-IOV: the PF a VF belongs to (physfn), and a PF's VFs (virtfnN, in N order). */
function readSriovLinks(a: Attrs, info: PciInfo): void {
  if (a.has('physfn')) info.physfn = a.linkName('physfn', 'physfn');
  const vfs = a
    .names()
    .filter((e) => /^virtfn[0-9]+$/.test(e))
    .sort((x, y) => Number(x.slice(6)) - Number(y.slice(6)));
  for (const vf of vfs) {
    const v = a.linkName(vf, 'virtfns');
    if (v !== null) info.virtfns.push(v);
  }
}

/** The VFIO cdev (vfio-dev/vfioN and its dev number), on kernels with iommufd's device files. */
function readVfioDev(a: Attrs, info: PciInfo): void {
  if (!a.has('vfio-dev')) return;
  const v = a.sys.list(a.at('vfio-dev'));
  if (v.ok) info.vfioDev = v.value.find((n) => /^vfio[0-9]+$/.test(n)) ?? null;
  else if (!v.absent) a.errors['vfioDev'] = v.error;
  if (info.vfioDev !== null) {
    const d = a.sys.readText(a.at(`vfio-dev/${info.vfioDev}/dev`));
    if (d.ok) info.vfioCdev = d.value;
    else if (!d.absent) a.errors['vfioCdev'] = d.error;
  }
}

function readBars(a: Attrs, info: PciInfo): void {
  const r = a.text('resource', 'bars');
  if (r === null) return;
  info.bars = parseResource(r);
  if (info.bars === null) a.errors['bars'] = 'EBADFORMAT';
}

type UeventIds = Partial<Record<'vendor' | 'device' | 'subsystemVendor' | 'subsystemDevice' | 'class', number>>;

/** PCI_ID, PCI_SUBSYS_ID and PCI_CLASS of a function's uevent; null when it cannot be read. */
function readUevent(sys: SysRoot, file: string): UeventIds | null {
  const t = sys.readText(file);
  return t.ok ? parseUeventIds(t.value) : null;
}

/** "PCI_CLASS=20000\nPCI_ID=8086:10D3\nPCI_SUBSYS_ID=8086:0000\n..." -> the ids it holds. */
export function parseUeventIds(text: string): UeventIds {
  const out: UeventIds = {};
  const pair = /^PCI_(ID|SUBSYS_ID)=([0-9A-Fa-f]{4}):([0-9A-Fa-f]{4})$/gm;
  for (let m = pair.exec(text); m !== null; m = pair.exec(text)) {
    const [a, b] = [parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
    if (m[1] === 'ID') [out.vendor, out.device] = [a, b];
    else [out.subsystemVendor, out.subsystemDevice] = [a, b];
  }
  const c = /^PCI_CLASS=([0-9A-Fa-f]{1,6})$/m.exec(text);
  if (c) out.class = parseInt(c[1]!, 16);
  return out;
}

/** mdev_supported_types/<type>/{name,available_instances,device_api}. */
function readMdevTypes(sys: SysRoot, dir: string, errors: ErrorMap): MdevType[] | null {
  const l = sys.list(dir);
  if (!l.ok) {
    if (!l.absent) errors['mdevTypes'] = l.error;
    return null;
  }
  return l.value.map((type) => {
    const text = (n: string) => {
      const t = sys.readText(`${dir}/${type}/${n}`);
      return t.ok ? t.value : null;
    };
    const avail = text('available_instances');
    return { type, name: text('name'), availableInstances: avail === null ? null : parseDecAttr(avail), deviceApi: text('device_api') };
  });
}

/**
 * NVIDIA's vendor-specific VFIO (vGPU 17+, Linux 6.8+, no mdev): a VF's nvidia/current_vgpu_type
 * (0: none set) and nvidia/creatable_vgpu_types ("1414 : NVIDIA H200X-1-18C" per line).
 */
function readNvidiaVgpu(sys: SysRoot, dir: string, errors: ErrorMap): PciInfo['nvidiaVgpu'] {
  const cur = sys.readText(`${dir}/current_vgpu_type`);
  const types = sys.readText(`${dir}/creatable_vgpu_types`);
  if (!cur.ok && !cur.absent) errors['nvidiaVgpu'] = cur.error;
  if (!types.ok && !types.absent) errors['nvidiaVgpu'] = types.error;
  if (!cur.ok && !types.ok) return null;
  return { current: cur.ok ? parseNvidiaVgpuType(cur.value) : null, creatable: types.ok ? parseCreatableVgpuTypes(types.value) : null };
}

export function parseNvidiaVgpuType(text: string): number | null {
  const t = text.trim();
  return /^\d{1,9}$/.test(t) ? Number(t) : null;
}

/** "ID : vGPU Name" header (some releases) and "1414 : NVIDIA H200X-1-18C" lines. */
export function parseCreatableVgpuTypes(text: string): { id: number; name: string }[] {
  const out: { id: number; name: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d{1,9})\s*:\s*(\S.*?)\s*$/.exec(line);
    if (m) out.push({ id: Number(m[1]), name: m[2]! });
  }
  return out;
}

// include/linux/ioport.h
const IORESOURCE_IO = 0x100n;
const IORESOURCE_MEM = 0x200n;
const IORESOURCE_PREFETCH = 0x2000n;
const IORESOURCE_MEM_64 = 0x100000n;

/**
 * The `resource` attribute: one "0xSTART 0xEND 0xFLAGS" line per resource (resource_show in
 * drivers/pci/pci-sysfs.c), BARs 0-5 first, then the ROM, SR-IOV and bridge windows. A BAR with
 * start and end 0 is not implemented. null when the first six lines are not in that form.
 */
export function parseResource(text: string): Bar[] | null {
  const lines = text.split('\n');
  if (lines.length < 6) return null;
  const bars: Bar[] = [];
  for (let i = 0; i < 6; i++) {
    const m = /^0x([0-9a-fA-F]{1,16}) 0x([0-9a-fA-F]{1,16}) 0x([0-9a-fA-F]{1,16})$/.exec(lines[i]!.trim());
    if (!m) return null;
    const [start, end, flags] = [BigInt('0x' + m[1]), BigInt('0x' + m[2]), BigInt('0x' + m[3])];
    if ((start === 0n && end === 0n) || end < start || (flags & (IORESOURCE_IO | IORESOURCE_MEM)) === 0n) continue;
    const io = (flags & IORESOURCE_IO) !== 0n;
    bars.push({ index: i, size: Number(end - start + 1n), kind: io ? 'io' : (flags & IORESOURCE_MEM_64) !== 0n ? 'mem64' : 'mem32', prefetchable: !io && (flags & IORESOURCE_PREFETCH) !== 0n });
  }
  return bars;
}

/** "0x8086" -> 0x8086; null for anything that is not one hex number. */
export function parseHexAttr(s: string): number | null {
  return /^0x[0-9a-fA-F]{1,8}$/.test(s) ? parseInt(s.slice(2), 16) : null;
}

export function parseDecAttr(s: string): number | null {
  return /^-?[0-9]{1,9}$/.test(s) ? Number(s) : null;
}

/**
 * Upstream bridges from the device's own sysfs path, nearest first:
 * sys/devices/pci0000:00/0000:00:02.5/0000:06:00.0/0000:07:00.0/0000:08:00.0
 *   -> 0000:07:00.0, 0000:06:00.0, 0000:00:02.5
 */
export function upstreamBridges(devPath: string): string[] {
  const parts = devPath.split('/');
  const chain = parts.slice(0, -1).filter((p) => parsePciName(p) !== null);
  return chain.reverse();
}
