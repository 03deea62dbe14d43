// Where `check --emit` puts the targets in a VM that may have devices already: Proxmox hostpciN
// indices the VM does not use (qm set replaces an existing hostpciN silently), libvirt PCI
// controller indices above the domain's own. Where the VM's configuration was not read, the notes
// say which index to change. Pure: the reading is read/read-vm-config.ts.
import type { Got } from '../../read/sysfs-root.js';
import type { VmExisting } from '../../read/read-vm-config.js';
import type { VmSlot } from './vm-config.js';
import { sizeText, windowSettings } from './bar-window.js';

/** Proxmox VE takes hostpci0 .. hostpci15. */
export const PROXMOX_HOSTPCI_MAX = 16;

export interface Placement {
  /** libvirt: the first root-port index; undefined: not known (the output names the default to check). */
  firstPort?: number;
  /** Proxmox: the hostpciN indices, one per entry. */
  hostpci?: number[];
  /** For stderr: what was read, what was chosen, what to check. */
  notes: string[];
  /** Nothing can be placed (every hostpciN taken). */
  error: string | null;
  /** Proxmox: -args can carry the 64-bit window (the VM's configuration was read and sets no args). */
  argsFree?: boolean;
}

/** The VM's entries that pass one of these host functions (an entry may name a whole slot). */
function passedAlready(slots: readonly VmSlot[], existing: VmExisting): string[] {
  const ours = slots.flatMap((s) => s.functions.map((f) => f.address));
  const hits = existing.passes.filter((p) => ours.some((a) => a === p.address || a.startsWith(p.address + '.')));
  return hits.map((p) => `${p.address} (${p.entry})`);
}

export function placeInVm(kind: 'libvirt' | 'qemu' | 'proxmox', slots: readonly VmSlot[], entries: number, vm: { id: string; existing: Got<VmExisting> } | null, window64: number | null = null): Placement {
  if (kind === 'qemu') return { notes: [], error: null };
  const ex = vm?.existing.ok ? vm.existing.value : null;
  const notes: string[] = [];
  const missing = vm === null ? null : vm.existing.ok ? null : vm.existing.absent ? 'not in this tree' : vm.existing.error;
  const what = kind === 'proxmox' ? `VM ${vm?.id}` : `domain ${vm?.id}`;
  if (vm !== null && missing !== null) notes.push(`${what}: its configuration (${kind === 'proxmox' ? `etc/pve/qemu-server/${vm.id}.conf` : `etc/libvirt/qemu/${vm.id}.xml`}) could not be read: ${missing}`);
  if (ex !== null) {
    const dup = passedAlready(slots, ex);
    if (dup.length > 0) notes.push(`${what} passes ${dup.join(', ')} already: remove that entry or leave this one out (a function passed twice stops the VM from starting)`);
  }
  if (kind === 'libvirt') {
    const multi = slots.some((s) => s.functions.length > 1);
    if (ex === null) return { notes, error: null };
    const firstPort = Math.max(0, ...ex.used) + 1;
    if (multi && ex.used.length > 0) notes.push(`${what} (${ex.file}) has PCI controllers up to index ${firstPort - 1}: the root ports here start at ${firstPort}`);
    return { firstPort, notes, error: null };
  }
  const used = new Set(ex?.used ?? []);
  const free = Array.from({ length: PROXMOX_HOSTPCI_MAX }, (_, i) => i).filter((i) => !used.has(i));
  const hostpci = free.slice(0, entries);
  if (hostpci.length < entries) return { notes, error: `${what} has ${used.size} of ${PROXMOX_HOSTPCI_MAX} hostpci entries set (${ex!.file}): ${entries} more ${entries === 1 ? "does" : "do"} not fit` };
  const names = hostpci.map((i) => `hostpci${i}`).join(', ');
  if (ex !== null && used.size > 0) notes.push(`${what} (${ex.file}) sets ${[...used].map((i) => `hostpci${i}`).join(', ')}: this uses ${names}`);
  if (ex === null) notes.push(`qm set replaces a hostpciN the VM has: if \`qm config ${vm?.id ?? 'VMID'}\` lists ${names}, change ${hostpci.length === 1 ? 'it to a free index' : 'them to free indices'} (0-${PROXMOX_HOSTPCI_MAX - 1})`);
  const argsFree = ex !== null && !ex.args;
  if (window64 !== null && !argsFree) {
    const w = windowSettings(window64);
    notes.push(`the targets' 64-bit BARs need a ${sizeText(window64)} guest MMIO window: add ${w.ovmf} ${w.qemu} to ${ex !== null ? `the args VM ${vm?.id} sets (${ex.file})` : `the VM's args (\`qm config ${vm?.id ?? 'VMID'}\` shows any it has: -args replaces them)`}, and use cpu: host`);
  } else if (window64 !== null) notes.push(`${what} sets no args: -args gives it the ${sizeText(window64)} 64-bit MMIO window its BARs need; use cpu: host so the guest can address it`);
  return { hostpci, notes, error: null, argsFree };
}
