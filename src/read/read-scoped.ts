// `check ADDRESS...` reads what its rules use, not the whole tree: the targets' groups, every
// member, the other functions of their slots, the bridges above them and a VF's PF, the IOMMU
// units (without their device lists), the host facts, and the vendor:device id of every other PCI
// function (one uevent read each) for the "vfio-pci.ids would also take ..." rule. Where a rule
// needs the whole tree, it returns null and the caller reads everything: a target without a group
// or whose group is unreadable or a VFIO no-IOMMU group (the IOMMU state then depends on every
// group), a member that is not a PCI function, or pcie_acs_override on the command line (its rule
// compares with the grouping of the whole tree).
import { linkModel } from '../model/link.js';
import { parsePciName } from '../model/pci-address.js';
import { parseUeventIds } from './read-pci.js';
import type { Device, Issue, Model } from '../model/types.js';
import { readDevice } from './read-devices.js';
import { readGroup, type RawGroup } from './read-groups.js';
import { readHost } from './read-host.js';
import { escapeIssues } from './read-model.js';
import { readUnits } from './read-units.js';
import { SysRoot } from './sysfs-root.js';

const PCI_DEVICES = 'sys/bus/pci/devices';

export function readScopedModel(root: string, targets: { names: string[]; groups: number[] }): Model | null {
  const sys = new SysRoot(root);
  const cmdline = sys.readText('proc/cmdline');
  if (cmdline.ok && /(^|\s)pcie[_-]acs[_-]override=/.test(cmdline.value)) return null;
  const issues: Issue[] = [];
  const listing = sys.list(PCI_DEVICES);
  if (!listing.ok) return null;
  const all = listing.value;
  const devices = new Map<string, Device>();
  const read = (name: string): Device | null => {
    if (devices.has(name)) return devices.get(name)!;
    if (!all.includes(name)) return null;
    const d = readDevice(sys, 'pci', name, `${PCI_DEVICES}/${name}`, issues);
    if (d) devices.set(name, d);
    return d;
  };

  // The targets decide whether a scoped read can answer at all.
  const want = new Set(targets.groups);
  for (const n of targets.names) {
    const d = read(n);
    if (!d || d.group === null || Object.keys(d.errors).length > 0) return null;
    want.add(d.group);
  }
  const groups = new Map<number, RawGroup>();
  for (const id of want) {
    const g = readGroup(sys, String(id), issues);
    if (!g || Object.keys(g.errors).length > 0 || g.name === 'vfio-noiommu') return null;
    groups.set(id, g);
  }
  // Then to a fixed point: every member of a group read, the rest of each slot (multifunction
  // rules), the bridges above, the PF of a VF, and the group of every function read.
  for (let changed = true; changed; ) {
    changed = false;
    for (const g of [...groups.values()]) {
      for (const p of g.memberPaths) {
        const name = p.split('/').pop()!;
        if (devices.has(name)) continue;
        if (parsePciName(name) === null || read(name)?.path !== p) return null;
        changed = true;
      }
    }
    for (const d of [...devices.values()]) {
      const slot = d.name.slice(0, d.name.lastIndexOf('.') + 1);
      const more = [...all.filter((n) => n.startsWith(slot)), ...(d.pci?.upstream ?? []), ...(d.pci?.physfn ? [d.pci.physfn] : [])];
      for (const n of more) if (!devices.has(n) && read(n)) changed = true;
      if (d.group !== null && !groups.has(d.group)) {
        const g = readGroup(sys, String(d.group), issues);
        if (!g) return null;
        groups.set(d.group, g);
        changed = true;
      }
    }
  }
  const read_ = [...devices.values()];
  const drivers = read_.flatMap((d) => (d.driver === null || d.group === null ? [] : [{ bus: d.bus, driver: d.driver }]));
  const host = readHost(sys, true, drivers);
  const units = readUnits(sys, issues, false);
  issues.push(...escapeIssues(sys));
  const model = linkModel({ root: sys.root, live: sys.live, groupsDir: 'present', groups: [...groups.values()].sort((a, b) => a.id - b.id), devices: read_.sort((a, b) => (a.name < b.name ? -1 : 1)), buses: ['pci'], units, host, issues });
  return { ...model, scope: { read: read_.map((d) => d.name).sort(), idsOnly: 0 } };
}

/**
 * The scoped model with every other PCI function added by its vendor:device id (uevent's PCI_ID,
 * one read each): what the "vfio-pci.ids would also take ..." rule needs, read only when a plan is made.
 */
export function withOtherIds(root: string, model: Model): Model {
  if (!model.scope) return model;
  const sys = new SysRoot(root);
  const listing = sys.list(PCI_DEVICES);
  const have = new Set(model.scope.read);
  const others: Device[] = [];
  for (const name of listing.ok ? listing.value : []) {
    if (have.has(name) || parsePciName(name) === null) continue;
    const u = sys.readText(`${PCI_DEVICES}/${name}/uevent`);
    const ue = u.ok ? parseUeventIds(u.value) : {};
    let id: [number, number] | null = ue.vendor !== undefined && ue.device !== undefined ? [ue.vendor, ue.device] : null;
    if (id === null) {
      // No uevent (a snapshot keeps only what the full reader read): the vendor and device attributes.
      const v = sys.readText(`${PCI_DEVICES}/${name}/vendor`);
      const d = sys.readText(`${PCI_DEVICES}/${name}/device`);
      const hex = (g: typeof v) => (g.ok && /^0x[0-9a-fA-F]{4}$/.test(g.value) ? parseInt(g.value.slice(2), 16) : null);
      const [vv, dd] = [hex(v), hex(d)];
      id = vv !== null && dd !== null ? [vv, dd] : null;
    }
    others.push(idOnly(name, id));
  }
  return { ...model, devices: [...model.devices, ...others].sort((a, b) => (a.name < b.name ? -1 : 1)), scope: { ...model.scope, idsOnly: others.length } };
}

/** A PCI function known only by its vendor:device id (scoped read): no group, driver or path facts. */
function idOnly(name: string, id: [number, number] | null): Device {
  const a = parsePciName(name)!;
  return {
    bus: 'pci',
    name,
    path: `${PCI_DEVICES}/${name}`,
    group: null,
    iommu: null,
    driver: null,
    driverOverride: null,
    errors: {},
    pci: {
      address: name, domain: a.domain, bus: a.bus, slot: a.slot, function: a.function, vendor: id?.[0] ?? null, device: id?.[1] ?? null,
      subsystemVendor: null, subsystemDevice: null, class: null, revision: null, headerType: null, multifunction: null, configBytes: null, caps: null,
      numaNode: null, resetMethods: null, hasReset: null, bootVga: null, upstream: [], siblings: [], physfn: null, virtfns: [], sriovNumvfs: null,
      sriovTotalvfs: null, vfioDev: null, vfioCdev: null, rom: null, mdevTypes: null, bars: null,
    },
  };
}
