// The steps of a `check` request that can go ahead (ready or steps): printed for the user, never
// run. Each step is data (argv and what goes to its standard input) with the shell line made from
// it, every word shell-quoted. Nothing here writes over a file: modprobe options go to a file of
// our own with `tee -a`. Only devices the analysis decided may move are named.
import { vendorDevice, type CheckReport, type Move } from './check.js';
import { shellQuote as q } from './shell-quote.js';
import type { Model } from '../model/types.js';

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
  byId: { kernelParameter: string; steps: Step[]; initramfs: Step[]; initramfsChoices: string[] } | null;
  notes: string[];
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
  const required = moves.length ? [...modprobeSteps(model, moves), ...moves.flatMap(bindSteps)] : [];
  const before = new Set(required.map((x) => x.line));
  const optional = binds.length ? [...modprobeSteps(model, binds).filter((x) => !before.has(x.line)), ...binds.flatMap(bindSteps)] : [];
  const all = [...moves, ...binds];
  const persistent = all.map((m) => step(m.bus === 'pci' ? ['sudo', 'driverctl', 'set-override', m.device, m.vfioDriver] : ['sudo', 'driverctl', '--bus', m.bus, 'set-override', m.device, m.vfioDriver]));
  if (all.some((m) => m.bus === 'platform')) notes.push('vfio-platform binds only devices it has a reset module for (vfio-platform-calxedaxgmac, vfio-platform-amdxgbe, vfio-platform-bcmflexrm), or with vfio-platform.reset_required=0, which gives no reset between VMs');
  return { required, optional, persistent, byId: byIdPlan(model, all, notes), notes };
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
  const builtIn = held.filter((m) => m.module === null);
  if (builtIn.length > 0) {
    notes.push(`no by-id way: ${builtIn.map((m) => `${m.driver} (${m.device})`).join(', ')} has no module in this tree (built into the kernel), so it binds before vfio-pci can; use driverctl`);
    return null;
  }
  const lines = [`options vfio-pci ids=${ids.join(',')}`, ...[...new Set(held.map((m) => m.module!))].map((mod) => `softdep ${mod} pre: vfio-pci`)];
  const os = model.host.osRelease;
  const known = os === null ? undefined : INITRAMFS.find((x) => [os.id, ...os.idLike].some((i) => i !== null && x.ids.includes(i)));
  return {
    kernelParameter: `vfio-pci.ids=${ids.join(',')}`,
    steps: [step(['sudo', 'tee', '-a', MODPROBE_FILE], lines.join('\n') + '\n')],
    initramfs: known ? [step(known.argv)] : [],
    initramfsChoices: known ? [] : INITRAMFS.map((x) => `${x.distro}: ${x.argv.join(' ')}`),
  };
}
