// Whether devices' MSIs are isolated: VFIO (type1 and iommufd) refuses to attach a group whose
// members lack it unless allow_unsafe_interrupts is set. The kernel's rule (kernel/irq/msi.c
// msi_device_has_isolated_msi, 6.3+): some MSI irq domain above the device carries
// IRQ_DOMAIN_FLAG_ISOLATED_MSI (x86 interrupt remapping by VT-d or AMD-Vi, the Arm GICv3 ITS), or
// the architecture isolates them itself (s390, arch_is_isolated_msi). Before 6.3 the same facts
// under other names: IOMMU_CAP_INTR_REMAP on x86, any IRQ_DOMAIN_FLAG_MSI_REMAP domain (an ITS) on Arm.
// POWER's VFIO backend (sPAPR TCE) does not ask. Pure: model in, one finding out.
import { IOMMU_KINDS, type Arch } from '../../model/iommu-kinds.js';
import { finding, type Finding } from '../findings/findings.js';
import { cmdlineParam, optionList } from '../../model/cmdline.js';
import type { Model } from '../../model/types.js';
import { guestOf, VIOMMU } from './guest.js';

/** Intel VT-d ecap bit 3: interrupt remapping supported. */
const ECAP_IR = 1n << 3n;
/** DMAR flags bit 0 (INTR_REMAP): the platform offers interrupt remapping. */
const DMAR_INTR_REMAP = 1;

export type { Arch };

/** The architecture, from the first fact that shows it; null when none does. */
export function platformArch(model: Model): Arch | null {
  const h = model.host;
  const unitArchs = new Set(model.units.map((u) => IOMMU_KINDS[u.kind].arch));
  if (h.deviceTree && h.deviceTree.power) return 'power';
  if (unitArchs.has('s390')) return 's390';
  const cpu = h.virt?.cpu?.arch;
  if (cpu === 'x86' || cpu === 'arm64') return cpu;
  if (unitArchs.has('x86')) return 'x86';
  if (unitArchs.has('arm64')) return 'arm64';
  // An IOMMU kind's table (DMAR/IVRS x86, IORT Arm) or HPET (x86) / GTDT (Arm's generic timer).
  const t = (h.acpiTables ?? []).map((n) => n.replace(/\d+$/, ''));
  const tableOf = (arch: Arch, own: string) => t.some((n) => n === own || Object.values(IOMMU_KINDS).some((k) => k.arch === arch && k.acpiTable === n));
  if (tableOf('x86', 'HPET')) return 'x86';
  if (tableOf('arm64', 'GTDT')) return 'arm64';
  return null;
}

export interface MsiIsolation {
  /** INTERRUPT_REMAPPING: ok isolated, warn not isolated, unknown, info not applicable. */
  finding: Finding;
  /** What would isolate them on this platform (for check's "what would change it"). */
  fix: string;
}

const SUBJECT = 'interrupt remapping';
const REFUSES = 'VFIO refuses devices without it unless allow_unsafe_interrupts is set (unsafe)';

