// check's formats.
import type { CheckReport } from '../../analyse/vfio/check.js';
import type { Plan } from '../../analyse/vfio/plan.js';
import type { Issue } from '../../model/types.js';
import type { ReportFormat } from '../format.js';
import { lackingText, renderCheckJson, renderCheckPlain, renderCheckText, type WhenIommuOn } from '../preflight.js';
import type { Renderer } from '../renderer.js';

export interface CheckInput {
  report: CheckReport;
  plan: Plan | null;
  issues: readonly Issue[];
  /** The IOMMU is off: the request once it is on. */
  whenOn: WhenIommuOn | null;
}

/** names: it shows device names from pci.ids (plain keeps to codes and addresses). */
export const CHECK_RENDERERS: Record<ReportFormat, Renderer<CheckInput> & { names: boolean }> = {
  table: { names: true, inlineIssues: false, render: async (c, env) => ({ out: renderCheckText(c.report, c.plan, await env.chalk(), env.width, c.whenOn) }) },
  json: { names: true, inlineIssues: true, render: (c, env) => ({ out: renderCheckJson(c.report, c.plan, env.root, c.issues, c.whenOn) }) },
  // One line per target on stdout: what the tree lacks goes to stderr, once.
  plain: {
    names: false,
    inlineIssues: false,
    render: (c) => ({
      out: renderCheckPlain(c.report),
      err: [
        ...(c.report.lacking.length > 0 ? [`iommu-groups: ${lackingText(c.report.lacking)}\n`] : []),
        ...(c.whenOn ? [`iommu-groups: once the IOMMU is on: ${c.whenOn.outcome}${c.whenOn.outcome === 'steps' && c.whenOn.steps !== null ? ` (${c.whenOn.steps} steps)` : ''} (predicted groups: iommu-groups list --predict)\n`] : []),
      ],
    }),
  },
};
