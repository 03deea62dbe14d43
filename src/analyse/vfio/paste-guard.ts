// What `list --format ids|addresses` must say before its output is pasted anywhere: an id that a
// device outside the selection shares (vfio-pci.ids= would take that device too at the next boot),
// and a selected device the host needs. Pure: model and the shown endpoints in, reasons out.
import { hostNeeds } from './host-needs.js';
import { isBridge } from '../grouping/isolation.js';
import { vendorDeviceText } from '../../model/pci-ids.js';
import type { Device, Model } from '../../model/types.js';

export interface SharedId {
  id: string;
  /** Devices outside the selection with the same vendor:device id. */
  others: string[];
}

export interface HostNeed {
  device: string;
  reasons: string[];
}

export interface PasteGuard {
  /** ids only: ids that devices outside the selection have too. */
  shared: SharedId[];
  /** ids only: devices outside the selection whose id is unreadable (they may share one). */
  othersUnreadable: string[];
  /** ids only: selected endpoints whose id is unreadable (their id cannot be printed). */
  selectedUnreadable: string[];
  /** Selected endpoints the host needs. */
  needed: HostNeed[];
  /** Selected endpoints for which a fact that decides whether the host needs them is missing. */
  unknown: HostNeed[];
}

const idOf = (d: Device): string | null => (d.pci && d.pci.vendor !== null && d.pci.device !== null ? vendorDeviceText(d.pci.vendor, d.pci.device) : null);

/**
 * `shown`: the PCI endpoints the output names. Bridges outside the selection are not counted: vfio-pci
 * refuses any function whose header type is not 0 (vfio_pci_probe), so an id cannot take them.
 */
export function guardPaste(model: Model, shown: readonly Device[], kind: 'ids' | 'addresses'): PasteGuard {
  const guard: PasteGuard = { shared: [], othersUnreadable: [], selectedUnreadable: [], needed: [], unknown: [] };
  if (kind === 'ids') {
    const selected = new Set(shown.map((d) => d.path));
    const ids = new Map<string, string[]>();
    for (const d of shown) {
      const id = idOf(d);
      if (id === null) guard.selectedUnreadable.push(d.name);
      else ids.set(id, []);
    }
    for (const d of model.devices) {
      if (d.pci === null || selected.has(d.path) || isBridge(d)) continue;
      const id = idOf(d);
      if (id === null) guard.othersUnreadable.push(d.name);
      else ids.get(id)?.push(d.name);
    }
    guard.shared = [...ids].filter(([, o]) => o.length > 0).map(([id, others]) => ({ id, others }));
  }
  for (const d of shown) {
    const n = hostNeeds(model, d);
    const reasons = n.needs.map((x) => x.message);
    if (d.pci?.bootVga === true) reasons.push('the host\'s boot VGA device: its console is on it');
    if (reasons.length > 0) guard.needed.push({ device: d.name, reasons });
    if (n.unknown.length > 0) guard.unknown.push({ device: d.name, reasons: n.unknown.map((x) => x.message) });
  }
  return guard;
}

/** Whether the ids may be printed: no id shared, none outside unreadable. */
export function idsSafe(g: PasteGuard): boolean {
  return g.shared.length === 0 && g.othersUnreadable.length === 0;
}
