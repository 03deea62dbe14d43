// Fitting text to a terminal's width: cutting a cell with an ellipsis, wrapping prose at word
// boundaries with a hanging indent, wrapping a shell command with " \" continuations (so it still
// pastes as one command), and choosing table column widths. Widths count characters of text
// without colour codes (the callers colour after fitting, or measure with `plainLength`).

const ANSI = /\u001b\[[0-9;]*m/g;

export function plainLength(s: string): number {
  return s.replace(ANSI, '').length;
}

/** The text without colour codes. */
export function plainText(s: string): string {
  return s.replace(ANSI, '');
}

/** "Red Hat, Inc. QEMU PCIe Root port" cut to 20 -> "Red Hat, Inc. QEMU …". */
export function cut(s: string, width: number): string {
  if (s.length <= width) return s;
  return width <= 1 ? '…'.slice(0, width) : s.slice(0, width - 1) + '…';
}

/**
 * Cut a name but keep its id: "Intel Corporation 82574L Gigabit Network Connection [8086:10d3]
 * (rev 01)" -> "Intel Corpo… [8086:10d3]"; the revision goes first, the bracketed id last.
 */
export function cutName(s: string, width: number): string {
  if (s.length <= width) return s;
  const noRev = s.replace(/ \(rev [0-9a-f?-]+\)$/, '');
  if (noRev.length <= width) return noRev;
  const m = / (\[[^\]]*\])$/.exec(noRev);
  if (!m || m[1]!.length > width) return cut(noRev, width);
  if (m[1]!.length + 3 > width) return m[1]!; // room for the id alone: the part worth keeping
  const head = noRev.slice(0, m.index);
  return `${cut(head, width - m[1]!.length - 1)} ${m[1]}`;
}

/**
 * Words of `text` in lines of at most `width` characters: the first line after `first` (already
 * counted in `firstUsed`), the others after `hang` spaces. A word longer than a line is split.
 */
export function wrapWords(text: string, width: number, firstUsed: number, hang: number): string[] {
  const lines: string[] = [];
  let line = '';
  let room = Math.max(10, width - firstUsed);
  const push = () => {
    lines.push(line);
    line = '';
    room = Math.max(10, width - hang);
  };
  for (let word of text.split(' ')) {
    while (word.length > room) {
      if (line !== '') push();
      lines.push(word.slice(0, room));
      word = word.slice(room);
      room = Math.max(10, width - hang);
    }
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= room) line += ' ' + word;
    else {
      push();
      line = word;
    }
  }
  lines.push(line);
  return lines.map((l, i) => (i === 0 ? l : ' '.repeat(hang) + l));
}

/**
 * A shell command over several lines ending in " \": the shell joins them back, so what is pasted
 * is the same command. Breaks only at spaces that separate words (quoted words stay whole).
 */
export function wrapCommand(line: string, width: number, indent: number): string[] {
  if (indent + line.length <= width) return [' '.repeat(indent) + line];
  const words = splitShellWords(line);
  const out: string[] = [];
  let cur = '';
  for (const w of words) {
    const next = cur === '' ? w : `${cur} ${w}`;
    const pad = out.length === 0 ? indent : indent + 4;
    if (cur !== '' && pad + next.length + 2 > width) {
      out.push(' '.repeat(pad) + cur + ' \\');
      cur = w;
    } else cur = next;
  }
  out.push(' '.repeat(out.length === 0 ? indent : indent + 4) + cur);
  return out;
}

/**
 * Split at blanks the shell would split at: outside single quotes, double quotes and backslash
 * escapes (shellQuote writes a quote inside a word as '\'', an escaped quote outside the quotes).
 */
export function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let state: 'none' | 'single' | 'double' = 'none';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (state === 'none' && ch === ' ') {
      if (cur !== '') words.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
    if (state === 'single') {
      if (ch === "'") state = 'none';
    } else if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i]; // the escaped character, whatever it is
    } else if (state === 'double') {
      if (ch === '"') state = 'none';
    } else if (ch === "'") state = 'single';
    else if (ch === '"') state = 'double';
  }
  if (cur !== '') words.push(cur);
  return words;
}

/**
 * Column widths (content only) so that a table of `natural` widths fits `width` columns with
 * cli-table3's borders and one space of padding on each side. Columns in `shrink` give up width,
 * the first listed first, down to `min` each. Null when even that does not fit.
 */
export function fitColumns(natural: readonly number[], width: number, shrink: readonly number[], min = 10): number[] | null {
  const cols = [...natural];
  const total = () => cols.reduce((a, b) => a + b + 2, 0) + cols.length + 1;
  // Water-fill: take one column at a time from the widest shrinkable column (ties: the first
  // listed), so long names share the loss instead of one of them vanishing.
  let over = total() - width;
  while (over > 0) {
    let pick = -1;
    for (const i of shrink) if (cols[i]! > Math.min(min, natural[i]!) && (pick === -1 || cols[i]! > cols[pick]!)) pick = i;
    if (pick === -1) return null;
    cols[pick]!--;
    over--;
  }
  return cols;
}

/**
 * Column widths that fit `width`, giving up width in a fixed order: each step takes its column down
 * to its minimum before the next is touched (what matters least goes first). Null when the minimums
 * do not fit.
 */
export function fitInOrder(natural: readonly number[], width: number, steps: readonly (readonly [number, number])[]): number[] | null {
  const cols = [...natural];
  const total = () => cols.reduce((a, b) => a + b + 2, 0) + cols.length + 1;
  for (const [i, min] of steps) {
    const over = total() - width;
    if (over <= 0) return cols;
    cols[i] = Math.max(Math.min(min, natural[i]!), cols[i]! - over);
  }
  return total() <= width ? cols : null;
}
