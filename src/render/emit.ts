// `check --emit libvirt|qemu|proxmox`: the VM configuration for a ready request, on stdout and
// nothing else. Addresses come from the model's parsed numbers, never from raw sysfs text.
import type { VmSlot } from '../analyse/vfio/vm-config.js';
import { sizeText, windowSettings } from '../analyse/vfio/bar-window.js';

export const EMIT_KINDS = ['libvirt', 'qemu', 'proxmox'] as const;
export type EmitKind = (typeof EMIT_KINDS)[number];

export interface EmitOptions {
  /** x-vga=on for a VGA-class target (QEMU, Proxmox): the guest's primary GPU, boot VGA on the host or not. */
  vga: boolean;
  /** libvirt, QEMU: the first guest controller index (chassis) for a multifunction slot's root port. */
  firstPort?: number;
  /** Proxmox: the hostpciN indices to use, in order (free in the VM where its configuration was read). */
  hostpci?: readonly number[];
  /** The guest's 64-bit MMIO window the targets' BARs need (bytes); null: the default holds them. */
  window64?: number | null;
  /** Proxmox: the VM's configuration was read and sets no args (so -args adds, replacing nothing). */
  argsFree?: boolean;
}

const h = (n: number, w: number) => '0x' + n.toString(16).padStart(w, '0');

/** First guest controller index used for a multifunction slot when the VM's own are not known (high, to stay clear of them). */
export const FIRST_PORT = 0x10;

/**
 * libvirt: one <hostdev managed='yes'> per function, to paste into <devices> (virsh edit). A
 * multifunction slot gets a pcie-root-port of its own, its functions one guest slot, multifunction='on'.
 */
export function emitLibvirt(slots: readonly VmSlot[], o: Partial<EmitOptions> = {}): string {
  const out: string[] = [`<!-- iommu-groups check, emit libvirt: paste into <devices> (virsh edit VM). -->`];
  const known = o.firstPort !== undefined;
  let port = o.firstPort ?? FIRST_PORT;
  for (const s of slots) {
    const multi = s.functions.length > 1;
    if (multi) {
      out.push(`<!-- ${s.slot}: its functions share one guest slot on pcie-root-port ${port} (q35 machines)${known ? '' : `; if the VM has a PCI controller with index='${port}' already, change index here and bus='${h(port, 2)}' below to a free index`} -->`);
      out.push(`<controller type='pci' model='pcie-root-port' index='${port}'/>`);
    }
    for (const f of s.functions) {
      out.push(`<hostdev mode='subsystem' type='pci' managed='yes'>`);
      out.push(`  <source>`);
      out.push(`    <address domain='${h(f.domain, 4)}' bus='${h(f.bus, 2)}' slot='${h(f.slot, 2)}' function='${h(f.function, 1)}'/>`);
      out.push(`  </source>`);
      if (multi) out.push(`  <address type='pci' domain='0x0000' bus='${h(port, 2)}' slot='0x00' function='${h(f.guestFunction, 1)}'${f.guestFunction === 0 ? " multifunction='on'" : ''}/>`);
      out.push(`</hostdev>`);
    }
    if (multi) port++;
  }
  if (o.window64) {
    const w = windowSettings(o.window64);
    out.push(`<!-- The targets' 64-bit BARs need a ${sizeText(o.window64)} guest MMIO window: put ${w.libvirt} inside the VM's <controller type='pci' index='0' model='pcie-root'>; with OVMF (UEFI) also <qemu:commandline><qemu:arg value='-fw_cfg'/><qemu:arg value='name=opt/ovmf/X-PciMmio64Mb,string=${w.mib}'/></qemu:commandline> (xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0' on <domain>), and <cpu mode='host-passthrough'> so the guest can address it -->`);
  }
  return out.join('\n') + '\n';
}

/** QEMU: -device arguments, one per line, continued with " \" so they paste into a command line. */
export function emitQemu(slots: readonly VmSlot[], o: EmitOptions): string {
  const args: string[] = [];
  let port = o.firstPort ?? FIRST_PORT;
  for (const s of slots) {
    const multi = s.functions.length > 1;
    const bus = `ig-rp${port}`;
    if (multi) args.push(`-device pcie-root-port,id=${bus},chassis=${port},slot=${port}`);
    for (const f of s.functions) {
      const props = [`host=${f.address}`];
      if (multi) props.push(`bus=${bus}`, `addr=00.${f.guestFunction}`, ...(f.guestFunction === 0 ? ['multifunction=on'] : []));
      if (o.vga && f.vga) props.push('x-vga=on');
      args.push(`-device vfio-pci,${props.join(',')}`);
    }
    if (multi) port++;
  }
  if (o.window64) {
    const w = windowSettings(o.window64);
    args.push(w.qemu, w.ovmf);
  }
  return args.map((a, i) => (i < args.length - 1 ? `${a} \\` : a)).join('\n') + '\n';
}

/** Proxmox's entries: a whole slot as one (as Proxmox writes it), otherwise one per function. */
export function proxmoxEntries(slots: readonly VmSlot[]): { id: string; vga: boolean }[] {
  return slots.flatMap((s) => (s.whole && s.functions.length > 1 ? [{ id: s.slot, vga: s.functions.some((f) => f.vga) }] : s.functions.map((f) => ({ id: f.address, vga: f.vga }))));
}

/** Proxmox: qm set VMID -hostpciN per entry, pcie=1 (q35). */
export function emitProxmox(slots: readonly VmSlot[], o: EmitOptions, vmid = 'VMID'): string {
  const parts = proxmoxEntries(slots).map((e, i) => `-hostpci${o.hostpci?.[i] ?? i} ${e.id},pcie=1${o.vga && e.vga ? ',x-vga=1' : ''}`);
  if (o.window64 && o.argsFree) parts.push(`-args '${proxmoxArgs(o.window64)}'`);
  return `qm set ${vmid} ${parts.join(' ')}\n`;
}

/** Proxmox's args for the guest's 64-bit MMIO window (OVMF's aperture and q35's hole). */
export function proxmoxArgs(window64: number): string {
  const w = windowSettings(window64);
  return `${w.ovmf} ${w.qemu}`;
}
