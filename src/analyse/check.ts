// `check`: can these devices go to a VM? For each target: its group, every member's driver, and
// the other things vfio-pci and the kernel refuse, as findings with stable codes, plus the
// commands that would move each member to vfio-pci (printed, never run). Pure: model in.
import { predictGroups, type Prediction } from './grouping.js';
import { cmdlineParam, finding, kernelAtLeast, worst, type Finding, type Status } from './findings.js';
import { hostReport } from './host-check.js';
import { deviceIndex, groupLinkUnreadable, iommuState, isBridge, noIommuEvidence } from './isolation.js';
import type { Device, Group, Model } from '../model/types.js';

export interface Target {
  /** What the user typed. */
  spec: string;
  device: Device | null;
  group: number | null;
}

export interface Move {
  address: string;
  /** The driver it is bound to now (null: unbound). */
  driver: string | null;
  vendorDevice: string | null;
}

export interface TargetReport {
  target: Target;
  group: number | null;
  verdict: Status;
  findings: Finding[];
  /** Members that must be bound to vfio-pci before the group can go to a VM. */
  moves: Move[];
}

/** Drivers that leave a group usable for VFIO (Linux 5.19+ rule; variant drivers contain "vfio"). */
export function isVfioDriver(driver: string): boolean {
  return /vfio/.test(driver);
}

export function checkTargets(model: Model, targets: readonly Target[]): TargetReport[] {
  const ctx: Ctx = {
    model,
    byPath: deviceIndex(model),
    groups: new Map(model.groups.map((g) => [g.id, g])),
    host: hostReport(model),
    prediction: null,
  };
  return targets.map((t) => checkOne(ctx, t));
}

interface Ctx {
  model: Model;
  byPath: Map<string, Device>;
  groups: Map<number, Group>;
  host: ReturnType<typeof hostReport>;
  prediction: Prediction | null;
}

