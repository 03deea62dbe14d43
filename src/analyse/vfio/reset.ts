// How a device can be reset between VMs, and why a method is missing: the kernel's reset quirks,
// its device-specific resets, the AMD reset bug (vendor-reset), and what a bus reset also
// reaches. Explains what reset_method shows; never adds a method the kernel did not list.
import type { Device, Model } from '../../model/types.js';
import { shellQuote } from './shell-quote.js';
import { deviceSpecificReset, resetQuirksFor, vendorResetFamily, type DeviceIds, type ResetMethod } from './reset-table.js';

export interface ResetFacts {
  /** reset_method as listed; null when the attribute is absent (kernels before 5.15). */
  methods: string[] | null;
  /** "flr: the kernel's quirk_no_flr (drivers/pci/quirks.c, Linux 6.6) for 1022:149c: ...", one per method explained. */
  why: string[];
  /** A listed AMD GPU: the family, and whether its reset is already vendor-reset's. */
  amd: { family: string; handled: boolean; moduleLoaded: boolean | null; line: string } | null;
  /** The bridge whose secondary bus a bus reset resets, and the other devices below it. */
  bus: { bridge: string; others: Device[] } | null;
  /** Whether the device has a reset of its own (anything but a bus reset). */
  ownReset: boolean;
  /** `bus` is listed but other functions share the bus: at reset time the kernel refuses it (pci_parent_bus_reset). */
  busStale: boolean;
}

const hex4 = (n: number) => n.toString(16).padStart(4, '0');

function idsOf(d: Device): DeviceIds {
  const p = d.pci!;
  return { vendor: p.vendor, device: p.device, class: p.class, revision: p.revision };
}

/** Why each method the kernel could offer is not in reset_method (only where a rule or the tree says why). */
function missingWhy(model: Model, d: Device, methods: readonly string[], others: readonly Device[]): string[] {
  const ids = idsOf(d);
  const id = `${hex4(ids.vendor!)}:${hex4(ids.device!)}`;
  const onRoot = d.pci!.upstream.length === 0;
  const out: string[] = [];
  const quirks = resetQuirksFor(ids, onRoot);
  const said = new Set<string>();
  for (const q of quirks) {
    const lost = q.removes.filter((m) => !methods.includes(m) && !said.has(m));
    if (lost.length === 0) continue;
    const name = lost.includes('flr') ? 'flr' : lost[0]!;
    lost.forEach((m) => said.add(m));
    out.push(`${name}: the kernel's ${q.fn} (drivers/pci/quirks.c, Linux ${q.kernel}) for ${id}: ${q.why}`);
  }
  const sameBus = d.pci!.headerType === 1 ? [] : others.filter((o) => o.pci?.upstream[0] === d.pci!.upstream[0]).map((o) => o.name);
  if (methods.includes('bus') && sameBus.length > 0) {
    out.push(`bus: listed, but ${sameBus.join(', ')} ${sameBus.length === 1 ? 'shares' : 'share'} its bus: the list was made when it was probed, before ${sameBus.length === 1 ? 'that function' : 'those functions'} appeared, and at reset time the kernel finds it not alone and goes on to the next method`);
  }
  if (!methods.includes('bus') && !said.has('bus')) {
    if (onRoot) out.push('bus: it sits on a root bus, with no bridge above it whose secondary bus could be reset');
    else if (sameBus.length > 0) out.push(`bus: ${sameBus.join(', ')} ${sameBus.length === 1 ? 'shares' : 'share'} its bus: the kernel offers a bus reset of one function only when it is alone on its bus`);
  }
  const caps = d.pci!.caps?.reset;
  if (caps && !methods.includes('flr') && !said.has('flr') && d.pci!.caps!.portType !== null && !caps.flr && !methods.includes('af_flr')) {
    out.push('flr: it does not offer Function Level Reset (the FLR bit of its PCIe Device Capabilities is clear)');
  }
  if (caps && !methods.includes('pm') && !said.has('pm') && caps.pmNoSoftReset === true) {
    out.push('pm: its power management capability sets No_Soft_Reset, so a D3hot-to-D0 cycle does not reset it');
  }
  const specific = deviceSpecificReset(ids);
  if (methods.includes('device_specific')) {
    if (specific) out.push(`device_specific: the kernel's ${specific.fn} (drivers/pci/quirks.c, Linux ${specific.kernel}): ${specific.what}`);
    else if (vendorResetFamily(ids)) out.push('device_specific: vendor-reset\'s reset for this GPU');
  }
  return out;
}

function amdFacts(model: Model, d: Device, methods: string[] | null): ResetFacts['amd'] {
  const family = vendorResetFamily(idsOf(d));
  if (family === null) return null;
  const loaded = model.host.vendorReset ?? null;
  const handled = methods !== null ? methods[0] === 'device_specific' : loaded === true;
  const attr = shellQuote(`/sys/bus/pci/devices/${d.name}/reset_method`);
  const line = handled
    ? `an AMD ${family} GPU, a GPU with the AMD reset bug: ${methods !== null ? 'reset_method starts with device_specific, so vendor-reset resets it' : 'vendor-reset is loaded and (before Linux 5.15) hooks its reset itself'}`
    : `an AMD ${family} GPU, a GPU with the AMD reset bug: the resets the kernel has for it (${methods === null ? 'reset_method not in this tree' : methods.join(' ') || 'none'}) do not bring it back once a guest driver has used it, so restarting the VM, or starting another, finds it dead until the host reboots; what fixes it: the vendor-reset module (github.com/gnif/vendor-reset, built with DKMS) ${loaded === true ? 'is loaded; ' : loaded === false ? 'is not loaded: install it and modprobe vendor-reset; ' : 'loaded (sys/module is not in this tree); '}then, since Linux 5.15, make its reset the one the kernel uses: echo device_specific | sudo tee ${attr} > /dev/null (again after each boot, e.g. by vendor-reset's udev rule)`;
  return { family, handled, moduleLoaded: loaded, line };
}

export function resetFacts(model: Model, d: Device): ResetFacts | null {
  const pci = d.pci;
  if (!pci || pci.vendor === null || pci.device === null) return null;
  // The kernel hides reset_method and reset when a function has no method at all: both absent
  // in a tree that has config is an empty list, not an unknown one.
  const methods = pci.resetMethods ?? (pci.hasReset === false && pci.configBytes !== null && !('resetMethods' in d.errors) ? [] : null);
  const bridge = pci.upstream[0] ?? null;
  const others = bridge === null ? [] : model.devices.filter((o) => o !== d && o.pci !== null && o.pci.upstream.includes(bridge));
  const own: ResetMethod[] = ['device_specific', 'acpi', 'flr', 'af_flr', 'pm'];
  return {
    methods,
    why: methods === null ? [] : missingWhy(model, d, methods, others),
    amd: amdFacts(model, d, methods),
    bus: bridge === null ? null : { bridge, others },
    ownReset: methods !== null && methods.some((m) => (own as string[]).includes(m)),
    busStale: methods !== null && methods.includes('bus') && pci.headerType !== 1 && others.some((o) => o.pci?.upstream[0] === bridge),
  };
}
