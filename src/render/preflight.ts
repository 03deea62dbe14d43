// Output of the pre-flight commands (host, check, explain) in every format: text for people
// (the table format), JSON, and plain TSV. Every string from the tree goes through visible().
import type { ChalkInstance } from 'chalk';
import type { BootChange } from '../analyse/host/boot-loader.js';
import type { CheckReport, GroupCheck, Outcome } from '../analyse/vfio/check.js';
import type { Explanation } from '../analyse/grouping/explain.js';
import type { Issue } from '../model/types.js';
import { STATUS_RANK, type Finding, type Status } from '../analyse/findings/findings.js';
import { plural } from '../analyse/grouping/isolation.js';
import { MODPROBE_FILE, type Plan, type Step } from '../analyse/vfio/plan.js';
import { wrapCommand, wrapWords } from './fit.js';
import { SCHEMA_VERSION } from './json.js';

/** check's JSON document: 2 since outcomes and plans replaced verdicts (docs/formats.md). */
export const CHECK_SCHEMA_VERSION = 2;
import { field, safeJson, visible } from './safe-text.js';


function sorted(f: readonly Finding[]): Finding[] {
  return f.map((x, i) => ({ x, i })).sort((a, b) => STATUS_RANK[b.x.status] - STATUS_RANK[a.x.status] || a.i - b.i).map((e) => e.x);
}

function paint(s: Status, c: ChalkInstance): (t: string) => string {
  return s === 'ok' ? c.green : s === 'fail' ? c.red : s === 'warn' || s === 'unknown' ? c.yellow : c.dim;
}

/**
 * One finding a line; with a width, its text wraps at words under itself (or, when the code column
 * leaves too little room, under the status) so nothing runs past the terminal's edge.
 */
function findingLines(f: readonly Finding[], c: ChalkInstance, indent: string, worstFirst = true, width: number | null = null): string[] {
  const w = Math.max(0, ...f.map((x) => x.code.length));
  return (worstFirst ? sorted(f) : f).flatMap((x) => {
    const body = `${visible(x.subject)}: ${visible(x.message)}`;
    const status = paint(x.status, c)(x.status.padEnd(7));
    if (width === null) return [`${indent}${status} ${x.code.padEnd(w)}  ${body}`];
    const aligned = width - (indent.length + 8 + w + 2) >= 36;
    const code = aligned ? `${x.code.padEnd(w)}  ` : `${x.code} `;
    const used = indent.length + 8 + code.length;
    const lines = wrapWords(body, width, used, aligned ? used : indent.length + 8);
    return [`${indent}${status} ${code}${lines[0]}`, ...lines.slice(1)];
  });
}

/** A sentence, wrapped at words when there is a width (continuation lines under `hang` spaces). */
function para(text: string, width: number | null, indent = '', hang = indent.length + 2): string[] {
  if (width === null) return [indent + text];
  const lines = wrapWords(text, width, indent.length, hang);
  return [indent + lines[0], ...lines.slice(1)];
}

// ---- host
export function renderHostText(f: readonly Finding[], verdict: Status, c: ChalkInstance, width: number | null = null, boot: BootChange | null = null): string {
  const unknown = f.filter((x) => x.status === 'unknown').length;
  const word = verdict === 'fail' ? 'NOT READY' : unknown > 0 ? `ready as far as this tree shows (${plural(unknown, 'item')} unknown)` : 'ready for VFIO passthrough';
  return [...findingLines(f, c, '', false, width), '', ...(boot ? bootLines(boot, width) : []), `host: ${paint(verdict, c)(word)}`, ''].join('\n');
}

/** The kernel command-line change: the edit and the command, for the way this host boots (or each common way). */
export function bootLines(b: BootChange, width: number | null): string[] {
  const what = [...b.remove.map((r) => `remove ${visible(r)}`), ...b.add.map((a) => `add ${visible(a)}`)].join(', ');
  const out = para(`To ${what} on the kernel command line (printed, not run; reboot afterwards):`, width);
  for (const o of b.options) {
    out.push(`  ${b.detected ? `${visible(o.loader)}, seen from ${o.evidence.map(visible).join(', ')}` : visible(o.loader)}:`);
    for (const s of o.steps) out.push(...(s.argv && width !== null ? wrapCommand(visible(s.line), width, 4) : [`    ${visible(s.line)}`]));
  }
  return [...out, ''];
}

export function renderHostJson(f: readonly Finding[], verdict: Status, root: string, boot: BootChange | null = null, issues: readonly Issue[] = []): string {
  return safeJson(hostDocument(f, verdict, root, boot, issues)) + '\n';
}

export function hostDocument(f: readonly Finding[], verdict: Status, root: string, boot: BootChange | null = null, issues: readonly Issue[] = []) {
  return { schemaVersion: SCHEMA_VERSION, command: 'host' as const, root, ready: verdict !== 'fail', findings: f, bootChange: boot, issues };
}

/** status, code, subject, message: one finding per line. */
export function renderFindingsPlain(f: readonly Finding[]): string {
  return f.map((x) => [x.status, x.code, field(x.subject), field(x.message)].join('\t') + '\n').join('');
}

