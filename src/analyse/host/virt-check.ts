// `host`'s virtualization items, as libvirt's virt-host-validate checks them for QEMU/KVM, plus the
// VFIO ones beyond the IOMMU: iommufd, VFIO device cdevs, vfio-pci options. Each says what was read;
// what the tree does not hold is unknown (captures rarely hold /dev), never a failure. Pure.
import type { FindingCode } from '../findings/finding-codes.js';
import { finding, type Finding } from '../findings/findings.js';
import { truthy } from '../../model/cmdline.js';
import { isVfioDriver } from '../grouping/isolation.js';
import type { Model } from '../../model/types.js';
import { guestOf, NESTED } from './guest.js';

export function virtFindings(model: Model): Finding[] {
  const v = model.host.virt;
  const out: Finding[] = [];
  if (v === null) return out;
  for (const section of [cpuFindings, kvmFindings, cgroupFindings, secureGuestFindings, netHelperFindings, iommufdFindings, cdevFindings, vfioPciOptionFindings]) section(model, v, out);
  return out;
}

type Virt = NonNullable<Model['host']['virt']>;

/** CPU_VIRT: VT-x / AMD-V. */
function cpuFindings(model: Model, v: Virt, out: Finding[]): void {
  const cpu = v.cpu;
  if (cpu === null) out.push(finding('CPU_VIRT', 'unknown', 'cpu', 'proc/cpuinfo is not in this tree: hardware virtualization not checked', ['proc/cpuinfo']));
  else if (cpu.arch === 'x86' && cpu.flag !== null) out.push(finding('CPU_VIRT', 'ok', 'cpu', `hardware virtualization: ${cpu.flag === 'vmx' ? 'Intel VT-x (vmx)' : 'AMD-V (svm)'}`, ['proc/cpuinfo: flags']));
  else if (cpu.arch === 'x86' && guestOf(model)) out.push(finding('CPU_VIRT', 'fail', 'cpu', `no vmx or svm flag in /proc/cpuinfo, and this is ${guestOf(model)!.what}: ${NESTED}`, ['proc/cpuinfo: flags', ...guestOf(model)!.evidence]));
  else if (cpu.arch === 'x86') out.push(finding('CPU_VIRT', 'fail', 'cpu', 'no vmx or svm flag in /proc/cpuinfo: enable Intel VT-x or AMD-V (SVM) in the firmware setup (the kernel hides the flag when firmware disables it)', ['proc/cpuinfo: flags']));
  else out.push(finding('CPU_VIRT', 'info', 'cpu', `${cpu.arch === 'arm64' ? 'arm64: KVM needs the kernel started at EL2 (hypervisor mode); /dev/kvm tells whether it was' : 'not an x86 CPU: /dev/kvm tells whether KVM is available'}`, ['proc/cpuinfo']));
}

/** KVM_MODULES and KVM_DEVICE: the kvm modules and /dev/kvm. */
function kvmFindings(model: Model, v: Virt, out: Finding[]): void {
  const live = model.live;
  const nodes = v.nodes;
  const mods = v.modules;
  const cpu = v.cpu;
  if (mods === null) out.push(finding('KVM_MODULES', 'unknown', 'kvm', 'sys/module not readable here', ['sys/module']));
  else {
    const loaded = ['kvm', 'kvm_intel', 'kvm_amd'].filter((m) => mods[m]);
    const vendor = cpu?.flag === 'vmx' ? 'kvm_intel' : cpu?.flag === 'svm' ? 'kvm_amd' : null;
    // Off the live host (and a snapshot of it) a missing module may only be missing from the capture.
    const complete = live || v.modulesComplete === true;
    if (!mods['kvm'] && !complete) out.push(finding('KVM_MODULES', 'unknown', 'kvm', 'sys/module in this tree has no kvm: not loaded on that host, or left out of the capture', ['sys/module']));
    else if (!mods['kvm']) out.push(finding('KVM_MODULES', cpu?.arch === 'x86' ? 'fail' : 'info', 'kvm', `kvm is not loaded: sudo modprobe ${vendor ?? 'kvm_intel (or kvm_amd)'}`, ['sys/module']));
    else if (vendor !== null && !mods[vendor]) out.push(finding('KVM_MODULES', complete ? 'fail' : 'unknown', 'kvm', `kvm is loaded but ${vendor} is not${complete ? `: sudo modprobe ${vendor}` : ' in this tree'}`, ['sys/module']));
    else out.push(finding('KVM_MODULES', 'ok', 'kvm', `loaded: ${loaded.join(', ')}`, ['sys/module']));
  }
  if (nodes === null) out.push(finding('KVM_DEVICE', 'unknown', '/dev/kvm', 'this tree has no dev/ directory: /dev/kvm not checked', []));
  else if (nodes.kvm !== true) {
    out.push(
      nodes.kvm === false
        ? finding('KVM_DEVICE', 'fail', '/dev/kvm', '/dev/kvm does not exist: no VM can use KVM here (load the kvm modules; in a VM, enable nested virtualization on its host)', ['dev/kvm (lstat)'])
        : finding('KVM_DEVICE', 'unknown', '/dev/kvm', '/dev/kvm is not in this tree, and the tree does not say it was absent on the host (a snapshot by this tool does)', ['dev/kvm']),
    );
  } else if (nodes.kvmAccess === false) {
    out.push(finding('KVM_DEVICE', 'warn', '/dev/kvm', '/dev/kvm exists but this user cannot open it read-write: add the user to its group (usually kvm: sudo usermod -aG kvm "$USER", then log in again); libvirt and root are not affected', ['dev/kvm (access(2), not opened)']));
  } else {
    out.push(finding('KVM_DEVICE', 'ok', '/dev/kvm', nodes.kvmAccess === true ? '/dev/kvm exists and this user may open it (checked with access(2), not opened)' : '/dev/kvm exists (who may open it is not checked off the live host)', ['dev/kvm']));
  }
}

