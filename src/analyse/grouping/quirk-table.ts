// The kernel's device quirks that change IOMMU grouping, as data. Read from Linux v6.18:
// drivers/pci/quirks.c (the pci_dev_acs_enabled[] table behind pci_dev_specific_acs_enabled(),
// and the DMA-alias fixups), drivers/pci/search.c (pci_for_each_dma_alias), arch/x86/pci/common.c
// (pci_real_dma_dev for Intel VMD). Facts only: the rules below are written for this tool.
//
// ACS quirks are tried in table order; the first that answers (isolates / does not) decides,
// before the ACS capability is looked at (pci_acs_enabled in drivers/pci/pci.c).

export const QUIRK_SOURCE = { kernel: 'v6.18', files: ['drivers/pci/quirks.c', 'drivers/pci/search.c', 'drivers/iommu/iommu.c', 'drivers/pci/pci.c'] } as const;

/** How an ACS quirk answers for a matching device. */
export type AcsRule =
  /** Always isolates (pci_quirk_mf_endpoint_acs, the root-port quirks of QCOM, NXP, Broadcom, Loongson, APM/Ampere). */
  | { kind: 'isolates' }
  /** AMD/ATI southbridge functions: isolate when multifunction, on a root bus and an IVRS table exists. */
  | { kind: 'amd-sb' }
  /** Root ports whose device id is in `ranges` isolate; other ids fall through. */
  | { kind: 'root-port-ids'; ranges: readonly (readonly [number, number])[] }
  /** Intel PCH root ports (list): isolate only when the kernel enabled its workaround at boot. */
  | { kind: 'intel-pch' }
  /** Sunrise/Union Point root ports: ACS control is a dword at capability + 8, not + 6. */
  | { kind: 'intel-spt'; ranges: readonly (readonly [number, number])[] }
  /** Intel root complex integrated endpoints isolate; other Intel functions fall through. */
  | { kind: 'intel-rciep' }
  /** Amazon Annapurna Labs: root ports isolate. */
  | { kind: 'root-port' }
  /** Root and downstream ports: ids in `ranges` isolate, every other id does not (the quirk says so). */
  | { kind: 'ports-ids-else-fail'; ranges: readonly (readonly [number, number])[] }
  /** Any function: ids in `ranges` isolate, every other id of the vendor does not. */
  | { kind: 'ids-else-fail'; ranges: readonly (readonly [number, number])[] };

export interface AcsQuirk {
  vendor: number;
  /** null: any device of the vendor (PCI_ANY_ID). */
  device: number | null;
  /** What it is, for people. */
  name: string;
  /** The kernel function that implements it. */
  fn: string;
  rule: AcsRule;
}

const MF = 'pci_quirk_mf_endpoint_acs';
const mf = (vendor: number, name: string, ...devices: number[]): AcsQuirk[] =>
  devices.map((device) => ({ vendor, device, name, fn: MF, rule: { kind: 'isolates' } }));
const each = (vendor: number, name: string, fn: string, devices: number[]): AcsQuirk[] =>
  devices.map((device) => ({ vendor, device, name, fn, rule: { kind: 'isolates' } }));
const amdSb = (vendor: number, ...devices: number[]): AcsQuirk[] =>
  devices.map((device) => ({ vendor, device, name: 'AMD/ATI southbridge function', fn: 'pci_quirk_amd_sb_acs', rule: { kind: 'amd-sb' } }));

/** Intel PCH root ports the kernel's workaround covers (pci_quirk_intel_pch_acs_ids). */
export const INTEL_PCH_ROOT_PORTS: ReadonlySet<number> = new Set([
  ...span(0x3b42, 0x3b51), // Ibex Peak
  ...span(0x1c10, 0x1c1f), // Cougar Point
  ...span(0x1e10, 0x1e1f), // Panther Point
  ...span(0x8c10, 0x8c1f), // Lynx Point-H
  ...span(0x9c10, 0x9c1b), // Lynx Point-LP
  ...span(0x9c90, 0x9c9b), // Wildcat Point
  0x1d10, 0x1d12, 0x1d14, 0x1d16, 0x1d18, 0x1d1a, 0x1d1c, 0x1d1e, // Patsburg (X79)
  ...span(0x8d10, 0x8d1e), // Wellsburg (X99)
  0x8c90, 0x8c92, 0x8c94, 0x8c96, 0x8c98, 0x8c9a, 0x8c9c, 0x8c9e, // 9 series
]);

