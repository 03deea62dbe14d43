// Host facts outside /sys/bus: kernel command line and release, which ACPI tables name an IOMMU,
// VFIO modules and their parameters, remapped interrupt chips, /dev/vfio (lstat and readdir only:
// the group nodes are exclusive and never opened), mounted filesystems and the disks under them,
// and on a live host the memlock limit.
import * as path from 'node:path';
import { readDisplay } from './read-display.js';
import type { BootFacts, ErrorMap, HostFacts, NetInterface, VirtFacts } from '../model/types.js';
import { readStorage } from './read-storage.js';
import { linkedEntries, type Got, type SysRoot } from './sysfs-root.js';

/** DMAR: Intel VT-d; IVRS: AMD-Vi; IORT: Arm SMMU; VIOT: virtio-iommu. */
export const IOMMU_ACPI_TABLES = ['DMAR', 'IVRS', 'IORT', 'VIOT'] as const;

/** Modules whose presence `host` reports (sys/module names use underscores). */
export const VFIO_MODULES = ['vfio', 'vfio_pci', 'vfio_pci_core', 'vfio_iommu_type1', 'iommufd'] as const;

/** module/parameter pairs that change what VFIO allows. */
export const VFIO_PARAMS = [
  'vfio/enable_unsafe_noiommu_mode',
  'vfio_iommu_type1/allow_unsafe_interrupts',
  'iommufd/allow_unsafe_interrupts',
  'vfio_pci/disable_denylist',
  'vfio_pci/enable_sriov',
  'vfio_pci/disable_idle_d3',
  'vfio_pci/disable_vga',
  'vfio_pci/nointxmask',
] as const;

/** Modules a KVM host needs or uses (virt-host-validate looks for the same). */
export const VIRT_MODULES = ['kvm', 'kvm_intel', 'kvm_amd', 'vhost_net', 'tun'] as const;

/** Boot tools looked for, by name, in these directories. */
const BOOT_TOOLS = ['grubby', 'update-grub', 'grub2-mkconfig', 'grub-mkconfig', 'kernelstub', 'kernel-install', 'proxmox-boot-tool'] as const;
const TOOL_DIRS = ['usr/sbin', 'usr/bin', 'sbin', 'bin'] as const;

/**
 * /proc/interrupts grows with CPUs times interrupts (a 1,024-CPU host with 4,000 lines is ~45 MB);
 * past the bound it is an error (EFBIG), never cut. The buffer is allocated, not touched, up front.
 */
const INTERRUPTS_MAX = 64 * 1024 * 1024;

/**
 * `full`: everything; otherwise only what list/buses/tree use (the command line and ACPI tables,
 * for the no-IOMMU evidence), so they do not pay for /proc/interrupts, mounts and disks.
 */
export function readHost(sys: SysRoot, full: boolean, drivers: readonly { bus: string; driver: string }[] = []): HostFacts {
  const errors: ErrorMap = {};
  const keep = keeper(errors);
  const cmdline = keep('cmdline', sys.readText('proc/cmdline'));
  const tables = keep('acpiIommuTables', sys.list('sys/firmware/acpi/tables'));
  // A second instance of a table is named with a number ("DMAR2").
  const acpiIommuTables = tables?.filter((n) => (IOMMU_ACPI_TABLES as readonly string[]).includes(n.replace(/\d+$/, ''))) ?? null;
  const version = keep('kernelRelease', sys.readText('proc/version'));
  const kernelRelease = version === null ? null : (/^Linux version (\S+)/.exec(version)?.[1] ?? null);
  if (!full) return briefHost(cmdline, kernelRelease, acpiIommuTables, errors);

  const { moduleList, modules, moduleParams } = readModules(sys, keep);
  // proc/cpuinfo serves two readers (virtualization flags, and whether this is a VM): read once.
  const unresolved: HostFacts['unresolved'] = { block: [], net: [] };
  const head = sys.readHead('proc/cpuinfo', CPUINFO_MAX);
  const cpuinfo: Got<string> = head.ok ? { ok: true, value: head.value.toString('latin1') } : head;
  const irq = keep('remappedIrqChips', sys.readBytes('proc/interrupts', INTERRUPTS_MAX));
  const irqText = irq === null ? null : irq.toString('latin1');
  const dmarFlags = readDmarFlags(sys, acpiIommuTables, errors);
  return {
    cmdline,
    kernelRelease,
    acpiIommuTables,
    modules,
    moduleParams,
    remappedIrqChips: irqText === null ? null : remappedChips(irqText),
    msiChips: irqText === null ? null : msiChips(irqText),
    vfioPciIdOptions: readVfioPciIdOptions(sys, errors),
    guest: readGuest(sys, cpuinfo),
    acpiTables: tables,
    dmarFlags,
    devNodes: readDevNodes(sys, errors),
    ...readStorage(sys, errors, unresolved.block),
    memlock: sys.live ? readMemlock(keep('memlock', sys.readText('proc/self/limits'))) : null,
    netInterfaces: readNetInterfaces(sys, errors, unresolved.net),
    unresolved,
    ...routeFacts(readDefaultRoutes(sys, errors)),
    driverModules: readDriverModules(sys, drivers),
    osRelease: readOsRelease(sys),
    deviceTree: readDeviceTree(sys),
    virt: readVirt(sys, cpuinfo, moduleList, errors),
    boot: readBoot(sys),
    vendorReset: moduleList === null ? null : moduleList.includes('vendor_reset') ? true : sys.listingsComplete ? false : null,
    display: readDisplay(sys, errors),
    errors,
  };
}

