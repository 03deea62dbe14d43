// What the host shows and types on: framebuffers, DRM and sound devices, serial ports, keyboards,
// the console drivers (vtconsole), the firmware framebuffer, and the processes holding the device
// nodes of displays and sound (proc/PID/fd, read as far as this user may). Facts only: which of
// them a passthrough takes from the host is analyse/vfio/display.ts's question.
import type { ClassEntry, DisplayFacts, ErrorMap } from '../model/types.js';
import { resolveLinkText, type SysRoot } from './sysfs-root.js';

/** Links in proc/PID/fd that are display, sound or GPU nodes. */
const NODE = /^\/dev\/(dri\/(card|renderD)\d+|snd\/[A-Za-z0-9]+|fb\d+|nvidia(\d+|ctl|-modeset|-uvm|-uvm-tools))$/;
const SERIAL = /^tty(S|AMA|USB|ACM|PS|AMA|SC|HS|MFD)\d+$/;
/** At most this many processes are looked at (a host has hundreds; a crafted tree could list millions). */
const MAX_PROCS = 65536;

function entries(sys: SysRoot, dir: string, errors: ErrorMap, key: string, keep: (n: string) => boolean): ClassEntry[] | null {
  const l = sys.list(dir);
  if (!l.ok) {
    if (!l.absent) errors[key] = l.error;
    return null;
  }
  // Names first: a live sys/class/tty has hundreds of entries, of which a few are serial ports.
  const out: ClassEntry[] = [];
  for (const name of l.value.filter(keep)) {
    const t = sys.resolveLink(`${dir}/${name}`);
    if (t.ok) out.push({ name, path: t.value });
  }
  return out;
}

/** udev's input_id test: a keyboard has every key from KEY_ESC (1) to KEY_D (32) in its key bitmap's first word. */
export function isKeyboardBitmap(text: string): boolean {
  const words = text.trim().split(/\s+/);
  const last = words[words.length - 1];
  if (last === undefined || !/^[0-9a-f]+$/i.test(last)) return false;
  const low = Number(BigInt(`0x${last}`) & 0xffffffffn);
  return ((low & 0xfffffffe) >>> 0) === 0xfffffffe;
}

function readKeyboards(sys: SysRoot, errors: ErrorMap): { keyboards: ClassEntry[] | null; unknown: string[] } {
  const inputs = entries(sys, 'sys/class/input', errors, 'keyboards', (n) => /^input\d+$/.test(n));
  if (inputs === null) return { keyboards: null, unknown: [] };
  const keyboards: ClassEntry[] = [];
  const unknown: string[] = [];
  for (const e of inputs) {
    const t = sys.readText(`${e.path}/capabilities/key`);
    if (t.ok) {
      if (isKeyboardBitmap(t.value)) keyboards.push(e);
    } else unknown.push(e.name);
  }
  return { keyboards, unknown };
}

function readVtconsoles(sys: SysRoot, errors: ErrorMap): DisplayFacts['vtconsoles'] {
  const l = sys.list('sys/class/vtconsole');
  if (!l.ok) {
    if (!l.absent) errors['vtconsoles'] = l.error;
    return null;
  }
  return l.value
    .filter((n) => /^vtcon\d+$/.test(n))
    .map((name) => {
      // Read at the device the link names (a snapshot keeps the link and the device directory apart).
      const at = sys.resolveLink(`sys/class/vtconsole/${name}`);
      const dir = at.ok ? at.value : `sys/class/vtconsole/${name}`;
      const desc = sys.readText(`${dir}/name`);
      const bind = sys.readText(`${dir}/bind`);
      return { name, desc: desc.ok ? desc.value.trim() : null, bound: bind.ok ? bind.value.trim() === '1' : null };
    });
}

/** Framebuffers and DRM cards of platform devices, with the platform driver (efi-framebuffer, simple-framebuffer, ...). */
function firmwareDisplays(sys: SysRoot, fbs: ClassEntry[] | null, drm: ClassEntry[] | null): DisplayFacts['firmwareDisplays'] {
  const out: DisplayFacts['firmwareDisplays'] = [];
  for (const e of [...(fbs ?? []), ...(drm ?? []).filter((x) => /^card\d+$/.test(x.name))]) {
    const m = /^(sys\/devices\/platform\/[^/]+)\//.exec(e.path);
    if (!m) continue;
    const drv = sys.readLink(`${m[1]}/driver`);
    out.push({ name: e.name, device: m[1]!.slice('sys/devices/platform/'.length), driver: drv.ok ? drv.value.split('/').pop()! : null });
  }
  return out;
}