function checkOne(ctx: Ctx, target: Target): TargetReport {
  const f: Finding[] = [];
  const moves: Move[] = [];
  const { model } = ctx;
  const t = target.device;
  const subject = t?.name ?? `group ${target.group}`;
  const done = (group: number | null): TargetReport => {
    const v = worst(f.map((x) => x.status));
    return { target, group, verdict: v === 'info' ? 'ok' : v, findings: f, moves };
  };

  if (t && isBridge(t)) {
    f.push(finding('TARGET_IS_BRIDGE', 'fail', t.name, 'a PCI bridge: vfio-pci refuses bridges (non-normal header type); pass the devices behind it instead', [`${t.path}/config header type ${t.pci?.headerType}`]));
  }
  const st = iommuState(model);
  if (!st.active) {
    f.push(finding('NO_IOMMU', 'fail', subject, `no active IOMMU: ${noIommuEvidence(model).join('; ')}`, ['sys/kernel/iommu_groups']));
    if (t) mountFindings(model, [t], t.name, f);
    return done(null);
  }
  let gid = target.group;
  if (t) {
    if (t.group === null) {
      if (groupLinkUnreadable(t)) f.push(finding('GROUP_UNREADABLE', 'unknown', t.name, `its iommu_group link is unreadable (${t.errors['group'] ?? t.errors['device']})`, [`${t.path}/iommu_group`]));
      else f.push(finding('DEVICE_NO_GROUP', 'fail', t.name, 'the IOMMU is active but this device has no group: it cannot be isolated', [`${t.path}/iommu_group absent`]));
      mountFindings(model, [t], t.name, f);
      return done(null);
    }
    gid = t.group;
  }
  const g = gid === null ? undefined : ctx.groups.get(gid);
  if (!g) {
    f.push(finding('GROUP_UNREADABLE', 'unknown', subject, `group ${gid} has no directory in sys/kernel/iommu_groups`, []));
    return done(gid);
  }
  if (g.name === 'vfio-noiommu') {
    f.push(finding('NOIOMMU_GROUP', 'fail', `group ${g.id}`, 'a VFIO no-IOMMU group: no DMA isolation at all', [`sys/kernel/iommu_groups/${g.dir}/name`]));
  }
  if ('members' in g.errors || 'group' in g.errors) {
    f.push(finding('GROUP_UNREADABLE', 'unknown', `group ${g.id}`, `its member list is unreadable (${g.errors['members'] ?? g.errors['group']})`, [`sys/kernel/iommu_groups/${g.dir}/devices`]));
  }

  const newRule = kernelAtLeast(model.host.kernelRelease, 5, 19) !== false;
  const members = g.members.map((m) => ({ ref: m, dev: ctx.byPath.get(m.path) ?? null }));
  const endpoints: Device[] = [];
  let memberBlock = false;
  for (const { ref, dev } of members) {
    const isTarget = t !== null && ref.path === t.path;
    if (!dev) {
      f.push(finding('GROUP_MEMBER_UNKNOWN', 'unknown', ref.name, `group ${g.id} lists ${ref.name}, which no bus lists: its driver is unknown`, [ref.path]));
      continue;
    }
    if ('driver' in dev.errors) {
      f.push(finding('DRIVER_UNREADABLE', 'unknown', dev.name, `its driver link is unreadable (${dev.errors['driver']})`, [`${dev.path}/driver`]));
      if (!isBridge(dev)) endpoints.push(dev);
      continue;
    }
    const drv = dev.driver;
    if (isBridge(dev)) {
      if (isTarget) continue;
      if (drv === null || drv === 'pcieport' || drv === 'pci-stub' || isVfioDriver(drv) || !newRule) {
        f.push(finding('GROUP_MEMBER_BRIDGE', 'ok', dev.name, `a bridge in the group${drv ? ` on ${drv}` : ''}: stays with the host, does not block the group`, [`${dev.path}/driver`]));
      } else {
        memberBlock = true;
        f.push(finding('GROUP_MEMBER_HOST_DRIVER', 'fail', dev.name, `a bridge bound to ${drv}: since Linux 5.19 only pcieport (or no driver) leaves a group usable; unbind it or move its hot-plug function to pciehp`, [`${dev.path}/driver -> ${drv}`]));
      }
      continue;
    }
    endpoints.push(dev);
    if (isTarget) {
      const vd = vendorDevice(dev);
      if (drv === null) {
        f.push(finding('TARGET_UNBOUND', 'info', dev.name, 'not bound to any driver: bind it to vfio-pci (commands below), or let libvirt do it (managed mode)', [`${dev.path}/driver absent`]));
        moves.push({ address: dev.name, driver: null, vendorDevice: vd });
      } else if (isVfioDriver(drv) || drv === 'pci-stub') {
        f.push(finding('TARGET_VFIO', 'ok', dev.name, `bound to ${drv}`, [`${dev.path}/driver -> ${drv}`]));
        if (drv === 'pci-stub') moves.push({ address: dev.name, driver: drv, vendorDevice: vd });
      } else {
        f.push(finding('TARGET_HOST_DRIVER', 'warn', dev.name, `bound to the host driver ${drv}: normal before passthrough; rebind it to vfio-pci (commands below), or let libvirt's managed mode do it for this device`, [`${dev.path}/driver -> ${drv}`]));
        moves.push({ address: dev.name, driver: drv, vendorDevice: vd });
      }
      continue;
    }
    if (drv === null || drv === 'pci-stub') {
      // Unbound and pci-stub leave the group usable: nothing has to move (so no commands).
      f.push(finding('GROUP_MEMBER_GOES_ALONG', 'warn', dev.name, `${drv === null ? 'unbound' : 'on pci-stub'}: fine for VFIO, but it shares group ${g.id}: no host driver may claim it while the group is in use, and only this VM can use it`, [`${dev.path}/driver${drv ? ` -> ${drv}` : ' absent'}`]));
    } else if (isVfioDriver(drv)) {
      f.push(finding('GROUP_MEMBER_VFIO', 'info', dev.name, `bound to ${drv}: it shares group ${g.id} and goes to the same VM`, [`${dev.path}/driver -> ${drv}`]));
    } else {
      memberBlock = true;
      f.push(finding('GROUP_MEMBER_HOST_DRIVER', 'fail', dev.name, `bound to the host driver ${drv} and in the same group ${g.id}: the whole group must go to the same VM, so it must leave ${drv} too (commands below)`, [`${dev.path}/driver -> ${drv}`]));
      moves.push({ address: dev.name, driver: drv, vendorDevice: vendorDevice(dev) });
    }
  }
  if (!memberBlock && members.length > 1 && !f.some((x) => x.status === 'unknown')) {
    f.push(finding('GROUP_VIABLE', 'ok', `group ${g.id}`, 'no other member is held by a host driver', []));
  }

  for (const dev of endpoints) deviceFindings(dev, f);
  groupFindings(ctx, g, f);
  return done(g.id);
}

