// `check`: can these devices go to a VM, and what must happen first? The targets of one call are
// one request (a GPU and its audio function are asked together). Each group they touch gets
// exactly one outcome, and the request the worst of them:
//   ready    every other member is already VFIO-safe: a managed hypervisor can take the targets now
//   steps    other members must leave host drivers first, and the host needs none of them
//   blocked  driver moves cannot make it work (no IOMMU, a bridge target, a member the host needs, ...)
//   unknown  a fact that decides the outcome could not be read
// Every finding says what it does to the outcome (`effect`). Pure: model in, report out.
import { IOMMU_KINDS } from '../../model/iommu-kinds.js';
import type { Prediction } from '../grouping/rules.js';
import { kernelPrediction } from '../grouping/kernel-grouping.js';
import { finding, kernelAtLeast, type Finding, type Status } from '../findings/findings.js';
import { cmdlineParam } from '../../model/cmdline.js';
import type { FindingCode } from '../findings/finding-codes.js';
import { barWindow, DEFAULT_WINDOW64, sizeText, windowSettings, type BarWindow } from './bar-window.js';
import { hostReport } from '../host/host-check.js';
import { hostNeeds } from './host-needs.js';
import { displayLoss } from './display.js';
import { resetFindings } from './reset-findings.js';
import { vgpuFacts } from './vgpu.js';
import { deviceIndex, groupDirMissing, groupLinkUnreadable, iommuState, isBridge, isVfioDriver, noIommuEvidence } from '../grouping/isolation.js';
import { lspciClassText, vendorDeviceText, type PciIds } from '../../model/pci-ids.js';
import type { Device, Group, Model } from '../../model/types.js';

export type Outcome = 'ready' | 'steps' | 'blocked' | 'unknown';

/** What a finding does to its group's outcome. */
export type Effect = 'block' | 'unknown' | 'step' | 'none';

export interface CheckFinding extends Finding {
  effect: Effect;
}

/** Worst first. */
export const OUTCOME_RANK: Record<Outcome, number> = { blocked: 3, unknown: 2, steps: 1, ready: 0 };

export interface Target {
  /** What the user typed. */
  spec: string;
  device: Device | null;
  group: number | null;
}

/** A device to bind to a VFIO driver: a member that must leave the host, or a target. */
export interface Move {
  device: string;
  bus: string;
  /** The driver it is bound to now (null: unbound). */
  driver: string | null;
  /** The VFIO driver for its bus (vfio-pci, vfio-platform, ...). */
  vfioDriver: string;
  vendorDevice: string | null;
  /** Kernel module of its current driver (for softdep); null: built in, or not in this tree. */
  module: string | null;
  /** "serial, Communication controller [0700]": what the host loses. */
  what: string;
}

export interface GroupCheck {
  /** null: the targets have no group (no IOMMU, or no group for them). */
  group: number | null;
  /** Target devices in this group (names). */
  targets: string[];
  outcome: Outcome;
  findings: CheckFinding[];
  /** Other members that must leave host drivers before the group can be used: required steps. */
  moves: Move[];
  /** Targets not yet on a VFIO driver: optional by hand, a managed hypervisor binds them itself. */
  binds: Move[];
  /** Attribute writes a target needs before a VM can use it (an NVIDIA vGPU VF's type): required steps. */
  writes?: { device: string; file: string; value: string }[];
}

export interface CheckReport {
  outcome: Outcome;
  groups: GroupCheck[];
  targets: { spec: string; device: string | null; group: number | null; outcome: Outcome }[];
  /** The target functions' BARs and the 64-bit MMIO window a guest needs for them. */
  mmio: BarWindow;
  /** Host-wide facts this tree lacks that left a finding unknown (said once, with how to get them). */
  lacking: string[];
}

export interface CheckOptions {
  /** Warnings block too. */
  strict?: boolean;
  /** For class names in "what the host loses". */
  ids?: PciIds | null;
}

export { isVfioDriver };

/** The VFIO driver that takes devices of each bus, by driver_override. */
export const VFIO_DRIVER_FOR_BUS: Readonly<Record<string, string>> = {
  pci: 'vfio-pci',
  platform: 'vfio-platform',
  amba: 'vfio-amba',
  'fsl-mc': 'vfio-fsl-mc',
  cdx: 'vfio-cdx',
};

export function worstOutcome(os: readonly Outcome[]): Outcome {
  return os.reduce<Outcome>((w, o) => (OUTCOME_RANK[o] > OUTCOME_RANK[w] ? o : w), 'ready');
}

