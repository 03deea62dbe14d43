// host's formats.
import type { Finding, Status } from '../../analyse/findings/findings.js';
import type { BootChange } from '../../analyse/host/boot-loader.js';
import type { Issue } from '../../model/types.js';
import type { ReportFormat } from '../format.js';
import { renderFindingsPlain, renderHostJson, renderHostText } from '../preflight.js';
import type { Renderers } from '../renderer.js';

export interface HostInput {
  findings: Finding[];
  verdict: Status;
  boot: BootChange | null;
  issues: readonly Issue[];
}

export const HOST_RENDERERS: Renderers<ReportFormat, HostInput> = {
  table: { inlineIssues: false, render: async (h, env) => ({ out: renderHostText(h.findings, h.verdict, await env.chalk(), env.width, h.boot) }) },
  json: { inlineIssues: true, render: (h, env) => ({ out: renderHostJson(h.findings, h.verdict, env.root, h.boot, h.issues) }) },
  plain: { inlineIssues: false, render: (h) => ({ out: renderFindingsPlain(h.findings) }) },
};