function deviceFindings(dev: Device, f: Finding[]): void {
  const pci = dev.pci;
  if (!pci) return;
  if ((pci.sriovNumvfs ?? 0) > 0 || pci.virtfns.length > 0) {
    const n = pci.sriovNumvfs ?? pci.virtfns.length;
    f.push(finding('PF_WITH_VFS', 'fail', dev.name, `an SR-IOV PF with ${n} VFs enabled: vfio-pci refuses it; pass a VF instead, or disable the VFs first (echo 0 > sriov_numvfs)`, [`${dev.path}/sriov_numvfs = ${n}`]));
  }
  if (pci.bootVga === true) {
    f.push(finding('BOOT_VGA', 'warn', dev.name, 'the host\'s boot VGA device: the host console uses it; detach the console (fbcon, efifb/simpledrm) before passing it through', [`${dev.path}/boot_vga = 1`]));
  }
  if ('resetMethods' in dev.errors) {
    f.push(finding('RESET_UNKNOWN', 'unknown', dev.name, `reset_method unreadable (${dev.errors['resetMethods']})`, [`${dev.path}/reset_method`]));
  } else if ((pci.resetMethods !== null && pci.resetMethods.length === 0) || (pci.resetMethods === null && pci.hasReset === false)) {
    f.push(finding('NO_RESET', 'warn', dev.name, 'no reset method: the device may keep state between VMs, and stopping a VM can hang', [`${dev.path}/reset_method ${pci.resetMethods === null ? 'absent' : 'empty'}, reset ${pci.hasReset ? 'present' : 'absent'}`]));
  } else if (pci.resetMethods !== null) {
    f.push(finding('RESET', 'ok', dev.name, `reset methods: ${pci.resetMethods.join(' ')}`, [`${dev.path}/reset_method`]));
  }
}