interface Ctx {
  model: Model;
  opts: CheckOptions;
  byPath: Map<string, Device>;
  groups: Map<number, Group>;
  host: ReturnType<typeof hostReport>;
  prediction: Prediction | null;
  /** The names of the functions the current request passes. */
  request: Set<string>;
}

/** A checker for one model, reused for many requests (fleet output checks every device). */
export function checker(model: Model, opts: CheckOptions = {}): (targets: readonly Target[]) => CheckReport {
  const ctx: Ctx = { model, opts, byPath: deviceIndex(model), groups: new Map(model.groups.map((g) => [g.id, g])), host: hostReport(model), prediction: null, request: new Set() };
  return (targets) => checkRequest(ctx, targets);
}

export function checkTargets(model: Model, targets: readonly Target[], opts: CheckOptions = {}): CheckReport {
  return checker(model, opts)(targets);
}

function checkRequest(ctx: Ctx, targets: readonly Target[]): CheckReport {
  const { model } = ctx;
  // Buckets: one per group the targets touch; targets without a group each on their own.
  const buckets = new Map<string, { group: number | null; devices: Device[]; specs: string[] }>();
  const active = iommuState(model).active;
  ctx.request = new Set(targets.flatMap((t) => (t.device ? [t.device.name] : (ctx.groups.get(t.group!)?.members ?? []).map((m) => m.name))));
  for (const t of targets) {
    const gid = t.device ? t.device.group : t.group;
    const key = !active ? 'none' : gid === null ? `device ${t.device?.name}` : `group ${gid}`;
    const b = buckets.get(key) ?? { group: active ? gid : null, devices: [], specs: [] };
    if (t.device && !b.devices.includes(t.device)) b.devices.push(t.device);
    b.specs.push(t.spec);
    buckets.set(key, b);
  }
  const groups = [...buckets.values()].map((b) => (!active ? checkNoIommu(ctx, b.devices, b.specs) : b.group === null ? checkNoGroup(b.devices[0]!) : checkGroup(ctx, b.group, b.devices, b.devices.length === 0)));
  const byName = new Map(model.devices.filter((d) => d.bus === 'pci').map((d) => [d.name, d]));
  const mmio = barWindow(groups.flatMap((g) => g.targets.flatMap((n) => byName.get(n) ?? [])));
  addBarFindings(groups, mmio);
  for (const g of groups) applyStrict(ctx, g);
  const outcomeOf = (t: Target) => groups.find((g) => (t.device ? g.targets.includes(t.device.name) : g.group === t.group))?.outcome ?? 'unknown';
  return {
    outcome: worstOutcome(groups.map((g) => g.outcome)),
    groups,
    targets: targets.map((t) => ({ spec: t.spec, device: t.device?.name ?? null, group: t.device ? t.device.group : t.group, outcome: outcomeOf(t) })),
    mmio,
    lacking: lackingFacts(model, groups),
  };
}

/** The host-wide facts behind MOUNTS_UNKNOWN, ROUTE_UNKNOWN and MSI_ISOLATION_UNKNOWN that are not in the tree. */
function lackingFacts(model: Model, groups: readonly GroupCheck[]): string[] {
  const h = model.host;
  const codes = new Set(groups.flatMap((g) => g.findings.filter((f) => f.status === 'unknown').map((f) => f.code)));
  const out: string[] = [];
  if (codes.has('MOUNTS_UNKNOWN')) {
    if (h.blockDevices === null) out.push('sys/block');
    if (h.mounted === null) out.push('proc/self/mountinfo');
    if (h.swaps === null) out.push('proc/swaps');
  }
  if (codes.has('ROUTE_UNKNOWN')) {
    if (h.netInterfaces === null) out.push('sys/class/net');
    out.push(...h.routeTablesMissing.filter((t) => !t.includes(' (')));
  }
  if (codes.has('MSI_ISOLATION_UNKNOWN') && (h.msiChips ?? null) === null) out.push('proc/interrupts');
  return out;
}

