// Inside a virtual machine the IOMMU, interrupt remapping and VT-x are the hypervisor's to give, not
// the firmware setup's: the advice names the hypervisor's settings instead. Pure.
import type { Model } from '../../model/types.js';

/** "a virtual machine (QEMU/KVM)", or null when the tree shows no sign of one. */
export function guestOf(model: Model): { what: string; evidence: string[] } | null {
  const g = model.host.guest ?? null;
  return g === null ? null : { what: `a virtual machine${g.hypervisor ? ` (${g.hypervisor})` : ''}`, evidence: g.evidence };
}

export const VIOMMU =
  "the hypervisor must give this VM a virtual IOMMU with interrupt remapping: QEMU -device intel-iommu,intremap=on,caching-mode=on with -machine q35,kernel-irqchip=split (libvirt: <iommu model='intel'><driver intremap='on' caching_mode='on'/></iommu> and <ioapic driver='qemu'/> in <features>); a cloud VM may offer no vIOMMU at all";

export const NESTED = 'the hypervisor must expose hardware virtualization to this VM (nested virtualization: QEMU -cpu host, with kvm_intel nested=1 or kvm_amd nested=1 on its host); a cloud VM may not offer it';
