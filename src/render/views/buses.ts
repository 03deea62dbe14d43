// buses' formats.
import type { BusesView } from '../../analyse/views/buses-view.js';
import type { IommuUnit } from '../../model/types.js';
import type { ReportFormat } from '../format.js';
import { renderBusesJson } from '../json.js';
import { renderBusesPlain } from '../plain.js';
import type { Renderers } from '../renderer.js';

export interface BusesInput {
  view: BusesView;
  units: readonly IommuUnit[];
}

export const BUSES_RENDERERS: Renderers<ReportFormat, BusesInput> = {
  table: { inlineIssues: true, saysNoIommu: true, render: async ({ view }, env) => ({ out: (await import('../table.js')).renderBusesTable(view, await env.chalk(), env.width) }) },
  json: { inlineIssues: true, saysNoIommu: false, render: ({ view, units }, env) => ({ out: renderBusesJson(view, env.root, units) }) },
  plain: { inlineIssues: false, saysNoIommu: false, render: ({ view }) => ({ out: renderBusesPlain(view) }) },
};