function groupFindings(ctx: Ctx, g: Group, f: Finding[]): void {
  const { model } = ctx;
  const gs = `group ${g.id}`;
  const direct = (g.reservedRegions ?? []).filter((r) => r.type === 'direct');
  if (direct.length > 0) {
    const refuses = kernelAtLeast(model.host.kernelRelease, 6, 6) === true || model.units.some((u) => u.kind === 'intel-vtd');
    f.push(
      finding(
        'DIRECT_RESERVED_REGION',
        refuses ? 'fail' : 'warn',
        gs,
        `a non-relaxable direct-mapped region (${direct.map((r) => `${r.start}-${r.end}`).join(', ')}, firmware RMRR/unity map): ${refuses ? 'the kernel refuses to hand this group to VFIO' : 'Linux 6.6+ refuses to hand this group to VFIO'}`,
        [`sys/kernel/iommu_groups/${g.dir}/reserved_regions`],
      ),
    );
  }

  mountFindings(model, g.members, gs, f);
  const h = model.host;

  const override = cmdlineParam(h.cmdline, 'pcie_acs_override');
  if (override !== null) {
    ctx.prediction ??= predictGroups(model);
    const any = g.members.find((m) => ctx.prediction!.groupOf(m.name) !== null);
    const predicted = any ? ctx.prediction.groupOf(any.name)! : null;
    const actual = g.members.map((m) => m.name).sort();
    const depends = predicted !== null && predicted.some((a) => !actual.includes(a));
    f.push(
      finding(
        'ACS_OVERRIDE',
        'warn',
        gs,
        depends
          ? `pcie_acs_override=${override} is on and this group exists only because of it: config space puts ${predicted!.filter((a) => !actual.includes(a)).join(', ')} in it too; isolation is not guaranteed`
          : `pcie_acs_override=${override} is on: group boundaries may come from the override rather than from hardware isolation`,
        ['proc/cmdline'],
      ),
    );
  }

  const ir = ctx.host.interruptRemapping;
  if (ir.status === 'warn') f.push(finding('NO_INTERRUPT_REMAPPING', 'warn', 'host', ir.message, ir.evidence));

  // The group's device node, when a VFIO driver holds a member: stat only, never opened.
  const vfioBound = g.members.some((m) => {
    const d = ctx.byPath.get(m.path);
    return d?.driver != null && isVfioDriver(d.driver);
  });
  if (vfioBound) {
    const node = g.name === 'vfio-noiommu' ? `noiommu-${g.id}` : String(g.id);
    const nodes = h.devNodes?.vfio ?? null;
    if (h.devNodes === null) f.push(finding('VFIO_GROUP_NODE', 'info', gs, `/dev/vfio/${node} not checked: this tree has no dev/ directory`, []));
    else if (nodes?.includes(node)) f.push(finding('VFIO_GROUP_NODE', 'ok', gs, `/dev/vfio/${node} exists (checked with lstat, not opened)`, [`dev/vfio/${node}`]));
    else f.push(finding('VFIO_GROUP_NODE_MISSING', 'warn', gs, `a member is bound to VFIO but /dev/vfio/${node} does not exist`, [`dev/vfio/${node}`]));
  }
}

/** Disks below any of these devices that hold a mounted filesystem (directly or stacked: dm, md). */
function mountFindings(model: Model, members: readonly { name: string; path: string }[], subject: string, f: Finding[]): void {
  const h = model.host;
  if (h.mounted === null || h.blockDevices === null) {
    f.push(finding('MOUNTS_NOT_CHECKED', 'info', subject, `mounted filesystems not checked: ${h.mounted === null ? 'proc/self/mountinfo' : 'sys/block'} is not in this tree`, []));
  } else {
    const mounted = new Set(h.mounted);
    const byName = new Map(h.blockDevices.map((b) => [b.name, b]));
    const inUse = (name: string, seen: Set<string>): boolean => {
      const b = byName.get(name);
      if (!b || seen.has(name)) return false;
      seen.add(name);
      return b.devs.some((d) => mounted.has(d)) || b.holders.some((x) => inUse(x, seen));
    };
    for (const m of members) {
      for (const b of h.blockDevices) {
        if (b.path.startsWith(m.path + '/') && inUse(b.name, new Set())) {
          f.push(finding('MOUNTED_FILESYSTEM', 'fail', m.name, `holds ${b.name}, which has a mounted filesystem (or one stacked on it): taking ${m.name} from the host would pull a disk it is using`, [`sys/block/${b.name} -> ${b.path}`, 'proc/self/mountinfo']));
        }
      }
    }
  }

}

function vendorDevice(d: Device): string | null {
  const p = d.pci;
  if (!p || p.vendor === null || p.device === null) return null;
  return `${p.vendor.toString(16).padStart(4, '0')}:${p.device.toString(16).padStart(4, '0')}`;
}
