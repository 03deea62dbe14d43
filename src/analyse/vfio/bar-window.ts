// The guest's 64-bit MMIO window: the targets' 64-bit BARs must fit in it, aligned to their size.
// Guest firmware sizes that window itself (QEMU q35 pci-hole64-size, default 32 GiB; OVMF's
// opt/ovmf/X-PciMmio64Mb, 32 GiB in releases that do not size it from the guest's address width),
// so a GPU with a large BAR (resizable BAR at 32 GiB, a 128 or 256 GiB compute GPU BAR) passes to a
// VM that cannot map it: the guest's driver fails. Pure: the BARs are read by read/read-pci.ts.
import type { Bar, Device } from '../../model/types.js';

const GiB = 1024 ** 3;
/** The usual default 64-bit window of a q35 guest (QEMU Q35_PCI_HOST_HOLE64_SIZE_DEFAULT; OVMF's default). */
export const DEFAULT_WINDOW64 = 32 * GiB;

export interface BarWindow {
  /** Per target function: its BARs, or null where `resource` could not be read. */
  functions: { device: string; bars: Bar[] | null }[];
  /** Sum of the targets' 64-bit memory BARs (bytes). */
  total64: number;
  /**
   * The window to set (bytes): the power of two above the sum plus 1 GiB for the VM's own devices.
   * BARs are aligned to their size; sorted largest first they pack into a power-of-two window
   * without gaps. null when the default window holds them.
   */
  window: number | null;
}

function pow2AtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export function barWindow(targets: readonly Device[]): BarWindow {
  const functions = targets.filter((d) => d.pci !== null).map((d) => ({ device: d.name, bars: d.pci!.bars }));
  const total64 = functions.reduce((s, f) => s + (f.bars ?? []).filter((b) => b.kind === 'mem64').reduce((a, b) => a + b.size, 0), 0);
  const want = total64 === 0 ? 0 : pow2AtLeast(total64 + GiB);
  return { functions, total64, window: want > DEFAULT_WINDOW64 ? want : null };
}

/** "256 GiB", "16 MiB", "256.03 GiB" (two decimals where not whole), "8 bytes". */
export function sizeText(bytes: number): string {
  for (const [unit, n] of [['TiB', 1024 ** 4], ['GiB', GiB], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= n) return bytes % n === 0 ? `${bytes / n} ${unit}` : `${(bytes / n).toFixed(2)} ${unit}`;
  }
  return `${bytes} bytes`;
}

/** The settings that give a guest this window, per hypervisor (numbers only: safe to paste). */
export function windowSettings(bytes: number): { qemu: string; ovmf: string; libvirt: string; gib: number; mib: number } {
  const gib = bytes / GiB;
  const mib = bytes / 1024 ** 2;
  return {
    gib,
    mib,
    qemu: `-global q35-pcihost.pci-hole64-size=${gib}G`,
    ovmf: `-fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=${mib}`,
    libvirt: `<pcihole64 unit='GiB'>${gib}</pcihole64>`,
  };
}
