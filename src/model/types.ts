// The model: plain, JSON-safe data read from one sysfs root. The JSON output is this model
// (plus schemaVersion), so the names here are part of the interface: see docs/formats.md.
//
// Absent vs unreadable: an attribute that is not there is null; one that is there but could not
// be read is null too AND has an entry in the owner's `errors` map (attribute -> errno code, e.g.
// { "driver": "EACCES" }). Never a guessed value.

import type { ConfigCaps } from './config-space.js';

export type { ConfigCaps };
export type ErrorMap = Record<string, string>;

export interface ReservedRegion {
  /** Hex start address as the kernel printed it ("0x00000000fee00000"). */
  start: string;
  /** Inclusive end address. */
  end: string;
  /** direct, direct-relaxable, reserved, msi (any other word is kept as written). */
  type: string;
}

export interface MemberRef {
  bus: string | null;
  name: string;
  /** Root-relative sysfs path of the device ("sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0"). */
  path: string;
  /**
   * Where membership was seen: "both" (the group's devices/ link and the device's iommu_group
   * link agree), "group" (only the group lists it), "device" (only the device's link says so).
   */
  seenIn: 'both' | 'group' | 'device';
}

export interface Group {
  id: number;
  /** Directory name as found (equal to String(id) on a sane tree). */
  dir: string;
  /** DMA, DMA-FQ, identity, unmanaged, blocked, unknown; null when absent (kernels < 5.2). */
  type: string | null;
  /** Set by some drivers only: vfio-noiommu, powerpc PE names, SoC names. */
  name: string | null;
  reservedRegions: ReservedRegion[] | null;
  members: MemberRef[];
  errors: ErrorMap;
}

export interface PciInfo {
  address: string;
  domain: number;
  bus: number;
  slot: number;
  function: number;
  vendor: number | null;
  device: number | null;
  subsystemVendor: number | null;
  subsystemDevice: number | null;
  /** 24-bit class code: base class, subclass, programming interface. */
  class: number | null;
  revision: number | null;
  /** Header type without the multifunction bit: 0 normal, 1 PCI-to-PCI bridge, 2 CardBus. */
  headerType: number | null;
  /** Multifunction: header-type bit 7 set, or another function in the same slot exists. */
  multifunction: boolean | null;
  /** Bytes of config space this run could read (64 to non-root on Linux, 256/4096 to root). */
  configBytes: number | null;
  /** PCIe port type and ACS decoded from config space; null when fewer than 256 bytes were readable. */
  caps: ConfigCaps | null;
  numaNode: number | null;
  /** Methods from reset_method in priority order; null when the attribute is absent. */
  resetMethods: string[] | null;
  /** Whether the write-only `reset` attribute exists (the kernel has some reset method). */
  hasReset: boolean | null;
  bootVga: boolean | null;
  /** Addresses of upstream bridges, the nearest first, read from the device's sysfs path. */
  upstream: string[];
  /** Other functions in the same slot, by address. */
  siblings: string[];
  /** SR-IOV: the PF of a VF. */
  physfn: string | null;
  /** SR-IOV: VFs of a PF (addresses, by virtfn index). */
  virtfns: string[];
  sriovNumvfs: number | null;
  sriovTotalvfs: number | null;
  /** vfio-dev child ("vfio0") when bound to a VFIO driver on 6.1+. */
  vfioDev: string | null;
  /** major:minor of its VFIO device cdev (vfio-dev/vfioN/dev: 6.6+ with VFIO_DEVICE_CDEV); null without one. */
  vfioCdev: string | null;
  /** Root-relative path of the expansion ROM attribute (`rom`), when the device has one. */
  rom: string | null;
  /** Mediated device types it offers (mdev_supported_types: Intel GVT-g, NVIDIA vGPU); null when none. */
  mdevTypes: MdevType[] | null;
  /** NVIDIA's vendor-specific vGPU on a VF (nvidia/current_vgpu_type, creatable_vgpu_types); absent when it has no nvidia/ directory. */
  nvidiaVgpu?: { current: number | null; creatable: { id: number; name: string }[] | null } | null;
  /** Its BARs 0-5 from the `resource` attribute (only those with a size); null when it is absent or unreadable. */
  bars: Bar[] | null;
  /** The physical slot it sits in (sys/bus/pci/slots/NAME/address names its bus and device), or null. */
  physicalSlot?: string | null;
}

