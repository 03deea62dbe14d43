// The library: `import { list, check, host, explain, tree, diff, pin } from 'iommu-groups'`. Each
// returns the document the command prints with --format json (same options, same builders: the
// CLI runs these functions too), prints nothing, and throws typed errors (UsageError for a bad
// option, target or root; AppError for the rest). Read-only, like the CLI.
import { bridgeIsolations } from './analyse/grouping/kernel-grouping.js';
import { openRoot } from './cli/root.js';
import { checkInput } from './commands/check/run.js';
import { diffInput } from './commands/diff/run.js';
import { explainInput } from './commands/explain/run.js';
import { hostInput } from './commands/host/run.js';
import { listInput } from './commands/list/run.js';
import type { ListOptions } from './commands/list/filter.js';
import type { CommonOptions } from './cli/context.js';
import { pinDocument } from './commands/pin/run.js';
import { treeInput } from './commands/tree/run.js';
import { readModel } from './read/read-model.js';
import { readPciIds } from './read/read-pci-ids.js';
import { listDocument } from './render/json.js';
import { checkDocument, explainDocument, hostDocument } from './render/preflight.js';
import { treeDocument } from './render/tree-json.js';
import { diffDocument } from './render/views/diff.js';

export { AppError, UsageError, EXIT } from './errors.js';
export type { DiffChange, DiffKind } from './analyse/diff/diff-models.js';
export type { Pin, PinFile } from './analyse/diff/pins.js';

/** Where to read: a directory holding sys/ (a snapshot or capture), a .tar.gz snapshot, or "/" (the default, this host). */
export interface RootOption {
  root?: string;
}

/** pci.ids for names (default: where lspci looks; none found: names are null). */
export interface NamesOption {
  pciIds?: string;
}

/** list's filters as the CLI takes them (list --help), groups as numbers or strings. */
export interface ListApiOptions extends RootOption, NamesOption, Omit<ListOptions, keyof CommonOptions | 'group' | 'baseline'> {
  group?: (number | string)[];
}

export interface CheckApiOptions extends RootOption, NamesOption {
  /** Check group N as a whole. */
  group?: number | string;
  /** Warnings block too. */
  strict?: boolean;
  /** A pin file (iommu-groups pin): its pins are the targets. */
  expect?: string;
}

export interface ExplainApiOptions extends RootOption {
  group?: number | string;
  /** Kernel parameters to assume (what-if), e.g. ["pcie_acs_override=downstream"]. */
  assume?: string[];
}

export interface TreeApiOptions extends RootOption, NamesOption {
  group?: (number | string)[];
  device?: string[];
  predict?: boolean;
}

/** The directory to read, and the name documents give it (a .tar.gz is named as given). */
function rootOf(given: string | undefined): { dir: string; label: string } {
  return openRoot(given, { platform: process.platform }, 'root');
}

const strings = (xs: readonly (number | string)[] | undefined) => xs?.map(String);

export type ListDocument = ReturnType<typeof listDocument>;
export type CheckDocument = ReturnType<typeof checkDocument>;
export type HostDocument = ReturnType<typeof hostDocument>;
export type ExplainDocument = ReturnType<typeof explainDocument>;
export type TreeDocument = ReturnType<typeof treeDocument>;
export type DiffDocument = ReturnType<typeof diffDocument>;

/** Every group with its members and verdict: `iommu-groups list --format json`. */
export async function list(opts: ListApiOptions = {}): Promise<ListDocument> {
  const { dir, label } = rootOf(opts.root);
  const { model, view } = listInput(dir, { ...opts, group: strings(opts.group) }, readPciIds(opts.pciIds), { hostFacts: false, wholeGroups: false });
  return listDocument(view, label, model.units, bridgeIsolations(model));
}

/** Can these targets go to a VM: `iommu-groups check TARGET... --format json`. */
export async function check(targets: readonly string[], opts: CheckApiOptions = {}): Promise<CheckDocument> {
  const { dir, label } = rootOf(opts.root);
  const c = checkInput(dir, targets, { strict: opts.strict, expect: opts.expect, group: opts.group === undefined ? undefined : String(opts.group) }, readPciIds(opts.pciIds));
  return checkDocument(c.report, c.plan(), label, c.model.issues, c.whenOn());
}

/** Is this machine ready for VFIO passthrough: `iommu-groups host --format json`. */
export async function host(opts: RootOption = {}): Promise<HostDocument> {
  const { dir, label } = rootOf(opts.root);
  const h = hostInput(dir);
  return hostDocument(h.findings, h.verdict, label, h.boot, h.model.issues);
}

/** Why each target's group is the way it is: `iommu-groups explain TARGET... --format json`. */
export async function explain(targets: readonly string[], opts: ExplainApiOptions = {}): Promise<ExplainDocument> {
  const { dir, label } = rootOf(opts.root);
  const x = explainInput(dir, targets, { group: opts.group === undefined ? undefined : String(opts.group), assume: opts.assume });
  return explainDocument(x.explanations, label, x.assume, x.model.issues);
}

/** The PCI hierarchy with group boundaries: `iommu-groups tree --format json`. */
export async function tree(opts: TreeApiOptions = {}): Promise<TreeDocument> {
  const { dir, label } = rootOf(opts.root);
  const t = treeInput(dir, { group: strings(opts.group), device: opts.device, predict: opts.predict });
  return treeDocument(t.view, label, readPciIds(opts.pciIds));
}

/** What changed from A to B (B: this host by default): `iommu-groups diff A [B] --format json`. */
export async function diff(a: string, b?: string): Promise<DiffDocument> {
  return diffDocument(diffInput(a, b, { platform: process.platform }));
}

/** The targets' identities and groups, for check's `expect`: `iommu-groups pin TARGET...`. */
export async function pin(targets: readonly string[], opts: RootOption = {}) {
  const { dir, label } = rootOf(opts.root);
  return pinDocument(readModel(dir), targets, label);
}