/** CGROUPS: the controllers libvirt puts VMs in (virt-host-validate's list; on v2 cpuacct is part of cpu, devices is eBPF and blkio is io). */
function cgroupFindings(model: Model, v: Virt, out: Finding[]): void {
  const cg = v.cgroups;
  if (cg === null) out.push(finding('CGROUPS', 'unknown', 'cgroups', 'sys/fs/cgroup is not in this tree: the controllers libvirt uses are not checked', ['sys/fs/cgroup']));
  else {
    const need = cg.version === 2 ? ['cpu', 'cpuset', 'memory', 'io'] : ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'blkio'];
    const missing = need.filter((c) => !cg.controllers.includes(c));
    out.push(
      missing.length === 0
        ? finding('CGROUPS', 'ok', 'cgroups', `cgroup v${cg.version} controllers libvirt uses are there: ${need.join(', ')}`, [cg.version === 2 ? 'sys/fs/cgroup/cgroup.controllers' : 'sys/fs/cgroup'])
        : finding('CGROUPS', 'warn', 'cgroups', `cgroup v${cg.version} lacks ${missing.join(', ')}: libvirt cannot limit VMs with them (QEMU started by hand does not need them)`, [cg.version === 2 ? 'sys/fs/cgroup/cgroup.controllers' : 'sys/fs/cgroup']),
    );
  }
}

/** SECURE_GUEST: AMD SEV, Intel TDX: information, as virt-host-validate gives it. */
function secureGuestFindings(model: Model, v: Virt, out: Finding[]): void {
  const sg = v.secureGuest;
  const on = [truthy(sg.sev) ? 'AMD SEV (kvm_amd sev)' : null, truthy(sg.tdx) ? 'Intel TDX (kvm_intel tdx)' : null].filter((x): x is string => x !== null);
  if (on.length > 0) out.push(finding('SECURE_GUEST', 'info', 'secure guests', `KVM offers ${on.join(' and ')}`, ['sys/module/kvm_amd/parameters/sev', 'sys/module/kvm_intel/parameters/tdx']));
  else if (sg.sev !== null || sg.tdx !== null) out.push(finding('SECURE_GUEST', 'info', 'secure guests', 'KVM offers no secure guests here (SEV/TDX off); passthrough does not need them', ['sys/module/kvm_amd/parameters/sev', 'sys/module/kvm_intel/parameters/tdx']));
  else out.push(finding('SECURE_GUEST', 'info', 'secure guests', 'not known: no kvm_amd sev or kvm_intel tdx parameter in this tree; passthrough does not need them', []));
}

