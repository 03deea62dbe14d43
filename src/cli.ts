// The command line: options, colour decision, output and exit codes. The only module that
// touches process.* (through the Io it is given, so tests can run it in-process too).
import { Command, CommanderError, Option } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildBusesView } from './analyse/buses-view.js';
import { buildListView, type ListFilter } from './analyse/list-view.js';
import { AppError, EXIT, UsageError } from './errors.js';
import { parseUserAddress } from './model/pci-address.js';
import { CLASS_FILTERS, isClassFilterName } from './model/pci-class.js';
import type { Model } from './model/types.js';
import { readModel } from './read/read-model.js';
import { readPciIds } from './read/read-pci-ids.js';
import { FORMATS, type Format } from './render/format.js';
import { renderBusesJson, renderListJson } from './render/json.js';
import { renderListLegacy } from './render/legacy.js';
import { renderBusesPlain, renderListPlain } from './render/plain.js';
import { visible } from './render/safe-text.js';

export interface Io {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdoutIsTTY: boolean;
  platform: NodeJS.Platform;
  out(s: string): void;
  err(s: string): void;
  version: string;
}

interface CommonOptions {
  root?: string;
  format?: Format;
  color: 'auto' | 'always' | 'never';
  pciIds?: string;
}

interface ListOptions extends CommonOptions {
  group?: string;
  device?: string;
  class?: string;
  vendor?: string;
  driver?: string;
  related?: boolean;
}

interface BusesOptions extends CommonOptions {
  bus?: string;
}

const CLASS_HELP = Object.entries(CLASS_FILTERS)
  .map(([k, v]) => `  ${k.padEnd(12)}${v.text}`)
  .join('\n');

const EXIT_HELP = `
Exit codes:
  0   success
  1   a filter (--device, --group, --class, --vendor, --driver) matched nothing
  2   usage or environment error (bad option or address, --root without sys/, ...)
  3   no active IOMMU on this host (list and buses still print what they can)
  70  internal error (a bug: please report it with the stack trace)`;

function addCommon(cmd: Command): Command {
  return cmd
    .option('--root <dir>', 'read the sysfs tree under DIR (a snapshot or capture) instead of /')
    .addOption(new Option('--format <format>', 'output format (default: table on a terminal, plain otherwise)').choices(FORMATS))
    .addOption(new Option('--color <when>', 'colour in table output').choices(['auto', 'always', 'never']).default('auto'))
    .option('--pci-ids <file>', 'pci.ids database for names (default: where lspci looks)');
}

export async function run(io: Io): Promise<number> {
  let exitCode: number = EXIT.OK;
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
    .addHelpText('after', `
Examples:
  iommu-groups list                        every group, its members and verdict
  iommu-groups list --class gpu --related  GPUs and what goes to a VM with them
  iommu-groups list --format json | jq '.groups[] | select(.verdict.kind=="isolated") | .id'
  iommu-groups buses                       isolation status per bus
  iommu-groups list --root ./capture       read a captured tree instead of /
${EXIT_HELP}`);

  addCommon(
    program
      .command('list')
      .description('List IOMMU groups with their members and an isolation verdict per group.')
      .option('--group <n>', 'only group N')
      .option('--device <addr>', 'only the device at ADDR (0000:01:00.0 or 01:00.0)')
      .option('--class <name>', 'only devices of a class (see below)')
      .option('--vendor <id>', 'only devices with vendor id VVVV or VVVV:DDDD (hex)')
      .option('--driver <name>', 'only devices bound to driver NAME')
      .option('--related', 'with a filter: also show the rest of each match\'s group and its slot\'s other functions'),
  )
    .addHelpText('after', `
Classes (by PCI class code):
${CLASS_HELP}

Formats:
  table   for people (default on a terminal)
  json    versioned document, see README "JSON schema"
  plain   one tab-separated record per member, no header, see README "Plain output"
  legacy  the classic "IOMMU Group N:" shell loop output, byte for byte

Examples:
  iommu-groups list
  iommu-groups list --device 01:00.0
  iommu-groups list --class gpu --related
  iommu-groups list --vendor 10de --format plain | cut -f1,5
  iommu-groups list --format legacy
${EXIT_HELP}`)
    .action(async (opts: ListOptions) => {
      exitCode = await runList(opts, io);
    });

  addCommon(
    program
      .command('buses')
      .description('Isolation status per bus: devices alone in a group, sharing one, or with none.')
      .option('--bus <name>', 'list the devices of one bus'),
  )
    .addHelpText('after', `
Examples:
  iommu-groups buses
  iommu-groups buses --bus pci
  iommu-groups buses --format json
${EXIT_HELP}`)
    .action(async (opts: BusesOptions) => {
      exitCode = await runBuses(opts, io);
    });

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
  return exitCode;
}

