// list's formats: one renderer each, with what the command must know of it (its traits).
import { buildFleetView } from '../../analyse/views/fleet.js';
import { bridgeIsolations } from '../../analyse/grouping/kernel-grouping.js';
import type { ListView } from '../../analyse/views/list-view.js';
import type { DiffView } from '../../analyse/diff/diff-models.js';
import type { Model } from '../../model/types.js';
import type { Format } from '../format.js';
import { renderListAddresses, renderListIds } from '../ids.js';
import { renderListJsonChunks } from '../json.js';
import { renderListLegacy } from '../legacy.js';
import { renderListPlain } from '../plain.js';
import { renderNfd, renderPrometheus } from '../prometheus.js';
import type { Renderer } from '../renderer.js';

export interface ListInput {
  model: Model;
  view: ListView;
}

interface Traits {
  /** It needs the host facts (mounts, routes, boot VGA): paste formats and whole-host reports. */
  hostFacts: boolean;
}

export type ListRenderer =
  /** A view of the groups the filters select. */
  | (Renderer<ListInput> & Traits & { scope: 'view'; wholeGroups: boolean })
  /** Text for pasting (vfio-pci.ids=, driverctl): guarded before it is printed (analyse/vfio/paste-guard.ts). */
  | (Renderer<ListInput> & Traits & { scope: 'paste'; paste: 'ids' | 'addresses' })
  /** The whole host, for monitoring: filters do not apply, and no IOMMU is a value, not an error. */
  | (Renderer<HostInput> & Traits & { scope: 'whole-host' });

/** The whole host, and what changed since a baseline reading (list --baseline), if one was given. */
export interface HostInput {
  model: Model;
  changes: DiffView | null;
}

type ViewRenderer = Extract<ListRenderer, { scope: 'view' }>;
type PasteRenderer = Extract<ListRenderer, { scope: 'paste' }>;
type HostRenderer = Extract<ListRenderer, { scope: 'whole-host' }>;
const view = (r: Partial<ViewRenderer> & Pick<ViewRenderer, 'render'>): ViewRenderer => ({ scope: 'view', hostFacts: false, wholeGroups: false, inlineIssues: false, ...r });
const paste = (kind: PasteRenderer['paste'], render: PasteRenderer['render']): PasteRenderer => ({ scope: 'paste', paste: kind, hostFacts: true, inlineIssues: false, render });
const host = (render: HostRenderer['render']): HostRenderer => ({ scope: 'whole-host', hostFacts: true, inlineIssues: false, render });

export const LIST_RENDERERS: Record<Format, ListRenderer> = {
  table: view({ inlineIssues: true, saysNoIommu: true, render: async ({ view: v }, env) => ({ out: (await import('../table.js')).renderListTable(v, await env.chalk(), env.width) }) }),
  // Written as it is made: the document is never held whole.
  json: view({ inlineIssues: true, render: ({ model, view: v }, env) => ({ out: renderListJsonChunks(v, env.root, model.units, bridgeIsolations(model)) }) }),
  plain: view({ render: ({ view: v }) => ({ out: renderListPlain(v) }) }),
  // The classic "IOMMU Group N:" shape: a group is a unit, so a filter picks groups, shown whole.
  legacy: view({ wholeGroups: true, render: ({ model, view: v }, env) => ({ out: renderListLegacy(v, env.names(), model.devices.some((d) => d.pci !== null && d.pci.domain !== 0)) }) }),
  ids: paste('ids', ({ view: v }) => ({ out: renderListIds(v) })),
  addresses: paste('addresses', ({ view: v }) => ({ out: renderListAddresses(v) })),
  prometheus: host(({ model, changes }) => ({ out: renderPrometheus(buildFleetView(model), changes) })),
  nfd: host(({ model }) => ({ out: renderNfd(buildFleetView(model)) })),
};