const V = {
  ATI: 0x1002, AMD: 0x1022, INTEL: 0x8086, SOLARFLARE: 0x1924, QCOM: 0x17cb, HXT: 0x1dbf, CAVIUM: 0x177d,
  AMCC: 0x10e8, AMPERE: 0x1def, BROADCOM: 0x14e4, LOONGSON: 0x0014, ANNAPURNA: 0x1c36, ZHAOXIN: 0x1d17,
  NXP: 0x1957, WANGXUN: 0x8088, EMULEX_BE: 0x19a2, EMULEX: 0x10df,
} as const;

/** pci_dev_acs_enabled[], in the kernel's order. */
export const ACS_QUIRKS: readonly AcsQuirk[] = [
  ...amdSb(V.ATI, 0x4385, 0x439c, 0x4383, 0x439d, 0x4384, 0x4399),
  ...amdSb(V.AMD, 0x780f, 0x7809),
  ...mf(V.SOLARFLARE, 'Solarflare multifunction NIC', 0x0903, 0x0923, 0x0a03),
  ...mf(V.INTEL, 'Intel multifunction NIC (82598/82599/X520/X540/X550 family)', 0x10c6, 0x10db, 0x10dd, 0x10e1, 0x10f1, 0x10f7, 0x10f8, 0x10f9, 0x10fa, 0x10fb, 0x10fc, 0x1507, 0x1514, 0x151c, 0x1529, 0x152a, 0x154d, 0x154f, 0x1551, 0x1558),
  ...mf(V.INTEL, 'Intel 82580 NIC', 0x1509, 0x150e, 0x150f, 0x1510, 0x1511, 0x1516, 0x1527),
  ...mf(V.INTEL, 'Intel 82576 NIC', 0x10c9, 0x10e6, 0x10e7, 0x10e8, 0x150a, 0x150d, 0x1518, 0x1526),
  ...mf(V.INTEL, 'Intel 82575 NIC', 0x10a7, 0x10a9, 0x10d6),
  ...mf(V.INTEL, 'Intel I350 NIC', 0x1521, 0x1522, 0x1523, 0x1524),
  ...mf(V.INTEL, 'Intel 82571 NIC', 0x105e, 0x105f, 0x1060, 0x10d9),
  ...mf(V.INTEL, 'Intel I219 NIC', 0x15b7, 0x15b8),
  { vendor: V.INTEL, device: null, name: 'Intel root complex integrated endpoint', fn: 'pci_quirk_rciep_acs', rule: { kind: 'intel-rciep' } },
  ...each(V.QCOM, 'Qualcomm QDF2xxx root port', 'pci_quirk_qcom_rp_acs', [0x0400, 0x0401]),
  ...each(V.QCOM, 'Qualcomm SA8775P root port', 'pci_quirk_qcom_rp_acs', [0x0115]),
  ...each(V.HXT, 'HXT SD4800 root port', 'pci_quirk_qcom_rp_acs', [0x0401]),
  { vendor: V.INTEL, device: null, name: 'Intel PCH root port', fn: 'pci_quirk_intel_pch_acs', rule: { kind: 'intel-pch' } },
  {
    vendor: V.INTEL,
    device: null,
    name: 'Intel Sunrise Point/Union Point PCH root port',
    fn: 'pci_quirk_intel_spt_pch_acs',
    rule: { kind: 'intel-spt', ranges: [[0xa110, 0xa11f], [0xa167, 0xa16a], [0xa290, 0xa29f], [0xa2e7, 0xa2ee], [0x9d10, 0x9d1b]] },
  },
  ...mf(V.EMULEX_BE, 'Emulex BE3-R', 0x0710),
  ...mf(V.EMULEX, 'Emulex Skyhawk-R', 0x0720),
  { vendor: V.CAVIUM, device: null, name: 'Cavium ThunderX root port', fn: 'pci_quirk_cavium_acs', rule: { kind: 'root-port-ids', ranges: [[0xa000, 0xa7ff], [0xaf84, 0xaf84], [0xb884, 0xb884]] } },
  ...mf(V.CAVIUM, 'Cavium multifunction device', 0xa026, 0xa059, 0xa060),
  ...each(V.AMCC, 'APM X-Gene root port', 'pci_quirk_xgene_acs', [0xe004]),
  ...each(V.AMPERE, 'Ampere root port', 'pci_quirk_xgene_acs', [0xe005, 0xe006, 0xe007, 0xe008, 0xe009, 0xe00a, 0xe00b, 0xe00c]),
  ...mf(V.BROADCOM, 'Broadcom multifunction NIC', 0x16d7, 0x1750, 0x1751, 0x1752, 0x1760, 0x1761, 0x1762, 0x1763),
  ...each(V.BROADCOM, 'Broadcom iProc PAXB root port', 'pci_quirk_brcm_acs', [0xd714]),
  ...each(V.LOONGSON, 'Loongson root port', 'pci_quirk_loongson_acs', [0x3c09, 0x3c19, 0x3c29, 0x7a09, 0x7a19, 0x7a29, 0x7a39, 0x7a49, 0x7a59, 0x7a69]),
  { vendor: V.ANNAPURNA, device: 0x0031, name: 'Amazon Annapurna Labs root port', fn: 'pci_quirk_al_acs', rule: { kind: 'root-port' } },
  ...mf(V.ZHAOXIN, 'Zhaoxin multifunction device', 0x3038, 0x3104, 0x9083),
  ...each(V.NXP, 'NXP LX2xxx root port', 'pci_quirk_nxp_rp_acs', [
    0x8d81, 0x8da1, 0x8d83, 0x8d80, 0x8da0, 0x8d82, 0x8d90, 0x8db0, 0x8d92, 0x8d91, 0x8db1, 0x8d93,
    0x8d89, 0x8da9, 0x8d8b, 0x8d88, 0x8da8, 0x8d8a, 0x8d98, 0x8db8, 0x8d9a, 0x8d99, 0x8db9, 0x8d9b,
  ]),
  { vendor: V.ZHAOXIN, device: null, name: 'Zhaoxin root/downstream port', fn: 'pci_quirk_zhaoxin_pcie_ports_acs', rule: { kind: 'ports-ids-else-fail', ranges: [[0x0710, 0x071e], [0x0721, 0x0721], [0x0723, 0x0752]] } },
  { vendor: V.WANGXUN, device: null, name: 'Wangxun NIC', fn: 'pci_quirk_wangxun_nic_acs', rule: { kind: 'ids-else-fail', ranges: [[0x0100, 0x010f], [0x1001, 0x1001], [0x2001, 0x2001], [0x5010, 0x5010], [0x5025, 0x5025], [0x5040, 0x5040], [0x5110, 0x5110], [0x5125, 0x5125], [0x5140, 0x5140]] } },
];