/** A read's value, or null with its errno kept under `key` (an absence is no error). */
function keeper(errors: ErrorMap) {
  return <T>(key: string, g: Got<T>): T | null => {
    if (g.ok) return g.value;
    if (!g.absent) errors[key] = g.error;
    return null;
  };
}

/** What list, buses and tree use: the command line and the ACPI tables (the no-IOMMU evidence), and the kernel release (diff); the rest not read. */
function briefHost(cmdline: string | null, kernelRelease: string | null, acpiIommuTables: string[] | null, errors: ErrorMap): HostFacts {
  return {
    cmdline,
    kernelRelease,
    acpiIommuTables,
    modules: null,
    moduleParams: {},
    remappedIrqChips: null,
    devNodes: null,
    mounted: null,
    blockDevices: null,
    unresolved: { block: [], net: [] },
    memlock: null,
    swaps: null,
    mountedByName: null,
    netInterfaces: null,
    defaultRouteInterfaces: null,
    routeTablesMissing: [],
    driverModules: {},
    osRelease: null,
    deviceTree: null,
    virt: null,
    boot: null,
    errors,
  };
}

/** Which VFIO modules are loaded, and the parameters of those that are. */
function readModules(sys: SysRoot, keep: ReturnType<typeof keeper>) {
  const moduleList = keep('modules', sys.list('sys/module'));
  const modules = moduleList === null ? null : Object.fromEntries(VFIO_MODULES.map((m) => [m, moduleList.includes(m)]));
  const moduleParams: Record<string, string> = {};
  for (const p of VFIO_PARAMS) {
    const [mod, param] = p.split('/') as [string, string];
    if (moduleList === null || !moduleList.includes(mod)) continue;
    const v = keep(`param:${p}`, sys.readText(`sys/module/${mod}/parameters/${param}`));
    if (v !== null) moduleParams[p] = v;
  }
  return { moduleList, modules, moduleParams };
}

/** DMAR: a 36-byte ACPI header, then the host address width (1 byte) and the flags (1 byte). */
function readDmarFlags(sys: SysRoot, acpiIommuTables: readonly string[] | null, errors: ErrorMap): number | null {
  const dmar = acpiIommuTables?.includes('DMAR') ? sys.readHead('sys/firmware/acpi/tables/DMAR', 64) : null;
  if (dmar !== null && !dmar.ok && !dmar.absent) errors['dmarFlags'] = dmar.error;
  return dmar?.ok && dmar.value.length >= 38 && dmar.value.toString('latin1', 0, 4) === 'DMAR' ? dmar.value[37]! : null;
}

/** proc/cpuinfo is one block per CPU; the first block says it all (read as a head: longer is fine). */
const CPUINFO_MAX = 256 * 1024;
/** A modprobe.d file past this is an error (EFBIG), not a cut list of options. */
const MODPROBE_MAX = 256 * 1024;

