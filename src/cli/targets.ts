// TARGET arguments of check and explain: a PCI address (full or short), a vendor:device id, or
// --group N. A target that names nothing in the tree is a usage error (exit 2).
import type { Target } from '../analyse/vfio/check.js';
import { type AppError, UsageError } from '../errors.js';
import { formatPciAddress, parseUserAddress } from '../model/pci-address.js';
import type { Device, Model } from '../model/types.js';
import { parseGroupOption, requireGroups } from './selectors.js';

const ID = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$/;

export function resolveTargets(model: Model, specs: readonly string[], group: string | undefined): Target[] {
  const pci = model.devices.filter((d) => d.pci !== null);
  const out: Target[] = [];
  if (group !== undefined) {
    const id = parseGroupOption(group);
    requireGroups(model, [id]);
    out.push({ spec: `group ${id}`, device: null, group: id });
  }
  for (const spec of specs) {
    const id = ID.exec(spec);
    if (id) {
      const [v, d] = [parseInt(id[1]!, 16), parseInt(id[2]!, 16)];
      const hits = pci.filter((x) => x.pci!.vendor === v && x.pci!.device === d);
      if (hits.length === 0) throw new UsageError(`${spec}: no PCI device with this vendor:device id`, "'iommu-groups list' shows the ids");
      for (const h of hits) out.push({ spec, device: h, group: h.group });
      continue;
    }
    const a = parseUserAddress(spec);
    if (!a.ok) throw new UsageError(`${spec}: not a PCI address or vendor:device id (${a.reason})`, 'e.g. 01:00.0, 0000:01:00.0 or 10de:1b80');
    const name = formatPciAddress(a.address);
    const dev: Device | undefined = pci.find((x) => x.name === name);
    if (!dev) throw unseen(model, spec, name);
    out.push({ spec, device: dev, group: dev.group });
  }
  if (out.length === 0) throw new UsageError('no target given', 'give a PCI address, a vendor:device id, or --group N');
  return out;
}

/**
 * A PCI address the bus walk did not give a device for (exit 2, as for any target the tree does not
 * show), saying why where the tree tells: its bus link could not be followed (it leaves the root, or
 * is unreadable), or only its group lists it (removed while read, or a tree without the bus link).
 */
function unseen(model: Model, spec: string, name: string): AppError {
  const link = `sys/bus/pci/devices/${name}`;
  const issue = model.issues.find((i) => i.subject === link);
  const inGroup = model.groups.find((g) => g.members.some((m) => m.name === name));
  if (issue === undefined && inGroup === undefined) return new UsageError(`${spec}: no PCI device ${name} in this tree`, "'iommu-groups list' shows the devices");
  const why =
    issue === undefined
      ? `no bus lists it, though group ${inGroup!.id} does (removed while the tree was read, or its bus link is missing)`
      : issue.code === 'DEVICE_NAME_MISMATCH'
        ? `${link} ${issue.message.replace(/: read as .*$/, '')}`
        : `${link} could not be followed (${issue.code === 'LINK_OUTSIDE_ROOT' ? 'its link leaves the root' : issue.message})`;
  return new UsageError(`${spec}: ${why}: this tree does not show the device, so it cannot be checked`, 'take a snapshot on the host (iommu-groups snapshot OUT) and read that');
}
