// The commands that would move group members to vfio-pci: the one-off way (driver_override,
// unbind, drivers_probe) and the persistent ways (driverctl; vfio-pci.ids with modprobe options).
// Printed for the user, never run. Every word from sysfs is shell-quoted.
import { shellQuote as q } from '../render/safe-text.js';
import type { Model } from '../model/types.js';
import type { Move } from './check.js';

export interface Remedy {
  oneOff: string[];
  persistent: string[];
  /** Alternative persistent way by vendor:device id, with its caveat. */
  byId: string[];
  notes: string[];
}

export function remedy(model: Model, moves: readonly Move[]): Remedy | null {
  const seen = new Set<string>();
  const list = moves.filter((m) => !seen.has(m.address) && seen.add(m.address));
  if (list.length === 0) return null;
  const oneOff: string[] = [];
  if (model.host.modules !== null && !model.host.modules['vfio_pci']) oneOff.push('sudo modprobe vfio-pci');
  for (const m of list) {
    const dev = `/sys/bus/pci/devices/${m.address}`;
    oneOff.push(`echo vfio-pci | sudo tee ${q(`${dev}/driver_override`)} > /dev/null`);
    if (m.driver !== null) oneOff.push(`echo ${q(m.address)} | sudo tee ${q(`${dev}/driver/unbind`)} > /dev/null`);
    oneOff.push(`echo ${q(m.address)} | sudo tee /sys/bus/pci/drivers_probe > /dev/null`);
  }
  const persistent = list.map((m) => `sudo driverctl set-override ${q(m.address)} vfio-pci`);

  const ids = [...new Set(list.map((m) => m.vendorDevice).filter((x): x is string => x !== null))];
  const byId: string[] = [];
  const notes: string[] = [];
  if (ids.length > 0) {
    byId.push(`add to the kernel command line: vfio-pci.ids=${ids.join(',')}`);
    byId.push(`echo ${q(`options vfio-pci ids=${ids.join(',')}`)} | sudo tee /etc/modprobe.d/vfio.conf > /dev/null`);
    const drivers = [...new Set(list.map((m) => m.driver).filter((d): d is string => d !== null && d !== 'pci-stub'))];
    if (drivers.length > 0) {
      notes.push(`if ${drivers.join(', ')} can load before vfio-pci, also add "softdep MODULE pre: vfio-pci" for its module (the name behind /sys/bus/pci/drivers/DRIVER/module) to /etc/modprobe.d/vfio.conf, then rebuild the initramfs`);
    }
    const moving = new Set(list.map((m) => m.address));
    const others = model.devices.filter((d) => d.pci && !moving.has(d.name) && ids.includes(idOf(d)));
    if (others.length > 0) notes.push(`vfio-pci.ids binds every device with these ids: also ${others.map((d) => d.name).join(', ')}; use driverctl to move single devices`);
  }
  return { oneOff, persistent, byId, notes };
}

function idOf(d: Model['devices'][number]): string {
  const p = d.pci!;
  return p.vendor === null || p.device === null ? '' : `${p.vendor.toString(16).padStart(4, '0')}:${p.device.toString(16).padStart(4, '0')}`;
}
