// Text from sysfs, pci.ids or a snapshot is data: it must never reach a terminal, a TSV field
// or a printed command as control characters. Every renderer passes such text through here.

// C0 controls, DEL, C1 controls (0x9b is a one-byte CSI), line/paragraph separators and the
// bidirectional overrides that can make text display in another order than it is.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Escape unsafe characters visibly: ESC -> "\x1b", U+202E -> "\u202e". */
export function visible(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

// What JSON.stringify leaves raw inside strings (it escapes C0 itself; the layout's own
// newlines must stay).
const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * The one JSON writer: DEL, C1 and bidi characters escaped too (still valid, equal JSON).
 * `indent` 0 gives one line (JSON lines, for watch).
 */
export function safeJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * safeJson of an object in pieces, with the array under `streamKey` taken from `items` one
 * element a piece (each built only when its piece is written): the same text once joined,
 * without holding all of it (list --format json at 4,096 functions is ~8 MiB).
 */
export function* safeJsonChunks(value: Record<string, unknown>, streamKey: string, items: Iterable<unknown>): Generator<string> {
  const at = (s: string, pad: string) => s.replace(/\n/g, `\n${pad}`);
  const keys = Object.keys(value).filter((k) => value[k] !== undefined);
  yield '{\n';
  for (const [i, k] of keys.entries()) {
    const end = i === keys.length - 1 ? '\n' : ',\n';
    if (k !== streamKey) {
      yield `  ${safeJson(k)}: ${at(safeJson(value[k]), '  ')}${end}`;
      continue;
    }
    // One element behind, so that the last one is written without its comma.
    let prev: { el: unknown } | null = null;
    for (const el of items) {
      yield prev === null ? `  ${safeJson(k)}: [\n` : `    ${at(safeJson(prev.el), '    ')},\n`;
      prev = { el };
    }
    yield prev === null ? `  ${safeJson(k)}: []${end}` : `    ${at(safeJson(prev.el), '    ')}\n  ]${end}`;
  }
  yield '}';
}

/** A TSV field: escaped, never empty (an absent value is "-"). */
export function field(s: string | null | undefined, unreadable = false): string {
  if (unreadable) return '?';
  if (s === null || s === undefined || s === '') return '-';
  return visible(s);
}

export { shellQuote } from '../analyse/vfio/shell-quote.js';
