// check --emit: the VM configuration (libvirt XML, QEMU arguments, a Proxmox qm set line) for a
// ready request, placed where the VM's own configuration, where readable, leaves room.
import type { CheckReport } from '../../analyse/vfio/check.js';
import { vmSlots } from '../../analyse/vfio/vm-config.js';
import { placeInVm } from '../../analyse/vfio/vm-placement.js';
import type { Context } from '../../cli/context.js';
import type { Model } from '../../model/types.js';
import { readVmExisting } from '../../read/read-vm-config.js';
import { SysRoot } from '../../read/sysfs-root.js';
import { emitLibvirt, emitProxmox, emitQemu, proxmoxEntries, type EmitKind } from '../../render/emit.js';
import type { CheckOptions } from './run.js';

/** Prints the configuration, or says on stderr why there is none; 'usage' when the VM has no room left. */
export function emitVmConfig(ctx: Context, model: Model, report: CheckReport, targets: readonly string[], opts: CheckOptions & { emit: EmitKind }): 'printed' | 'none' | 'usage' {
  const slots = vmSlots(model, report);
  if (slots === null) {
    ctx.say(`no VM configuration: the request is ${report.outcome} (iommu-groups check ${targets.join(' ')} says why)`);
    return 'none';
  }
  const id = opts.vmid ?? opts.domain;
  const vm = id === undefined ? null : { id, existing: readVmExisting(new SysRoot(ctx.root()), opts.emit === 'proxmox' ? 'proxmox' : 'libvirt', id) };
  const place = placeInVm(opts.emit, slots, proxmoxEntries(slots).length, vm, report.mmio.window);
  for (const n of place.notes) ctx.say(n);
  if (place.error !== null) {
    ctx.say(place.error);
    return 'usage';
  }
  const o = { vga: opts.xVga === true, firstPort: place.firstPort, hostpci: place.hostpci, window64: report.mmio.window, argsFree: place.argsFree };
  ctx.out(opts.emit === 'libvirt' ? emitLibvirt(slots, o) : opts.emit === 'qemu' ? emitQemu(slots, o) : emitProxmox(slots, o, opts.vmid));
  return 'printed';
}