/** A guest window too small for the targets' 64-bit BARs (the group holding the largest); BARs that could not be read. */
function addBarFindings(groups: GroupCheck[], mmio: BarWindow): void {
  const groupOf = (dev: string) => groups.find((g) => g.targets.includes(dev));
  if (mmio.window !== null) {
    const big = mmio.functions.flatMap((fn) => (fn.bars ?? []).filter((b) => b.kind === 'mem64').map((b) => ({ fn: fn.device, b }))).sort((x, y) => y.b.size - x.b.size);
    const g = groupOf(big[0]!.fn);
    const s = windowSettings(mmio.window);
    const list = big.map((x) => `${x.fn} BAR${x.b.index} ${sizeText(x.b.size)}`).join(', ');
    g?.findings.push(
      f('LARGE_BAR', 'warn', 'none', big[0]!.fn, `64-bit BARs of ${sizeText(mmio.total64)} in all (${list}): more than the ${sizeText(DEFAULT_WINDOW64)} 64-bit MMIO window of QEMU's q35 and of OVMF releases that do not size it from the guest's physical address width, so the guest may not map them and its driver fails; give the VM a ${sizeText(mmio.window)} window: QEMU ${s.qemu}, and with OVMF (UEFI) also ${s.ovmf}; libvirt ${s.libvirt} inside the VM's <controller type='pci' index='0' model='pcie-root'>; the guest's physical address width must reach past it (-cpu host,host-phys-bits=on)`, big.map((x) => `${x.fn}/resource line ${x.b.index}: ${sizeText(x.b.size)} 64-bit`)),
    );
  }
  for (const fn of mmio.functions.filter((x) => x.bars === null)) {
    groupOf(fn.device)?.findings.push(f('BAR_SIZES_UNKNOWN', 'info', 'none', fn.device, "its BAR sizes could not be read (no readable resource attribute): whether the guest's 64-bit MMIO window holds them is not checked", [`${fn.device}/resource`]));
  }
}

function f(code: FindingCode, status: Status, effect: Effect, subject: string, message: string, evidence: string[] = []): CheckFinding {
  return { ...finding(code, status, subject, message, evidence), effect };
}

function decide(findings: CheckFinding[], moves: Move[]): Outcome {
  if (findings.some((x) => x.effect === 'block')) return 'blocked';
  if (findings.some((x) => x.effect === 'unknown')) return 'unknown';
  return moves.length > 0 || findings.some((x) => x.effect === 'step') ? 'steps' : 'ready';
}

function applyStrict(ctx: Ctx, g: GroupCheck): void {
  if (!ctx.opts.strict) return;
  let changed = false;
  for (const x of g.findings) {
    if (x.status === 'warn' && x.effect === 'none') {
      x.effect = 'block';
      x.message += ' (--strict: warnings block)';
      changed = true;
    }
  }
  if (changed) g.outcome = decide(g.findings, g.moves);
}

function checkNoIommu(ctx: Ctx, devices: Device[], specs: string[]): GroupCheck {
  const subject = devices.length ? devices.map((d) => d.name).join(' + ') : specs.join(' + ');
  const active = ctx.host.findings.find((x) => x.code === 'IOMMU_ACTIVE');
  const found = [f('NO_IOMMU', 'fail', 'block', subject, `no active IOMMU: ${noIommuEvidence(ctx.model).join('; ')}`, ['sys/kernel/iommu_groups'])];
  if (active && active.status === 'fail') found.push(f('IOMMU_FIX', 'info', 'none', 'host', `what would change it: ${active.message}`, active.evidence));
  return { group: null, targets: devices.map((d) => d.name), outcome: 'blocked', findings: found, moves: [], binds: [] };
}

function checkNoGroup(d: Device): GroupCheck {
  const found = groupLinkUnreadable(d)
    ? [f('GROUP_UNREADABLE', 'unknown', 'unknown', d.name, `its iommu_group link is unreadable (${d.errors['group'] ?? d.errors['device']}): run as root, or take a snapshot as root`, [`${d.path}/iommu_group`])]
    : [f('DEVICE_NO_GROUP', 'fail', 'block', d.name, 'the IOMMU is active but this device has no group: no IOMMU translates its DMA, so it cannot be isolated (another slot may be behind an IOMMU)', [`${d.path}/iommu_group absent`])];
  return { group: null, targets: [d.name], outcome: decide(found, []), findings: found, moves: [], binds: [] };
}

/** What a group's check gathers: findings, the moves the steps make, the binds the targets may need. */
interface Gathered {
  out: CheckFinding[];
  moves: Move[];
  binds: Move[];
  writes: NonNullable<GroupCheck['writes']>;
}