/** A base address register as the kernel sized it (sys/bus/pci/devices/ADDR/resource, lines 0-5). */
export interface Bar {
  index: number;
  /** Bytes (a 256 GiB BAR is 274877906944: exact in a double). */
  size: number;
  kind: 'mem64' | 'mem32' | 'io';
  prefetchable: boolean;
}

export interface MdevType {
  /** Directory name ("i915-GVTg_V5_4"). */
  type: string;
  /** Its `name` attribute, when there is one. */
  name: string | null;
  availableInstances: number | null;
  /** vfio-pci, vfio-ccw, ... */
  deviceApi: string | null;
}

export interface Device {
  bus: string;
  name: string;
  path: string;
  /** Group id from the device's own iommu_group link. */
  group: number | null;
  /** IOMMU unit name from the device's iommu link ("dmar0"). */
  iommu: string | null;
  driver: string | null;
  /** driver_override content; null when unset ("(null)") or absent. */
  driverOverride: string | null;
  pci: PciInfo | null;
  errors: ErrorMap;
}

export type IommuKind =
  | 'intel-vtd'
  | 'amd-vi'
  | 'arm-smmu-v3'
  | 'arm-smmu'
  | 'virtio-iommu'
  | 's390'
  | 'unknown';

/**
 * A PCI host controller's iommu-map (Documentation/devicetree/bindings/pci/pci-iommu.txt): the
 * kernel gives a PCI function an IOMMU, so a group, only when its requester ID falls in an entry
 * (of_iommu_configure -> of_map_id); a controller node without the property gives none.
 */
export interface DtIommuMap {
  /** The controller's node, root-relative; null when the tree does not show it. */
  node: string | null;
  /** Why the map is not known (the node or its iommu-map unreadable); null when it is. */
  unknown: string | null;
  /** [rid-base, IOMMU phandle, iommu-base, length] per entry; [] when the node has no iommu-map. */
  entries: [number, number, number, number][];
  /** iommu-map-mask, applied to the requester ID first (all ones when absent). */
  mask: number;
  /** Functions below it with no driver whose own node's status is not "okay": no driver binds to them (vfio-pci neither). */
  disabled: string[];
}

export interface IommuUnit {
  name: string;
  kind: IommuKind;
  path: string;
  /** Intel VT-d registers from intel-iommu/{cap,ecap} (hex as the kernel printed it, no 0x). */
  intel: { cap: string | null; ecap: string | null } | null;
  /** Device paths the unit lists in its devices/ directory. */
  devices: string[];
  errors: ErrorMap;
}

export type IssueCode =
  | 'READ_ERROR'
  | 'GROUP_DIR_NOT_NUMERIC'
  | 'GROUP_EMPTY'
  | 'GROUP_MEMBER_LINK_MISSING'
  | 'DEVICE_GROUP_MISMATCH'
  | 'DEVICE_GROUP_NOT_LISTED'
  | 'DEVICE_GROUP_DANGLING'
  | 'DEVICE_IN_SEVERAL_GROUPS'
  | 'LINK_OUTSIDE_ROOT'
  | 'DEVICE_NAME_MISMATCH';

export interface Issue {
  code: IssueCode;
  /** What it concerns: a root-relative path, "group 13", or a device name. */
  subject: string;
  message: string;
}

