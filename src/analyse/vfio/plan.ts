// The steps of a `check` request that can go ahead (ready or steps): printed for the user, never
// run. Each step is data (argv and what goes to its standard input) with the shell line made from
// it, every word shell-quoted. Nothing here writes over a file: modprobe options go to a file of
// our own with `tee -a`. Only devices the analysis decided may move are named.
import { vendorDevice, type CheckReport, type Move } from './check.js';
import { shellQuote as q } from './shell-quote.js';
import type { Model } from '../../model/types.js';
import { cmdlineValues } from '../../model/cmdline.js';

export interface Step {
  /** The line to paste. */
  line: string;
  argv: string[];
  /** What the command reads on standard input (the line pipes it in); null: nothing. */
  input: string | null;
}

export interface Plan {
  /** Other members leaving host drivers, in order: required before the group can be used. */
  required: Step[];
  /** Binding the targets by hand, for QEMU started by hand (libvirt managed='yes' and Proxmox do it). */
  optional: Step[];
  /** The same bindings kept across reboots (driverctl). */
  persistent: Step[];
  /** The by-id way (vfio-pci.ids), or null with the reason in notes. */
  byId: ById | null;
  notes: string[];
}

export interface ById {
  /** vfio-pci.ids=... with the ids already configured and the new ones, in one list. */
  kernelParameter: string;
  /** Ids already configured, each with where ("8086:10d3 (proc/cmdline)"). */
  already: string[];
  /** The vfio-pci.ids= word already on the command line: it must be replaced (a second one would win over it). */
  replaces: string | null;
  /** A modprobe.d line of someone else's that sets ids=: edit it rather than add a line that competes with it. */
  edit: { file: string; line: number; from: string; to: string } | null;
  /** Appending to our own modprobe.d file; empty when the ids must go on the command line or in `edit`. */
  steps: Step[];
  initramfs: Step[];
  initramfsChoices: string[];
}

/** The file of our own under /etc/modprobe.d (never someone else's vfio.conf). */
export const MODPROBE_FILE = '/etc/modprobe.d/vfio-pci-iommu-groups.conf';

function step(argv: string[], input: string | null = null): Step {
  const cmd = argv.map(q).join(' ');
  if (input === null) return { line: cmd, argv, input };
  const lines = input.replace(/\n$/, '').split('\n');
  const feed = lines.length === 1 && /^[A-Za-z0-9][A-Za-z0-9_.:@+=,-]*$/.test(lines[0]!) ? `echo ${lines[0]}` : `printf '%s\\n' ${lines.map(q).join(' ')}`;
  return { line: `${feed} | ${cmd} > /dev/null`, argv, input };
}

const write = (file: string, value: string) => step(['sudo', 'tee', file], `${value}\n`);

/** driver_override, unbind, drivers_probe: the one-off way for any bus that has driver_override. */
function bindSteps(m: Move): Step[] {
  const dev = `/sys/bus/${m.bus}/devices/${m.device}`;
  return [
    write(`${dev}/driver_override`, m.vfioDriver),
    ...(m.driver === null ? [] : [write(`${dev}/driver/unbind`, m.device)]),
    write(`/sys/bus/${m.bus}/drivers_probe`, m.device),
  ];
}

function modprobeSteps(model: Model, moves: readonly Move[]): Step[] {
  const loaded = model.host.modules;
  const drivers = [...new Set(moves.map((m) => m.vfioDriver))];
  // sys/module names use underscores; vfio-pci is "vfio_pci". Unknown: modprobe is harmless.
  return drivers.filter((d) => loaded === null || !loaded[d.replace(/-/g, '_')]).map((d) => step(['sudo', 'modprobe', d]));
}

const INITRAMFS: readonly { ids: readonly string[]; distro: string; argv: string[] }[] = [
  { ids: ['debian', 'ubuntu'], distro: 'Debian, Ubuntu, Proxmox VE', argv: ['sudo', 'update-initramfs', '-u'] },
  { ids: ['fedora', 'rhel', 'centos', 'suse', 'opensuse'], distro: 'Fedora, RHEL and derivatives, openSUSE', argv: ['sudo', 'dracut', '-f'] },
  { ids: ['arch'], distro: 'Arch Linux', argv: ['sudo', 'mkinitcpio', '-P'] },
];

export function buildPlan(model: Model, report: CheckReport): Plan | null {
  if (report.outcome !== 'ready' && report.outcome !== 'steps') return null;
  const moves = dedupe(report.groups.flatMap((g) => g.moves));
  const binds = dedupe(report.groups.flatMap((g) => g.binds));
  const notes: string[] = [];
  const writes = report.groups.flatMap((g) => g.writes ?? []).map((w) => write(w.file, w.value));
  const required = [...(moves.length ? [...modprobeSteps(model, moves), ...moves.flatMap(bindSteps)] : []), ...writes];
  const before = new Set(required.map((x) => x.line));
  const optional = binds.length ? [...modprobeSteps(model, binds).filter((x) => !before.has(x.line)), ...binds.flatMap(bindSteps)] : [];
  const all = [...moves, ...binds];
  const persistent = all.map((m) => step(m.bus === 'pci' ? ['sudo', 'driverctl', 'set-override', m.device, m.vfioDriver] : ['sudo', 'driverctl', '--bus', m.bus, 'set-override', m.device, m.vfioDriver]));
  if (all.some((m) => m.bus === 'platform')) notes.push('vfio-platform binds only devices it has a reset module for (vfio-platform-calxedaxgmac, vfio-platform-amdxgbe, vfio-platform-bcmflexrm), or with vfio-platform.reset_required=0, which gives no reset between VMs');
  return { required, optional, persistent, byId: byIdPlan(model, all, notes), notes };
}

