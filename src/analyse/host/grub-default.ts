// /etc/default/grub is a shell file that grub-mkconfig sources: a line is edited as the shell reads
// it, never as text. An assignment `[export ]NAME=WORD [# comment]` is parsed into its value (single
// quotes, double quotes with their backslash escapes, unquoted runs) and rewritten in the user's own
// quoting, keeping `export` and the comment. A value the shell expands ($VAR, `cmd`, $(cmd)) or a
// line this parser does not fully account for is not rewritten: the step says what to change by hand.

export interface Assignment {
  /** Everything before NAME ("", "export ", leading blanks). */
  prefix: string;
  name: string;
  /** The value as the shell reads it; null when it holds an expansion this tool will not evaluate. */
  value: string | null;
  /** How the value was quoted: a single pair of ' or ", or none. */
  quote: "'" | '"' | '';
  /** What follows the word: blanks and a `# comment`, kept as they are. */
  rest: string;
}

/** Parse one line as `[export ]NAME=WORD [# comment]`; null when it is not such a line (or is malformed). */
export function parseAssignment(line: string, name: string): Assignment | null {
  const m = new RegExp(`^(\\s*(?:export\\s+)?)${name}=`).exec(line);
  if (!m) return null;
  let i = m[0].length;
  let value = '';
  let expands = false;
  const quotes = new Set<string>();
  let parts = 0;
  while (i < line.length && !/\s/.test(line[i]!)) {
    const c = line[i]!;
    parts++;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return null; // unterminated: the shell would read the next line too
      value += line.slice(i + 1, end);
      quotes.add("'");
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        const d = line[j]!;
        if (d === '\\' && j + 1 < line.length && '$`"\\\n'.includes(line[j + 1]!)) {
          value += line[++j];
          continue;
        }
        if (d === '$' || d === '`') expands = true;
        value += d;
      }
      if (j >= line.length) return null;
      quotes.add('"');
      i = j + 1;
    } else {
      // An unquoted run: stops at a quote or a blank; the shell's special characters end parsing.
      let j = i;
      for (; j < line.length && !/[\s'"]/.test(line[j]!); j++) {
        const d = line[j]!;
        if (d === '\\') {
          if (j + 1 >= line.length) return null;
          value += line[++j];
          continue;
        }
        if (d === '$' || d === '`') expands = true;
        if (';&|<>()'.includes(d)) return null;
        value += d;
      }
      quotes.add('');
      i = j;
    }
  }
  const rest = line.slice(i);
  if (!/^\s*(#.*)?$/.test(rest)) return null; // a second word, a command after it: not a plain assignment
  const quote = parts === 1 && quotes.size === 1 ? ([...quotes][0] as Assignment['quote']) : '"';
  return { prefix: m[1]!, name, value: expands ? null : value, quote, rest };
}

/** The assignment with a new value, in its own quoting (single quotes kept where the value allows). */
export function renderAssignment(a: Assignment, value: string): string {
  const q = a.quote === "'" && !value.includes("'") ? "'" : '"';
  const body = q === '"' ? value.replace(/[\\"$`]/g, (c) => `\\${c}`) : value;
  return `${a.prefix}${a.name}=${q}${body}${q}${a.rest}`;
}
