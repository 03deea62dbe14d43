// Plain output: one tab-separated record per line, no header, fixed columns (docs/formats.md,
// "Plain output"). "-" marks an absent value, "?" an unreadable one. A contract for shell pipelines.
import type { BusesView } from '../analyse/views/buses-view.js';
import type { ListView, MemberView } from '../analyse/views/list-view.js';
import type { Group } from '../model/types.js';
import { classCode, idPair, revision, sriovMark } from './format.js';
import { field } from './safe-text.js';

function memberLine(g: Group | null, verdict: string, m: MemberView): string {
  const d = m.device;
  const err = (k: string) => d !== null && k in d.errors;
  return [
    g ? String(g.id) : '-',
    verdict,
    field(g?.type, g !== null && 'type' in g.errors),
    field(m.ref.bus),
    field(m.ref.name),
    m.isolation,
    d ? classCode(d) : '-',
    d ? idPair(d) : '-',
    d ? revision(d) : '-',
    field(d?.driver, err('driver')),
    field(m.names.className),
    field(m.names.vendorName),
    field(m.names.deviceName),
    field(d ? sriovMark(d) : null),
  ].join('\t');
}

export function renderListPlain(v: ListView): string {
  const lines: string[] = [];
  for (const g of v.groups) for (const m of g.members) lines.push(memberLine(g.group, g.verdict.kind, m));
  for (const m of v.ungrouped) lines.push(memberLine(null, v.prediction && m.isolation === 'unknown' ? 'unknown' : 'no-group', m));
  return lines.map((l) => l + '\n').join('');
}

export function renderBusesPlain(v: BusesView): string {
  if (v.devices !== null) {
    return v.devices
      .map((b) =>
        [field(b.device.bus), field(b.device.name), b.device.group === null ? '-' : String(b.device.group), b.isolation, field(b.device.driver, 'driver' in b.device.errors)].join('\t') + '\n',
      )
      .join('');
  }
  return v.buses.map((s) => [field(s.bus), s.devices, s.isolated, s.shared, s.noGroup, s.unknown].join('\t') + '\n').join('');
}
