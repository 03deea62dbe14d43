// What the kernel knows about resetting particular devices, as data (like the ACS quirk table):
// each row names the kernel file, the function and the kernel whose table it was read from.
// Taken from drivers/pci/quirks.c of Linux 6.6 (rows added later say so), and the GPU list of
// vendor-reset (github.com/gnif/vendor-reset, src/device-db.h), the out-of-tree module for the
// "AMD reset bug". Facts, not code: a row only explains what reset_method already shows.

/** A reset method the kernel's reset_method attribute names (drivers/pci/pci.c pci_reset_fn_methods). */
export type ResetMethod = 'device_specific' | 'acpi' | 'flr' | 'af_flr' | 'pm' | 'bus' | 'cxl_bus';

export interface ResetQuirk {
  vendor: number;
  /** Device ids (inclusive ranges); null: any device of the vendor (then `cls` narrows it). */
  devices: readonly (readonly [number, number])[] | null;
  /** Class match: the class code shifted right by `shift` (DECLARE_PCI_FIXUP_CLASS_HEADER). */
  cls?: { value: number; shift: number };
  /** Only this revision (quirk_no_flr_snet). */
  revision?: number;
  /** Not on a root bus (quirk_no_pm_reset sets its flag only below a bridge). */
  belowBridge?: boolean;
  /** The methods the quirk takes away. */
  removes: readonly ResetMethod[];
  /** The kernel function, in drivers/pci/quirks.c. */
  fn: string;
  /** The kernel whose table holds it ("6.6"), or "after 6.6" for rows added later (older kernels lack them). */
  kernel: string;
  /** Why, as the kernel's comment says. */
  why: string;
}

const ids = (...xs: number[]) => xs.map((x) => [x, x] as const);

export const RESET_QUIRKS: readonly ResetQuirk[] = [
  { vendor: 0x1022, devices: ids(0x1487, 0x148c, 0x149c, 0x7901), removes: ['flr', 'af_flr'], fn: 'quirk_no_flr', kernel: '6.6', why: 'FLR hangs this AMD chipset function (Starship/Matisse audio and USB, FCH SATA)' },
  { vendor: 0x1022, devices: ids(0x1485, 0x1486), removes: ['flr', 'af_flr'], fn: 'quirk_no_flr', kernel: 'after 6.6', why: 'FLR hangs this AMD Starship/Matisse function' },
  { vendor: 0x8086, devices: ids(0x1502, 0x1503), removes: ['flr', 'af_flr'], fn: 'quirk_no_flr', kernel: '6.6', why: 'FLR may hang the Intel 82579 Ethernet controller' },
  { vendor: 0x14c3, devices: ids(0x0616), removes: ['flr', 'af_flr'], fn: 'quirk_no_flr', kernel: 'after 6.6', why: 'FLR leaves the MediaTek MT7922 Wi-Fi unusable' },
  { vendor: 0xd063, devices: ids(0x1000), revision: 0x01, removes: ['flr', 'af_flr'], fn: 'quirk_no_flr_snet', kernel: '6.6', why: 'FLR may hang the SolidRun SNET DPU (revision 1)' },
  { vendor: 0x10de, devices: [[0x2340, 0x237f]], removes: ['bus'], fn: 'quirk_nvidia_no_bus_reset', kernel: '6.6', why: 'a secondary bus reset leaves these NVIDIA GPUs unusable until the host is power-cycled' },
  { vendor: 0x168c, devices: ids(0x0030, 0x0032, 0x0033, 0x0034, 0x003c, 0x003e), removes: ['bus'], fn: 'quirk_no_bus_reset', kernel: '6.6', why: 'Atheros AR9xxx/QCA988x chips do not come back from a bus reset' },
  { vendor: 0x177d, devices: ids(0xa100), removes: ['bus'], fn: 'quirk_no_bus_reset', kernel: '6.6', why: 'a bus reset of the Cavium ThunderX2 root port hangs the system' },
  { vendor: 0x104c, devices: ids(0xb005), removes: ['bus'], fn: 'quirk_no_bus_reset', kernel: '6.6', why: 'the TI KeyStone C667X does not come back from a bus reset' },
  { vendor: 0x1002, devices: null, cls: { value: 0x0300, shift: 8 }, belowBridge: true, removes: ['pm'], fn: 'quirk_no_pm_reset', kernel: '6.6', why: 'a D3hot-to-D0 transition does not reset AMD/ATI GPUs (their state survives it)' },
];

/** pci_dev_reset_methods[] (drivers/pci/quirks.c): device-specific resets, the `device_specific` method. */
export interface DeviceSpecificReset {
  vendor: number;
  /** null: any device of the vendor (the function itself narrows it further). */
  device: number | null;
  fn: string;
  kernel: string;
  what: string;
}