/** What a DMA-alias quirk adds to a function's requester IDs (pci_add_dma_alias and dev_flags). */
export type AliasRule =
  /** Functions other than 0 also DMA as function 0 of their slot (quirk_dma_func0_alias). */
  | { kind: 'func0' }
  /** Functions other than 1 also DMA as function 1 (quirk_dma_func1_alias): Marvell/JMicron SATA. */
  | { kind: 'func1' }
  /** Fixed slot.function aliases on the same bus (quirk_fixed_dma_alias, the MIC x200 NTB). */
  | { kind: 'devfns'; devfns: readonly (readonly [number, number])[] }
  /** Every slot of the bus, functions 0..n-1 (quirk_pex_vca_alias): the whole card is one group. */
  | { kind: 'all-slots'; functions: number }
  /** A conventional bridge that aliases as a PCIe-to-PCI bridge would: changes the requester ID, not the group. */
  | { kind: 'pcie-bridge-rid' }
  /** The IOMMU sits at this bridge: the alias walk stops here (PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT). */
  | { kind: 'xlate-root' };

export interface AliasQuirk {
  vendor: number;
  device: number;
  /** Only with this subsystem vendor:device (PCI_DEVICE_SUB), when set. */
  subsystem?: readonly [number, number];
  name: string;
  fn: string;
  rule: AliasRule;
}

