// The command line: options, help, and the mapping of errors to exit codes. The only module that
// touches process.* (through the Io it is given, so tests can run it in-process too).
import { Argument, Command, CommanderError, Option } from 'commander';
// Commands are loaded when they run: --version, --help and each command load only what they use.
import type { BusesOptions } from './commands/buses.js';
import { addCommon, collect, exitHelp, NO_IOMMU_EXIT, NO_MATCH_EXIT, type CommonOptions } from './commands/common.js';
import type { ListOptions } from './commands/list.js';
import type { CheckOptions } from './commands/preflight.js';
import type { WatchOptions } from './commands/watch.js';
import type { TreeOptions } from './commands/tree.js';
import { AppError, EXIT } from './errors.js';
import { CLASS_FILTERS } from './model/pci-class.js';
import { EMIT_KINDS } from './render/emit.js';
import { REPORT_FORMATS, TREE_FORMATS } from './render/format.js';
import { visible } from './render/safe-text.js';
import type { Io } from './io.js';

export type { Io };




const CLASS_HELP = Object.entries(CLASS_FILTERS)
  .map(([k, v]) => `  ${k.padEnd(12)}${v.text}`)
  .join('\n');

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
  iommu-groups host                        is this machine ready for VFIO passthrough?
  iommu-groups check 01:00.0 01:00.1       can these go to a VM? ready, steps, blocked or unknown
  iommu-groups explain 08:00.0             why is its group the way it is?
  iommu-groups tree                        the PCI topology with group boundaries
  iommu-groups list --root ./capture       read a captured tree instead of /
${exitHelp([[0, 'success (check: ready)'], [1, 'a filter matched nothing; host: an item fails; check: blocked'], NO_IOMMU_EXIT, [4, 'check: ready after steps'], [5, 'check: unknown']])}`);

  addCommon(
    program
      .command('list')
      .description('List IOMMU groups with their members and an isolation verdict per group.')
      .option('--group <n>', 'only group N (repeat or N,M for several)', collect)
      .option('--device <addr>', 'only the device at ADDR (0000:01:00.0 or 01:00.0)', collect)
      .option('--class <name>', 'only devices of a class (see below)', collect)
      .option('--vendor <id>', 'only devices with vendor id VVVV or VVVV:DDDD (hex)', collect)
      .option('--driver <name>', 'only devices bound to driver NAME', collect)
      .option('--related', 'with a filter: also show the rest of each match\'s group and its slot\'s other functions'),
  )
    .addHelpText('after', `
Filters add up: a repeated filter (or a comma list) matches any of its values;
different filters must all match. A --group that is not in the tree is an error.

Classes (by PCI class code):
${CLASS_HELP}

Formats:
  table   for people (default on a terminal)
  json    versioned document, see README "JSON schema"
  plain   one tab-separated record per member, no header, see README "Plain output"
  legacy  the classic "IOMMU Group N:" shell loop output, byte for byte (filters pick
          groups, each shown whole)
  ids     vendor:device ids of the endpoints shown, comma-joined (for vfio-pci.ids=)
  addresses  PCI addresses of the endpoints shown, one a line (bridges left out)
          Both are for pasting, so they are guarded: an id that a device outside the
          selection shares is not printed (exit 1; stderr names the device and the
          by-address way), and a device shown that the host needs (boot VGA, a
          mounted disk, the default route, the chipset) is named on stderr (exit 1).
  prometheus  metrics for node_exporter's textfile collector (whole host), see README
  nfd     node-feature-discovery local feature lines (whole host), see README

Examples:
  iommu-groups list
  iommu-groups list --device 01:00.0
  iommu-groups list --class gpu --related
  iommu-groups list --group 14 --group 21           groups 14 and 21
  iommu-groups list --class net,storage --driver vfio-pci
  iommu-groups list --vendor 10de --format plain | cut -f1,5
  iommu-groups list --format legacy
  iommu-groups list --class gpu --related --format ids       e.g. 10de:1b80,10de:10f0
  iommu-groups list --format prometheus > /var/lib/node_exporter/textfile/iommu.prom
  iommu-groups list --format nfd > /etc/kubernetes/node-feature-discovery/features.d/iommu
${exitHelp([[0, 'success'], [1, 'the filters together matched nothing; ids/addresses: an id is shared or a device shown is one the host needs'], [2, 'a filter value names nothing in the tree'], NO_IOMMU_EXIT])}`)
    .action(async (opts: ListOptions) => {
      exitCode = await (await import('./commands/list.js')).runList(opts, io);
    });

  addCommon(
    program
      .command('buses')
      .description('Isolation status per bus: devices alone in a group, sharing one, or with none.')
      .option('--bus <name>', 'list the devices of one bus')
      .option('--all', 'every bus, also virtual ones no IOMMU serves (acpi, cpu, workqueue, ...)'),
    REPORT_FORMATS,
  )
    .addHelpText('after', `
Examples:
  iommu-groups buses
  iommu-groups buses --bus pci
  iommu-groups buses --all
  iommu-groups buses --format json
