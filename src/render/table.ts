// Table output for people at a terminal: one row per group member, the group's id, type and
// verdict on its first row. Colour comes in as a Chalk instance decided once by the CLI.
import Table from 'cli-table3';
import type { ChalkInstance } from 'chalk';
import type { BusesView } from '../analyse/buses-view.js';
import type { GroupVerdictKind } from '../analyse/isolation.js';
import type { ListView, MemberView } from '../analyse/list-view.js';
import type { Issue } from '../model/types.js';
import { classCode, idPair, linkFact, revision } from './format.js';
import { visible } from './safe-text.js';

function newTable(head: string[], c: ChalkInstance): Table.Table {
  return new Table({
    head: head.map((h) => c.bold(h)),
    style: { head: [], border: [], 'padding-left': 1, 'padding-right': 1 },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
}

function verdictColour(kind: GroupVerdictKind | 'no-group', c: ChalkInstance): (s: string) => string {
  if (kind === 'isolated') return c.green;
  if (kind === 'bridges-only') return c.dim;
  if (kind === 'shared' || kind === 'unknown' || kind === 'empty') return c.yellow;
  return c.red;
}

function deviceCell(m: MemberView): string {
  const d = m.device;
  if (!d) return `${visible(m.ref.name)} (not on any bus)`;
  if (!d.pci) return `${visible(d.bus)} device`;
  const name = [m.names.vendorName, m.names.deviceName].filter((x) => x !== null).join(' ');
  return `${name === '' ? '' : visible(name) + ' '}[${idPair(d)}]${d.pci.revision ? ` (rev ${revision(d)})` : ''}`;
}

function classCell(m: MemberView): string {
  const d = m.device;
  if (!d?.pci) return '-';
  return `${m.names.className === null ? 'Class' : visible(m.names.className)} [${classCode(d)}]`;
}

function driverCell(m: MemberView): string {
  const d = m.device;
  return d ? visible(linkFact(d.driver, d.errors['driver'], '(none)')) : '?';
}

export function renderListTable(v: ListView, c: ChalkInstance): string {
  const out: string[] = [];
  if (!v.iommu.active) out.push(noIommuSentence(v.iommu.evidence, c));
  if (v.groups.length > 0) {
    const t = newTable(['Group', 'Type', 'Verdict', 'Address', 'Class', 'Device', 'Driver'], c);
    for (const g of v.groups) {
      const colour = verdictColour(g.verdict.kind, c);
      g.members.forEach((m, i) => {
        const first = i === 0;
        t.push([
          first ? c.bold(String(g.group.id)) : '',
          first ? visible(g.group.type ?? ('type' in g.group.errors ? '?' : '-')) : '',
          first ? colour(g.verdict.text) : '',
          visible(m.ref.name) + (m.ref.seenIn === 'both' || m.ref.seenIn === 'group' ? '' : ' *'),
          classCell(m),
          deviceCell(m),
          driverCell(m),
        ]);
      });
      if (g.members.length === 0) t.push([c.bold(String(g.group.id)), visible(g.group.type ?? '-'), colour(g.verdict.text), '', '', '', '']);
    }
    out.push(t.toString() + '\n');
  }
  if (v.ungrouped.length > 0) {
    out.push(c.bold(v.iommu.active ? 'Devices with no IOMMU group (not isolated):' : 'PCI devices (none isolated: no IOMMU group):') + '\n');
    const t = newTable(['Address', 'Class', 'Device', 'Driver'], c);
    for (const m of v.ungrouped) t.push([visible(m.ref.name), classCell(m), deviceCell(m), driverCell(m)]);
    out.push(t.toString() + '\n');
  }
  out.push(issuesBlock(v.issues, c));
  return out.join('');
}

export function renderBusesTable(v: BusesView, c: ChalkInstance): string {
  const out: string[] = [];
  if (!v.iommu.active) out.push(noIommuSentence(v.iommu.evidence, c));
  if (v.devices !== null) {
    const t = newTable(['Bus', 'Device', 'Group', 'Isolation', 'Driver'], c);
    for (const b of v.devices) {
      const iso = b.isolation;
      const colour = iso === 'isolated' ? c.green : iso === 'shared' || iso === 'unknown' ? c.yellow : c.red;
      t.push([
        visible(b.device.bus),
        visible(b.device.name),
        b.device.group === null ? ('group' in b.device.errors ? '?' : '-') : String(b.device.group),
        colour(iso),
        visible(linkFact(b.device.driver, b.device.errors['driver'], '(none)')),
      ]);
    }
    out.push(t.toString() + '\n');
    return out.join('');
  }
  const t = newTable(['Bus', 'Devices', 'Isolated', 'Shared', 'No group', 'Unknown'], c);
  for (const s of v.buses) {
    t.push([visible(s.bus), String(s.devices), c.green(String(s.isolated)), s.shared ? c.yellow(String(s.shared)) : '0', s.noGroup ? c.red(String(s.noGroup)) : '0', String(s.unknown)]);
  }
  out.push(t.toString() + '\n');
  if (v.otherBuses.length) out.push(c.dim(`${v.otherBuses.length} other buses left out (no group, no DMA of their own: ${v.otherBuses.slice(0, 6).map(visible).join(', ')}${v.otherBuses.length > 6 ? ', ...' : ''}); --all shows them\n`));
  return out.join('');
}

export function noIommuSentence(evidence: string[], c: ChalkInstance): string {
  return c.red.bold('No active IOMMU:') + ` ${evidence.join('; ')}. No device is isolated.\n`;
}

function issuesBlock(issues: readonly Issue[], c: ChalkInstance): string {
  if (issues.length === 0) return '';
  const lines = issues.map((i) => `  ${c.yellow(i.code)} ${visible(i.subject)}: ${visible(i.message)}\n`);
  return c.bold(`${issues.length} inconsistenc${issues.length === 1 ? 'y' : 'ies'} or read errors:`) + '\n' + lines.join('');
}
