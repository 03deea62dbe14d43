// `host`: is this machine ready for VFIO passthrough at all? Each item is ok / info / warn / fail
// / unknown with the evidence read. Pure: model in, findings out (see ../shared design notes,
// section 2 "Command line" and sections 3-4).
import { tableKindName } from '../../model/iommu-kinds.js';
import { finding, type Finding } from '../findings/findings.js';
import { cmdlineParam, optionList, parseCmdline, truthy } from '../../model/cmdline.js';
import { iommuState, plural } from '../grouping/isolation.js';
import type { Model } from '../../model/types.js';
import { bootChange, type BootChange } from './boot-loader.js';
import { virtFindings } from './virt-check.js';
import { msiIsolation } from './msi-isolation.js';
import { guestOf, VIOMMU } from './guest.js';


export interface HostReport {
  findings: Finding[];
  /** How to change the kernel command line on this host, when the IOMMU needs it. */
  boot: BootChange | null;
  /** Interrupt remapping state, reused by `check`. */
  interruptRemapping: Finding;
  /** What would isolate MSIs on this platform. */
  msiFix: string;
  /** The allow_unsafe_interrupts settings that are on (command line or module parameter). */
  unsafeInterrupts: string[];
}

export function hostReport(model: Model): HostReport {
  const h = model.host;
  const out: Finding[] = [];
  const st = iommuState(model);
  if (h.kernelRelease !== null) out.push(finding('KERNEL', 'info', 'kernel', `Linux ${h.kernelRelease}`, ['proc/version']));
  firmwareFindings(model, st, out);
  activeFindings(model, st, out);
  cmdlineFindings(model, out);
  const unsafeInterrupts = unsafeInterruptFindings(model, out);
  const msi = msiIsolation(model, st.active);
  const ir = msi.finding;
  out.push(ir);
  vfioFindings(model, st, out);
  domainFindings(model, out);
  memlockFindings(model, out);
  out.push(...virtFindings(model));
  const boot = bootFinding(model, st, out);
  return { findings: out, boot, interruptRemapping: ir, msiFix: msi.fix, unsafeInterrupts };
}

type State = ReturnType<typeof iommuState>;

/** IOMMU_FIRMWARE: what the firmware describes (ACPI tables, or a device tree). */
function firmwareFindings(model: Model, st: State, out: Finding[]): void {
  const h = model.host;
  const tables = h.acpiIommuTables;
  const dt = h.deviceTree;
  if (tables === null && dt) {
    const what = dt.power ? 'POWER firmware (its IOMMU is the platform\'s TCE tables, one group per partitionable endpoint, and registers no unit in /sys/class/iommu)' : 'a device tree (IOMMUs are its "iommus" properties: Arm SMMU and others)';
    out.push(finding('IOMMU_FIRMWARE', st.active ? 'info' : 'unknown', 'firmware', `no ACPI on this machine: ${what} describes it${st.active ? '' : '; whether it has an IOMMU is not decided from it here'}`, [`${dt.path} (no sys/firmware/acpi)`]));
  } else if (tables === null) {
    out.push(finding('IOMMU_FIRMWARE', 'unknown', 'firmware', 'ACPI tables not readable here: cannot tell whether firmware describes an IOMMU', [errOr(h.errors['acpiIommuTables'], 'sys/firmware/acpi/tables absent')]));
  } else if (tables.length > 0) {
    out.push(finding('IOMMU_FIRMWARE', 'ok', 'firmware', `firmware describes an IOMMU: ${tables.map(tableText).join(', ')}`, [`sys/firmware/acpi/tables: ${tables.join(' ')}`]));
  } else if (st.active) {
    out.push(finding('IOMMU_FIRMWARE', 'info', 'firmware', 'no DMAR/IVRS/IORT/VIOT ACPI table; the IOMMU is described another way (device tree, or a platform such as POWER)', ['sys/firmware/acpi/tables']));
  } else {
    const vm = guestOf(model);
    if (vm) out.push(finding('IOMMU_FIRMWARE', 'fail', 'firmware', `firmware describes no IOMMU (no DMAR, IVRS, IORT or VIOT ACPI table), and this is ${vm.what}: ${VIOMMU}`, ['sys/firmware/acpi/tables', ...vm.evidence]));
    else out.push(finding('IOMMU_FIRMWARE', 'fail', 'firmware', 'firmware describes no IOMMU (no DMAR, IVRS, IORT or VIOT ACPI table): enable it in the firmware setup (Intel "VT-d", AMD "IOMMU"/"AMD-Vi"), or this machine has none', ['sys/firmware/acpi/tables']));
  }
}