function readNvidiaMinors(sys: SysRoot): Record<string, number> {
  const out: Record<string, number> = {};
  const l = sys.list('proc/driver/nvidia/gpus');
  if (!l.ok) return out;
  for (const addr of l.value) {
    const t = sys.readText(`proc/driver/nvidia/gpus/${addr}/information`);
    const m = t.ok ? /^Device Minor:\s*(\d+)/m.exec(t.value) : null;
    if (m) out[addr] = Number(m[1]);
  }
  return out;
}

/** Run without telling a snapshot's recorder: what is read here is not kept (other processes' open files are private). */
function unrecorded<T>(sys: SysRoot, fn: () => T): T {
  const rec = sys.recorder;
  sys.recorder = null;
  try {
    return fn();
  } finally {
    sys.recorder = rec;
  }
}

/**
 * Who holds display, sound and GPU nodes: every process's open files (as far as this user may
 * read them). Only the matching links and those processes' names reach a snapshot; a directory
 * that could not be read does too (as unreadable), so the snapshot answers as the host did.
 */
function readHolders(sys: SysRoot): { holders: DisplayFacts['holders']; unreadable: number } {
  const l = sys.list('proc', false);
  const pids = l.ok ? l.value.filter((n) => /^[1-9]\d{0,9}$/.test(n)).map(Number).sort((a, b) => a - b).slice(0, MAX_PROCS) : [];
  // A capture without process directories says nothing about who holds what.
  if (pids.length === 0) return { holders: null, unreadable: 0 };
  const holders: NonNullable<DisplayFacts['holders']> = [];
  let unreadable = 0;
  for (const pid of pids) {
    const dir = `proc/${pid}/fd`;
    const fds = unrecorded(sys, () => sys.list(dir, false));
    if (!fds.ok) {
      if (!fds.absent) {
        sys.list(dir, false); // recorded: the snapshot keeps the failure
        unreadable++;
      }
      continue;
    }
    const nodes = new Map<string, string>();
    for (const fd of fds.value) {
      const t = unrecorded(sys, () => sys.readLink(`${dir}/${fd}`));
      // Absolute on the host; a snapshot keeps the link relative to its root.
      const at = t.ok ? resolveLinkText(`${dir}/${fd}`, t.value) : null;
      const node = at?.ok ? `/${at.value}` : null;
      if (node !== null && NODE.test(node) && !nodes.has(node)) nodes.set(node, fd);
    }
    if (nodes.size === 0) continue;
    for (const fd of nodes.values()) sys.readLink(`${dir}/${fd}`);
    const comm = sys.readText(`proc/${pid}/comm`);
    for (const node of [...nodes.keys()].sort()) holders.push({ pid, comm: comm.ok ? comm.value.trim() : null, node });
  }
  return { holders, unreadable };
}

export function readDisplay(sys: SysRoot, errors: ErrorMap): DisplayFacts {
  const framebuffers = entries(sys, 'sys/class/graphics', errors, 'framebuffers', (n) => /^fb\d+$/.test(n));
  const drm = entries(sys, 'sys/class/drm', errors, 'drm', (n) => /^(card|renderD)\d+$/.test(n));
  const sound = entries(sys, 'sys/class/sound', errors, 'sound', (n) => /^(controlC|pcmC|hwC|midiC)\d+/.test(n));
  const serialTtys = entries(sys, 'sys/class/tty', errors, 'serialTtys', (n) => SERIAL.test(n));
  const { keyboards, unknown } = readKeyboards(sys, errors);
  const { holders, unreadable } = readHolders(sys);
  return {
    framebuffers,
    drm,
    sound,
    serialTtys,
    keyboards,
    inputsUnknown: unknown,
    vtconsoles: readVtconsoles(sys, errors),
    firmwareDisplays: firmwareDisplays(sys, framebuffers, drm),
    nvidiaMinors: readNvidiaMinors(sys),
    holders,
    holdersUnreadable: unreadable,
  };
}