${exitHelp([[0, 'success'], NO_IOMMU_EXIT])}`)
    .action(async (opts: BusesOptions) => {
      exitCode = await (await import('./commands/buses.js')).runBuses(opts, io);
    });

  addCommon(
    program
      .command('host')
      .description('Is this machine ready for VFIO passthrough? IOMMU, firmware, command line, interrupt remapping, VFIO modules.'),
    REPORT_FORMATS,
  )
    .addHelpText('after', `
Each item is ok, info, warn, fail or unknown, with what was read to decide.

Examples:
  iommu-groups host
  iommu-groups host --format json | jq '.findings[] | select(.status=="fail")'
  iommu-groups host --root ./capture
${exitHelp([[0, 'no item fails'], [1, 'an item fails (no active IOMMU is a failure)']])}`)
    .action(async (opts: CommonOptions) => {
      exitCode = await (await import('./commands/preflight.js')).runHost(opts, io);
    });

  addCommon(
    program
      .command('check')
      .description('Can these devices go to a VM, and what must happen first? All targets are one request (a GPU and its audio function together): one answer, and the steps, printed, never run.')
      .argument('[target...]', 'PCI address (0000:01:00.0 or 01:00.0) or vendor:device id (10de:1b80)')
      .option('--group <n>', 'check group N as a whole (its endpoints are the targets)')
      .option('--strict', 'warnings block too (exit 1)')
      .addOption(new Option('--emit <kind>', 'print only the VM configuration for a ready request: libvirt <hostdev> XML, QEMU -device arguments, or a Proxmox qm set line').choices([...EMIT_KINDS]))
      .option('--x-vga', 'with --emit qemu|proxmox: x-vga for a VGA-class target (the guest\'s primary GPU)')
      .option('--vmid <id>', 'with --emit proxmox: the VM id (default: the word VMID to replace); its etc/pve/qemu-server/ID.conf, where readable, sets free hostpciN indices')
      .option('--domain <name>', 'with --emit libvirt: the domain whose etc/libvirt/qemu/NAME.xml, where readable, sets free controller indices'),
    REPORT_FORMATS,
  )
    .addHelpText('after', `
Outcomes, per group the targets touch and for the request (the worst of them):
  ready    every other member is already VFIO-safe: libvirt (managed='yes') or
           Proxmox can take the targets now; binding by hand is optional
  steps    other members must leave host drivers first: the steps in order,
           with what the host loses; never a device the host needs
  blocked  driver moves cannot make it work (no IOMMU, a bridge target, a
           member the host needs: chipset, its disk, its default-route NIC);
           says what would change it
  unknown  a fact that decides it could not be read: which, and how to get it
Codes (stable, in JSON and plain output): README "Pre-flight codes".

Examples:
  iommu-groups check 01:00.0
  iommu-groups check 01:00.0 01:00.1     a GPU and its audio function together
  iommu-groups check 10de:1b80 --strict
  iommu-groups check --group 21 --format json | jq -r '.plan.required[].line'
  iommu-groups check 01:00.0 02:00.0 --format plain
  iommu-groups check 05:00.0 05:00.1 --emit libvirt      <hostdev> XML for virsh edit
  iommu-groups check 05:00.0 05:00.1 --emit proxmox --vmid 101

Exit codes:
  0   ready
  1   blocked (with --strict: or a warning)
  2   usage or environment error (bad option, address, id or device; --root)
  4   ready after steps
  5   unknown: a fact that decides the outcome could not be read
  70  internal error (a bug: please report it with the stack trace)`)
    .action(async (targets: string[], opts: CheckOptions) => {
      exitCode = await (await import('./commands/preflight.js')).runCheck(targets, opts, io);
    });

  addCommon(
    program
      .command('explain')
      .description('Why is this device\'s group the way it is? Follows the kernel\'s grouping rules on config space (needs root for more than 64 bytes).')
      .argument('[target...]', 'PCI address or vendor:device id')
      .option('--group <n>', 'explain group N')
      .option('--assume <param>', 'predict the groups with PARAM added to the kernel command line: pcie_acs_override=..., pci=config_acs=..., pci=disable_acs_redir=... (repeatable)', (v: string, prev: string[] = []) => [...prev, v]),
    REPORT_FORMATS,
  )
    .addHelpText('after', `
The rules are the kernel's (pci_device_group, Linux v6.18) with its ACS and DMA-alias quirks;
where the kernel's groups differ, explain says so and names the likely cause.

Examples:
  sudo iommu-groups explain 08:00.0
  iommu-groups explain --group 21 --root ./capture
  iommu-groups explain 05:00.0 --format json
  iommu-groups explain 08:00.0 --assume pcie_acs_override=downstream,multifunction
  iommu-groups explain 08:00.0 --assume 'pci=config_acs=xxx11x1@0000:07:00.0'
