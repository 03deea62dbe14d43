// The command line: commander built from the command table (commands/table.ts), and the mapping of
// errors to exit codes. The only module that touches process.* (through the Io it is given, so
// tests can run it in-process too). Commands load their code when they run: --version, --help and
// each command load only what they use.
import { Argument, Command, CommanderError, Option } from 'commander';
import { allOptions } from './cli/common-options.js';
import { Context } from './cli/context.js';
import { exitCode, exitHelp, NO_IOMMU_EXIT } from './cli/exit.js';
import { helpAfter, type CommandSpec, type OptionSpec } from './cli/spec.js';
import { COMMANDS } from './commands/table.js';
import { AppError, EXIT } from './errors.js';
import { visible } from './render/safe-text.js';
import type { Io } from './io.js';

export type { Io };

const TOP_EXAMPLES = `
Examples:
  iommu-groups list                        every group, its members and verdict
  iommu-groups list --class gpu --related  GPUs and what goes to a VM with them
  iommu-groups list --format json | jq '.groups[] | select(.verdict.kind=="isolated") | .id'
  iommu-groups buses                       isolation status per bus
  iommu-groups host                        is this machine ready for VFIO passthrough?
  iommu-groups check 01:00.0 01:00.1       can these go to a VM? ready, steps, blocked or unknown
  iommu-groups explain 08:00.0             why is its group the way it is?
  iommu-groups tree                        the PCI topology with group boundaries
  iommu-groups diff before.tar.gz          what changed since that snapshot (groups, devices, drivers)
  iommu-groups list --root ./capture       read a captured tree instead of /
${exitHelp([['ok', 'success (check: ready)'], ['failed', 'a filter matched nothing; host: an item fails; check: blocked; diff: something changed'], NO_IOMMU_EXIT, ['steps', 'check: ready after steps'], ['unknown', 'check: unknown']])}`;

/** Commander collectors: repeats add up; "comma" also splits comma lists ("--group 21 --group 14,3"). */
const collectComma = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((v) => v.trim())];
const collectEach = (value: string, previous: string[] = []) => [...previous, value];

function option(o: OptionSpec): Option {
  const opt = new Option(o.flags, o.help);
  if (o.choices) opt.choices([...o.choices]);
  if (o.default !== undefined) opt.default(o.default);
  if (o.repeat) opt.argParser(o.repeat === 'comma' ? collectComma : collectEach);
  return opt;
}

function addCommand(program: Command, spec: CommandSpec, io: Io, done: (code: number) => void): void {
  const cmd = program.command(spec.name).description(spec.description);
  for (const a of spec.args ?? []) {
    const arg = new Argument(a.name, a.help);
    if (a.choices) arg.choices([...a.choices]);
    cmd.addArgument(arg);
  }
  for (const o of allOptions(spec)) cmd.addOption(option(o));
  cmd.addHelpText('after', helpAfter(spec));
  cmd.action(async (...given: unknown[]) => {
    const args = given.slice(0, cmd.registeredArguments.length);
    const opts = cmd.opts();
    done(exitCode(await spec.run(new Context(io, opts), args, opts)));
  });
}

export async function run(io: Io): Promise<number> {
  let code: number = EXIT.OK;
  const program = new Command();
  program
    .name('iommu-groups')
    .description('Show IOMMU groups and whether devices are isolated for VFIO passthrough.')
    .version(io.version, '-V, --version')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      outputError: (s, write) => write(`iommu-groups: ${s.replace(/^error: /, '')}`),
    })
    .addHelpText('after', TOP_EXAMPLES);
  for (const spec of COMMANDS) addCommand(program, spec, io, (c) => (code = c));

  if (io.argv.length <= 2) {
    io.err(program.helpInformation());
    return EXIT.USAGE;
  }
  try {
    await program.parseAsync(io.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.OK;
      io.err(`iommu-groups: see 'iommu-groups --help'\n`);
      return EXIT.USAGE;
    }
    if (err instanceof AppError) {
      io.err(`iommu-groups: ${visible(err.message)}\n`);
      if (err.hint) io.err(`hint: ${visible(err.hint)}\n`);
      return err.exitCode;
    }
    throw err;
  }
  return code;
}
