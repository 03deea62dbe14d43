// Decoding of the standard header of a PCI function's `config` attribute.
// Offsets (PCI Local Bus spec): 0x00 vendor (16), 0x02 device (16), 0x08 revision, 0x09 prog-if,
// 0x0a subclass, 0x0b base class, 0x0e header type (bit 7 = multifunction, 6:0 layout:
// 0 normal, 1 PCI-to-PCI bridge, 2 CardBus). Non-root reads get the first 64 bytes only.

export const HEADER_TYPE_OFFSET = 0x0e;
export const REVISION_OFFSET = 0x08;

export interface HeaderFacts {
  headerType: number;
  multifunctionBit: boolean;
  revision: number;
}

/** Null when the buffer is too short or reads all-ones (the device is gone). */
export function parseHeader(config: Buffer): HeaderFacts | null {
  if (config.length < 0x10) return null;
  if (config.readUInt32LE(0) === 0xffffffff) return null;
  const ht = config[HEADER_TYPE_OFFSET]!;
  return { headerType: ht & 0x7f, multifunctionBit: (ht & 0x80) !== 0, revision: config[REVISION_OFFSET]! };
}

// Capabilities. Standard list: status bit 4 (0x06, 0x10) says there is one; its head is at 0x34
// (normal and bridge headers; 0x14 for CardBus), each entry id (8) + next (8). Extended list from
// 0x100: header 16-bit id, 4-bit version, 12-bit next (low 2 bits reserved).
export const CAP_ID_PCIE = 0x10;
export const EXT_CAP_ID_ACS = 0x000d;
/** Single Root I/O Virtualization: the function is a PF that can create VFs. */
export const EXT_CAP_ID_SRIOV = 0x0010;
export const EXT_CAP_ID_DSN = 0x0003;

/** PCIe device/port types (PCI Express capability flags, bits 7:4). */
export const PCIE_TYPE = {
  ENDPOINT: 0x0,
  LEGACY_ENDPOINT: 0x1,
  ROOT_PORT: 0x4,
  UPSTREAM_PORT: 0x5,
  DOWNSTREAM_PORT: 0x6,
  PCIE_TO_PCI_BRIDGE: 0x7,
  PCI_TO_PCIE_BRIDGE: 0x8,
  RC_INTEGRATED_ENDPOINT: 0x9,
  RC_EVENT_COLLECTOR: 0xa,
} as const;

export const PCIE_TYPE_NAMES: Record<number, string> = {
  0x0: 'PCIe endpoint',
  0x1: 'legacy PCIe endpoint',
  0x4: 'root port',
  0x5: 'switch upstream port',
  0x6: 'switch downstream port',
  0x7: 'PCIe-to-PCI bridge',
  0x8: 'PCI-to-PCIe bridge',
  0x9: 'root complex integrated endpoint',
  0xa: 'root complex event collector',
};

/** ACS capability/control bits. */
export const ACS = { SV: 0x01, TB: 0x02, RR: 0x04, CR: 0x08, UF: 0x10, EC: 0x20, DT: 0x40 } as const;
/** What the kernel requires for isolation (REQ_ACS_FLAGS in drivers/iommu/iommu.c). */
export const REQ_ACS_FLAGS = ACS.SV | ACS.RR | ACS.CR | ACS.UF;