// ---- check
const OUTCOME_WORD: Record<Outcome, string> = { ready: 'READY', steps: 'READY after steps', blocked: 'BLOCKED', unknown: 'UNKNOWN' };
const OUTCOME_STATUS: Record<Outcome, Status> = { ready: 'ok', steps: 'warn', blocked: 'fail', unknown: 'unknown' };

/** "READY after 3 steps" when the number of steps is given, else the outcome's word. */
function outcomeText(outcome: Outcome, steps: number | null): string {
  return outcome === 'steps' && steps !== null ? `READY after ${plural(steps, 'step')}` : OUTCOME_WORD[outcome];
}

function groupHead(g: GroupCheck): string {
  const who = g.targets.length ? g.targets.map(visible).join(' + ') : 'no endpoint';
  return g.group === null ? who : `${who} (group ${g.group})`;
}

/** check on a host whose IOMMU is off: what the request will be once it is on (predicted groups), and how to turn it on. */
export interface WhenIommuOn {
  outcome: Outcome;
  /** Steps the plan on the predicted groups would print (for "READY after N steps"). */
  steps: number | null;
  groups: { group: number | null; targets: string[]; outcome: Outcome }[];
  /** The findings that make it blocked or unknown (fail and unknown ones). */
  why: { code: string; subject: string; message: string }[];
  /** The kernel command-line change that turns the IOMMU on, where one would. */
  boot: BootChange | null;
}

/** "once the IOMMU is on: READY after 4 steps", and the boot-loader edit. */
export function whenIommuOnLines(w: WhenIommuOn, c: ChalkInstance, width: number | null): string[] {
  const groups = w.groups.map((g) => `${g.targets.map(visible).join(' + ')}${g.group === null ? '' : ` in predicted group ${g.group}`}`).join('; ');
  return [
    `${c.bold('once the IOMMU is on')}: ${paint(OUTCOME_STATUS[w.outcome], c)(outcomeText(w.outcome, w.steps))}`,
    ...para(`(${groups}; from the groups the kernel's rules predict: iommu-groups list --predict; iommu-groups check again after the reboot for the steps)`, width, '  ', 2),
    ...w.why.flatMap((f) => para(`${f.code} ${visible(f.subject)}: ${visible(f.message)}`, width, '  ', 4)),
    '',
    ...(w.boot ? bootLines(w.boot, width) : []),
  ];
}

export function renderCheckText(report: CheckReport, plan: Plan | null, c: ChalkInstance, width: number | null = null, whenOn: WhenIommuOn | null = null): string {
  const out: string[] = [];
  const several = report.groups.length > 1;
  if (several) {
    const parts = report.groups.map((g) => `${g.group === null ? g.targets.map(visible).join(' + ') : `group ${g.group}`} ${OUTCOME_WORD[g.outcome].toLowerCase()}`);
    out.push(`${c.bold('request')}: ${paint(OUTCOME_STATUS[report.outcome], c)(outcomeText(report.outcome, plan?.required.length ?? null))} (${parts.join('; ')})`, '');
  }
  for (const g of report.groups) {
    out.push(`${c.bold(groupHead(g))}: ${paint(OUTCOME_STATUS[g.outcome], c)(outcomeText(g.outcome, several ? null : (plan?.required.length ?? null)))}`);
    out.push(...findingLines(g.findings, c, '  ', true, width), '');
  }
  if (report.outcome === 'blocked') {
    out.push(...para('No steps: driver moves cannot make this request work (what would change it is in the reasons above).', width));
    const first = report.groups.find((g) => g.outcome === 'blocked' && g.targets.length)?.targets[0];
    if (first && report.groups.some((g) => g.group !== null)) out.push(`Why the group is shaped so: iommu-groups explain ${visible(first)}`);
    out.push('');
  } else if (report.outcome === 'unknown') {
    out.push(...para('No steps until the facts marked unknown above can be read (run as root on the host, or take a snapshot there with sudo iommu-groups snapshot).', width), '');
  }
  if (report.lacking.length > 0) out.push(...para(lackingText(report.lacking), width), '');
  if (whenOn) out.push(...whenIommuOnLines(whenOn, c, width));
  if (plan) out.push(...planLines(plan, width));
  return out.join('\n');
}

