// Pinned devices: `pin` records what a VM's configuration names (an address, the device there and
// its group's members, each by what it is); `check --expect` refuses when the device at that address
// is another one, the pinned device moved, or its group's members changed (as Proxmox's resource
// mappings and Unraid's BDF|vendor:device do). Groups compare by members, never by number. Pure.
import type { Device, Model } from '../../model/types.js';
import type { CheckFinding, CheckReport, GroupCheck } from '../vfio/check.js';
import { worstOutcome } from '../vfio/check.js';
import { finding } from '../findings/findings.js';
import { identityOf } from './identity.js';

export const PINS_SCHEMA_VERSION = 1;

export interface PinnedIdentity {
  address: string;
  /** "10de:1b80 sub 1458:3702 class 030000" (+ " dsn ..." where config space showed one). */
  identity: string;
}

export interface Pin extends PinnedIdentity {
  driver: string | null;
  /** Its group's number then (for people: groups are compared by members) and its members, itself included. */
  group: { id: number; members: PinnedIdentity[] } | null;
}

export interface PinFile {
  schemaVersion: number;
  command: 'pin';
  root: string;
  kernel: string | null;
  pins: Pin[];
}

const noDsn = (identity: string) => identity.replace(/ dsn [0-9a-f]+$/, '');
const dsnOf = (identity: string) => / dsn ([0-9a-f]+)$/.exec(identity)?.[1] ?? null;

/** The same device: equal ids, and equal serial numbers where both sides read one. */
function sameIdentity(pinned: string, now: string): boolean {
  if (noDsn(pinned) !== noDsn(now)) return false;
  const a = dsnOf(pinned);
  const b = dsnOf(now);
  return a === null || b === null || a === b;
}

export function pinOf(model: Model, d: Device): Pin {
  const g = d.group === null ? null : model.groups.find((x) => x.id === d.group);
  const byName = new Map(model.devices.map((x) => [`${x.bus}/${x.name}`, x]));
  const members = g?.members.map((m) => ({ address: m.name, identity: (m.bus && byName.get(`${m.bus}/${m.name}`) ? identityOf(byName.get(`${m.bus}/${m.name}`)!) : `${m.bus ?? '?'}/${m.name}`) })) ?? [];
  return { address: d.name, identity: identityOf(d), driver: d.driver, group: g ? { id: g.id, members: members.sort((x, y) => (x.address < y.address ? -1 : 1)) } : null };
}

/** Parse and check a pin file's text; a message on what is wrong, or the file. */
export function parsePins(text: string): PinFile | string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return `not JSON (${(err as Error).message})`;
  }
  const o = doc as Partial<PinFile>;
  if (typeof o !== 'object' || o === null || o.command !== 'pin' || !Array.isArray(o.pins)) return 'not a pin file (no "command": "pin" with a "pins" list): make one with iommu-groups pin TARGET... > pins.json';
  if (o.schemaVersion !== PINS_SCHEMA_VERSION) return `schemaVersion ${String(o.schemaVersion)}: this version reads pin files of schemaVersion ${PINS_SCHEMA_VERSION}`;
  // A member of a group may be a device of another bus (an Arm platform device): any name; a pin is a PCI function.
  const ok = (p: unknown): p is PinnedIdentity => typeof p === 'object' && p !== null && typeof (p as PinnedIdentity).address === 'string' && (p as PinnedIdentity).address !== '' && typeof (p as PinnedIdentity).identity === 'string';
  const pci = (a: string) => /^[0-9a-f]{4,}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(a);
  for (const [i, p] of o.pins.entries()) {
    if (!ok(p) || !pci(p.address)) return `pins[${i}]: needs "address" (a full PCI address) and "identity"`;
    const g = (p as Pin).group;
    if (g !== null && (typeof g !== 'object' || typeof g.id !== 'number' || !Array.isArray(g.members) || !g.members.every(ok))) return `pins[${i}].group: needs "id" and "members" (address and identity each)`;
  }
  if (o.pins.length === 0) return 'it pins no device';
  return o as PinFile;
}

const f = (code: 'PIN_MATCH' | 'PIN_DEVICE_REPLACED' | 'PIN_DEVICE_MOVED' | 'PIN_DEVICE_MISSING' | 'PIN_GROUP_CHANGED', ok: boolean, subject: string, message: string, evidence: string[]): CheckFinding => ({
  ...finding(code, ok ? 'ok' : 'fail', subject, message, evidence),
  effect: ok ? 'none' : 'block',
});

/** Where the pinned device is now, by what it is, when not at its address (addresses other pins hold rightly are not offered). */
function findElsewhere(model: Model, pin: Pin, claimed: ReadonlySet<string>): Device[] {
  return model.devices.filter((d) => d.pci !== null && d.name !== pin.address && !claimed.has(d.name) && sameIdentity(pin.identity, identityOf(d)));
}