function checkGroup(ctx: Ctx, gid: number, targetDevs: Device[], wholeGroup: boolean): GroupCheck {
  const acc: Gathered = { out: [], moves: [], binds: [], writes: [] };
  const { out, moves } = acc;
  const gs = `group ${gid}`;
  const g = ctx.groups.get(gid);
  const result = (targets: string[]): GroupCheck => ({ group: gid, targets, outcome: decide(out, moves), findings: out, moves, binds: acc.binds, writes: acc.writes });
  if (!g) {
    out.push(f('GROUP_UNREADABLE', 'unknown', 'unknown', gs, `${targetDevs.map((d) => d.name).join(', ') || 'the target'} links to group ${gid}, which has no directory in sys/kernel/iommu_groups: its other members cannot be checked (a partial tree, or the group is changing)`, [`sys/kernel/iommu_groups/${gid}`]));
    return result(targetDevs.map((d) => d.name));
  }
  groupStateFindings(g, out);
  const members = g.members.map((m) => ({ ref: m, dev: ctx.byPath.get(m.path) ?? null }));
  // `--group N`: the group's endpoints are the targets; its bridges stay with the host.
  const targets = wholeGroup ? members.flatMap((m) => (m.dev && !isBridge(m.dev) ? [m.dev] : [])) : targetDevs;
  const isTarget = new Set(targets.map((d) => d.path));
  if (targets.length === 0) out.push(f('NOTHING_TO_PASS', 'fail', 'block', gs, 'the group holds only bridges: there is nothing vfio-pci can take', []));
  const endpoints: Device[] = [];
  for (const { ref, dev } of members) {
    if (!dev) {
      out.push(f('GROUP_MEMBER_UNKNOWN', 'unknown', 'unknown', ref.name, `group ${g.id} lists ${ref.name}, which no bus lists: its driver is unknown`, [ref.path]));
    } else if ('driver' in dev.errors) {
      out.push(f('DRIVER_UNREADABLE', 'unknown', 'unknown', dev.name, `its driver link is unreadable (${dev.errors['driver']}): run as root, or take a snapshot as root`, [`${dev.path}/driver`]));
      if (!isBridge(dev)) endpoints.push(dev);
    } else if (isBridge(dev)) {
      bridgeMember(ctx, dev, isTarget.has(dev.path), out);
    } else {
      endpoints.push(dev);
      endpointMember(ctx, g, dev, isTarget.has(dev.path), acc);
    }
  }
  for (const dev of endpoints) deviceFindings(ctx, dev, out);
  groupFindings(ctx, g, out);
  if (decide(out, moves) === 'ready' && members.length > 1 && targets.length > 0) {
    out.push(f('GROUP_VIABLE', 'ok', 'none', gs, 'no other member is held by a host driver', []));
  }
  return result(targets.map((d) => d.name));
}

/** The group itself: a no-IOMMU group, or a directory missing or unreadable. */
function groupStateFindings(g: Group, out: CheckFinding[]): void {
  const gs = `group ${g.id}`;
  if (g.name === 'vfio-noiommu') {
    out.push(f('NOIOMMU_GROUP', 'fail', 'block', gs, 'a VFIO no-IOMMU group: no DMA isolation at all; a real IOMMU is needed', [`sys/kernel/iommu_groups/${g.dir}/name`]));
  }
  if (groupDirMissing(g)) {
    out.push(f('GROUP_UNREADABLE', 'unknown', 'unknown', gs, `sys/kernel/iommu_groups/${g.id} is not in this tree (a partial capture): its members are known only from the devices' own links, so another member may be missing; take a snapshot on the host with iommu-groups snapshot`, [`sys/kernel/iommu_groups/${g.dir} absent`]));
  } else if ('members' in g.errors || 'group' in g.errors) {
    out.push(f('GROUP_UNREADABLE', 'unknown', 'unknown', gs, `its member list is unreadable (${g.errors['members'] ?? g.errors['group']}): run as root, or take a snapshot as root`, [`sys/kernel/iommu_groups/${g.dir}/devices`]));
  }
}