function planLines(plan: Plan, width: number | null): string[] {
  const out: string[] = [];
  // A command longer than the terminal continues with " \" on the next line: it still pastes whole.
  const cmds = (steps: readonly Step[]) => steps.flatMap((s) => (width === null ? [`  ${visible(s.line)}`] : wrapCommand(visible(s.line), width, 2)));
  if (plan.required.length) {
    out.push('Steps, in this order (printed, not run):', ...cmds(plan.required), '');
  }
  if (plan.optional.length) {
    out.push(...para(`${plan.required.length ? 'Then, optional' : 'Optional'}: bind the targets by hand, for QEMU started by hand (libvirt managed='yes' and Proxmox do this themselves):`, width), ...cmds(plan.optional), '');
  }
  if (plan.persistent.length) out.push('To keep the bindings across reboots (driverctl):', ...cmds(plan.persistent), '');
  if (plan.byId) {
    const b = plan.byId;
    const kept = b.already.length ? ` (it keeps what is already set: ${b.already.map(visible).join(', ')})` : '';
    if (b.replaces !== null) {
      out.push(...para(`Or by vendor:device id: on the kernel command line, replace ${visible(b.replaces)} with ${visible(b.kernelParameter)}${kept}; a second vfio-pci.ids= would replace the first, and a modprobe.d line would lose to the command line.`, width));
    } else if (b.edit !== null) {
      out.push(...para(`Or by vendor:device id: in ${visible(b.edit.file)}, line ${b.edit.line}, change ${visible(b.edit.from)} to ${visible(b.edit.to)}${kept} (a second ids= line elsewhere would compete with it), or add ${visible(b.kernelParameter)} to the kernel command line.`, width));
    } else {
      out.push(...para(`Or by vendor:device id: add ${visible(b.kernelParameter)} to the kernel command line, or append to ${MODPROBE_FILE} (a file of its own; nothing is overwritten)${kept}:`, width));
    }
    out.push(...cmds(b.steps));
    if (plan.byId.initramfs.length) out.push('  then rebuild the initramfs:', ...cmds(plan.byId.initramfs));
    else out.push('  then rebuild the initramfs with your distribution\'s tool:', ...plan.byId.initramfsChoices.flatMap((x) => para(visible(x), width, '    ', 6)));
    out.push('');
  }
  out.push(...plan.notes.flatMap((n) => para(`note: ${visible(n)}`, width, '', 6)));
  if (plan.notes.length) out.push('');
  return out;
}

export function renderCheckJson(report: CheckReport, plan: Plan | null, root: string, issues: readonly Issue[] = [], whenOn: WhenIommuOn | null = null): string {
  return safeJson(checkDocument(report, plan, root, issues, whenOn)) + '\n';
}

export function checkDocument(report: CheckReport, plan: Plan | null, root: string, issues: readonly Issue[] = [], whenOn: WhenIommuOn | null = null) {
  return {
    schemaVersion: CHECK_SCHEMA_VERSION,
    command: 'check' as const,
    root,
    outcome: report.outcome,
    targets: report.targets.map((t) => ({ target: t.spec, device: t.device, group: t.group, outcome: t.outcome })),
    groups: report.groups,
    mmio: report.mmio,
    lacking: report.lacking,
    plan,
    ...(whenOn ? { whenIommuOn: { outcome: whenOn.outcome, groups: whenOn.groups, why: whenOn.why, bootChange: whenOn.boot } } : {}),
    issues,
  };
}

/** target, device, group, outcome, then the codes of findings that are not ok or info (comma list): one line per target. */
export function renderCheckPlain(report: CheckReport): string {
  return report.targets
    .map((t) => {
      const g = report.groups.find((x) => (t.device ? x.targets.includes(t.device) : x.group === t.group));
      const codes = sorted(g?.findings ?? []).filter((f) => f.status !== 'ok' && f.status !== 'info').map((f) => f.code);
      return [field(t.spec), field(t.device), t.group === null ? '-' : String(t.group), t.outcome, codes.length ? [...new Set(codes)].join(',') : '-'].join('\t') + '\n';
    })
    .join('');
}

/** Said once after the findings: which host facts the tree lacks, and how to get them. */
export function lackingText(lacking: readonly string[]): string {
  return `This tree lacks ${lacking.join(', ')}: run check on the host, or record them there with sudo iommu-groups snapshot OUT (a capture of /sys alone leaves every disk and network controller unknown).`;
}

// ---- explain
export function renderExplainText(e: Explanation, c: ChalkInstance, width: number | null = null): string {
  const head = e.group === null ? visible(e.device) : `${visible(e.device)} is in group ${e.group}${e.members.length > 1 ? ` with ${e.members.filter((m) => m !== e.device).map(visible).join(', ')}` : ''}`;
  const mark = e.accounted === 'yes' ? c.green('accounted for') : e.accounted === 'no' ? c.yellow('the kernel grouped differently') : c.yellow('cannot tell');
  return [`${c.bold(head)}  (${mark})`, ...e.lines.flatMap((l) => para(visible(l), width, '  ', 4)), ''].join('\n');
}

export function renderExplainJson(es: readonly Explanation[], root: string, assume?: object, issues: readonly Issue[] = []): string {
  return safeJson(explainDocument(es, root, assume, issues)) + '\n';
}

export function explainDocument<A extends object>(es: readonly Explanation[], root: string, assume?: A, issues: readonly Issue[] = []) {
  return { schemaVersion: SCHEMA_VERSION, command: 'explain' as const, root, ...(assume ? { assume } : {}), explanations: es, issues };
}

/** device, group, accounted, then each line: one record per sentence. */
export function renderExplainPlain(es: readonly Explanation[]): string {
  return es.flatMap((e) => e.lines.map((l) => [field(e.device), e.group === null ? '-' : String(e.group), e.accounted, field(l)].join('\t') + '\n')).join('');
}