export function parseCpuinfo(text: string): NonNullable<VirtFacts['cpu']> {
  const flags = /^flags\s*:(.*)$/m.exec(text);
  if (flags) {
    const f = new Set(flags[1]!.trim().split(/\s+/));
    return { arch: 'x86', flag: f.has('vmx') ? 'vmx' : f.has('svm') ? 'svm' : null };
  }
  return { arch: /^(CPU implementer|Features)\s*:/m.test(text) ? 'arm64' : 'other', flag: null };
}

function readVirt(sys: SysRoot, info: Got<string>, moduleList: string[] | null, errors: ErrorMap): VirtFacts {
  if (!info.ok && !info.absent) errors['cpuinfo'] = info.error;
  const cpu = info.ok ? parseCpuinfo(info.value) : null;
  const modules = moduleList === null ? null : Object.fromEntries(VIRT_MODULES.map((m) => [m, moduleList.includes(m)]));
  const dev = sys.kind('dev');
  let nodes: VirtFacts['nodes'] = null;
  if (dev.ok && dev.value === 'dir') {
    const there = (rel: string) => nodeThere(sys, rel);
    const l = sys.list('dev/vfio/devices');
    if (!l.ok && !l.absent) errors['devVfioDevices'] = l.error;
    const kvm = there('dev/kvm');
    const vfioDevices = l.ok ? l.value : l.absent && there('dev/vfio/devices') === false ? [] : null;
    nodes = { kvm, kvmAccess: kvm ? sys.userMayOpen('dev/kvm') : null, vhostNet: there('dev/vhost-net'), tun: there('dev/net/tun'), vfioDevices };
  }
  const param = (mod: string, name: string) => {
    if (!moduleList?.includes(mod)) return null;
    const t = sys.readText(`sys/module/${mod}/parameters/${name}`);
    return t.ok ? t.value : null;
  };
  return { cpu, modules, modulesComplete: sys.listingsComplete, cgroups: readCgroups(sys), secureGuest: { sev: param('kvm_amd', 'sev'), tdx: param('kvm_intel', 'tdx') }, nodes };
}

/** cgroup v2 names its controllers in one file; v1 mounts a hierarchy per controller (or "cpu,cpuacct"). */
function readCgroups(sys: SysRoot): VirtFacts['cgroups'] {
  const v2 = sys.readText('sys/fs/cgroup/cgroup.controllers');
  if (v2.ok) return { version: 2, controllers: v2.value.split(/\s+/).filter(Boolean).sort() };
  const v1 = sys.list('sys/fs/cgroup');
  if (!v1.ok || v1.value.length === 0) return null;
  return { version: 1, controllers: [...new Set(v1.value.flatMap((n) => n.split(',')))].sort() };
}

function readBoot(sys: SysRoot): BootFacts {
  const text = (rel: string) => {
    const t = sys.readText(rel);
    return t.ok ? t.value : null;
  };
  const there = (rel: string) => sys.kind(rel).ok;
  const fw = sys.kind('sys/firmware');
  return {
    grubDefault: text('etc/default/grub'),
    kernelCmdline: text('etc/kernel/cmdline'),
    proxmoxBoot: there('etc/kernel/proxmox-boot-uuids'),
    loaderEntries: ['boot/loader/entries', 'efi/loader/entries', 'boot/efi/loader/entries'].some(there),
    efi: fw.ok ? there('sys/firmware/efi') : null,
    tools: BOOT_TOOLS.filter((t) => TOOL_DIRS.some((d) => there(`${d}/${t}`))),
  };
}

/** sys/class/net/<if> -> the device path, and the interfaces below it (lower_<if> links). */
function readNetInterfaces(sys: SysRoot, errors: ErrorMap, unresolved: HostFacts['unresolved']['net']): NetInterface[] | null {
  const entries = linkedEntries(sys, 'sys/class/net', errors, 'netInterfaces', unresolved);
  if (entries === null) return null;
  const out: NetInterface[] = [];
  for (const { name, path: at } of entries) {
    const inner = sys.list(at, false);
    const lower = (inner.ok ? inner.value : []).filter((e) => e.startsWith('lower_')).map((e) => e.slice('lower_'.length)).sort();
    out.push({ name, path: at, lower });
  }
  return out;
}