export interface ConfigCaps {
  /** PCIe device/port type; null for a conventional PCI function (no PCI Express capability). */
  portType: number | null;
  /**
   * Whether config space has an extended region (0x100..0xfff). The `config` attribute is as long
   * as the kernel's own view (dev->cfg_size) for root, so a 256-byte PCIe function has no extended
   * space for the kernel either, and no ACS capability as far as grouping is concerned.
   */
  extendedRead: boolean;
  /** Whether the extended capabilities include SR-IOV (a PF); null when extended space was not read. */
  sriov?: boolean | null;
  /**
   * ACS capability and control registers; null when there is none. `dwordControl`: the 32 bits at
   * capability + 8, where Intel Sunrise/Union Point root ports keep their real control register
   * (the kernel's pci_quirk_intel_spt_pch_acs); null when the read ends before it.
   */
  acs: { capability: number; control: number; dwordControl: number | null } | null;
  /**
   * What the reset methods need (drivers/pci/pci.c): `flr` the PCIe Device Capabilities FLR bit
   * (pcie_reset_flr), `afFlr` the Advanced Features capability with TP and FLR (pci_af_flr),
   * `pmNoSoftReset` the PM control/status No_Soft_Reset bit (pci_pm_reset refuses when set; null:
   * no PM capability, so no pm reset).
   */
  reset?: { flr: boolean; afFlr: boolean; pmNoSoftReset: boolean | null };
  /**
   * The Device Serial Number extended capability (PCIe 0x0003): 64 bits as 16 hex digits, upper
   * dword first, the way lspci prints them with dashes. null: none, or extended space not read.
   */
  dsn?: string | null;
}

export const CAP_ID_PM = 0x01;
export const CAP_ID_AF = 0x13;

/**
 * Capabilities from a config read, or null when the read was too short to hold the standard
 * capability list (fewer than 256 bytes: what non-root users get) or the device is gone.
 */
export function parseCaps(config: Buffer): ConfigCaps | null {
  if (config.length < 256 || config.readUInt32LE(0) === 0xffffffff) return null;
  const status = config.readUInt16LE(0x06);
  const headerType = config[HEADER_TYPE_OFFSET]! & 0x7f;
  let portType: number | null = null;
  const reset = { flr: false, afFlr: false, pmNoSoftReset: null as boolean | null };
  if (status & 0x10) {
    let ptr = config[headerType === 2 ? 0x14 : 0x34]! & 0xfc;
    const seen = new Set<number>();
    while (ptr >= 0x40 && ptr < 0x100 && !seen.has(ptr)) {
      seen.add(ptr);
      const id = config[ptr];
      const room = ptr + 8 <= config.length;
      if (id === CAP_ID_PCIE && portType === null) {
        portType = (config.readUInt16LE(ptr + 2) >> 4) & 0xf;
        reset.flr = room && (config.readUInt32LE(ptr + 4) & (1 << 28)) !== 0;
      } else if (id === CAP_ID_AF) {
        reset.afFlr = (config[ptr + 3]! & 0x03) === 0x03;
      } else if (id === CAP_ID_PM && reset.pmNoSoftReset === null && room) {
        reset.pmNoSoftReset = (config.readUInt16LE(ptr + 4) & 0x08) !== 0;
      }
      ptr = config[ptr + 1]! & 0xfc;
    }
  }
  const extendedRead = config.length > 0x100;
  let acs: ConfigCaps['acs'] = null;
  let sriov: boolean | null = extendedRead ? false : null;
  let dsn: string | null = null;
  if (extendedRead) {
    let ptr = 0x100;
    const seen = new Set<number>();
    while (ptr >= 0x100 && ptr + 8 <= config.length && !seen.has(ptr)) {
      seen.add(ptr);
      const hdr = config.readUInt32LE(ptr);
      if (hdr === 0 || hdr === 0xffffffff) break;
      if ((hdr & 0xffff) === EXT_CAP_ID_SRIOV) sriov = true;
      if ((hdr & 0xffff) === EXT_CAP_ID_DSN && dsn === null && ptr + 12 <= config.length) {
        const hex8 = (n: number) => n.toString(16).padStart(8, '0');
        dsn = hex8(config.readUInt32LE(ptr + 8)) + hex8(config.readUInt32LE(ptr + 4));
      }
      if ((hdr & 0xffff) === EXT_CAP_ID_ACS && acs === null) {
        acs = {
          capability: config.readUInt16LE(ptr + 4),
          control: config.readUInt16LE(ptr + 6),
          dwordControl: ptr + 12 <= config.length ? config.readUInt32LE(ptr + 8) : null,
        };
      }
      ptr = (hdr >>> 20) & 0xffc;
    }
  }
  return { portType, extendedRead, acs, sriov, reset, dsn };
}
