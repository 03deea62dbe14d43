// What every renderer is given, and what a view's renderer map says about each format, so that
// commands look formats up instead of comparing their names.
import type { ChalkInstance } from 'chalk';
import type { PciIds } from '../model/pci-ids.js';

export interface RenderEnv {
  /** The root the tree was read from, as JSON documents name it. */
  root: string;
  /** Columns table output must fit, or null for full text. */
  width: number | null;
  chalk(): Promise<ChalkInstance>;
  /** pci.ids names, or null when none could be found. */
  names(): PciIds | null;
}

/** What a renderer gives: stdout (in pieces, for documents too large to hold whole) and stderr lines. */
export interface Rendered {
  out: string | Iterable<string>;
  /** Lines for stderr that would break a one-record-per-line stdout (check's plain). */
  err?: string[];
}

export interface Renderer<V> {
  render(view: V, env: RenderEnv): Rendered | Promise<Rendered>;
  /** It shows the issues met while reading itself (else they go to stderr). */
  inlineIssues: boolean;
  /** Where the view ends with the no-IOMMU tail: it opens with the sentence itself (else the evidence goes to stderr). */
  saysNoIommu?: boolean;
}

/** One renderer per format of a view. */
export type Renderers<F extends string, V> = Record<F, Renderer<V>>;

/** Write a rendering: stdout in writes of about 64 KiB, then its stderr lines. */
export function write(r: Rendered, out: (s: string) => void, err: (s: string) => void): void {
  if (typeof r.out === 'string') out(r.out);
  else {
    let pending = '';
    for (const piece of r.out) {
      pending += piece;
      if (pending.length >= 65536) {
        out(pending);
        pending = '';
      }
    }
    out(pending);
  }
  for (const line of r.err ?? []) err(line);
}
