// Host facts outside /sys/bus: kernel command line and release, which ACPI tables name an IOMMU,
// VFIO modules and their parameters, remapped interrupt chips, /dev/vfio (lstat and readdir only:
// the group nodes are exclusive and never opened), mounted filesystems and the disks under them,
// and on a live host the memlock limit.
import type { BlockDevice, ErrorMap, HostFacts } from '../model/types.js';
import { type Got, type SysRoot } from './sysfs-root.js';

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
] as const;

/** /proc/interrupts on a many-CPU host is large; the chip names we need are in every line. */
const INTERRUPTS_MAX = 4 * 1024 * 1024;

/**
 * `full`: everything; otherwise only what list/buses/tree use (the command line and ACPI tables,
 * for the no-IOMMU evidence), so they do not pay for /proc/interrupts, mounts and disks.
 */
export function readHost(sys: SysRoot, full: boolean): HostFacts {
  const errors: ErrorMap = {};
  const keep = <T>(key: string, g: Got<T>): T | null => {
    if (g.ok) return g.value;
    if (!g.absent) errors[key] = g.error;
    return null;
  };

  const cmdline = keep('cmdline', sys.readText('proc/cmdline'));
  const tables = keep('acpiIommuTables', sys.list('sys/firmware/acpi/tables'));
  // A second instance of a table is named with a number ("DMAR2").
  const acpiIommuTables = tables?.filter((n) => (IOMMU_ACPI_TABLES as readonly string[]).includes(n.replace(/\d+$/, ''))) ?? null;
  if (!full) {
    return { cmdline, kernelRelease: null, acpiIommuTables, modules: null, moduleParams: {}, remappedIrqChips: null, devNodes: null, mounted: null, blockDevices: null, memlock: null, errors };
  }

  const version = keep('kernelRelease', sys.readText('proc/version'));
  const kernelRelease = version === null ? null : (/^Linux version (\S+)/.exec(version)?.[1] ?? null);

  const moduleList = keep('modules', sys.list('sys/module'));
  const modules = moduleList === null ? null : Object.fromEntries(VFIO_MODULES.map((m) => [m, moduleList.includes(m)]));
  const moduleParams: Record<string, string> = {};
  for (const p of VFIO_PARAMS) {
    const [mod, param] = p.split('/') as [string, string];
    if (moduleList === null || !moduleList.includes(mod)) continue;
    const v = keep(`param:${p}`, sys.readText(`sys/module/${mod}/parameters/${param}`));
    if (v !== null) moduleParams[p] = v;
  }

  const irq = keep('remappedIrqChips', sys.readBytes('proc/interrupts', INTERRUPTS_MAX));
  const remappedIrqChips = irq === null ? null : remappedChips(irq.toString('latin1'));

  return {
    cmdline,
    kernelRelease,
    acpiIommuTables,
    modules,
    moduleParams,
    remappedIrqChips,
    devNodes: readDevNodes(sys, errors),
    mounted: mountedDevs(keep('mounted', sys.readText('proc/self/mountinfo', INTERRUPTS_MAX))),
    blockDevices: readBlockDevices(sys, errors),
    memlock: sys.root === '/' ? readMemlock(keep('memlock', sys.readText('proc/self/limits'))) : null,
    errors,
  };
}

/** Distinct "IR-..." chip names in /proc/interrupts ("IR-IO-APIC", "IR-PCI-MSIX-0000:01:00.0"). */
export function remappedChips(text: string): string[] {
  const chips = new Set<string>();
  for (const m of text.matchAll(/(?:^|\s)(IR-[A-Za-z0-9-]+)/gm)) chips.add(m[1]!.replace(/-[0-9a-f]{4}:[0-9a-f]{2}:.*$/, ''));
  return [...chips].sort();
}

/** major:minor of each mount (mountinfo field 3). */
export function mountedDevs(text: string | null): string[] | null {
  if (text === null) return null;
  const devs = new Set<string>();
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length > 3 && /^\d+:\d+$/.test(f[2]!)) devs.add(f[2]!);
  }
  return [...devs].sort();
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
  return { vfio, iommu: iommu.ok };
}

function readBlockDevices(sys: SysRoot, errors: ErrorMap): BlockDevice[] | null {
  const l = sys.list('sys/block');
  if (!l.ok) {
    if (!l.absent) errors['blockDevices'] = l.error;
    return null;
  }
  const out: BlockDevice[] = [];
  for (const name of l.value) {
    const t = sys.resolveLink(`sys/block/${name}`);
    if (!t.ok) continue; // vanished, or not a link in an odd tree
    const devs: string[] = [];
    const holders: string[] = [];
    const own = sys.readText(`${t.value}/dev`);
    if (own.ok) devs.push(own.value);
    const inner = sys.list(t.value);
    for (const e of inner.ok ? inner.value : []) {
      if (!e.startsWith(name)) continue; // partitions are named after the disk
      const p = sys.readText(`${t.value}/${e}/dev`);
      if (p.ok) devs.push(p.value);
      const ph = sys.list(`${t.value}/${e}/holders`);
      if (ph.ok) holders.push(...ph.value);
    }
    const h = sys.list(`${t.value}/holders`);
    if (h.ok) holders.push(...h.value);
    out.push({ name, path: t.value, devs, holders });
  }
  return out;
}

/** "Max locked memory   8388608   8388608   bytes" -> soft limit; "unlimited" -> null. */
export function readMemlock(limits: string | null): HostFacts['memlock'] {
  if (limits === null) return null;
  const m = /^Max locked memory\s+(\S+)/m.exec(limits);
  if (!m) return null;
  return { soft: m[1] === 'unlimited' ? null : Number(m[1]) };
}