export function msiIsolation(model: Model, active: boolean): MsiIsolation {
  const h = model.host;
  const arch = platformArch(model);
  const x86Units = model.units.filter((u) => IOMMU_KINDS[u.kind].remapsX86Interrupts);
  const others = [...new Set(model.units.filter((u) => !x86Units.includes(u)).map((u) => u.kind))];
  const fix =
    arch === 'x86' && guestOf(model)
      ? `this is ${guestOf(model)!.what}: ${VIOMMU}`
      : arch === 'arm64'
      ? 'an interrupt controller with a GICv3 ITS (GICv2m does not isolate MSIs): a firmware or platform matter'
      : x86Units.length === 0 && arch === 'x86'
        ? `an IOMMU with interrupt remapping (${others.join(', ') || 'this IOMMU'} gives none on x86; in a VM: QEMU -device intel-iommu,intremap=on with -machine kernel-irqchip=split)`
        : 'enable interrupt remapping in the firmware (x2APIC / VT-d / IOMMU options) and do not boot with intremap=off';
  const r = (status: Finding['status'], message: string, evidence: string[]): MsiIsolation => ({ finding: finding('INTERRUPT_REMAPPING', status, SUBJECT, message, evidence), fix });

  if (!active) return r('info', 'not applicable: no active IOMMU', []);
  if (arch === 'power') return r('ok', 'not needed: VFIO on POWER uses the sPAPR TCE IOMMU, which does not refuse groups for MSI isolation', [h.deviceTree ? h.deviceTree.path : 'sys/firmware']);
  if (arch === 's390') return r('ok', 'not needed: s390 isolates MSIs itself (the kernel\'s arch_is_isolated_msi)', ['sys/class/iommu']);
  if (arch === 'x86' && optionList(cmdlineParam(h.cmdline, 'intremap')).includes('off')) {
    return r('warn', `disabled on the kernel command line (intremap=off): ${REFUSES}`, ['proc/cmdline']);
  }

  // /proc/interrupts shows the MSI domain each interrupt goes through.
  const chips = h.msiChips ?? null;
  const remapped = h.remappedIrqChips;
  if (chips !== null && remapped !== null) {
    // x86 remaps every device's MSIs once remapping is on (the IOMMU's own interrupt, "AMD-Vi" on
    // PCI-MSI or DMAR-MSI, never is): an IR- chip decides it.
    if ((arch === 'x86' || arch === null) && remapped.length > 0) return r('ok', `enabled: ${remapped.join(', ')} in /proc/interrupts`, ['proc/interrupts']);
    const isolated = chips.filter((c) => /^(IR|ITS)-/.test(c));
    const plain = chips.filter((c) => !isolated.includes(c));
    if (isolated.length > 0 && plain.length === 0) return r('ok', `MSIs are isolated: ${isolated.join(', ')} in /proc/interrupts${isolated.some((c) => c.startsWith('ITS-')) ? ' (the GIC ITS)' : ''}`, ['proc/interrupts']);
    if (isolated.length > 0) {
      return r('unknown', `some PCI MSIs go through ${isolated.join(', ')}, which isolates them, others through ${plain.join(', ')}, which does not: which one a device uses is not known here`, ['proc/interrupts']);
    }
    if (plain.length > 0) {
      return r('warn', `not enabled: PCI MSIs go through ${plain.join(', ')}, which does not isolate them (no IR- or ITS- chip in /proc/interrupts); ${REFUSES}`, ['proc/interrupts']);
    }
    if (arch === 'x86') return r('warn', `not enabled: no IR- interrupt chip in /proc/interrupts; ${REFUSES}`, ['proc/interrupts']);
  }

  if (arch === 'x86') {
    if (h.dmarFlags != null && (h.dmarFlags & DMAR_INTR_REMAP) === 0) {
      return r('warn', `not offered by the firmware: the DMAR table's INTR_REMAP flag is clear; ${REFUSES}`, [`sys/firmware/acpi/tables/DMAR flags = 0x${h.dmarFlags.toString(16).padStart(2, '0')}`]);
    }
    const intel = x86Units.filter((u) => u.intel !== null);
    const known = intel.filter((u) => u.intel!.ecap !== null);
    const without = known.filter((u) => (BigInt('0x' + u.intel!.ecap!) & ECAP_IR) === 0n);
    if (without.length > 0) {
      return r('warn', `not supported by ${without.map((u) => u.name).join(', ')} (ecap IR bit clear): ${REFUSES}`, without.map((u) => `${u.path}/intel-iommu/ecap = ${u.intel!.ecap}`));
    }
    if (h.dmarFlags == null && (h.acpiIommuTables ?? []).some((t) => t.startsWith('DMAR')) && x86Units.some((u) => u.kind === 'intel-vtd')) {
      // The kernel remaps only when the DMAR table's INTR_REMAP flag is set too (dmar_ir_support): ecap alone does not say.
      return r('unknown', `the DMAR table could not be read${h.errors['dmarFlags'] ? ` (${h.errors['dmarFlags']})` : ''}, and /proc/interrupts is not in this tree: whether the firmware offers interrupt remapping is not known`, ['sys/firmware/acpi/tables/DMAR']);
    }
    if (x86Units.length > 0 && known.length === x86Units.length) {
      return r('ok', 'supported by every unit (ecap IR bit) and not disabled on the command line; /proc/interrupts is not in this tree to confirm it is in use', known.map((u) => `${u.path}/intel-iommu/ecap = ${u.intel!.ecap}`));
    }
    const tables = h.acpiIommuTables;
    if (x86Units.length === 0 && model.units.length > 0 && tables !== null && !tables.some((t) => /^(DMAR|IVRS)/.test(t))) {
      // x86 remaps interrupts only through VT-d or AMD-Vi, and firmware describes neither.
      return r('warn', `not available: this IOMMU (${others.join(', ')}) does not remap interrupts on x86, and firmware has no DMAR or IVRS table for an IOMMU that would; ${REFUSES}`, ['sys/class/iommu', 'sys/firmware/acpi/tables']);
    }
  }
  if (model.units.length === 0) {
    return r('unknown', 'no IOMMU unit in this tree: which IOMMU this is, and so how it isolates interrupts, is not known here', ['sys/class/iommu']);
  }
  const what = arch === 'arm64' ? 'whether a GIC ITS isolates MSIs' : arch === 'x86' ? `whether interrupt remapping is on${x86Units.some((u) => u.kind === 'amd-vi') ? ' (AMD-Vi does not show it in sysfs)' : ''}` : `whether MSIs are isolated on this IOMMU (${[...new Set(model.units.map((u) => u.kind))].join(', ')})`;
  return r('unknown', `cannot tell ${what}: /proc/interrupts is not ${chips === null ? 'readable here' : 'showing any PCI MSI'}`, ['proc/interrupts']);
}