/** A bridge in the group: never a target; since 5.19 it must be on pcieport or unbound (vfio_bus_is_viable). */
function bridgeMember(ctx: Ctx, dev: Device, target: boolean, out: CheckFinding[]): void {
  const drv = dev.driver;
  const newRule = kernelAtLeast(ctx.model.host.kernelRelease, 5, 19) !== false;
  if (target) {
    out.push(f('TARGET_IS_BRIDGE', 'fail', 'block', dev.name, 'a PCI bridge: vfio-pci refuses bridges (their header type is not 0); pass the devices behind it instead', [`${dev.path}/config header type ${dev.pci?.headerType}`]));
  } else if (drv === null || drv === 'pcieport' || drv === 'pci-stub' || isVfioDriver(drv) || !newRule) {
    out.push(f('GROUP_MEMBER_BRIDGE', 'ok', 'none', dev.name, `a bridge in the group${drv ? ` on ${drv}` : ''}: stays with the host and does not stand in the way`, [`${dev.path}/driver${drv ? ` -> ${drv}` : ' absent'}`]));
  } else {
    out.push(f('GROUP_MEMBER_BRIDGE_DRIVER', 'fail', 'block', dev.name, `a bridge bound to ${drv}: since Linux 5.19 a bridge in a VFIO group must be on pcieport or unbound, and the host keeps its bridges; what would change it: unbinding ${drv} from it yourself if the host does not need what ${drv} does there (e.g. hot-plug)`, [`${dev.path}/driver -> ${drv}`]));
  }
}

/** An endpoint: what the host needs of it, then its driver as a target or as another member. */
function endpointMember(ctx: Ctx, g: Group, dev: Device, target: boolean, acc: Gathered): void {
  const { model } = ctx;
  const drv = dev.driver;
  const vfio = VFIO_DRIVER_FOR_BUS[dev.bus] ?? null;
  const needs = target || (drv !== null && drv !== 'pci-stub' && !isVfioDriver(drv)) ? hostNeeds(model, dev) : null;
  for (const n of needs?.needs ?? []) {
    const why = target ? 'it cannot go to a VM' : `it cannot leave ${drv}, so group ${g.id} cannot go to a VM`;
    acc.out.push(f(n.code, 'fail', 'block', dev.name, `${describe(ctx, dev)}: ${n.message}; ${why}${target ? '' : '; what would change it: a slot whose group holds nothing the host needs (iommu-groups explain shows why the group is shaped so)'}`, n.evidence));
  }
  for (const n of needs?.unknown ?? []) acc.out.push(f(n.code, 'unknown', 'unknown', dev.name, n.message, n.evidence));
  const move = (): Move => ({ device: dev.name, bus: dev.bus, driver: drv, vfioDriver: vfio ?? '', vendorDevice: vendorDevice(dev), module: drv === null ? null : (model.host.driverModules[`${dev.bus}/${drv}`] ?? null), what: describe(ctx, dev) });
  if (target) targetMember(model, dev, vfio, move, acc);
  else if ((needs?.needs.length ?? 0) === 0 || drv === null || drv === 'pci-stub' || isVfioDriver(drv) || vfio === null) memberDriver(g, dev, vfio, move, acc);
}

/** A target: what the host loses with it, its vGPU state, and its driver. */
function targetMember(model: Model, dev: Device, vfio: string | null, move: () => Move, acc: Gathered): void {
  for (const l of displayLoss(model, dev)) acc.out.push(f(l.code, l.status, 'none', dev.name, l.message, l.evidence));
  const vg = vgpuFacts(dev);
  for (const x of vg.findings) acc.out.push(f(x.code, x.status, x.effect, dev.name, x.message, x.evidence));
  acc.writes.push(...vg.writes);
  // An NVIDIA vGPU VF stays on NVIDIA's driver, which serves its VFIO device: no bind to vfio-pci.
  if (!dev.pci?.nvidiaVgpu) targetDriver(dev, vfio, move, acc);
}

function targetDriver(dev: Device, vfio: string | null, move: () => Move, acc: Gathered): void {
  const drv = dev.driver;
  if (drv !== null && isVfioDriver(drv)) {
    acc.out.push(f('TARGET_VFIO', 'ok', 'none', dev.name, `bound to ${drv}`, [`${dev.path}/driver -> ${drv}`]));
  } else if (vfio === null) {
    acc.out.push(f('NO_VFIO_DRIVER', 'fail', 'block', dev.name, `a ${dev.bus} device: no VFIO driver takes devices of the ${dev.bus} bus`, [`${dev.path} on bus ${dev.bus}`]));
  } else {
    acc.binds.push(move());
    const now = drv === null ? 'not bound to any driver' : drv === 'pci-stub' ? 'held by pci-stub' : `bound to the host driver ${drv}`;
    acc.out.push(f(drv === null ? 'TARGET_UNBOUND' : 'TARGET_HOST_DRIVER', 'info', 'none', dev.name, `${now}: a managed hypervisor (libvirt managed='yes', Proxmox) binds it to ${vfio} itself; for QEMU started by hand, bind it first`, [`${dev.path}/driver${drv ? ` -> ${drv}` : ' absent'}`]));
  }
}

