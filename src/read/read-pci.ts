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

export function readPciInfo(sys: SysRoot, name: string, devPath: string, entries: ReadonlySet<string>, errors: ErrorMap): PciInfo | null {
  const addr = parsePciName(name);
  if (!addr) {
    errors['pci'] = 'EBADNAME';
    return null;
  }
  const has = (n: string) => entries.has(n);
  const at = (n: string) => `${devPath}/${n}`;

  const num = (attr: string, key: string, radix: 10 | 16): number | null => {
    if (!has(attr)) return null;
    const t = sys.readText(at(attr));
    if (!t.ok) {
      if (!t.absent) errors[key] = t.error;
      return null;
    }
    const v = radix === 16 ? parseHexAttr(t.value) : parseDecAttr(t.value);
    if (v === null) errors[key] = 'EBADFORMAT';
    return v;
  };

  // One uevent read gives what five attributes give: the kernel prints both from the same
  // struct pci_dev fields (pci_uevent and vendor_show/device_show/class_show/... in
  // drivers/pci/pci-driver.c and pci-sysfs.c), so `class` is the fixed-up class either way,
  // not config space's. A field uevent lacks or garbles (snapshots of other tools, older
  // kernels) falls back to its attribute.
  const ue = has('uevent') ? readUevent(sys, at('uevent')) : null;
  const ids = (key: keyof UeventIds, attr: string): number | null => ue?.[key] ?? num(attr, key, 16);
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
    numaNode: num('numa_node', 'numaNode', 10),
    resetMethods: null,
    hasReset: has('reset'),
    bootVga: null,
    upstream: upstreamBridges(devPath),
    siblings: [],
    physfn: null,
    virtfns: [],
    sriovNumvfs: num('sriov_numvfs', 'sriovNumvfs', 10),
    sriovTotalvfs: num('sriov_totalvfs', 'sriovTotalvfs', 10),
    vfioDev: null,
    vfioCdev: null,
    rom: has('rom') ? at('rom') : null,
    mdevTypes: null,
    bars: null,
  };

  if (has('config')) {
    const c = sys.readBytesView(at('config'), CONFIG_MAX); // parsed here, before the next read
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
    } else if (!c.absent) errors['config'] = c.error;
  }
  // No config space to take it from (a snapshot without it, a device gone): the attribute, which
  // kernels before 4.x lack.
  if (info.revision === null) info.revision = num('revision', 'revision', 16);
  if (has('reset_method')) {
    const r = sys.readText(at('reset_method'));
    if (r.ok) info.resetMethods = r.value.split(/\s+/).filter((s) => s !== '');
    else if (!r.absent) errors['resetMethods'] = r.error;
  }
  if (has('boot_vga')) {
    const b = sys.readText(at('boot_vga'));
    if (b.ok) info.bootVga = b.value === '1';
    else if (!b.absent) errors['bootVga'] = b.error;
  }
  if (has('physfn')) {
    const p = sys.resolveLink(at('physfn'));
    if (p.ok) info.physfn = path.posix.basename(p.value);
    else if (!p.absent) errors['physfn'] = p.error;
  }
  const vfs = [...entries]
    .filter((e) => /^virtfn[0-9]+$/.test(e))
    .sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)));
  for (const vf of vfs) {
    const v = sys.resolveLink(at(vf));
    if (v.ok) info.virtfns.push(path.posix.basename(v.value));
    else if (!v.absent) errors['virtfns'] = v.error;
  }
  if (has('vfio-dev')) {
    const v = sys.list(at('vfio-dev'));
    if (v.ok) info.vfioDev = v.value.find((n) => /^vfio[0-9]+$/.test(n)) ?? null;
    else if (!v.absent) errors['vfioDev'] = v.error;
    if (info.vfioDev !== null) {
      const d = sys.readText(at(`vfio-dev/${info.vfioDev}/dev`));
      if (d.ok) info.vfioCdev = d.value;
      else if (!d.absent) errors['vfioCdev'] = d.error;
    }
  }
  if (has('resource')) {
    const r = sys.readText(at('resource'));
    if (r.ok) {
      info.bars = parseResource(r.value);
      if (info.bars === null) errors['bars'] = 'EBADFORMAT';
    } else if (!r.absent) errors['bars'] = r.error;
  }
  if (has('mdev_supported_types')) info.mdevTypes = readMdevTypes(sys, at('mdev_supported_types'), errors);
  return info;
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