export interface BlockDevice {
  name: string;
  /** Root-relative sysfs path the sys/block link resolves to. */
  path: string;
  /** major:minor of the disk and of each partition. */
  devs: string[];
  /** Partition names ("nvme0n1p1"). */
  partitions: string[];
  /** Block devices stacked on this one (holders/: dm, md, ...). */
  holders: string[];
  /** The disk and each partition with its major:minor. */
  nodes: { name: string; dev: string }[];
  /** A device-mapper device's name (dm/name: "luks-...", "vg-root"), the one /dev/mapper shows; null otherwise. */
  dmName: string | null;
}

export interface HostFacts {
  /** Kernel command line from proc/cmdline under the root; null if absent or unreadable. */
  cmdline: string | null;
  /** Kernel release from proc/version ("6.1.0-56-amd64"); null if absent or unreadable. */
  kernelRelease: string | null;
  /** ACPI tables that name an IOMMU (DMAR Intel, IVRS AMD, IORT Arm) present in firmware. */
  acpiIommuTables: string[] | null;
  /** Which of the VFIO/iommufd modules are in sys/module (loaded, or built in with parameters). */
  modules: Record<string, boolean> | null;
  /** VFIO-related module parameters as read ("Y", "N", "0", "1"); absent ones are left out. */
  moduleParams: Record<string, string>;
  /** Interrupt chip names from proc/interrupts that begin with "IR-"; null if not readable. */
  remappedIrqChips: string[] | null;
  /**
   * Chip names of PCI MSI interrupts in proc/interrupts, device suffix cut ("IR-PCI-MSIX", "PCI-MSI",
   * "ITS-MSI", "MSI"): the MSI domain a device's interrupts go through; null if not readable.
   */
  msiChips?: string[] | null;
  /** Every ACPI table name in sys/firmware/acpi/tables (the architecture shows in them); null if not listed. */
  acpiTables?: string[] | null;
  /**
   * `options vfio-pci ids=...` lines in modprobe.d (etc, run, usr/lib, lib), in the order modprobe
   * reads them; null when the tree has no etc/ (a capture that did not keep it).
   */
  vfioPciIdOptions?: { file: string; line: number; ids: string }[] | null;
  /**
   * Signs that this is a virtual machine (the cpuinfo hypervisor flag, the DMI vendor, sys/hypervisor):
   * its IOMMU is the hypervisor's to give. null: no sign in the tree (which may simply lack the facts).
   */
  guest?: { hypervisor: string | null; evidence: string[] } | null;
  /** The DMAR table's flags byte (bit 0 INTR_REMAP: firmware offers interrupt remapping); null if not read. */
  dmarFlags?: number | null;
  /** dev/vfio entries and dev/iommu; null when the tree has no dev/ directory. */
  devNodes: { vfio: string[] | null; iommu: boolean | null } | null;
  /** major:minor of every mounted filesystem from proc/self/mountinfo; null if absent. */
  mounted: string[] | null;
  /** Disks from sys/block; null if absent. */
  blockDevices: BlockDevice[] | null;
  /** sys/block and sys/class/net entries whose link could not be followed (it leaves the root, or is unreadable): errno by name. */
  unresolved: { block: { name: string; error: string }[]; net: { name: string; error: string }[] };
  /** RLIMIT_MEMLOCK soft limit in bytes ("unlimited" as null) from proc/self/limits, live host only. */
  memlock: { soft: number | null } | null;
  /** Block devices in use as swap (proc/swaps paths resolved to names: "nvme0n1p3", "dm-1"); null if absent. */
  swaps: string[] | null;
  /**
   * Block devices that hold a mounted filesystem found by its source, not its major:minor (btrfs,
   * ZFS, bcachefs mount as an anonymous 0:N), and the mounts or swap areas whose device this tree
   * cannot tell; null when sys/block is not in the tree.
   */
  mountedByName: { names: string[]; unresolved: { what: string; why: string }[] } | null;
  /** Network interfaces from sys/class/net; null if absent. */
  netInterfaces: NetInterface[] | null;
  /** Interfaces that carry a default route (proc/net/route, proc/net/ipv6_route); null if neither is readable. */
  defaultRouteInterfaces: string[] | null;
  /** Route tables (proc/net/route, proc/net/ipv6_route) not in the tree and not known to be absent on the host. */
  routeTablesMissing: string[];
  /** Kernel module behind each bound driver ("pci/snd_hda_intel" -> "snd_hda_intel"); null: built in (no module link). */
  driverModules: Record<string, string | null>;
  /** Where firmware describes the machine when there is no ACPI: a flattened device tree (Arm, POWER); null if not looked at. */
  deviceTree: { path: string; power: boolean } | null | false;
  /** ID and ID_LIKE from etc/os-release (or usr/lib/os-release); null if neither is readable. */
  osRelease: { id: string | null; idLike: string[] } | null;
  /** What a VM needs besides the IOMMU (virt-host-validate's checks); null when not read. */
  virt: VirtFacts | null;
  /** How this host boots, from the files under the root; null when not read. */
  boot: BootFacts | null;
  /** sys/module/vendor_reset: true loaded, false known not loaded (a complete listing), null not known. */
  vendorReset?: boolean | null;
  /**
   * A device-tree platform's PCI host controllers, by root bus directory ("sys/devices/platform/
   * soc/1f0000000.pcie/pci0000:00"): which requester IDs their iommu-map sends to an IOMMU. null:
   * not such a platform (ACPI, POWER, or no device tree in the tree).
   */
  dtPciIommu?: Record<string, DtIommuMap> | null;
  /** What the host shows and types on: consoles, framebuffers, device nodes and who holds them; null when not read. */
  display?: DisplayFacts | null;
  errors: ErrorMap;
}