/** Another member of the target's group: goes along as it is, or must move to VFIO (a step), or cannot. */
function memberDriver(g: Group, dev: Device, vfio: string | null, move: () => Move, acc: Gathered): void {
  const drv = dev.driver;
  if (drv === null || drv === 'pci-stub') {
    acc.out.push(f('GROUP_MEMBER_GOES_ALONG', 'info', 'none', dev.name, `${drv === null ? 'unbound' : 'on pci-stub'}: no move needed, but it shares group ${g.id}: while the VM runs no host driver may claim it`, [`${dev.path}/driver${drv ? ` -> ${drv}` : ' absent'}`]));
  } else if (isVfioDriver(drv)) {
    acc.out.push(f('GROUP_MEMBER_VFIO', 'info', 'none', dev.name, `bound to ${drv}: it shares group ${g.id}; no move needed`, [`${dev.path}/driver -> ${drv}`]));
  } else if (vfio === null) {
    acc.out.push(f('NO_VFIO_DRIVER', 'fail', 'block', dev.name, `a ${dev.bus} device on ${drv} in group ${g.id}: no VFIO driver takes devices of the ${dev.bus} bus, so it cannot leave the host and the group cannot go to a VM`, [`${dev.path} on bus ${dev.bus}`, `${dev.path}/driver -> ${drv}`]));
  } else {
    const m = move();
    acc.moves.push(m);
    const extra = dev.bus === 'platform' ? '; vfio-platform also needs a reset module for this device (or vfio-platform.reset_required=0, which gives no reset between VMs)' : '';
    acc.out.push(f('GROUP_MEMBER_HOST_DRIVER', 'warn', 'step', dev.name, `bound to the host driver ${drv} in the same group ${g.id}: it must move to ${vfio} too, and the host loses ${dev.name} (${m.what})${extra}`, [`${dev.path}/driver -> ${drv}`]));
  }
}

/** "serial, Communication controller [0700]" (driver, class). */
function describe(ctx: Ctx, dev: Device): string {
  const cls = dev.pci?.class;
  const parts = [dev.driver ?? 'no driver', ...(cls == null ? [] : [lspciClassText(ctx.opts.ids ?? null, cls)])];
  return parts.join(', ');
}