/** An id as vfio-pci takes it: vendor:device[:subvendor[:subdevice[:class[:class_mask]]]], hex. */
const ID_TEXT = /^[0-9a-fA-F]{1,8}(:[0-9a-fA-F]{1,8}){1,5}$/;

/** The ids vfio-pci is already given (command line, modprobe.d), or null (with the reason) when they cannot be merged. */
function existingIds(model: Model, notes: string[]): { id: string; where: string }[] | null {
  const h = model.host;
  const out: { id: string; where: string }[] = [];
  const add = (value: string, where: string): boolean => {
    for (const id of value.split(',').filter(Boolean)) {
      if (!ID_TEXT.test(id)) {
        notes.push(`no by-id way: ${where} gives vfio-pci an id this tool cannot read (${JSON.stringify(id)}); a new list would drop it, so merge by hand or use driverctl`);
        return false;
      }
      if (!out.some((e) => e.id === id.toLowerCase())) out.push({ id: id.toLowerCase(), where });
    }
    return true;
  };
  if (h.cmdline === null) {
    notes.push('no by-id way: proc/cmdline is not in this tree, so vfio-pci ids already set there cannot be kept; use driverctl');
    return null;
  }
  const word = cmdlineValues(h.cmdline, 'vfio-pci.ids').at(-1);
  if (word !== undefined && !add(word, 'proc/cmdline')) return null;
  if (h.vfioPciIdOptions == null) {
    notes.push('by id: etc/modprobe.d is not in this tree; if a line there sets options vfio-pci ids=, add its ids to the list above (a second ids= replaces the first)');
  }
  for (const o of h.vfioPciIdOptions ?? []) if (!add(o.ids, `${o.file} line ${o.line}`)) return null;
  return out;
}

function dedupe(ms: Move[]): Move[] {
  const seen = new Set<string>();
  return ms.filter((m) => !seen.has(`${m.bus}/${m.device}`) && seen.add(`${m.bus}/${m.device}`));
}

/** vfio-pci.ids: only when every device has an id, no other device shares one, and no host driver is built in. */
function byIdPlan(model: Model, all: readonly Move[], notes: string[]): Plan['byId'] {
  if (all.length === 0) return null;
  if (all.some((m) => m.bus !== 'pci' || m.vendorDevice === null)) {
    notes.push('no by-id way: not every device here is a PCI function with a readable vendor:device id');
    return null;
  }
  const ids = [...new Set(all.map((m) => m.vendorDevice!))];
  const moving = new Set(all.map((m) => m.device));
  const others = model.devices.filter((d) => !moving.has(d.name) && ids.includes(vendorDevice(d) ?? ''));
  if (others.length > 0) {
    notes.push(`no by-id way: vfio-pci.ids=${ids.join(',')} would also take ${others.map((d) => d.name).join(', ')}; use driverctl, which moves single devices`);
    return null;
  }
  const held = all.filter((m) => m.driver !== null && m.driver !== 'pci-stub' && m.driver !== m.vfioDriver);
  if (held.length > 0 && model.host.modules === null) {
    notes.push('no by-id way: sys/module is not in this tree, so whether the host drivers are modules (which a softdep can order after vfio-pci) cannot be told; use driverctl');
    return null;
  }
  const builtIn = held.filter((m) => m.module === null);
  if (builtIn.length > 0) {
    notes.push(`no by-id way: ${builtIn.map((m) => `${m.driver} (${m.device})`).join(', ')} has no module in this tree (built into the kernel), so it binds before vfio-pci can; use driverctl`);
    return null;
  }
  const existing = existingIds(model, notes);
  if (existing === null) return null;
  const merged = [...new Set([...existing.map((e) => e.id), ...ids])];
  const already = existing.map((e) => `${e.id} (${e.where})`);
  const cmdWord = cmdlineValues(model.host.cmdline, 'vfio-pci.ids').at(-1) ?? null;
  const own = (f: string) => '/' + f === MODPROBE_FILE;
  const other = (model.host.vfioPciIdOptions ?? []).filter((o) => !own(o.file)).at(-1) ?? null;
  const lines = [`options vfio-pci ids=${merged.join(',')}`, ...[...new Set(held.map((m) => m.module!))].map((mod) => `softdep ${mod} pre: vfio-pci`)];
  const os = model.host.osRelease;
  const known = os === null ? undefined : INITRAMFS.find((x) => [os.id, ...os.idLike].some((i) => i !== null && x.ids.includes(i)));
  return {
    kernelParameter: `vfio-pci.ids=${merged.join(',')}`,
    already,
    // The kernel command line's value reaches the module after modprobe.d's, so it wins: with one
    // there, the command line is the one place to change.
    replaces: cmdWord !== null ? `vfio-pci.ids=${cmdWord}` : null,
    edit: cmdWord === null && other !== null ? { file: '/' + other.file, line: other.line, from: `ids=${other.ids}`, to: `ids=${merged.join(',')}` } : null,
    steps: cmdWord === null && other === null ? [step(['sudo', 'tee', '-a', MODPROBE_FILE], lines.join('\n') + '\n')] : [],
    initramfs: known ? [step(known.argv)] : [],
    initramfsChoices: known ? [] : INITRAMFS.map((x) => `${x.distro}: ${x.argv.join(' ')}`),
  };
}
