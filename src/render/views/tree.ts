// tree's formats.
import type { TreeView } from '../../analyse/views/tree-view.js';
import { chalkAt } from '../../cli/colour.js';
import type { TreeFormat } from '../format.js';
import type { Renderers } from '../renderer.js';
import { renderTreeDot, renderTreeText } from '../tree.js';
import { safeJson } from '../safe-text.js';
import { treeDocument } from '../tree-json.js';

export const TREE_RENDERERS: Renderers<TreeFormat, TreeView> = {
  table: { inlineIssues: false, saysNoIommu: false, render: async (v, env) => ({ out: renderTreeText(v, env.names(), await env.chalk(), env.width) }) },
  // The same text, never coloured and never cut.
  plain: { inlineIssues: false, saysNoIommu: false, render: async (v, env) => ({ out: renderTreeText(v, env.names(), await chalkAt(0), null) }) },
  json: { inlineIssues: false, saysNoIommu: false, render: (v, env) => ({ out: safeJson(treeDocument(v, env.root, env.names())) + '\n' }) },
  dot: { inlineIssues: false, saysNoIommu: false, render: (v, env) => ({ out: renderTreeDot(v, env.names()) }) },
};