function deviceFindings(ctx: Ctx, dev: Device, out: CheckFinding[]): void {
  const pci = dev.pci;
  if (!pci) return;
  const numvfs = pci.sriovNumvfs ?? 0;
  // VFs that name it as their PF (physfn) show its VFs enabled even where its own attributes are missing.
  const vfs = [...new Set([...pci.virtfns, ...ctx.model.devices.filter((d) => d.pci?.physfn === dev.name).map((d) => d.name)])].sort();
  if (numvfs > 0 || vfs.length > 0) {
    const n = Math.max(pci.sriovNumvfs ?? 0, vfs.length);
    const numvfsPath = `/sys/bus/pci/devices/${dev.name}/sriov_numvfs`;
    out.push(
      f(
        'PF_WITH_VFS',
        'fail',
        'block',
        dev.name,
        `an SR-IOV PF with ${n} VFs enabled: vfio-pci refuses it; what would change it: pass one of its VFs instead${vfs.length ? ` (${vfs.slice(0, 3).join(', ')}${vfs.length > 3 ? ', ...' : ''})` : ''}, or, when nothing uses the VFs, disable them first: echo 0 | sudo tee ${numvfsPath} > /dev/null`,
        pci.sriovNumvfs !== null ? [`${dev.path}/sriov_numvfs = ${pci.sriovNumvfs}`] : vfs.map((v) => `${v}/physfn -> ${dev.name}`),
      ),
    );
  } else if ('sriovNumvfs' in dev.errors) {
    out.push(f('SRIOV_UNKNOWN', 'unknown', 'unknown', dev.name, `sriov_numvfs is unreadable (${dev.errors['sriovNumvfs']}): cannot tell whether VFs are enabled (vfio-pci refuses a PF with VFs)`, [`${dev.path}/sriov_numvfs`]));
  } else if (pci.sriovNumvfs === null && (pci.sriovTotalvfs !== null || pci.caps?.sriov === true)) {
    // The kernel gives every PF sriov_numvfs: missing, a capture's gap.
    const pfBy = pci.sriovTotalvfs !== null ? `sriov_totalvfs ${pci.sriovTotalvfs}` : 'its config space has the SR-IOV capability';
    out.push(f('SRIOV_UNKNOWN', 'unknown', 'unknown', dev.name, `an SR-IOV PF (${pfBy}) whose sriov_numvfs is not in this tree: cannot tell whether VFs are enabled (vfio-pci refuses a PF with VFs)`, [`${dev.path}/sriov_numvfs`]));
  }
  if (pci.physfn !== null) {
    const pf = ctx.model.devices.find((d) => d.name === pci.physfn && d.pci);
    const pfDriver = pf?.driver ?? null;
    out.push(
      pfDriver !== null && !isVfioDriver(pfDriver)
        ? f('VF_TARGET', 'info', 'none', dev.name, `a virtual function of ${pci.physfn}, whose driver (${pfDriver}) created it and stays on the host: only this VF goes to the VM`, [`${dev.path}/physfn -> ${pci.physfn}`])
        : f('VF_TARGET', 'warn', 'none', dev.name, `a virtual function of ${pci.physfn}, which is ${pfDriver === null ? 'not bound to a driver' : `on ${pfDriver}`}: VFs live only while the PF's driver (or vfio-pci with enable_sriov) keeps them, so leave the PF on its host driver`, [`${dev.path}/physfn -> ${pci.physfn}`]),
    );
  }
  if (pci.mdevTypes !== null && pci.mdevTypes.length > 0) {
    const types = pci.mdevTypes.map((t) => `${t.type}${t.availableInstances !== null ? ` (${t.availableInstances} available)` : ''}`).join(', ');
    out.push(f('MDEV_CAPABLE', 'info', 'none', dev.name, `offers mediated devices (${types}): sharing it through mdev keeps it on the host and may be the better way than passing it whole`, [`${dev.path}/mdev_supported_types`]));
  }
  if (pci.bootVga === true) {
    const general = 'before the VM starts, move the console off it (unbind fbcon: echo 0 | sudo tee /sys/class/vtconsole/vtcon1/bind after checking that vtcon1/name says "frame buffer"), and boot with video=efifb:off (or initcall_blacklist=sysfb_init) so firmware framebuffers leave it';
    const facts = ctx.model.host.display ? 'what it carries on this host (framebuffer, console, processes) is listed with it' : general;
    out.push(f('BOOT_VGA', 'warn', 'none', dev.name, `the host's boot VGA device: the host console is on it; ${facts}`, [`${dev.path}/boot_vga = 1`]));
  }  else if (pci.bootVga === null && pci.class !== null && pci.class >> 8 === 0x0300) {
    // The kernel gives every VGA-class function boot_vga (drivers/pci/pci-sysfs.c): missing, a capture's gap.
    out.push(f('BOOT_VGA', 'unknown', 'none', dev.name, `boot_vga is ${'bootVga' in dev.errors ? `unreadable (${dev.errors['bootVga']})` : 'not in this tree'}: whether the host's console is on this GPU is not known`, [`${dev.path}/boot_vga`]));
  }
  for (const x of resetFindings(ctx.model, dev, ctx.request)) out.push({ ...x, effect: 'none' });
}

