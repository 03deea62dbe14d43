// `watch`: what changed between two readings of a root. sysfs sends no event for groups, so
// watching means reading again and comparing: groups appearing or going, members joining or
// leaving, drivers rebinding (and devices appearing or going). Pure.
import type { Model } from '../../model/types.js';

export type Change =
  | { kind: 'group-added'; group: number; members: string[] }
  | { kind: 'group-removed'; group: number; members: string[] }
  | { kind: 'member-joined'; group: number; device: string }
  | { kind: 'member-left'; group: number; device: string }
  | { kind: 'driver-changed'; device: string; from: string | null; to: string | null }
  | { kind: 'device-added'; device: string; bus: string }
  | { kind: 'device-removed'; device: string; bus: string };

export function diffModels(before: Model, after: Model): Change[] {
  const out: Change[] = [];
  const members = (m: Model) => new Map(m.groups.map((g) => [g.id, g.members.map((x) => x.name).sort()]));
  const a = members(before);
  const b = members(after);
  for (const [id, ms] of a) if (!b.has(id)) out.push({ kind: 'group-removed', group: id, members: ms });
  for (const [id, ms] of b) {
    const old = a.get(id);
    if (!old) {
      out.push({ kind: 'group-added', group: id, members: ms });
      continue;
    }
    for (const d of old) if (!ms.includes(d)) out.push({ kind: 'member-left', group: id, device: d });
    for (const d of ms) if (!old.includes(d)) out.push({ kind: 'member-joined', group: id, device: d });
  }
  const devs = (m: Model) => new Map(m.devices.map((d) => [`${d.bus}/${d.name}`, d]));
  const da = devs(before);
  const db = devs(after);
  for (const [k, d] of da) if (!db.has(k)) out.push({ kind: 'device-removed', device: d.name, bus: d.bus });
  for (const [k, d] of db) {
    const old = da.get(k);
    if (!old) out.push({ kind: 'device-added', device: d.name, bus: d.bus });
    else if (old.driver !== d.driver) out.push({ kind: 'driver-changed', device: d.name, from: old.driver, to: d.driver });
  }
  return out;
}

export function changeText(c: Change): string {
  switch (c.kind) {
    case 'group-added':
      return `group ${c.group} appeared: ${c.members.join(' ') || '(no members yet)'}`;
    case 'group-removed':
      return `group ${c.group} went away (had ${c.members.join(' ') || 'no members'})`;
    case 'member-joined':
      return `${c.device} joined group ${c.group}`;
    case 'member-left':
      return `${c.device} left group ${c.group}`;
    case 'driver-changed':
      return `${c.device}: driver ${c.from ?? '(none)'} -> ${c.to ?? '(none)'}`;
    case 'device-added':
      return `${c.device} (${c.bus}) appeared`;
    case 'device-removed':
      return `${c.device} (${c.bus}) went away`;
  }
}
