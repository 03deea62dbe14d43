// The kernel's ACS test, pci_acs_enabled(dev, REQ_ACS_FLAGS) in drivers/pci/pci.c, evaluated on
// what config space says. Quirks (drivers/pci/quirks.c) can override it on a real host: callers
// compare the prediction with the groups the kernel made and say so when they differ.
import { ACS, PCIE_TYPE as T, PCIE_TYPE_NAMES, REQ_ACS_FLAGS } from '../model/config-space.js';
import type { Device } from '../model/types.js';

export type AcsResult =
  | { result: 'pass' | 'fail'; why: string }
  | { result: 'unknown'; why: string };

/** What kind of function this is, in words ("switch downstream port", "conventional PCI function"). */
export function functionKind(d: Device): string | null {
  const caps = d.pci?.caps;
  if (!caps) return null;
  if (caps.portType === null) return d.pci!.headerType === 1 ? 'conventional PCI bridge' : 'conventional PCI function';
  return PCIE_TYPE_NAMES[caps.portType] ?? `PCIe function of type ${caps.portType}`;
}

/** Why config space is not known well enough to decide. */
export function capsUnknownWhy(d: Device | undefined, address: string): string {
  if (!d?.pci) return `${address} is not in the tree`;
  const n = d.pci.configBytes;
  if (n !== null && n < 256) return `only ${n} bytes of ${address}'s config space are readable (the rest needs root)`;
  if ('config' in d.errors) return `${address}'s config space is unreadable (${d.errors['config']})`;
  return `${address}'s config space is not in this tree (config space was not read)`;
}

/** Kernel multifunction flag: header bit or other functions in the slot; never for VFs. */
export function isMultifunction(d: Device): boolean {
  return d.pci?.physfn === null && d.pci.multifunction === true;
}

export function acsEnabled(d: Device | undefined, address: string): AcsResult {
  const caps = d?.pci?.caps;
  if (!d || !caps) return { result: 'unknown', why: capsUnknownWhy(d, address) };
  const kind = functionKind(d)!;
  switch (caps.portType) {
    case null:
      return { result: 'fail', why: `${kind} (conventional PCI has no ACS)` };
    case T.PCIE_TO_PCI_BRIDGE:
    case T.PCI_TO_PCIE_BRIDGE:
    case T.RC_EVENT_COLLECTOR:
      return { result: 'fail', why: `${kind} (never isolating for the kernel)` };
    case T.ROOT_PORT:
    case T.DOWNSTREAM_PORT:
      return acsFlags(d, kind);
    case T.ENDPOINT:
    case T.LEGACY_ENDPOINT:
    case T.UPSTREAM_PORT:
    case T.RC_INTEGRATED_ENDPOINT:
      if (isMultifunction(d)) return acsFlags(d, `multifunction ${kind}`);
      return { result: 'pass', why: `single-function ${kind} (ACS not required)` };
    default:
      return { result: 'pass', why: `${kind} (ACS not required)` };
  }
}

function acsFlags(d: Device, kind: string): AcsResult {
  const acs = d.pci!.caps!.acs;
  if (acs === null) return { result: 'fail', why: `${kind} without an ACS capability` };
  const eff = REQ_ACS_FLAGS & (acs.capability | ACS.EC);
  const missing = eff & ~acs.control;
  if (missing === 0) return { result: 'pass', why: `${kind} with ACS ${flagNames(eff)} enabled` };
  return { result: 'fail', why: `${kind} with ACS ${flagNames(missing)} not enabled (control ${hex4(acs.control)})` };
}

export function flagNames(bits: number): string {
  const names = (Object.entries(ACS) as [string, number][]).filter(([, v]) => (bits & v) !== 0).map(([k]) => k);
  return names.length === 0 ? 'none' : names.join('+');
}

function hex4(n: number): string {
  return '0x' + n.toString(16).padStart(4, '0');
}