/** Resolve and check --root; refuse to guess on a platform with no /sys. */
function resolveRoot(opts: CommonOptions, io: Io): string {
  if (opts.root === undefined) {
    if (io.platform !== 'linux') {
      throw new UsageError(`IOMMU groups are a Linux sysfs feature; this is ${io.platform}`, 'read a captured Linux tree with --root DIR');
    }
    return '/';
  }
  const root = path.resolve(opts.root);
  let st: fs.Stats;
  try {
    st = fs.statSync(root);
  } catch (err) {
    throw new UsageError(`--root ${opts.root}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (err as NodeJS.ErrnoException).code}`, 'give the directory that holds sys/ (a host root or an extracted capture)');
  }
  if (!st.isDirectory()) throw new UsageError(`--root ${opts.root}: not a directory`, 'give the directory that holds sys/');
  try {
    if (!fs.statSync(path.join(root, 'sys')).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new UsageError(`--root ${opts.root} has no sys/ directory`, 'give the directory that holds sys/ (for a capture: where its tarball was extracted)');
  }
  return root;
}

function chooseFormat(opts: CommonOptions, io: Io): Format {
  return opts.format ?? (io.stdoutIsTTY ? 'table' : 'plain');
}

/** Colour level, decided once: --color, then NO_COLOR, FORCE_COLOR, TERM=dumb, a terminal. */
export function colourLevel(when: CommonOptions['color'], env: NodeJS.ProcessEnv, isTTY: boolean): 0 | 1 {
  if (when === 'never') return 0;
  if (when === 'always') return 1;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return 0;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force === '0' || force === 'false' ? 0 : 1;
  if (env['TERM'] === 'dumb') return 0;
  return isTTY ? 1 : 0;
}

function parseFilter(opts: ListOptions): ListFilter {
  const f: ListFilter = {};
  if (opts.group !== undefined) {
    if (!/^[0-9]{1,9}$/.test(opts.group)) throw new UsageError(`--group ${opts.group}: not a group number`, 'a decimal group id, e.g. --group 13');
    f.group = Number(opts.group);
  }
  if (opts.device !== undefined) {
    const r = parseUserAddress(opts.device);
    if (!r.ok) throw new UsageError(`--device ${opts.device}: ${r.reason}`);
    f.device = r.address;
  }
  if (opts.class !== undefined) {
    if (!isClassFilterName(opts.class)) {
      throw new UsageError(`--class ${opts.class}: unknown class`, `one of ${Object.keys(CLASS_FILTERS).join(', ')}`);
    }
    f.class = opts.class;
  }
  if (opts.vendor !== undefined) {
    const m = /^([0-9a-fA-F]{1,4})(?::([0-9a-fA-F]{1,4}))?$/.exec(opts.vendor);
    if (!m) throw new UsageError(`--vendor ${opts.vendor}: expected VVVV or VVVV:DDDD in hex`, 'e.g. --vendor 10de or --vendor 8086:10d3');
    f.vendor = m[2] === undefined ? { vendor: parseInt(m[1]!, 16) } : { vendor: parseInt(m[1]!, 16), device: parseInt(m[2], 16) };
  }
  if (opts.driver !== undefined) {
    if (opts.driver === '') throw new UsageError('--driver needs a driver name', 'e.g. --driver vfio-pci');
    f.driver = opts.driver;
  }
  if (opts.related) f.related = true;
  return f;
}

function reportIssues(model: Model, format: Format, io: Io): void {
  if (format === 'json' || format === 'table' || model.issues.length === 0) return;
  for (const i of model.issues) io.err(`iommu-groups: warning: ${i.code} ${visible(i.subject)}: ${visible(i.message)}\n`);
}

async function chalkFor(opts: CommonOptions, io: Io) {
  const { Chalk } = await import('chalk');
  return new Chalk({ level: colourLevel(opts.color, io.env, io.stdoutIsTTY) });
}

/** What list and buses do after printing: warnings on stderr, and exit 3 without an IOMMU. */
function finish(model: Model, iommu: { active: boolean; evidence: string[] }, format: Format, io: Io): number {
  reportIssues(model, format, io);
  if (iommu.active) return EXIT.OK;
  // table output already opens with the sentence; the machine formats keep stdout clean
  if (format !== 'table') io.err(`iommu-groups: no active IOMMU: ${iommu.evidence.join('; ')}\n`);
  return EXIT.NO_IOMMU;
}

async function runList(opts: ListOptions, io: Io): Promise<number> {
  const filter = parseFilter(opts);
  const format = chooseFormat(opts, io);
  const root = resolveRoot(opts, io);
  const ids = readPciIds(opts.pciIds);
  const model = readModel(root);
  const view = buildListView(model, filter, ids);

  if (format === 'json') io.out(renderListJson(view, root, model.units));
  else if (format === 'plain') io.out(renderListPlain(view));
  else if (format === 'legacy') {
    const showDomains = model.devices.some((d) => d.pci !== null && d.pci.domain !== 0);
    io.out(renderListLegacy(view, ids, showDomains));
  } else {
    const { renderListTable } = await import('./render/table.js');
    io.out(renderListTable(view, await chalkFor(opts, io)));
  }
  const code = finish(model, view.iommu, format, io);
  if (code !== EXIT.OK) return code;
  if (view.filtered && view.groups.length === 0 && view.ungrouped.length === 0) {
    io.err('iommu-groups: no device matches the filters\n');
    return EXIT.NO_MATCH;
  }
  return EXIT.OK;
}

async function runBuses(opts: BusesOptions, io: Io): Promise<number> {
  const format = chooseFormat(opts, io);
  if (format === 'legacy') throw new UsageError('--format legacy is for list only', 'use table, json or plain');
  const root = resolveRoot(opts, io);
  const model = readModel(root);
  const selected = opts.bus ?? null;
  const view = buildBusesView(model, selected);
  if (selected !== null && !view.buses.some((b) => b.bus === selected)) {
    throw new UsageError(`--bus ${selected}: no such bus with devices`, `buses with devices: ${view.buses.map((b) => b.bus).join(', ')}`);
  }
  if (format === 'json') io.out(renderBusesJson(view, root, model.units));
  else if (format === 'plain') io.out(renderBusesPlain(view));
  else {
    const { renderBusesTable } = await import('./render/table.js');
    io.out(renderBusesTable(view, await chalkFor(opts, io)));
  }
  return finish(model, view.iommu, format, io);
}
