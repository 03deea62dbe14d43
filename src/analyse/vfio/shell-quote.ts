// Quoting for the commands `check` prints: a word from sysfs must stay one word and never run.

/**
 * Quote a word for a POSIX shell so that nothing in it is interpreted: 'it'\''s'.
 * Plain words made only of safe characters stay bare, for readability.
 */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