/** A class directory entry (sys/class/drm/card1) and the device path its link resolves to. */
export interface ClassEntry {
  name: string;
  path: string;
}

export interface DisplayFacts {
  /** sys/class/graphics fbN; null when the directory is not in the tree. */
  framebuffers: ClassEntry[] | null;
  /** sys/class/drm cardN and renderDN (not connectors). */
  drm: ClassEntry[] | null;
  /** sys/class/sound entries with a device node (controlCN, pcmCNDNp, hwCNDN, ...). */
  sound: ClassEntry[] | null;
  /** sys/class/tty serial ports (ttyS, ttyAMA, ttyUSB, ...), for console=. */
  serialTtys: ClassEntry[] | null;
  /** Input devices that are keyboards (capabilities/key has the keys KEY_ESC..KEY_D, as udev's input_id tests). */
  keyboards: ClassEntry[] | null;
  /** Input devices whose capabilities could not be read: whether they are keyboards is not known. */
  inputsUnknown: string[];
  /** sys/class/vtconsole: the console drivers and whether each is bound. */
  vtconsoles: { name: string; desc: string | null; bound: boolean | null }[] | null;
  /** Framebuffers and DRM cards on platform devices (efifb, simpledrm, vesafb): the firmware's framebuffer, with its driver. */
  firmwareDisplays: { name: string; device: string; driver: string | null }[];
  /** NVIDIA device minor by PCI address (proc/driver/nvidia/gpus/ADDR/information): /dev/nvidiaN. */
  nvidiaMinors: Record<string, number>;
  /** Processes holding display, sound or GPU nodes (proc/PID/fd); null when proc/PID is not in the tree. */
  holders: { pid: number; comm: string | null; node: string }[] | null;
  /** Processes whose open files could not be read (another user's, as non-root). */
  holdersUnreadable: number;
}