/** VHOST_NET and TUN: networking helpers, information only. */
function netHelperFindings(model: Model, v: Virt, out: Finding[]): void {
  const nodes = v.nodes;
  const mods = v.modules;
  if (nodes !== null) {
    const note = (code: FindingCode, node: boolean | null, mod: boolean | undefined, path: string, what: string, load: string) =>
      out.push(finding(code, node ? 'ok' : 'info', path, node ? `${path} exists${mod ? ` (${load} loaded)` : ''}` : node === false ? `${path} does not exist: ${what} (sudo modprobe ${load})` : `${path} is not in this tree`, [path.slice(1)]));
    note('VHOST_NET', nodes.vhostNet, mods?.['vhost_net'], '/dev/vhost-net', 'virtio-net falls back to the slower userspace path', 'vhost_net');
    note('TUN', nodes.tun, mods?.['tun'], '/dev/net/tun', 'tap networking needs it', 'tun');
  }
}

/** IOMMUFD: /dev/iommu (Linux 6.2+). */
function iommufdFindings(model: Model, v: Virt, out: Finding[]): void {
  const h = model.host;
  const iommufdMod = h.modules?.['iommufd'] ?? null;
  const devIommu = h.devNodes?.iommu ?? null;
  if (devIommu === true) out.push(finding('IOMMUFD', 'ok', 'iommufd', `/dev/iommu exists: VFIO can use iommufd (Linux 6.2+)${iommufdMod ? '; iommufd loaded' : ''}`, ['dev/iommu']));
  else if (devIommu === false) out.push(finding('IOMMUFD', 'info', 'iommufd', `/dev/iommu does not exist: QEMU and libvirt use the VFIO group (type1) interface instead; iommufd needs Linux 6.2+ with IOMMUFD${iommufdMod === false ? ' (sudo modprobe iommufd)' : ''}`, ['dev/iommu']));
  else out.push(finding('IOMMUFD', 'unknown', 'iommufd', '/dev/iommu is not in this tree', ['dev/iommu']));
}

/** VFIO_CDEV: the device cdev of each function bound to a VFIO driver (Linux 6.6+). */
function cdevFindings(model: Model, v: Virt, out: Finding[]): void {
  const nodes = v.nodes;
  const bound = model.devices.filter((d) => d.pci !== null && d.driver !== null && isVfioDriver(d.driver));
  for (const d of bound) {
    const cdev = d.pci!.vfioDev;
    if (cdev === null) out.push(finding('VFIO_CDEV', 'info', d.name, `bound to ${d.driver} without a vfio-dev entry (kernel before 6.1): the group node serves`, [`${d.path}/vfio-dev`]));
    else if (d.pci!.vfioCdev === null) out.push(finding('VFIO_CDEV', 'info', d.name, `${cdev} has no device cdev (kernel before 6.6, or built without VFIO_DEVICE_CDEV): QEMU and libvirt use the group node /dev/vfio/${d.group ?? 'N'}`, [`${d.path}/vfio-dev/${cdev}/dev absent`]));
    else if (nodes?.vfioDevices?.includes(cdev)) out.push(finding('VFIO_CDEV', 'ok', d.name, `/dev/vfio/devices/${cdev} exists`, [`${d.path}/vfio-dev/${cdev}`, `dev/vfio/devices/${cdev} (lstat)`]));
    else if (nodes !== null && nodes.vfioDevices !== null) out.push(finding('VFIO_CDEV', 'warn', d.name, `sys says ${cdev} but /dev/vfio/devices/${cdev} does not exist (udev may not have created it)`, [`${d.path}/vfio-dev/${cdev}`, `dev/vfio/devices/${cdev}`]));
    else out.push(finding('VFIO_CDEV', 'info', d.name, `device cdev ${cdev} (its /dev node is not in this tree)`, [`${d.path}/vfio-dev/${cdev}`]));
  }
}

/** VFIO_PCI_OPTIONS: vfio-pci options in force. */
function vfioPciOptionFindings(model: Model, v: Virt, out: Finding[]): void {
  const h = model.host;
  const p = h.moduleParams;
  if (h.modules?.['vfio_pci']) {
    const on = ['disable_idle_d3', 'disable_vga', 'enable_sriov', 'nointxmask', 'disable_denylist'].filter((k) => truthy(p[`vfio_pci/${k}`]));
    const read = Object.keys(p).filter((k) => k.startsWith('vfio_pci/'));
    if (read.length > 0) {
      out.push(finding('VFIO_PCI_OPTIONS', 'info', 'vfio-pci', on.length ? `options on: ${on.join(', ')}${on.includes('disable_denylist') ? ' (devices the kernel keeps from VFIO are allowed)' : ''}` : 'no non-default options (disable_idle_d3, disable_vga, enable_sriov, nointxmask, disable_denylist all off)', read.map((k) => `sys/module/${k.replace('/', '/parameters/')} = ${p[k]}`)));
    }
  }
}
