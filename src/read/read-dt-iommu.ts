// A device-tree platform's PCI host controllers and their iommu-map: which functions the kernel
// hands to an IOMMU at all. pci_dma_configure() configures a function from the of_node of its host
// bridge's parent (the platform device of the controller); of_iommu_configure() maps the function's
// requester ID through that node's iommu-map (of_map_id, drivers/of/base.c): an ID outside every
// entry, or a node without the property, gets no IOMMU and so no group. ACPI platforms (IORT,
// VIOT, DMAR, IVRS) and POWER do not go this way.
import * as path from 'node:path';
import { rootBusDir } from '../model/pci-address.js';
import type { Device, DtIommuMap } from '../model/types.js';
import type { SysRoot } from './sysfs-root.js';

const DT = 'sys/firmware/devicetree/base';
/** An iommu-map of more entries than this is not a real one. */
const MAX_MAP_BYTES = 16 * 4096;

/**
 * The iommu-map of each root bus's controller; null when the tree is not a device-tree platform's:
 * no device tree, ACPI tables (`acpiTables`: the listing of sys/firmware/acpi/tables, null when
 * absent; x86 kernels can show an empty device tree, or device-tree nodes made for PCI devices,
 * beside ACPI), POWER, or no controller or function that names a node.
 */
export function readDtPciIommu(sys: SysRoot, devices: readonly Device[], acpiTables: readonly string[] | null): Record<string, DtIommuMap> | null {
  if (acpiTables !== null) return null;
  const top = sys.list(DT);
  if (!top.ok || top.value.some((n) => n.startsWith('ibm,'))) return null;
  const out: Record<string, DtIommuMap> = {};
  const on = new Map<string, Device[]>();
  for (const d of devices) {
    const root = d.pci === null ? null : rootBusDir(d.path);
    if (root !== null) (on.get(root) ?? on.set(root, []).get(root)!).push(d);
  }
  for (const [root, below] of on) {
    const map = readMap(sys, path.posix.dirname(root), below);
    if (map === null) continue;
    // Where the map is unknown, so is every function below it: their nodes' status is not read.
    if (map.unknown === null) map.disabled = below.filter((d) => d.driver === null && disabledNode(sys, d.path)).map((d) => d.name);
    out[root] = map;
  }
  return Object.keys(out).length === 0 ? null : out;
}

/**
 * A function whose device-tree node says status "disabled" (anything but "okay"/"ok"): the kernel
 * enumerates it but binds no driver to it (pci_bus_add_device: match_driver from
 * of_device_is_available), so nothing can take it, vfio-pci included.
 */
function disabledNode(sys: SysRoot, devicePath: string): boolean {
  const node = sys.resolveLink(`${devicePath}/of_node`);
  if (!node.ok || !(node.value === DT || node.value.startsWith(`${DT}/`))) return false;
  const status = sys.readBytes(`${node.value}/status`, 64);
  if (!status.ok) return false;
  const text = status.value.toString('latin1').replace(/\0+$/, '');
  return text !== 'okay' && text !== 'ok';
}

/** One controller's map; null when neither it nor a function below it names a device-tree node. */
function readMap(sys: SysRoot, controller: string, below: readonly Device[]): DtIommuMap | null {
  const unknown = (node: string | null, why: string): DtIommuMap => ({ node, unknown: why, entries: [], mask: 0xffffffff, disabled: [] });
  const link = sys.resolveLink(`${controller}/of_node`);
  if (!link.ok) {
    // A function that names its node says the platform is described by a device tree, though the
    // controller's node (where the map is) is not in this tree: a partial snapshot, or a tree
    // made from lspci's "Device tree node:" lines.
    if (!below.some((d) => sys.resolveLink(`${d.path}/of_node`).ok)) return null;
    return unknown(null, `its host controller's device-tree node (${controller}/of_node) is not in this tree, so neither is the iommu-map that decides whether the kernel gives it an IOMMU`);
  }
  const node = link.value;
  if (node !== DT && !node.startsWith(`${DT}/`)) return unknown(null, `${controller}/of_node leads outside ${DT}`);
  const raw = sys.readBytes(`${node}/iommu-map`, MAX_MAP_BYTES);
  if (!raw.ok && !raw.absent) return unknown(node, `${node}/iommu-map cannot be read (${raw.error})`);
  const bytes = raw.ok ? raw.value : Buffer.alloc(0);
  if (bytes.length % 16 !== 0) return unknown(node, `${node}/iommu-map is ${bytes.length} bytes, not entries of four cells`);
  const entries: DtIommuMap['entries'] = [];
  for (let o = 0; o < bytes.length; o += 16) {
    entries.push([bytes.readUInt32BE(o), bytes.readUInt32BE(o + 4), bytes.readUInt32BE(o + 8), bytes.readUInt32BE(o + 12)]);
  }
  const m = sys.readBytes(`${node}/iommu-map-mask`, 64);
  if (!m.ok && !m.absent) return unknown(node, `${node}/iommu-map-mask cannot be read (${m.error})`);
  if (m.ok && m.value.length !== 4) return unknown(node, `${node}/iommu-map-mask is ${m.value.length} bytes, not one cell`);
  return { node, unknown: null, entries, mask: m.ok ? m.value.readUInt32BE(0) : 0xffffffff, disabled: [] };
}