/** IOMMU_ACTIVE: groups and units. */
function activeFindings(model: Model, st: State, out: Finding[]): void {
  const unitText = model.units.length === 0 ? 'no unit in /sys/class/iommu' : model.units.map((u) => `${u.name} (${u.kind})`).join(', ');
  if (st.active) {
    out.push(finding('IOMMU_ACTIVE', 'ok', 'kernel', `IOMMU active: ${plural(st.groups, 'group')}, ${unitText}`, ['sys/kernel/iommu_groups', 'sys/class/iommu']));
  } else {
    out.push(finding('IOMMU_ACTIVE', 'fail', 'kernel', notActiveText(model), ['sys/kernel/iommu_groups', 'sys/class/iommu', 'proc/cmdline']));
  }
}

/** What the kernel command line sets for the IOMMU and VFIO. */
function cmdlineFindings(model: Model, out: Finding[]): void {
  const h = model.host;
  const cmd = h.cmdline;
  if (cmd === null) {
    out.push(finding('CMDLINE', 'unknown', 'kernel command line', 'not readable here', [errOr(h.errors['cmdline'], 'proc/cmdline absent')]));
  } else {
    const acs = cmdlineParam(cmd, 'pcie_acs_override');
    if (acs !== null) {
      out.push(finding('ACS_OVERRIDE', 'warn', 'kernel command line', `pcie_acs_override=${acs}: the kernel treats devices without ACS as isolated, so group boundaries no longer prove isolation`, ['proc/cmdline']));
    }
    if (optionList(cmdlineParam(cmd, 'amd_iommu')).includes('on')) {
      out.push(finding('AMD_IOMMU_ON', 'warn', 'kernel command line', 'amd_iommu=on is not a kernel option (the kernel logs it as unknown); AMD-Vi is on by default: remove it', ['proc/cmdline']));
    }
    const iommu = optionList(cmdlineParam(cmd, 'iommu'));
    if (iommu.includes('pt') || truthy(cmdlineParam(cmd, 'iommu.passthrough'))) {
      out.push(finding('IOMMU_PASSTHROUGH', 'info', 'kernel command line', 'host devices use identity (passthrough) domains: this does not prevent VFIO', ['proc/cmdline']));
    }
    const ids = cmdlineParam(cmd, 'vfio-pci.ids');
    if (ids !== null) out.push(finding('VFIO_PCI_IDS', 'info', 'kernel command line', `vfio-pci.ids=${ids}: vfio-pci claims these vendor:device ids at boot`, ['proc/cmdline']));
  }
}

/** UNSAFE_INTERRUPTS: allow_unsafe_interrupts on the command line or as a module parameter; the settings that are on. */
function unsafeInterruptFindings(model: Model, out: Finding[]): string[] {
  const h = model.host;
  const cmd = h.cmdline;
  const unsafeIrq = [
    ['vfio_iommu_type1.allow_unsafe_interrupts', 'vfio_iommu_type1/allow_unsafe_interrupts'],
    ['iommufd.allow_unsafe_interrupts', 'iommufd/allow_unsafe_interrupts'],
  ].filter(([c, p]) => truthy(cmdlineParam(cmd, c!)) || truthy(h.moduleParams[p!]));
  const unsafeInterrupts = unsafeIrq.map(([c]) => c!);
  for (const c of unsafeInterrupts) {
    out.push(finding('UNSAFE_INTERRUPTS', 'warn', 'vfio', `${c} is on: a VM can send interrupts as any device (MSI attacks); only for hosts without interrupt remapping that accept that risk`, ['proc/cmdline', 'sys/module/*/parameters']));
  }
  return unsafeInterrupts;
}