/**
 * Interfaces with a default route. proc/net/route (IPv4, hex little-endian):
 *   Iface  Destination  Gateway   Flags  RefCnt  Use  Metric  Mask      MTU  Window  IRTT
 *   eth0   00000000     0101A8C0  0003   0       0    100     00000000  0    0       0
 * proc/net/ipv6_route: dest(32 hex) plen src splen nexthop metric refcnt use flags iface
 *   00000000000000000000000000000000 00 ... 00000003 eth0
 * A default route: destination 0 with mask/prefix 0, flag RTF_UP (1), not RTF_REJECT (0x200);
 * IPv6 lists unreachable defaults on lo, which the reject flag leaves out.
 */
const routeFacts = (r: { interfaces: string[] | null; missing: string[] }) => ({ defaultRouteInterfaces: r.interfaces, routeTablesMissing: r.missing });

/**
 * Default routes from both tables. A table missing from the tree (not known to be absent on the
 * host: a kernel without IPv6 has no ipv6_route) is named in `missing`; interfaces is null when
 * neither can be read.
 */
function readDefaultRoutes(sys: SysRoot, errors: ErrorMap): { interfaces: string[] | null; missing: string[] } {
  const missing: string[] = [];
  const text = (rel: string, key: string) => {
    const g = sys.readText(rel, INTERRUPTS_MAX);
    if (g.ok) return g.value;
    if (!g.absent) {
      errors[key] = g.error;
      missing.push(`${rel} (${g.error})`);
    } else if (!sys.absenceKnown(rel)) missing.push(rel);
    return null;
  };
  const v4 = text('proc/net/route', 'defaultRoutes');
  const v6 = text('proc/net/ipv6_route', 'defaultRoutes6');
  if (v4 === null && v6 === null) return { interfaces: null, missing };
  return { interfaces: defaultRouteInterfaces(v4 ?? '', v6 ?? ''), missing };
}

export function defaultRouteInterfaces(route: string, ipv6Route: string): string[] {
  const out = new Set<string>();
  const usable = (flags: number) => (flags & 0x1) !== 0 && (flags & 0x200) === 0;
  for (const line of route.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 8 && f[1] === '00000000' && f[7] === '00000000' && usable(parseInt(f[3]!, 16))) out.add(f[0]!);
  }
  for (const line of ipv6Route.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 10 && /^0{32}$/.test(f[0]!) && f[1] === '00' && usable(parseInt(f[8]!, 16))) out.add(f[9]!);
  }
  return [...out].sort();
}

/** The module behind each driver: sys/bus/<bus>/drivers/<driver>/module -> ../../../../module/<name>. */
function readDriverModules(sys: SysRoot, drivers: readonly { bus: string; driver: string }[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const { bus, driver } of drivers) {
    const key = `${bus}/${driver}`;
    if (key in out) continue;
    const m = sys.resolveLink(`sys/bus/${bus}/drivers/${driver}/module`);
    // No module link: the driver is built into the kernel (or the tree did not keep the link).
    // The name goes into modprobe.d lines: anything but a module name's characters is refused.
    const name = m.ok ? path.posix.basename(m.value) : null;
    out[key] = name !== null && /^[A-Za-z0-9_-]{1,64}$/.test(name) ? name : null;
  }
  return out;
}

/**
 * A device tree instead of ACPI: sys/firmware/devicetree/base (Arm, POWER), or proc/device-tree.
 * POWER's (pseries, powernv) has an "ibm,*" node or property at its top: its IOMMU (TCE tables,
 * one group per partitionable endpoint) registers no unit in sys/class/iommu.
 */
function readDeviceTree(sys: SysRoot): HostFacts['deviceTree'] {
  for (const rel of ['sys/firmware/devicetree/base', 'proc/device-tree']) {
    const l = sys.list(rel);
    if (l.ok) return { path: rel, power: l.value.some((n) => n.startsWith('ibm,')) };
  }
  return false;
}