export const DEVICE_SPECIFIC_RESETS: readonly DeviceSpecificReset[] = [
  { vendor: 0x8086, device: 0x10ed, fn: 'reset_intel_82599_sfp_virtfn', kernel: '6.6', what: 'an FLR for the Intel 82599 VF' },
  { vendor: 0x8086, device: 0x0156, fn: 'reset_ivb_igd', kernel: '6.6', what: 'the Ivy Bridge integrated GPU\'s own reset' },
  { vendor: 0x8086, device: 0x0166, fn: 'reset_ivb_igd', kernel: '6.6', what: 'the Ivy Bridge integrated GPU\'s own reset' },
  { vendor: 0x144d, device: 0xa804, fn: 'nvme_disable_and_flr', kernel: '6.6', what: 'the NVMe controller disabled before its FLR' },
  { vendor: 0x8086, device: 0x0953, fn: 'delay_250ms_after_flr', kernel: '6.6', what: 'an FLR with 250 ms to settle' },
  { vendor: 0x8086, device: 0x0a54, fn: 'delay_250ms_after_flr', kernel: '6.6', what: 'an FLR with 250 ms to settle' },
  { vendor: 0x025e, device: 0xf1ac, fn: 'delay_250ms_after_flr', kernel: '6.6', what: 'an FLR with 250 ms to settle' },
  { vendor: 0x1425, device: null, fn: 'reset_chelsio_generic_dev', kernel: '6.6', what: 'the Chelsio T4 reset (devices 0x4xxx)' },
  { vendor: 0x19e5, device: 0x375e, fn: 'reset_hinic_vf_dev', kernel: '6.6', what: 'the Huawei HiNIC VF reset' },
];

/** vendor-reset's GPUs (vendor 1002), by family: those the "AMD reset bug" hits and the module resets. */
export const VENDOR_RESET_GPUS: readonly { family: string; devices: readonly number[] }[] = [
  { family: 'Polaris 10', devices: [0x67c0, 0x67c1, 0x67c2, 0x67c4, 0x67c7, 0x67d0, 0x67df, 0x67c8, 0x67c9, 0x67ca, 0x67cc, 0x67cf, 0x6fdf] },
  { family: 'Polaris 11', devices: [0x67e0, 0x67e3, 0x67e8, 0x67eb, 0x67ef, 0x67ff, 0x67e1, 0x67e7, 0x67e9] },
  { family: 'Polaris 12', devices: [0x6980, 0x6981, 0x6985, 0x6986, 0x6987, 0x6995, 0x6997, 0x699f] },
  { family: 'Vega 10', devices: [0x6860, 0x6861, 0x6862, 0x6863, 0x6864, 0x6867, 0x6868, 0x6869, 0x686a, 0x686b, 0x686c, 0x686d, 0x686e, 0x686f, 0x687f] },
  { family: 'Vega 20', devices: [0x66a0, 0x66a1, 0x66a2, 0x66a3, 0x66a4, 0x66a7, 0x66af] },
  { family: 'Navi 10', devices: [0x7310, 0x7312, 0x7318, 0x7319, 0x731a, 0x731b, 0x731e, 0x731f, 0x1681] },
  { family: 'Navi 14', devices: [0x7340, 0x7341, 0x7347, 0x734f] },
  { family: 'Navi 12', devices: [0x7360, 0x7362] },
  { family: 'Arcturus (Instinct MI100)', devices: [0x738c] },
];

export interface DeviceIds {
  vendor: number | null;
  device: number | null;
  class: number | null;
  revision: number | null;
}

export function resetQuirksFor(d: DeviceIds, onRootBus: boolean | null): ResetQuirk[] {
  if (d.vendor === null || d.device === null) return [];
  return RESET_QUIRKS.filter(
    (q) =>
      q.vendor === d.vendor &&
      (q.devices === null || q.devices.some(([lo, hi]) => d.device! >= lo && d.device! <= hi)) &&
      (q.cls === undefined || (d.class !== null && d.class >> q.cls.shift === q.cls.value)) &&
      (q.revision === undefined || d.revision === q.revision) &&
      (q.belowBridge !== true || onRootBus === false),
  );
}

export function deviceSpecificReset(d: DeviceIds): DeviceSpecificReset | null {
  if (d.vendor === null || d.device === null) return null;
  return DEVICE_SPECIFIC_RESETS.find((r) => r.vendor === d.vendor && (r.device === null || r.device === d.device)) ?? null;
}

export function vendorResetFamily(d: DeviceIds): string | null {
  if (d.vendor !== 0x1002 || d.device === null) return null;
  return VENDOR_RESET_GPUS.find((g) => g.devices.includes(d.device!))?.family ?? null;
}