export interface VirtFacts {
  /** From proc/cpuinfo: the architecture and the hardware-virtualization flag; null if unreadable. */
  cpu: { arch: 'x86' | 'arm64' | 'other'; flag: 'vmx' | 'svm' | null } | null;
  /** kvm, kvm_intel, kvm_amd, vhost_net, tun in sys/module; null if sys/module is unreadable. */
  modules: Record<string, boolean> | null;
  /** The sys/module listing is the host's whole list (live, or a snapshot of it): a module not in it is not loaded. */
  modulesComplete?: boolean;
  /** cgroup controllers libvirt uses: v2 from sys/fs/cgroup/cgroup.controllers, v1 from the hierarchies' names; null if neither is there. */
  cgroups: { version: 1 | 2; controllers: string[] } | null;
  /** Secure guest support as KVM reports it: kvm_amd's sev, kvm_intel's tdx parameters ("Y", "N", "1", "0"); absent ones are null. */
  secureGuest: { sev: string | null; tdx: string | null };
  /** Device nodes (lstat only; a snapshot keeps them as empty stand-in files); null: the tree has no dev/. */
  nodes: {
    /** true: there; false: absent on the host (the live host, or a snapshot that recorded it); null: not known. */
    kvm: boolean | null;
    /** Whether this user may open /dev/kvm read-write (access(2), live host only; it is never opened). */
    kvmAccess: boolean | null;
    vhostNet: boolean | null;
    tun: boolean | null;
    /** dev/vfio/devices entries (VFIO device cdevs, 6.6+); [] when known absent; null when not known. */
    vfioDevices: string[] | null;
  } | null;
}

export interface BootFacts {
  /** etc/default/grub as read (null: absent or unreadable). */
  grubDefault: string | null;
  /** etc/kernel/cmdline (systemd-boot, kernel-install, proxmox-boot-tool). */
  kernelCmdline: string | null;
  /** etc/kernel/proxmox-boot-uuids exists: proxmox-boot-tool manages the ESPs. */
  proxmoxBoot: boolean;
  /** Boot Loader Specification entries (boot/loader/entries, efi/loader/entries, boot/efi/loader/entries). */
  loaderEntries: boolean;
  /** Booted by UEFI (sys/firmware/efi exists); null when sys/firmware is not readable. */
  efi: boolean | null;
  /** Tools that are there: grubby, update-grub, grub2-mkconfig, grub-mkconfig, kernelstub, kernel-install, proxmox-boot-tool. */
  tools: string[];
}

export interface NetInterface {
  name: string;
  /** Root-relative path the sys/class/net link resolves to (under the device that provides it). */
  path: string;
  /** Interfaces below it (lower_* links: bridge ports, bond slaves, a VLAN's parent), by name. */
  lower: string[];
}

export interface Model {
  root: string;
  /** The tree is this machine's own (root /): /dev and /proc/self describe the host the tool runs on. */
  live: boolean;
  /** State of sys/kernel/iommu_groups itself. */
  groupsDir: 'present' | 'absent' | 'unreadable';
  groups: Group[];
  /** Every device on every bus, sorted by bus then name. */
  devices: Device[];
  /** Every bus directory found under sys/bus, sorted (with or without devices). */
  buses: string[];
  units: IommuUnit[];
  host: HostFacts;
  issues: Issue[];
  /**
   * Set when only part of the tree was read (check ADDRESS): the functions read in full; every
   * other PCI function is in `devices` with its vendor:device id only (no group, driver or path facts).
   */
  scope?: { read: string[]; idsOnly: number };
  /** Physical slots (sys/bus/pci/slots), where read; null when that directory could not be read. */
  slots?: PciSlot[] | null;
  /** Groups predicted on a host whose IOMMU is off: ACS is judged as the kernel will enable it. */
  iommuOff?: boolean;
}

/** A physical PCI slot (ACPI _SUN, pciehp, ...): where a card goes. */
export interface PciSlot {
  name: string;
  /** "0000:01:00": domain, bus and device of a card in it; null when its address is unreadable. */
  address: string | null;
  /** The bridge whose secondary bus the slot is on (its pci_bus/ entry), or null when not found. */
  bridge: string | null;
  errors: ErrorMap;
}