/** DMI sys_vendor (and product_name) of the common hypervisors and clouds -> a name. */
const HYPERVISORS: readonly [RegExp, RegExp | null, string][] = [
  [/^QEMU$/, null, 'QEMU/KVM'],
  [/^Red Hat$/, /KVM|OpenStack/i, 'KVM (Red Hat)'],
  [/^Amazon EC2$/, null, 'Amazon EC2'],
  [/^Google$/, /Google Compute Engine/, 'Google Compute Engine'],
  [/^Microsoft Corporation$/, /^Virtual Machine$/, 'Hyper-V / Azure'],
  [/^VMware, Inc\.$/, null, 'VMware'],
  [/^Xen$/, null, 'Xen'],
  [/^innotek GmbH$/, null, 'VirtualBox'],
  [/^OpenStack Foundation$/, null, 'OpenStack'],
  [/^Alibaba Cloud$/, null, 'Alibaba Cloud'],
  [/^Parallels/, null, 'Parallels'],
];

/** A VM shows itself in the cpuinfo hypervisor flag (x86), the DMI vendor, or sys/hypervisor (Xen). */
function readGuest(sys: SysRoot, info: Got<string>): HostFacts['guest'] {
  const text = (rel: string) => {
    const t = sys.readText(rel);
    return t.ok ? t.value : null;
  };
  const evidence: string[] = [];
  let name: string | null = null;
  if (info.ok && /^flags\s*:.*\shypervisor(\s|$)/m.test(info.value)) evidence.push('proc/cpuinfo: flags hypervisor');
  const vendor = text('sys/class/dmi/id/sys_vendor');
  const product = text('sys/class/dmi/id/product_name') ?? '';
  const hit = vendor === null ? undefined : HYPERVISORS.find(([v, p]) => v.test(vendor) && (p === null || p.test(product)));
  if (hit) {
    name = hit[2];
    evidence.push(`sys/class/dmi/id/sys_vendor = ${vendor}`);
  }
  const xen = text('sys/hypervisor/type');
  if (xen !== null && xen !== '') {
    name ??= xen === 'xen' ? 'Xen' : xen;
    evidence.push(`sys/hypervisor/type = ${xen}`);
  }
  return evidence.length ? { hypervisor: name, evidence } : null;
}

/** Where modprobe reads its configuration, in its order of precedence (a name in an earlier one hides the same name later). */
const MODPROBE_DIRS = ['etc/modprobe.d', 'run/modprobe.d', 'usr/local/lib/modprobe.d', 'usr/lib/modprobe.d', 'lib/modprobe.d'] as const;

function readVfioPciIdOptions(sys: SysRoot, errors: ErrorMap): HostFacts['vfioPciIdOptions'] {
  const etc = sys.kind('etc');
  if (!etc.ok || etc.value !== 'dir') return null;
  const seen = new Set<string>();
  const files: string[] = [];
  for (const dir of MODPROBE_DIRS) {
    const l = sys.list(dir);
    if (!l.ok) {
      if (!l.absent) errors[`modprobe:${dir}`] = l.error;
      continue;
    }
    for (const name of l.value) {
      if (!name.endsWith('.conf') || seen.has(name)) continue;
      seen.add(name);
      files.push(`${dir}/${name}`);
    }
  }
  // modprobe reads the files in the order of their names, whatever directory holds them.
  files.sort((a, b) => (path.posix.basename(a) < path.posix.basename(b) ? -1 : 1));
  const out: NonNullable<HostFacts['vfioPciIdOptions']> = [];
  for (const f of files) {
    const t = sys.readText(f, MODPROBE_MAX);
    if (!t.ok) {
      if (!t.absent) errors[`modprobe:${f}`] = t.error;
      continue;
    }
    for (const o of parseModprobeIds(t.value)) out.push({ file: f, ...o });
  }
  return out;
}

/**
 * `options vfio-pci ids=10de:1b80,10de:10f0 disable_vga=1` (module names with - or _; a line may go
 * on after a trailing backslash; # starts a comment) -> each ids= value with its line number.
 */