function whereNow(pin: Pin, elsewhere: readonly Device[]): string {
  if (elsewhere.length === 0) return 'no device like it is in this tree';
  const at = elsewhere.map((d) => d.name).join(', ');
  // Only a serial number read on both sides tells alike devices apart.
  const sure = elsewhere.length === 1 && dsnOf(pin.identity) !== null && dsnOf(identityOf(elsewhere[0]!)) !== null;
  return sure ? `the pinned device (same serial number) is at ${at} now` : `a device like it (same ids${dsnOf(pin.identity) === null ? ', no serial number pinned to tell alike devices apart' : ''}) is at ${at} now`;
}

const entry = (m: PinnedIdentity) => `${m.address} (${m.identity})`;

/** What the pin says about the tree now. `claimed`: addresses where other pins find their devices. */
export function pinFindings(model: Model, pin: Pin, claimed: ReadonlySet<string> = new Set()): CheckFinding[] {
  const here = model.devices.find((d) => d.pci !== null && d.name === pin.address);
  const elsewhere = findElsewhere(model, pin, claimed);
  const ev = [`pinned: ${pin.address} ${pin.identity}`];
  if (!here) return [f(elsewhere.length > 0 ? 'PIN_DEVICE_MOVED' : 'PIN_DEVICE_MISSING', false, pin.address, `no device at ${pin.address} now: ${whereNow(pin, elsewhere)}; update the VM's configuration (and the pin) before it starts`, ev)];
  const now = identityOf(here);
  if (!sameIdentity(pin.identity, now)) {
    return [f('PIN_DEVICE_REPLACED', false, pin.address, `${pin.address} holds another device now (${now}; pinned: ${pin.identity}); ${whereNow(pin, elsewhere)}: a VM started now would get the wrong device`, [...ev, `${here.path}: ${now}`])];
  }
  if (pin.group === null) return [f('PIN_MATCH', true, pin.address, 'the device at the pinned address is the pinned one (it had no group when pinned)', ev)];
  const g = here.group === null ? null : (model.groups.find((x) => x.id === here.group) ?? null);
  const byName = new Map(model.devices.map((d) => [d.name, d]));
  const nowMembers: PinnedIdentity[] = g?.members.map((m) => ({ address: m.name, identity: byName.get(m.name) ? identityOf(byName.get(m.name)!) : m.name })) ?? [];
  const left = multisetMinus(pin.group.members, nowMembers);
  const joined = multisetMinus(nowMembers, pin.group.members);
  if (g === null || left.length > 0 || joined.length > 0) {
    const what = g === null ? 'it is in no group now' : [joined.length > 0 ? `joined: ${joined.map(entry).join(', ')}` : '', left.length > 0 ? `left: ${left.map(entry).join(', ')}` : ''].filter(Boolean).join('; ');
    return [f('PIN_GROUP_CHANGED', false, pin.address, `its group's members changed since it was pinned (group ${pin.group.id} then, ${g === null ? 'none' : `group ${g.id}`} now): ${what}; what goes to the VM with it is not what the configuration was made for`, [...ev, `${g === null ? `${here.path}/iommu_group absent` : `sys/kernel/iommu_groups/${g.id}/devices`}`])];
  }
  return [f('PIN_MATCH', true, pin.address, `the pinned device, and its group has the pinned members${g.id !== pin.group.id ? ` (numbered ${g.id} now, ${pin.group.id} then: the number alone is no change)` : ''}`, ev)];
}

/** A's entries that B has no like entry for (by identity, each used once). */
function multisetMinus(a: readonly PinnedIdentity[], b: readonly PinnedIdentity[]): PinnedIdentity[] {
  const rest = [...b];
  return a.filter((x) => {
    const i = rest.findIndex((y) => sameIdentity(x.identity, y.identity));
    if (i === -1) return true;
    rest.splice(i, 1);
    return false;
  });
}

/**
 * The report with each pin's findings in the group of its device (a pin whose address holds no
 * device gets a group of its own, blocked), and the outcomes made again.
 */
export function applyPins(model: Model, report: CheckReport, pins: readonly Pin[]): CheckReport {
  const groups: GroupCheck[] = report.groups.map((g) => ({ ...g, findings: [...g.findings] }));
  const at = (p: Pin) => model.devices.find((d) => d.pci !== null && d.name === p.address);
  const claimed = new Set(pins.filter((p) => at(p) && sameIdentity(p.identity, identityOf(at(p)!))).map((p) => p.address));
  for (const pin of pins) {
    const found = pinFindings(model, pin, claimed);
    const home = groups.find((g) => g.targets.includes(pin.address));
    if (home) home.findings.unshift(...found);
    else groups.push({ group: null, targets: [pin.address], outcome: 'blocked', findings: found, moves: [], binds: [] });
  }
  for (const g of groups) if (g.findings.some((x) => x.effect === 'block')) g.outcome = 'blocked';
  const outcomeOf = (name: string | null) => groups.find((g) => name !== null && g.targets.includes(name))?.outcome ?? 'blocked';
  const missing = pins.filter((p) => !report.targets.some((t) => t.device === p.address)).map((p) => ({ spec: p.address, device: p.address, group: null, outcome: 'blocked' as const }));
  return {
    ...report,
    groups,
    outcome: worstOutcome(groups.map((g) => g.outcome)),
    targets: [...report.targets.map((t) => ({ ...t, outcome: outcomeOf(t.device) })), ...missing],
  };
}
