// Output of the pre-flight commands (host, check, explain) in every format: text for people
// (the table format), JSON, and plain TSV. Every string from the tree goes through visible().
import type { ChalkInstance } from 'chalk';
import type { TargetReport } from '../analyse/check.js';
import type { Explanation } from '../analyse/explain.js';
import type { Finding, Status } from '../analyse/findings.js';
import type { Remedy } from '../analyse/remedy.js';
import { SCHEMA_VERSION } from './json.js';
import { field, safeJson, visible } from './safe-text.js';

const RANK: Record<Status, number> = { fail: 4, unknown: 3, warn: 2, info: 1, ok: 0 };

function sorted(f: readonly Finding[]): Finding[] {
  return f.map((x, i) => ({ x, i })).sort((a, b) => RANK[b.x.status] - RANK[a.x.status] || a.i - b.i).map((e) => e.x);
}

function paint(s: Status, c: ChalkInstance): (t: string) => string {
  return s === 'ok' ? c.green : s === 'fail' ? c.red : s === 'warn' || s === 'unknown' ? c.yellow : c.dim;
}

function findingLines(f: readonly Finding[], c: ChalkInstance, indent: string, worstFirst = true): string[] {
  const w = Math.max(0, ...f.map((x) => x.code.length));
  return (worstFirst ? sorted(f) : f).map((x) => `${indent}${paint(x.status, c)(x.status.padEnd(7))} ${x.code.padEnd(w)}  ${visible(x.subject)}: ${visible(x.message)}`);
}

// ---- host
export function renderHostText(f: readonly Finding[], verdict: Status, c: ChalkInstance): string {
  return [...findingLines(f, c, '', false), '', `host: ${paint(verdict, c)(verdict === 'fail' ? 'NOT READY' : 'ready')}${verdict === 'fail' ? '' : ' for VFIO passthrough'}`, ''].join('\n');
}

export function renderHostJson(f: readonly Finding[], verdict: Status, root: string): string {
  return safeJson({ schemaVersion: SCHEMA_VERSION, command: 'host', root, ready: verdict !== 'fail', findings: f }) + '\n';
}

/** status, code, subject, message: one finding per line. */
export function renderFindingsPlain(f: readonly Finding[]): string {
  return f.map((x) => [x.status, x.code, field(x.subject), field(x.message)].join('\t') + '\n').join('');
}

// ---- check
const VERDICT_WORD: Record<Status, string> = { ok: 'PASS', info: 'PASS', warn: 'PASS with warnings', fail: 'FAIL', unknown: 'UNKNOWN' };

export function renderCheckText(reports: readonly TargetReport[], fix: Remedy | null, c: ChalkInstance): string {
  const out: string[] = [];
  for (const r of reports) {
    const head = `${visible(r.target.device?.name ?? r.target.spec)}${r.group === null ? '' : `  group ${r.group}`}`;
    out.push(`${c.bold(head)}  ${paint(r.verdict, c)(VERDICT_WORD[r.verdict])}`);
    out.push(...findingLines(r.findings, c, '  '), '');
  }
  if (fix) {
    out.push('To move the group members to vfio-pci now (printed, not run):');
    out.push(...fix.oneOff.map((l) => `  ${visible(l)}`));
    out.push('To make it persistent (driverctl):');
    out.push(...fix.persistent.map((l) => `  ${visible(l)}`));
    if (fix.byId.length > 0) {
      out.push('or by vendor:device id:');
      out.push(...fix.byId.map((l) => `  ${visible(l)}`));
    }
    out.push(...fix.notes.map((n) => `note: ${visible(n)}`));
    out.push('');
  }
  return out.join('\n');
}

export function renderCheckJson(reports: readonly TargetReport[], fix: Remedy | null, root: string): string {
  return (
    safeJson({
      schemaVersion: SCHEMA_VERSION,
      command: 'check',
      root,
      pass: reports.every((r) => r.verdict !== 'fail' && r.verdict !== 'unknown'),
      targets: reports.map((r) => ({
        target: r.target.spec,
        device: r.target.device?.name ?? null,
        group: r.group,
        verdict: r.verdict,
        findings: r.findings,
        moves: r.moves,
      })),
      commands: fix,
    }) + '\n'
  );
}

/** target, device, group, verdict, then the codes of non-ok findings (comma list): one line per target. */
export function renderCheckPlain(reports: readonly TargetReport[]): string {
  return reports
    .map((r) => {
      const codes = sorted(r.findings).filter((f) => f.status !== 'ok' && f.status !== 'info').map((f) => f.code);
      return [field(r.target.spec), field(r.target.device?.name), r.group === null ? '-' : String(r.group), r.verdict, codes.length ? [...new Set(codes)].join(',') : '-'].join('\t') + '\n';
    })
    .join('');
}

// ---- explain
export function renderExplainText(e: Explanation, c: ChalkInstance): string {
  const head = e.group === null ? visible(e.device) : `${visible(e.device)} is in group ${e.group}${e.members.length > 1 ? ` with ${e.members.filter((m) => m !== e.device).map(visible).join(', ')}` : ''}`;
  const mark = e.accounted === 'yes' ? c.green('accounted for') : e.accounted === 'no' ? c.yellow('the kernel differs from config space') : c.yellow('cannot tell');
  return [`${c.bold(head)}  (${mark})`, ...e.lines.map((l) => `  ${visible(l)}`), ''].join('\n');
}

export function renderExplainJson(es: readonly Explanation[], root: string): string {
  return safeJson({ schemaVersion: SCHEMA_VERSION, command: 'explain', root, explanations: es }) + '\n';
}

/** device, group, accounted, then each line: one record per sentence. */
export function renderExplainPlain(es: readonly Explanation[]): string {
  return es.flatMap((e) => e.lines.map((l) => [field(e.device), e.group === null ? '-' : String(e.group), e.accounted, field(l)].join('\t') + '\n')).join('');
}