${exitHelp([[0, 'explained, or said why it cannot be'], NO_IOMMU_EXIT])}`)
    .action(async (targets: string[], opts: CheckOptions) => {
      exitCode = await (await import('./commands/preflight.js')).runExplain(targets, opts, io);
    });

  addCommon(
    program
      .command('tree')
      .description('The PCI hierarchy per host bridge, like lspci -t, with each device\'s group, where groups begin, and bridges that do not isolate.')
      .option('--group <n>', 'only group N, under its real parents (repeat or N,M)', collect)
      .option('--device <addr>', 'only this device: its parents, its subtree and its group (repeat or A,B)', collect),
    TREE_FORMATS,
  )
    .addHelpText('after', `
Marks: g<N>* the first device of group N in the tree (with the group's members), g<N> the others,
NO-GROUP a device without a group, "DOES NOT ISOLATE" a bridge or port that fails the kernel's
ACS test (decoded from config space: "isolation unknown" without root).

Formats:
  table   coloured on a terminal
  plain   the same text without colour (default when not a terminal)
  dot     Graphviz, one cluster per group: iommu-groups tree --format dot | dot -Tsvg > pci.svg

Examples:
  iommu-groups tree
  iommu-groups tree --group 19
  iommu-groups tree --device 08:00.0
  iommu-groups tree --format dot | dot -Tsvg > pci.svg
${exitHelp([[0, 'success'], NO_MATCH_EXIT, NO_IOMMU_EXIT])}`)
    .action(async (opts: TreeOptions) => {
      exitCode = await (await import('./commands/tree.js')).runTree(opts, io);
    });

  program
    .command('watch')
    .description('Read the groups again every few seconds and print what changed: groups appearing or going, members joining or leaving, drivers rebinding.')
    .option('--interval <seconds>', 'seconds between readings (fractions allowed)', '2')
    .addOption(new Option('--format <format>', 'plain text lines or JSON lines').choices(['plain', 'json']))
    .option('--root <dir>', 'watch the tree under DIR instead of /')
    .addHelpText('after', `
sysfs sends no event when groups change, so watch reads again and compares. Ctrl-C or SIGTERM
ends it (exit 0).

Examples:
  iommu-groups watch
  iommu-groups watch --interval 0.5 --format json | jq -c 'select(.kind=="driver-changed")'

Exit codes:
  0   ended by Ctrl-C or SIGTERM
  2   usage or environment error (bad --interval, --root without sys/)
  70  internal error (a bug: please report it with the stack trace)`)
    .action(async (opts: WatchOptions) => {
      exitCode = await (await import('./commands/watch.js')).runWatch(opts, io);
    });

  program
    .command('snapshot')
    .description('Copy what this tool reads from /sys and /proc (and /dev/vfio names) into a directory or .tar.gz, for a bug report: every command gives the same answer on it with --root.')
    .argument('<out>', 'a new directory, or a file name ending in .tar.gz')
    .option('--root <dir>', 'snapshot the tree under DIR instead of /')
    .addHelpText('after', `
It writes only under OUT (never under /sys, /proc or /dev). Files it could not read are listed in
OUT/snapshot-meta/unreadable.txt and read back as unreadable; device nodes are stood in by empty
files (snapshot-meta/stand-ins.txt). Run it as root to capture full config space.

Examples:
  sudo iommu-groups snapshot host.tar.gz
  mkdir snap && tar xzf host.tar.gz -C snap && iommu-groups list --root snap
  iommu-groups snapshot ./snap --root ./capture

Exit codes:
  0   written
  2   usage or environment error (OUT exists, OUT under /sys, /proc or /dev, --root without sys/)
  70  internal error (a bug: please report it with the stack trace)`)
    .action(async (out: string, opts: { root?: string }) => {
      exitCode = await (await import('./commands/snapshot.js')).runSnapshot(out, opts, io);
    });

  program
    .command('completion')
    .description('Print a bash or zsh completion script.')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh']))
    .addHelpText('after', `
Examples:
  eval "$(iommu-groups completion bash)"                       # this shell
  iommu-groups completion bash | sudo tee /usr/share/bash-completion/completions/iommu-groups
  iommu-groups completion zsh > "\${fpath[1]}/_iommu-groups"`)
    .action(async (shell: 'bash' | 'zsh') => {
      const specs = program.commands
        .filter((c) => c.name() !== 'help')
        .map((c) => {
          const values: Record<string, string[]> = {};
          for (const o of c.options) if (o.long && o.argChoices) values[o.long] = o.argChoices;
          if (c.options.some((o) => o.long === '--class')) values['--class'] = Object.keys(CLASS_FILTERS);
          const arg = c.registeredArguments[0];
          return {
            name: c.name(),
            options: [...c.options.map((o) => o.long ?? o.short ?? ''), '--help'].filter((x) => x !== ''),
            values,
            ...(arg?.argChoices ? { argValues: arg.argChoices } : {}),
            ...(c.name() === 'check' || c.name() === 'explain' ? { addresses: true } : {}),
            ...(c.name() === 'snapshot' ? { paths: true } : {}),
          };
        });
      io.out((await import('./render/completion.js')).completionScript(shell, specs));
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

