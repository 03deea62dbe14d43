// A command as data: its arguments, options, formats, help, examples and exit codes, and how it
// runs. cli.ts builds the parser from these; --help and completion read the same table.
import type { Context } from './context.js';
import { exitHelp, type ExitRow, type Result } from './exit.js';

export interface OptionSpec {
  /** As commander takes it: "--group <n>", "--strict". */
  flags: string;
  help: string;
  /** Values the parser accepts (and completion offers). */
  choices?: readonly string[];
  default?: string;
  /** Repeatable: "comma" adds up repeats and comma lists (--group 1,2 --group 3); "each" adds up repeats only. */
  repeat?: 'comma' | 'each';
  /** Values completion offers that the parser does not enforce (--class: its own error says more). */
  complete?: readonly string[];
}

export interface ArgSpec {
  /** "[target...]", "<out>". */
  name: string;
  help: string;
  choices?: readonly string[];
}

export interface CommandSpec {
  name: string;
  description: string;
  args?: readonly ArgSpec[];
  options: readonly OptionSpec[];
  /** The formats --format offers, with --root, --color, --pci-ids and --wide; null: the command's options are all its own. */
  formats: readonly string[] | null;
  /** Help text between the options and the examples. */
  about?: string;
  /** Example lines, as printed (without their two-space indent). */
  examples: readonly string[];
  /** Its exit codes (2 and 70 are added); null: none listed. */
  exits: readonly ExitRow[] | null;
  /** Its own wording of exit 2 (usage or environment error), where the common one says too little. */
  usageExit?: string;
  /** Completion of its arguments: PCI addresses, or paths. */
  complete?: 'addresses' | 'paths';
  /** Runs it: positional arguments in order, options by their camel-cased names. */
  run(ctx: Context, args: readonly unknown[], opts: Record<string, unknown>): Promise<Result>;
}

/** The --help text after the options: about, examples, exit codes. */
export function helpAfter(spec: Pick<CommandSpec, 'about' | 'examples' | 'exits' | 'usageExit'>): string {
  const about = spec.about === undefined ? '' : `${spec.about}\n\n`;
  const examples = `Examples:\n${spec.examples.map((l) => `  ${l}`).join('\n')}`;
  return `\n${about}${examples}${spec.exits === null ? '' : `\n${exitHelp(spec.exits, spec.usageExit)}`}`;
}
