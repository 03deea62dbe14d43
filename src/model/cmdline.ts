// The kernel command line, split once and the way the kernel splits it (lib/cmdline.c next_arg,
// kernel/params.c parse_args): words end at unquoted white space, double quotes group (and are not
// part of the value), a parameter's name ends at its first '=', '-' and '_' in names are the same,
// and what follows a bare "--" goes to init, not the kernel.

export interface CmdlineParam {
  /** The word as written on the command line (quotes kept). */
  raw: string;
  name: string;
  /** null for a bare flag ("quiet"); "" for "name=". */
  value: string | null;
}

/** One word as the kernel splits it, with its name and value. */
function nextParam(text: string, start: number): { param: CmdlineParam; end: number } {
  let i = start;
  let inQuote = false;
  let quoted = false;
  if (text[i] === '"') {
    i++;
    inQuote = quoted = true;
  }
  const from = i;
  let equals = -1;
  for (; i < text.length; i++) {
    if (isSpace(text[i]) && !inQuote) break;
    if (equals === -1 && text[i] === '=') equals = i;
    if (text[i] === '"') inQuote = !inQuote;
  }
  let name = text.slice(from, equals === -1 ? i : equals);
  let value: string | null = null;
  if (equals !== -1) {
    value = text.slice(equals + 1, i);
    if (value.startsWith('"')) value = value.length > 1 && value.endsWith('"') ? value.slice(1, -1) : value.slice(1);
    else if (quoted && value.endsWith('"')) value = value.slice(0, -1);
  } else if (quoted && name.endsWith('"')) name = name.slice(0, -1);
  return { param: { raw: text.slice(start, i), name, value }, end: i };
}

const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);

/** Every word of a command line, "--" and what follows it included (for editing a line as written). */
export function cmdlineWords(text: string): CmdlineParam[] {
  const out: CmdlineParam[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && isSpace(text[i])) i++;
    if (i >= text.length) return out;
    const next = nextParam(text, i);
    out.push(next.param);
    i = next.end;
  }
}

let memo: { text: string; params: CmdlineParam[] } | null = null;

/** The kernel's parameters, in order, up to a bare "--". */
export function parseCmdline(text: string): CmdlineParam[] {
  if (memo !== null && memo.text === text) return memo.params;
  const words = cmdlineWords(text);
  const end = words.findIndex((w) => w.value === null && w.name === '--');
  const params = end === -1 ? words : words.slice(0, end);
  memo = { text, params };
  return params;
}

/** Parameter names compare with '-' and '_' the same (kernel/params.c parameq). */
export function sameParam(a: string, b: string): boolean {
  return a.replace(/_/g, '-') === b.replace(/_/g, '-');
}

/** Every value a kernel parameter has on the command line, in order ("" for a bare flag). */
export function cmdlineValues(cmdline: string | null, key: string): string[] {
  if (cmdline === null) return [];
  return parseCmdline(cmdline)
    .filter((p) => sameParam(p.name, key))
    .map((p) => p.value ?? '');
}

/** The value of a kernel parameter on the command line (last one wins), or null. */
export function cmdlineParam(cmdline: string | null, key: string): string | null {
  return cmdlineValues(cmdline, key).at(-1) ?? null;
}

/** A comma-separated parameter value as its options: "pt,on" -> ["pt", "on"]; null -> []. */
export function optionList(v: string | null): string[] {
  return v === null ? [] : v.split(',');
}

/** Kernel and module boolean parameters: 1, y, Y, on, true. */
export function truthy(v: string | null | undefined): boolean {
  return v !== null && v !== undefined && /^(1|y|yes|on|true)$/i.test(v);
}
