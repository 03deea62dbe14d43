// diff's formats: a document (JSON, and what the library returns), a table for people, plain
// tab-separated lines for scripts (kind, subject, the change in words).
import { diffText, type DiffChange, type DiffView } from '../../analyse/diff/diff-models.js';
import type { ReportFormat } from '../format.js';
import type { Renderers } from '../renderer.js';
import { wrapWords } from '../fit.js';
import { safeJson, visible } from '../safe-text.js';

export const DIFF_SCHEMA_VERSION = 1;

export interface DiffInput {
  view: DiffView;
  /** A and B as given (a directory, a .tar.gz, or "/"). */
  a: string;
  b: string;
}

export function diffDocument({ view, a, b }: DiffInput) {
  return {
    schemaVersion: DIFF_SCHEMA_VERSION,
    command: 'diff' as const,
    a: { root: a, ...view.a },
    b: { root: b, ...view.b },
    changed: view.changes.length > 0,
    changes: view.changes,
    renumbered: view.renumbered,
    unknown: view.unknown,
  };
}

/** What a change is about, for the plain format's second column. */
function subject(c: DiffChange): string {
  switch (c.kind) {
    case 'iommu-changed':
      return 'iommu';
    case 'group-merged':
      return `group ${c.to}`;
    case 'group-split':
      return `group ${c.from}`;
    case 'device-moved':
      return c.to;
    case 'cmdline-changed':
      return c.param;
    default:
      return c.device;
  }
}

const sideText = (s: DiffView['a']) => `kernel ${s.kernel ?? '(unknown)'}, IOMMU ${s.iommu ? 'on' : 'off'}, ${s.groups} groups, ${s.pciFunctions} PCI functions`;

function summary(v: DiffView): string {
  const n = v.changes.length;
  const renum = v.renumbered > 0 ? ` (${v.renumbered} group${v.renumbered === 1 ? '' : 's'} renumbered with the same members: not a change)` : '';
  return `${n === 0 ? 'no change' : `${n} change${n === 1 ? '' : 's'}`}${renum}`;
}

export const DIFF_RENDERERS: Renderers<ReportFormat, DiffInput> = {
  json: { inlineIssues: true, render: (input) => ({ out: safeJson(diffDocument(input)) + '\n' }) },
  plain: {
    inlineIssues: false,
    render: ({ view }) => ({
      out: view.changes.map((c) => `${c.kind}\t${visible(subject(c))}\t${visible(diffText(c))}\n`).join(''),
      err: view.unknown.map((u) => `iommu-groups: not compared: ${visible(u)}\n`),
    }),
  },
  table: {
    inlineIssues: false,
    render: async ({ view, a, b }, env) => {
      const chalk = await env.chalk();
      const w = env.width;
      const kindWidth = Math.max(...view.changes.map((c) => c.kind.length), view.unknown.length > 0 ? 'not compared'.length : 0);
      // Wrapped at words to the terminal, continuation lines under the text (or under the kind when it is narrow).
      const row = (label: string, paint: (s: string) => string, text: string) => {
        const used = 2 + kindWidth + 2;
        if (w === null) return [`  ${paint(label.padEnd(kindWidth))}  ${text}`];
        const lines = wrapWords(text, w, used, w - used >= 30 ? used : 4);
        return [`  ${paint(label.padEnd(kindWidth))}  ${lines[0]}`, ...lines.slice(1)];
      };
      const side = (name: string, root: string, s: DiffView['a']) => {
        const lines = w === null ? [`${root}: ${sideText(s)}`] : wrapWords(`${root}: ${sideText(s)}`, w, 2, 2);
        return [`${chalk.bold(name)} ${lines[0]}`, ...lines.slice(1)];
      };
      const lines = [...side('A', visible(a), view.a), ...side('B', visible(b), view.b), ''];
      for (const c of view.changes) lines.push(...row(c.kind, chalk.yellow, visible(diffText(c))));
      for (const u of view.unknown) lines.push(...row('not compared', chalk.dim, visible(u)));
      if (view.changes.length > 0 || view.unknown.length > 0) lines.push('');
      lines.push(summary(view));
      return { out: lines.join('\n') + '\n' };
    },
  },
};
