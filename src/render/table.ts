// Table output for people at a terminal: one row per group member, the group's id, type and
// verdict on its first row. Colour comes in as a Chalk instance decided once by the CLI.
import { PREDICT_HINT, predictionDetails, predictionHeading } from './prediction.js';
import Table from 'cli-table3';
import type { ChalkInstance } from 'chalk';
import type { BusesView } from '../analyse/views/buses-view.js';
import type { GroupVerdictKind } from '../analyse/grouping/isolation.js';
import type { ListView, MemberView } from '../analyse/views/list-view.js';
import type { Issue } from '../model/types.js';
import { classCode, idPair, linkFact, revision, sriovMark } from './format.js';
import { cut, cutName, fitColumns, fitInOrder, plainLength, plainText, wrapWords } from './fit.js';
import { visible } from './safe-text.js';

function newTable(head: string[], c: ChalkInstance, cols: number[] | null = null, wrap = false): Table.Table {
  return new Table({
    head: head.map((h) => c.bold(h)),
    style: { head: [], border: [], 'padding-left': 1, 'padding-right': 1 },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    // Content width plus the two spaces of padding; cells are cut to fit beforehand (or wrapped at words).
    ...(cols === null ? {} : { colWidths: cols.map((w) => w + 2), truncate: '…', wordWrap: wrap }),
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

/** The address, with a device seen only on its bus marked `*`, and its SR-IOV role: "(PF 2/7)", "(VF)". */
function addressCell(m: MemberView, grouped = true): string {
  const mark = m.device ? sriovMark(m.device) : null;
  const role = mark === null ? '' : mark.startsWith('pf ') ? ` (PF ${mark.slice(3)})` : ' (VF)';
  return visible(m.ref.name) + (!grouped || m.ref.seenIn === 'both' || m.ref.seenIn === 'group' ? '' : ' *') + role;
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

/**
 * A table that fits `width` (null: full text): the columns in `shrink` give up width first, their
 * cells cut with an ellipsis (they hold no colour); null when even that does not fit.
 */
function fittedTable(head: string[], rows: string[][], c: ChalkInstance, width: number | null, shrink: number[]): string | null {
  let cols: number[] | null = null;
  if (width !== null) {
    const natural = head.map((h, i) => Math.max(plainLength(h), ...rows.map((r) => plainLength(r[i]!))));
    cols = fitColumns(natural, width, shrink);
    if (cols === null) return null;
  }
  const t = newTable(head, c, cols);
  for (const r of rows) t.push(cols === null ? r : r.map((cell, i) => (shrink.includes(i) ? cutName(cell, cols![i]!) : cell)));
  return t.toString() + '\n';
}

const LIST_HEAD = ['Group', 'Type', 'Verdict', 'Address', 'Class', 'Device', 'Driver'];
/** A table that fits by giving up width in a fixed order (fitInOrder); names cut keeping their [id]. */
function orderedTable(head: string[], rows: string[][], c: ChalkInstance, width: number | null, steps: readonly (readonly [number, number])[]): string | null {
  if (width === null) return fittedTable(head, rows, c, null, []);
  const natural = head.map((h, i) => Math.max(plainLength(h), ...rows.map((r) => plainLength(r[i]!))));
  const cols = fitInOrder(natural, width, steps);
  if (cols === null) return null;
  const cutCols = new Set(steps.map(([i]) => i));
  const t = newTable(head, c, cols);
  for (const r of rows) t.push(r.map((cell, i) => (cutCols.has(i) ? cutName(cell, cols[i]!) : cell)));
  return t.toString() + '\n';
}

/** The narrowest width at which every text wraps into at most `lines` lines. */
function wrapWidth(texts: readonly string[], lines: number, natural: number): number {
  for (let w = 10; w < natural; w++) if (texts.every((t) => wrapWords(t, w, 0, 0).length <= lines)) return w;
  return natural;
}

function listTable(rows: string[][], c: ChalkInstance, width: number | null): string | null {
  if (width === null) return fittedTable(LIST_HEAD, rows, c, null, []);
  const natural = LIST_HEAD.map((h, i) => Math.max(plainLength(h), ...rows.map((r) => plainLength(r[i]!))));
  // Class keeps its [code], the driver 10, the verdict wraps onto two lines, the device keeps 40,
  // the verdict takes a third line (never narrower than the common "isolated: one endpoint"), then
  // the device keeps 28 (a part of its name and its [id]).
  const verdicts = rows.map((r) => plainText(r[2]!)).filter(Boolean);
  const steps = [[4, 6], [6, 10], [2, wrapWidth(verdicts, 2, natural[2]!)], [5, 40], [2, Math.max(22, wrapWidth(verdicts, 3, natural[2]!))], [5, 28]] as const;
  const cols = fitInOrder(natural, width, steps);
  if (cols === null) return null;
  const t = newTable(LIST_HEAD, c, cols, cols[2]! < natural[2]!);
  for (const r of rows) t.push(r.map((cell, i) => (i === 4 || i === 5 || i === 6 ? cutName(cell, cols[i]!) : cell)));
  return t.toString() + '\n';
}

/** One block per group when no table fits: the group on a line, each member under it. */
function stackedGroups(v: ListView, c: ChalkInstance, width: number): string {
  const out: string[] = [];
  for (const g of v.groups) {
    const colour = verdictColour(g.verdict.kind, c);
    const head = `Group ${g.group.id}  ${visible(g.group.type ?? '-')}  `;
    out.push(c.bold(`Group ${g.group.id}`) + head.slice(`Group ${g.group.id}`.length) + colour(cut(g.verdict.text, width - head.length)));
    for (const m of g.members) {
      const addr = `  ${addressCell(m)}  `;
      out.push(addr + cut(`${driverCell(m)}  ${classCell(m)}`, width - addr.length));
      out.push('      ' + cutName(deviceCell(m), width - 6));
    }
  }
  return out.join('\n') + '\n';
}

export function renderListTable(v: ListView, c: ChalkInstance, width: number | null = null): string {
  const out: string[] = [];
  if (v.prediction) out.push(c.bold(wrapped(predictionHeading(v), width, 0, 2)) + '\n');
  else if (!v.iommu.active) out.push(noIommuSentence(v.iommu.evidence, c, width));
  if (v.groups.length > 0) {
    const rows: string[][] = [];
    for (const g of v.groups) {
      const colour = verdictColour(g.verdict.kind, c);
      g.members.forEach((m, i) => {
        const first = i === 0;
        rows.push([
          first ? c.bold(String(g.group.id)) : '',
          first ? visible(g.group.type ?? ('type' in g.group.errors ? '?' : '-')) : '',
          first ? colour(g.verdict.text) : '',
          addressCell(m),
          classCell(m),
          deviceCell(m),
          driverCell(m),
        ]);
      });
      if (g.members.length === 0) rows.push([c.bold(String(g.group.id)), visible(g.group.type ?? '-'), colour(g.verdict.text), '', '', '', '']);
    }
    // What gives way, in order: class names go (the code stays), the driver is cut, the verdict
    // wraps onto a second line, then the device's name, never below a readable part of it.
    // When even that does not fit, one block per group keeps every name.
    out.push(listTable(rows, c, width) ?? stackedGroups(v, c, width!));
  }
  if (v.ungrouped.length > 0) {
    const title = v.prediction ? predictedUngroupedTitle(v.ungrouped) : v.iommu.active ? 'Devices with no IOMMU group (not isolated):' : 'PCI devices (none isolated: no IOMMU group):';
    out.push(c.bold(title) + '\n');
    const rows = v.ungrouped.map((m) => [addressCell(m, false), classCell(m), deviceCell(m), driverCell(m)]);
    out.push(
      orderedTable(['Address', 'Class', 'Device', 'Driver'], rows, c, width, [[1, 6], [3, 10], [2, 28]]) ??
        rows.map((r) => `${r[0]}  ${cut(`${r[3]}  ${r[1]}`, width! - r[0]!.length - 2)}\n      ${cutName(r[2]!, width! - 6)}\n`).join(''),
    );
  }
  if (v.prediction) for (const line of predictionDetails(v)) out.push(`  ${wrapped(line, width, 2, 4)}\n`);
  else if (!v.iommu.active && !v.filtered) out.push(c.dim(wrapped(`To see ${PREDICT_HINT}`, width, 0, 2)) + '\n');
  out.push(issuesBlock(v.issues, c, width));
  return out.join('');
}

/** --predict: functions left out of the groups are unknown, or will get no group (a device tree's iommu-map), or both. */
function predictedUngroupedTitle(members: readonly { isolation: string }[]): string {
  const unknown = members.filter((m) => m.isolation === 'unknown').length;
  if (unknown === members.length) return 'PCI devices whose group cannot be predicted (see below):';
  if (unknown === 0) return 'PCI devices that will get no IOMMU group (not isolated; see below):';
  return 'PCI devices with no predicted group (see below: no group, or cannot be predicted):';
}

/** Text wrapped to the width (after `firstUsed` columns, later lines indented `hang`), or whole. */
function wrapped(text: string, width: number | null, firstUsed: number, hang: number): string {
  return width === null ? visible(text) : wrapWords(visible(text), width, firstUsed, hang).join('\n');
}

export function renderBusesTable(v: BusesView, c: ChalkInstance, width: number | null = null): string {
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
  if (v.otherBuses.length) {
    const note = `${v.otherBuses.length} other buses left out (no group, no DMA of their own: ${v.otherBuses.slice(0, 6).map(visible).join(', ')}${v.otherBuses.length > 6 ? ', ...' : ''}); --all shows them`;
    out.push(c.dim((width === null ? [note] : wrapWords(note, width, 0, 2)).join('\n')) + '\n');
  }
  return out.join('');
}

export function noIommuSentence(evidence: string[], c: ChalkInstance, width: number | null = null): string {
  const text = `${evidence.map(visible).join('; ')}. No device is isolated.`;
  const lines = width === null ? [text] : wrapWords(text, width, 'No active IOMMU: '.length, 2);
  return c.red.bold('No active IOMMU:') + ` ${lines.join('\n')}\n`;
}

function issuesBlock(issues: readonly Issue[], c: ChalkInstance, width: number | null = null): string {
  if (issues.length === 0) return '';
  const lines = issues.map((i) => {
    const rest = `${visible(i.subject)}: ${visible(i.message)}`;
    const wrapped = width === null ? [rest] : wrapWords(rest, width, 3 + i.code.length, 4);
    return `  ${c.yellow(i.code)} ${wrapped.join('\n')}\n`;
  });
  return c.bold(`${issues.length} inconsistenc${issues.length === 1 ? 'y' : 'ies'} or read errors:`) + '\n' + lines.join('');
}