const alias = (vendor: number, name: string, fn: string, rule: AliasRule, devices: number[]): AliasQuirk[] =>
  devices.map((device) => ({ vendor, device, name, fn, rule }));

export const ALIAS_QUIRKS: readonly AliasQuirk[] = [
  ...alias(0x1180, 'Ricoh card reader', 'quirk_dma_func0_alias', { kind: 'func0' }, [0xe832, 0xe476]),
  ...alias(0x6766, 'Glenfly GPU', 'quirk_dma_func0_alias', { kind: 'func0' }, [0x3d40, 0x3d41]),
  ...alias(0x1b4b, 'Marvell SATA controller', 'quirk_dma_func1_alias', { kind: 'func1' }, [0x9120, 0x9123, 0x9125, 0x9128, 0x9130, 0x9170, 0x9172, 0x917a, 0x9182, 0x9183, 0x91a0, 0x9215, 0x9220, 0x9230, 0x9235]),
  ...alias(0x1103, 'HighPoint (TTI) RAID controller', 'quirk_dma_func1_alias', { kind: 'func1' }, [0x0642, 0x0645]),
  ...alias(0x197b, 'JMicron JMB388 SD controller', 'quirk_dma_func1_alias', { kind: 'func1' }, [0x2392]),
  ...alias(0x1c28, 'Plextor M6E SSD (Marvell 88SS9183)', 'quirk_dma_func1_alias', { kind: 'func1' }, [0x0122]),
  { vendor: 0x9005, device: 0x0285, subsystem: [0x9005, 0x02bb], name: 'Adaptec 3405', fn: 'quirk_fixed_dma_alias', rule: { kind: 'devfns', devfns: [[1, 0]] } },
  { vendor: 0x9005, device: 0x0285, subsystem: [0x9005, 0x02bc], name: 'Adaptec 3805', fn: 'quirk_fixed_dma_alias', rule: { kind: 'devfns', devfns: [[1, 0]] } },
  ...alias(0x1b21, 'ASMedia ASM1083/1085 PCIe-to-PCI bridge', 'quirk_use_pcie_bridge_dma_alias', { kind: 'pcie-bridge-rid' }, [0x1080]),
  ...alias(0x10e3, 'Tundra 8113 PCIe-to-PCI bridge', 'quirk_use_pcie_bridge_dma_alias', { kind: 'pcie-bridge-rid' }, [0x8113]),
  ...alias(0x1283, 'ITE 8892/8893 PCIe-to-PCI bridge', 'quirk_use_pcie_bridge_dma_alias', { kind: 'pcie-bridge-rid' }, [0x8892, 0x8893]),
  ...alias(0x8086, 'Intel 82801 PCI bridge', 'quirk_use_pcie_bridge_dma_alias', { kind: 'pcie-bridge-rid' }, [0x244e]),
  ...alias(0x8086, 'Intel MIC x200 NTB', 'quirk_mic_x200_dma_alias', { kind: 'devfns', devfns: [[0x10, 0], [0x11, 0], [0x12, 3]] }, [0x2260, 0x2264]),
  ...alias(0x8086, 'Intel Visual Compute Accelerator', 'quirk_pex_vca_alias', { kind: 'all-slots', functions: 5 }, [0x2954, 0x2955, 0x2956, 0x2958, 0x2959, 0x295a]),
  ...alias(0x14e4, 'Broadcom Vulcan / Cavium ThunderX2 root bridge', 'quirk_bridge_cavm_thrx2_pcie_root', { kind: 'xlate-root' }, [0x9000, 0x9084]),
];

export function inRanges(id: number, ranges: readonly (readonly [number, number])[]): boolean {
  return ranges.some(([lo, hi]) => id >= lo && id <= hi);
}

function span(lo: number, hi: number): number[] {
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}
