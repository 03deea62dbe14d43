// explain's formats.
import type { Explanation } from '../../analyse/grouping/explain.js';
import type { Issue } from '../../model/types.js';
import type { ReportFormat } from '../format.js';
import type { BootChange } from '../../analyse/host/boot-loader.js';
import { bootLines, renderExplainJson, renderExplainPlain, renderExplainText } from '../preflight.js';
import type { Renderers } from '../renderer.js';

export interface ExplainInput {
  explanations: Explanation[];
  /** --assume: the parameters, what they change, and notes. */
  assume: object | undefined;
  issues: readonly Issue[];
}

export const EXPLAIN_RENDERERS: Renderers<ReportFormat, ExplainInput> = {
  table: {
    inlineIssues: false,
    render: async (x, env) => {
      const c = await env.chalk();
      const boot = (x.assume as { bootChange?: BootChange | null } | undefined)?.bootChange ?? null;
      return { out: x.explanations.map((e) => renderExplainText(e, c, env.width)).join('\n') + (boot ? '\n' + bootLines(boot, env.width).join('\n') + '\n' : '') };
    },
  },
  json: { inlineIssues: true, render: (x, env) => ({ out: renderExplainJson(x.explanations, env.root, x.assume, x.issues) }) },
  plain: { inlineIssues: false, render: (x) => ({ out: renderExplainPlain(x.explanations) }) },
};
