// What the host loses when a display or sound device leaves it: the framebuffer and console drawn
// on it, the firmware framebuffer over the boot GPU, and the processes holding its device nodes;
// each with the step that releases it (printed, never run). Facts from DisplayFacts; where the
// tree lacks them, say so.
import type { ClassEntry, Device, DisplayFacts, Model } from '../../model/types.js';
import { shellQuote as q } from './shell-quote.js';

export interface Loss {
  code: 'CONSOLE_ON_DEVICE' | 'FIRMWARE_FRAMEBUFFER' | 'DEVICE_IN_USE' | 'DEVICE_USERS_UNKNOWN';
  status: 'warn' | 'info' | 'unknown';
  message: string;
  evidence: string[];
}

import { below } from './host-needs.js';

/** Its device nodes: /dev/dri/cardN and renderDN, /dev/snd/*, /dev/fbN, and /dev/nvidiaN (with the shared NVIDIA nodes when it is the only one). */
export function deviceNodes(d: DisplayFacts, dev: Device): string[] {
  const mine = (xs: ClassEntry[] | null) => (xs ?? []).filter((e) => below(e.path, dev)).map((e) => e.name);
  const nodes = [...mine(d.drm).map((n) => `/dev/dri/${n}`), ...mine(d.sound).map((n) => `/dev/snd/${n}`), ...mine(d.framebuffers).map((n) => `/dev/${n}`)];
  const minor = d.nvidiaMinors[dev.name];
  if (minor !== undefined) {
    nodes.push(`/dev/nvidia${minor}`);
    if (Object.keys(d.nvidiaMinors).length === 1) nodes.push('/dev/nvidiactl', '/dev/nvidia-modeset', '/dev/nvidia-uvm', '/dev/nvidia-uvm-tools');
  }
  return nodes;
}

const write = (value: string, file: string) => `echo ${q(value)} | sudo tee ${q(file)} > /dev/null`;

/** fbN on the device, and the framebuffer console bound to draw on framebuffers. */
function consoleLoss(d: DisplayFacts, dev: Device, out: Loss[]): void {
  const fbs = (d.framebuffers ?? []).filter((e) => below(e.path, dev));
  if (fbs.length === 0) return;
  const fbcon = (d.vtconsoles ?? []).filter((v) => v.bound === true && v.desc !== null && /frame ?buffer/i.test(v.desc));
  const names = fbs.map((e) => e.name).join(', ');
  const evidence = fbs.map((e) => `sys/class/graphics/${e.name} -> ${e.path}`);
  if (fbcon.length === 0) {
    // A kernel with virtual terminals always has vtcon0: an empty list is a capture that left them out.
    const known = d.vtconsoles !== null && d.vtconsoles.length > 0 && d.vtconsoles.every((v) => v.bound !== null);
    out.push({ code: 'CONSOLE_ON_DEVICE', status: 'info', message: `${names} ${fbs.length === 1 ? 'is' : 'are'} on it (its driver's framebuffer); ${known ? 'no framebuffer console is bound, so no host console is drawn there' : 'whether the framebuffer console is bound is not in this tree (sys/class/vtconsole)'}`, evidence });
    return;
  }
  const steps = fbcon.map((v) => write('0', `/sys/class/vtconsole/${v.name}/bind`)).join('; ');
  out.push({
    code: 'CONSOLE_ON_DEVICE',
    status: 'warn',
    message: `${names} ${fbs.length === 1 ? 'is' : 'are'} on it and the framebuffer console (${fbcon.map((v) => `${v.name} "${v.desc}"`).join(', ')}) is bound, so the host's text console may be drawn there: the host loses it when the device goes; release it first: ${steps}`,
    evidence: [...evidence, ...fbcon.map((v) => `sys/class/vtconsole/${v.name}/bind = 1`)],
  });
}

/** The firmware's framebuffer (efifb, simpledrm, vesafb) over the boot GPU's memory. */
function firmwareLoss(d: DisplayFacts, dev: Device, out: Loss[]): void {
  if (dev.pci?.bootVga !== true) return;
  for (const f of d.firmwareDisplays) {
    const release = f.driver === null ? 'its driver link is not in this tree' : `release it: ${write(f.device, `/sys/bus/platform/drivers/${f.driver}/unbind`)} (or boot with video=efifb:off / initcall_blacklist=sysfb_init so firmware framebuffers never claim it)`;
    out.push({ code: 'FIRMWARE_FRAMEBUFFER', status: 'warn', message: `${f.name} on ${f.device}${f.driver ? ` (driver ${f.driver})` : ''} is the firmware's framebuffer, which maps this boot GPU's memory: while it holds it, vfio-pci cannot reserve the GPU's BAR; ${release}`, evidence: [`sys/devices/platform/${f.device}`, `${dev.path}/boot_vga = 1`] });
  }
}

/** Processes with its nodes open. */
function usersLoss(d: DisplayFacts, dev: Device, out: Loss[]): void {
  const nodes = deviceNodes(d, dev);
  if (nodes.length === 0) return;
  if (d.holders === null) {
    out.push({ code: 'DEVICE_USERS_UNKNOWN', status: 'info', message: `which processes hold its nodes (${nodes.join(', ')}) is not known: this tree has no proc/PID (run on the host, or take a snapshot there)`, evidence: ['proc'] });
    return;
  }
  const held = d.holders.filter((h) => nodes.includes(h.node));
  const partial = d.holdersUnreadable > 0 ? `; the open files of ${d.holdersUnreadable} other process${d.holdersUnreadable === 1 ? '' : 'es'} could not be read (run as root to see them all)` : '';
  if (held.length === 0) {
    // Another user's open files are out of sight: "nobody" is then only what this user can see.
    const status = d.holdersUnreadable > 0 ? 'unknown' : 'info';
    out.push({ code: 'DEVICE_IN_USE', status, message: `${d.holdersUnreadable > 0 ? 'no process whose open files could be read' : 'no process'} has its nodes open (${nodes.join(', ')})${partial}`, evidence: ['proc/*/fd'] });
    return;
  }
  const byPid = new Map<number, { comm: string | null; nodes: string[] }>();
  for (const h of held) byPid.set(h.pid, { comm: h.comm, nodes: [...(byPid.get(h.pid)?.nodes ?? []), h.node] });
  const who = [...byPid].map(([pid, x]) => `${x.comm ?? '?'} (pid ${pid}: ${x.nodes.join(', ')})`).join(', ');
  out.push({
    code: 'DEVICE_IN_USE',
    status: 'warn',
    message: `in use on the host by ${who}: unbinding its driver waits for them or fails ("device busy"), and the host loses what they show or play; stop them first (a desktop session: sudo systemctl stop display-manager)${partial}`,
    evidence: [...byPid.keys()].map((pid) => `proc/${pid}/fd`),
  });
}

export function displayLoss(model: Model, dev: Device): Loss[] {
  const d = model.host.display;
  if (!d || !dev.pci) return [];
  const out: Loss[] = [];
  consoleLoss(d, dev, out);
  firmwareLoss(d, dev, out);
  usersLoss(d, dev, out);
  return out;
}
