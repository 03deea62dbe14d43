// A run's context: the options every command shares, parsed once (root and whether it is the live
// host, format, colour, width, pci.ids), and the tail every report shares (warnings, no IOMMU).
import type { ChalkInstance } from 'chalk';
import type { PciIds } from '../model/pci-ids.js';
import type { Model } from '../model/types.js';
import { readPciIds } from '../read/read-pci-ids.js';
import type { RenderEnv } from '../render/renderer.js';
import { visible } from '../render/safe-text.js';
import type { Io } from '../io.js';
import { chalkAt, colourLevel, type ColourWhen } from './colour.js';
import type { Result } from './exit.js';
import { resolveRoot, rootLabel } from './root.js';

/** --root, --format, --color, --pci-ids, --wide (commands that take fewer leave them unset). */
export interface CommonOptions {
  root?: string;
  format?: string;
  color?: ColourWhen;
  pciIds?: string;
  wide?: boolean;
}

export class Context {
  /** table on a terminal, plain otherwise, unless --format says. */
  readonly format: string;
  private rootDir: string | null = null;
  private ids: PciIds | null | undefined = undefined;

  constructor(
    readonly io: Io,
    private readonly opts: CommonOptions,
  ) {
    this.format = opts.format ?? (io.stdoutIsTTY ? 'table' : 'plain');
  }

  /** --root checked (a usage error if it holds no sysfs tree), or "/" on Linux; resolved on first use. */
  root(): string {
    this.rootDir ??= resolveRoot(this.opts.root, this.io);
    return this.rootDir;
  }

  /** The tree is this machine's own: /dev and /proc/self describe it. */
  live(): boolean {
    return this.root() === '/';
  }

  /** The width table output must fit: the terminal's (80 if it does not say), or null for full text (--wide, or not a terminal). */
  width(): number | null {
    if (this.opts.wide || !this.io.stdoutIsTTY) return null;
    return Math.max(40, this.io.columns ?? 80);
  }

  chalk(): Promise<ChalkInstance> {
    return chalkAt(colourLevel(this.opts.color ?? 'auto', this.io.env, this.io.stdoutIsTTY));
  }

  /** pci.ids names (--pci-ids, or where lspci looks), read once. */
  names(): PciIds | null {
    if (this.ids === undefined) this.ids = readPciIds(this.opts.pciIds);
    return this.ids;
  }

  /** What renderers may ask of the run. */
  env(): RenderEnv {
    return { root: rootLabel(this.opts.root, this.root()), width: this.width(), chalk: () => this.chalk(), names: () => this.names() };
  }

  out(s: string): void {
    this.io.out(s);
  }

  /** One line on stderr, its data made visible (no terminal escapes from sysfs). */
  say(s: string): void {
    this.io.err(`iommu-groups: ${visible(s)}\n`);
  }

  /** Issues met while reading, on stderr unless the output showed them itself. */
  warnIssues(model: Model, shownInline: boolean): void {
    if (shownInline) return;
    for (const i of model.issues) this.io.err(`iommu-groups: warning: ${i.code} ${visible(i.subject)}: ${visible(i.message)}\n`);
  }

  /** No active IOMMU: exit 3, with the evidence on stderr unless the output opened with it. */
  iommuTail(iommu: { active: boolean; evidence: string[] }, saidInline: boolean): Result {
    if (iommu.active) return 'ok';
    if (!saidInline) this.io.err(`iommu-groups: no active IOMMU: ${iommu.evidence.map(visible).join('; ')}\n`);
    return 'no-iommu';
  }
}