function groupFindings(ctx: Ctx, g: Group, out: CheckFinding[]): void {
  const { model } = ctx;
  const gs = `group ${g.id}`;
  const h = model.host;
  if ('reservedRegions' in g.errors) {
    out.push(f('RESERVED_REGIONS_UNKNOWN', 'unknown', 'unknown', gs, `reserved_regions is unreadable (${g.errors['reservedRegions']}): cannot tell whether a direct-mapped region stops VFIO`, [`sys/kernel/iommu_groups/${g.dir}/reserved_regions`]));
  } else if (g.reservedRegions === null) {
    // The kernel creates it for every group (4.11+): missing, it is a capture's gap, not an empty list.
    out.push(f('RESERVED_REGIONS_UNKNOWN', 'unknown', 'unknown', gs, 'reserved_regions is not in this tree (the kernel gives every group one): cannot tell whether a direct-mapped region stops VFIO', [`sys/kernel/iommu_groups/${g.dir}/reserved_regions`]));
  }
  const direct = (g.reservedRegions ?? []).filter((r) => r.type === 'direct');
  if (direct.length > 0) {
    const refuses = kernelAtLeast(h.kernelRelease, 6, 6) === true || model.units.some((u) => IOMMU_KINDS[u.kind].refusesDirectRegions);
    out.push(
      f(
        'DIRECT_RESERVED_REGION',
        refuses ? 'fail' : 'warn',
        refuses ? 'block' : 'none',
        gs,
        `a non-relaxable direct-mapped region (${direct.map((r) => `${r.start}-${r.end}`).join(', ')}, a firmware RMRR/unity map): ${refuses ? 'the kernel refuses to hand this group to VFIO; what would change it: a firmware setting or update that drops the RMRR for this device' : 'Linux 6.6+ refuses to hand this group to VFIO'}`,
        [`sys/kernel/iommu_groups/${g.dir}/reserved_regions`],
      ),
    );
  }

  const override = cmdlineParam(h.cmdline, 'pcie_acs_override');
  if (override !== null) {
    // What the hardware and its quirks isolate, without the override.
    ctx.prediction ??= kernelPrediction(model).hardware;
    const any = g.members.find((m) => ctx.prediction!.groupOf(m.name) !== null);
    const predicted = any ? ctx.prediction.groupOf(any.name)! : null;
    const actual = g.members.map((m) => m.name).sort();
    const depends = predicted !== null && predicted.some((a) => !actual.includes(a));
    out.push(
      f(
        'ACS_OVERRIDE',
        'warn',
        'none',
        gs,
        depends
          ? `pcie_acs_override=${override} is on and this group exists only because of it: without the override the kernel's rules put ${predicted!.filter((a) => !actual.includes(a)).join(', ')} in it too; isolation is not guaranteed`
          : `pcie_acs_override=${override} is on: group boundaries may come from the override rather than from hardware isolation`,
        ['proc/cmdline'],
      ),
    );
  }

  const ir = ctx.host.interruptRemapping;
  const unsafe = ctx.host.unsafeInterrupts;
  const risk = 'vfio_iommu_type1.allow_unsafe_interrupts=1 (iommufd.allow_unsafe_interrupts=1) lets VFIO go ahead anyway, and then a device in the VM can raise any interrupt on the host (MSI attacks): only where the VM is trusted';
  // VFIO (type1 and iommufd) refuses a group whose MSIs are not isolated, unless told it is unsafe.
  if (ir.status === 'warn') {
    out.push(
      unsafe.length > 0
        ? f('NO_INTERRUPT_REMAPPING', 'warn', 'none', 'host', `${ir.message}; ${unsafe.join(', ')} is on, so VFIO goes ahead without it (a VM can forge interrupts)`, ir.evidence)
        : f('NO_INTERRUPT_REMAPPING', 'fail', 'block', 'host', `${ir.message}; what would change it: ${ctx.host.msiFix}; or ${risk}`, ir.evidence),
    );
  } else if (ir.status === 'unknown') {
    out.push(
      unsafe.length > 0
        ? f('MSI_ISOLATION_UNKNOWN', 'warn', 'none', 'host', `${ir.message}; ${unsafe.join(', ')} is on, so VFIO goes ahead either way (a VM may forge interrupts)`, ir.evidence)
        : f('MSI_ISOLATION_UNKNOWN', 'unknown', 'unknown', 'host', `${ir.message}; VFIO refuses the group if MSIs are not isolated (run on the host, or take a snapshot there)`, ir.evidence),
    );
  }

  // The group's device node, when a VFIO driver holds a member: stat only, never opened.
  const vfioBound = g.members.some((m) => {
    const d = ctx.byPath.get(m.path);
    return d?.driver != null && isVfioDriver(d.driver);
  });
  if (vfioBound) {
    const node = g.name === 'vfio-noiommu' ? `noiommu-${g.id}` : String(g.id);
    const nodes = h.devNodes?.vfio ?? null;
    if (h.devNodes === null) out.push(f('VFIO_GROUP_NODE', 'info', 'none', gs, `/dev/vfio/${node} not checked: this tree has no dev/ directory`, []));
    else if (nodes?.includes(node)) out.push(f('VFIO_GROUP_NODE', 'ok', 'none', gs, `/dev/vfio/${node} exists (checked with lstat, not opened)`, [`dev/vfio/${node}`]));
    else out.push(f('VFIO_GROUP_NODE_MISSING', 'warn', 'none', gs, `a member is bound to VFIO but /dev/vfio/${node} does not exist (a kernel without VFIO_GROUP uses /dev/vfio/devices and iommufd instead)`, [`dev/vfio/${node}`]));
  }
}

export function vendorDevice(d: Device): string | null {
  const p = d.pci;
  if (!p || p.vendor === null || p.device === null) return null;
  return vendorDeviceText(p.vendor, p.device);
}