/** VFIO modules, no-IOMMU mode and /dev/vfio. */
function vfioFindings(model: Model, st: State, out: Finding[]): void {
  const h = model.host;
  const cmd = h.cmdline;
  if (h.modules === null) {
    out.push(finding('VFIO_MODULES', 'unknown', 'vfio', 'sys/module not readable here', [errOr(h.errors['modules'], 'sys/module absent')]));
  } else {
    const present = Object.entries(h.modules).filter(([, v]) => v).map(([k]) => k);
    if (h.modules['vfio_pci']) out.push(finding('VFIO_MODULES', 'ok', 'vfio', `loaded: ${present.join(', ')}`, ['sys/module']));
    else out.push(finding('VFIO_MODULES', 'warn', 'vfio', `vfio-pci is not loaded${present.length ? ` (loaded: ${present.join(', ')})` : ''}: sudo modprobe vfio-pci`, ['sys/module']));
  }
  const noiommuParam = h.moduleParams['vfio/enable_unsafe_noiommu_mode'];
  if (truthy(noiommuParam) || truthy(cmdlineParam(cmd, 'vfio.enable_unsafe_noiommu_mode')) || st.noiommuGroups > 0) {
    out.push(finding('VFIO_NOIOMMU', 'fail', 'vfio', `VFIO no-IOMMU mode is enabled${st.noiommuGroups ? ` (${plural(st.noiommuGroups, 'no-IOMMU group')})` : ''}: devices handed to a VM have no DMA isolation and the kernel is tainted`, ['sys/module/vfio/parameters/enable_unsafe_noiommu_mode', 'proc/cmdline']));
  }
  if (h.devNodes === null) {
    out.push(finding('DEV_NODES', 'unknown', '/dev', 'this tree has no dev/ directory: /dev/vfio not checked', []));
  } else {
    const v = h.devNodes.vfio;
    if (v === null) out.push(finding('DEV_NODES', h.modules?.['vfio'] ? 'warn' : 'info', '/dev', '/dev/vfio does not exist (it appears when the vfio module is loaded)', ['dev/vfio']));
    else out.push(finding('DEV_NODES', v.includes('vfio') ? 'ok' : 'warn', '/dev', `/dev/vfio: ${v.join(' ') || '(empty)'}${h.devNodes.iommu ? '; /dev/iommu (iommufd) present' : ''}`, ['dev/vfio (lstat/readdir only)']));
  }
}

/** DEFAULT_DOMAIN: the groups' default domain types. */
function domainFindings(model: Model, out: Finding[]): void {
  if (model.groups.length > 0) {
    const counts = new Map<string, number>();
    for (const g of model.groups) counts.set(g.type ?? 'not shown', (counts.get(g.type ?? 'not shown') ?? 0) + 1);
    const text = [...counts].map(([t, n]) => `${t} (${plural(n, 'group')})`).join(', ');
    out.push(finding('DEFAULT_DOMAIN', 'info', 'groups', `default domain type: ${text}; any of them can be given to VFIO`, ['sys/kernel/iommu_groups/*/type']));
  }
}

/** MEMLOCK: the live host only (this shell's limit says nothing of another machine). */
function memlockFindings(model: Model, out: Finding[]): void {
  const h = model.host;
  if (model.live) {
    if (h.memlock === null) out.push(finding('MEMLOCK', 'unknown', 'limits', 'RLIMIT_MEMLOCK not readable from /proc/self/limits', ['proc/self/limits']));
    else if (h.memlock.soft === null) out.push(finding('MEMLOCK', 'ok', 'limits', 'RLIMIT_MEMLOCK is unlimited', ['proc/self/limits']));
    else {
      out.push(finding('MEMLOCK', 'warn', 'limits', `RLIMIT_MEMLOCK of this shell is ${bytes(h.memlock.soft)}: a VM with passthrough pins all of its RAM; libvirt raises the limit for VMs it starts, for QEMU started by hand raise it (ulimit -l, or LimitMEMLOCK= in a systemd unit)`, ['proc/self/limits']));
    }
  }
}

/** BOOT_LOADER: where the command line is edited on this host, when the IOMMU needs a parameter changed. */
function bootFinding(model: Model, st: State, out: Finding[]): BootChange | null {
  const boot = cmdlineNeeds(model, st.active);
  if (boot !== null) {
    const b = bootChange(model, boot.add, boot.remove);
    const what = [...boot.remove.map((r) => `remove ${r}`), ...boot.add.map((a) => `add ${a}`)].join(', ');
    out.push(
      b.detected
        ? finding('BOOT_LOADER', 'info', 'kernel command line', `${what}: this host boots with ${b.options[0]!.loader}; the edit and the command are below`, b.options[0]!.evidence)
        : finding('BOOT_LOADER', 'unknown', 'kernel command line', `${what}: how this host boots is not in this tree (no etc/default/grub, etc/kernel/cmdline or boot tools); the common ways are below`, ['etc/default/grub', 'etc/kernel/cmdline']),
    );
    return b;
  }
  return null;
}