export function parseModprobeIds(text: string): { line: number; ids: string }[] {
  const out: { line: number; ids: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = i + 1;
    let l = lines[i]!;
    while (l.endsWith('\\') && i + 1 < lines.length) l = l.slice(0, -1) + ' ' + lines[++i]!;
    const w = l.replace(/#.*$/, '').trim().split(/\s+/);
    if (w[0] !== 'options' || w[1]?.replace(/-/g, '_') !== 'vfio_pci') continue;
    for (const p of w.slice(2)) if (p.startsWith('ids=')) out.push({ line: first, ids: p.slice(4) });
  }
  return out;
}

/** ID and ID_LIKE of the distribution; etc/os-release is often a link to ../usr/lib/os-release. */
function readOsRelease(sys: SysRoot): HostFacts['osRelease'] {
  for (const rel of ['etc/os-release', 'usr/lib/os-release']) {
    const k = sys.kind(rel);
    if (!k.ok) continue;
    const target = k.value === 'link' ? sys.resolveLink(rel) : null;
    if (target !== null && !target.ok) continue;
    const t = sys.readText(target === null ? rel : target.value);
    if (t.ok) return parseOsRelease(t.value);
  }
  return null;
}

/** KEY=value lines, values optionally quoted: ID=debian, ID_LIKE="rhel centos fedora". */
export function parseOsRelease(text: string): { id: string | null; idLike: string[] } {
  const get = (key: string): string | null => {
    const m = new RegExp(`^${key}=(.*)$`, 'm').exec(text);
    return m ? m[1]!.trim().replace(/^(["'])(.*)\1$/, '$2') : null;
  };
  const norm = (s: string) => (/^[a-z0-9._-]{1,32}$/.test(s) ? s : null);
  const id = get('ID');
  return { id: id === null ? null : norm(id), idLike: (get('ID_LIKE') ?? '').split(/\s+/).map(norm).filter((x): x is string => x !== null) };
}

/** Distinct "IR-..." chip names in /proc/interrupts ("IR-IO-APIC", "IR-PCI-MSIX-0000:01:00.0"). */
export function remappedChips(text: string): string[] {
  const chips = new Set<string>();
  for (const m of text.matchAll(/(?:^|\s)(IR-[A-Za-z0-9-]+)/gm)) chips.add(m[1]!.replace(/-[0-9a-f]{4}:[0-9a-f]{2}:.*$/, ''));
  return [...chips].sort();
}

/**
 * Chip names of PCI MSI interrupts, one per distinct name, the device suffix cut. A numbered line is
 * "IRQ: <a count per CPU> <chip> <hwirq/type> <name>"; the chip is the first word after the counts:
 *    37:   17   0   ITS-MSI 524288 Edge   nvme0q0            (arm64, GICv3 ITS)
 *    24:    0   0   IR-PCI-MSIX-0000:01:00.0  0-edge  eth0    (x86, interrupt remapping, 6.2+)
 *    24:    0   0   PCI-MSI 16384-edge   PCIe PME             (x86 without remapping)
 *    40:    0   0   MSI  0 Edge  nvme0q0                      (arm64, GICv2m before 6.10)
 */
export function msiChips(text: string): string[] {
  const chips = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^\s*\d+:((?:\s+\d+)*)\s+(\S+)/.exec(line);
    if (!m) continue;
    const chip = m[2]!.replace(/-[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/, '');
    if (/PCI-MSI/.test(chip) || chip === 'MSI' || /^ITS-/.test(chip)) chips.add(chip);
  }
  return [...chips].sort();
}

/** A device node by lstat: there, absent on the host (live, or recorded by a snapshot), or not known. */
function nodeThere(sys: SysRoot, rel: string): boolean | null {
  const k = sys.kind(rel);
  if (k.ok) return true;
  return k.absent && sys.absenceKnown(rel) ? false : null;
}

function readDevNodes(sys: SysRoot, errors: ErrorMap): HostFacts['devNodes'] {
  const dev = sys.kind('dev');
  if (!dev.ok || dev.value !== 'dir') return null;
  let vfio: string[] | null = null;
  const l = sys.list('dev/vfio');
  if (l.ok) vfio = l.value;
  else if (!l.absent) errors['devVfio'] = l.error;
  const iommu = sys.kind('dev/iommu');
  if (!iommu.ok && !iommu.absent) errors['devIommu'] = iommu.error;
  return { vfio, iommu: iommu.ok ? true : iommu.absent && sys.absenceKnown('dev/iommu') ? false : null };
}

/** "Max locked memory   8388608   8388608   bytes" -> soft limit; "unlimited" -> null. */
export function readMemlock(limits: string | null): HostFacts['memlock'] {
  if (limits === null) return null;
  const m = /^Max locked memory\s+(\S+)/m.exec(limits);
  if (!m) return null;
  return { soft: m[1] === 'unlimited' ? null : Number(m[1]) };
}
