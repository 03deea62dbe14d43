// Virtual GPUs beside mdev: NVIDIA's vendor-specific VFIO (a VF gets a vGPU type by writing its
// nvidia/current_vgpu_type; Linux 6.8+, vGPU 17+), and SR-IOV GPUs (Intel i915/xe, NVIDIA) whose
// PF can offer VFs. What a VM can be given, and the write that makes a VF usable (printed).
import type { Device } from '../../model/types.js';
import type { FindingCode } from '../findings/finding-codes.js';
import type { Status } from '../findings/findings.js';

export interface VgpuFinding {
  code: FindingCode;
  status: Status;
  /** step: the write below makes it usable; block: nothing here can; none: says what is. */
  effect: 'step' | 'block' | 'unknown' | 'none';
  message: string;
  evidence: string[];
}

export interface VgpuResult {
  findings: VgpuFinding[];
  /** Attribute writes the plan prints (the VF's vGPU type). */
  writes: { device: string; file: string; value: string }[];
}

const typeText = (t: { id: number; name: string }) => `${t.id} (${t.name})`;

/** A VF under NVIDIA's vGPU manager: its type, or the write that sets one. */
function nvidiaVf(dev: Device, out: VgpuResult): void {
  const v = dev.pci!.nvidiaVgpu!;
  const dir = `${dev.path}/nvidia`;
  const creatable = v.creatable ?? [];
  if (v.current !== null && v.current > 0) {
    const known = creatable.find((t) => t.id === v.current);
    out.findings.push({ code: 'VGPU_TYPE', status: 'ok', effect: 'none', message: `an NVIDIA vGPU VF with type ${known ? typeText(known) : v.current} set: a VM can be given it as a PCI device; NVIDIA's vGPU manager serves its VFIO device, so it stays on its driver`, evidence: [`${dir}/current_vgpu_type = ${v.current}`] });
    return;
  }
  if (v.current === null) {
    out.findings.push({ code: 'VGPU_UNKNOWN', status: 'unknown', effect: 'unknown', message: 'an NVIDIA vGPU VF whose current_vgpu_type is not readable here: whether it has a vGPU type is not known', evidence: [`${dir}/current_vgpu_type`] });
    return;
  }
  if (v.creatable === null) {
    out.findings.push({ code: 'VGPU_UNKNOWN', status: 'unknown', effect: 'unknown', message: 'an NVIDIA vGPU VF with no vGPU type set, and its creatable_vgpu_types is not readable here: which type it can take is not known', evidence: [`${dir}/creatable_vgpu_types`] });
    return;
  }
  if (creatable.length === 0) {
    out.findings.push({ code: 'VGPU_NONE_CREATABLE', status: 'fail', effect: 'block', message: 'an NVIDIA vGPU VF with no vGPU type set, and no type can be created on it now (creatable_vgpu_types is empty: the vGPUs already on the GPU\'s other VFs use its capacity, or are of a kind this one cannot be mixed with); what would change it: free a vGPU on another VF of the same GPU', evidence: [`${dir}/creatable_vgpu_types (empty)`, `${dir}/current_vgpu_type = 0`] });
    return;
  }
  const first = creatable[0]!;
  const rest = creatable.slice(1).map(typeText);
  out.writes.push({ device: dev.name, file: `/sys/bus/pci/devices/${dev.name}/nvidia/current_vgpu_type`, value: String(first.id) });
  out.findings.push({
    code: 'VGPU_TYPE_UNSET',
    status: 'warn',
    effect: 'step',
    message: `an NVIDIA vGPU VF with no vGPU type set yet: a VM can be given it once it has one; the steps set ${typeText(first)}${rest.length ? `; it could take instead: ${rest.join(', ')} (write that id in the step's place)` : ''}`,
    evidence: [`${dir}/current_vgpu_type = 0`, `${dir}/creatable_vgpu_types`],
  });
}

/** A GPU PF that can offer VFs and has none enabled: a VF may be the better thing to give a VM. */
function sriovGpu(dev: Device, out: VgpuResult): void {
  const p = dev.pci!;
  if (p.class === null || p.class >> 16 !== 0x03 || p.sriovTotalvfs === null || p.sriovTotalvfs <= 0 || (p.sriovNumvfs ?? 0) > 0) return;
  const how = p.vendor === 0x8086 ? "Intel i915/xe: its driver's max_vfs parameter must allow them, then write the count to sriov_numvfs" : p.vendor === 0x10de ? 'NVIDIA vGPU: /usr/lib/nvidia/sriov-manage -e with its address' : 'write the count to sriov_numvfs while its driver is bound';
  out.findings.push({ code: 'SRIOV_GPU', status: 'info', effect: 'none', message: `a GPU that can offer up to ${p.sriovTotalvfs} virtual functions (SR-IOV), none enabled: a VM can be given one VF instead of the whole GPU, and the host keeps the GPU (${how})`, evidence: [`${dev.path}/sriov_totalvfs = ${p.sriovTotalvfs}`, `${dev.path}/sriov_numvfs = ${p.sriovNumvfs ?? 'absent'}`] });
}

export function vgpuFacts(dev: Device): VgpuResult {
  const out: VgpuResult = { findings: [], writes: [] };
  if (!dev.pci) return out;
  if (dev.pci.nvidiaVgpu) nvidiaVf(dev, out);
  sriovGpu(dev, out);
  return out;
}