/** Kernel parameters to add or remove so the IOMMU comes up; null when none would help. */
function cmdlineNeeds(model: Model, active: boolean): { add: string[]; remove: string[] } | null {
  if (active) return null;
  const h = model.host;
  const cmd = h.cmdline;
  const tables = h.acpiIommuTables;
  if (tables === null || cmd === null) return null;
  const remove = parseCmdline(cmd).map((p) => p.raw).filter((w) => /^(intel_iommu|amd_iommu|iommu)=(.*,)?off(,.*)?$/.test(w.replace(/-/g, '_')));
  const add = tables.some((t) => t.startsWith('DMAR')) && !optionList(cmdlineParam(cmd, 'intel_iommu')).includes('on') ? ['intel_iommu=on'] : [];
  return add.length + remove.length > 0 ? { add, remove } : null;
}

function notActiveText(model: Model): string {
  const h = model.host;
  const cmd = h.cmdline;
  const st = iommuState(model);
  const base = st.noiommuGroups > 0 ? `no IOMMU active (only ${plural(st.noiommuGroups, 'VFIO no-IOMMU group')})` : 'no IOMMU active: no groups in /sys/kernel/iommu_groups';
  // intel_iommu= speaks only to VT-d and amd_iommu= only to AMD-Vi: each counts where firmware
  // has that vendor's table (or the tables cannot be read); iommu=off turns every one off.
  const tables = h.acpiIommuTables;
  const has = (t: string) => tables === null || tables.some((x) => x.startsWith(t));
  const off = [
    has('DMAR') && optionList(cmdlineParam(cmd, 'intel_iommu')).includes('off') ? 'intel_iommu=off' : null,
    has('IVRS') && optionList(cmdlineParam(cmd, 'amd_iommu')).includes('off') ? 'amd_iommu=off' : null,
    optionList(cmdlineParam(cmd, 'iommu')).includes('off') ? 'iommu=off' : null,
  ].filter((x): x is string => x !== null);
  if (off.length > 0) return `${base}; the kernel command line disables it with ${off.join(' ')}: remove it`;
  const t = h.acpiIommuTables ?? [];
  if (t.some((x) => x.startsWith('DMAR'))) {
    return optionList(cmdlineParam(cmd, 'intel_iommu')).includes('on')
      ? `${base}, although firmware has VT-d (DMAR) and intel_iommu=on is set: the kernel may lack CONFIG_INTEL_IOMMU or have rejected the DMAR table (see dmesg | grep -i dmar)`
      : `${base}; firmware has VT-d (DMAR) but the kernel did not enable it: add intel_iommu=on to the kernel command line (many distributions leave it off by default)`;
  }
  if (t.some((x) => x.startsWith('IVRS'))) {
    return `${base}; firmware has AMD-Vi (IVRS) but the kernel did not enable it: AMD-Vi is on by default (there is no amd_iommu=on), so look for a kernel without CONFIG_AMD_IOMMU or an IVRS error in dmesg`;
  }
  if (t.some((x) => x.startsWith('IORT') || x.startsWith('VIOT'))) {
    return `${base}; firmware describes one (${t.join(', ')}) but no driver bound it: load the SMMU or virtio-iommu driver (arm_smmu_v3, virtio_iommu)`;
  }
  if (h.acpiIommuTables === null) return `${base}; firmware tables not readable here`;
  const vm = guestOf(model);
  if (vm) return `${base}; firmware describes none, and this is ${vm.what}: ${VIOMMU}`;
  return `${base}; firmware describes none: enable VT-d / AMD-Vi in the firmware setup if the machine has it`;
}

function tableText(t: string): string {
  return `${t} (${tableKindName(t) ?? '?'})`;
}

function errOr(err: string | undefined, otherwise: string): string {
  return err === undefined ? otherwise : `unreadable: ${err}`;
}

function bytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (n >= 1 << 20) return `${Math.round(n / (1 << 20))} MiB`;
  return `${Math.round(n / 1024)} KiB`;
}

