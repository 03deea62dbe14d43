// `diff A [B]`: what changed between two readings (after a BIOS or kernel update, or between hosts).
import type { CommandSpec } from '../../cli/spec.js';
import type { DiffOptions } from './run.js';

export const diff: CommandSpec = {
  name: 'diff',
  description: 'What changed between two readings: groups merged, split or a device moved between groups (renumbering alone is no change), devices moved, replaced, added or removed, drivers, the IOMMU, and the kernel command line words that decide groups.',
  args: [
    { name: '<a>', help: 'the earlier reading: a snapshot directory, a .tar.gz snapshot, or a capture' },
    { name: '[b]', help: 'the later reading (default: this host, /)' },
  ],
  options: [
    { flags: '--format <format>', help: 'output format (default: table on a terminal, plain otherwise)', choices: ['table', 'json', 'plain'] },
    { flags: '--color <when>', help: 'colour in table output', choices: ['auto', 'always', 'never'], default: 'auto' },
    { flags: '--wide', help: 'full lines in table output even on a narrow terminal' },
  ],
  formats: null,
  about: `Groups are matched by their members, devices by address and then by what
they are (vendor:device, subsystem, class, and the PCIe serial number where
config space shows it): a card in another slot is "moved", an address that
holds another card is "replaced". Take a snapshot before an update and compare
after it. See docs/fleet.md.`,
  examples: [
    'sudo iommu-groups snapshot before.tar.gz   # before the BIOS or kernel update',
    'iommu-groups diff before.tar.gz            # after it: before vs this host',
    'iommu-groups diff a.tar.gz b.tar.gz --format json | jq -c \'.changes[]\'',
  ],
  exits: [
    ['ok', 'no change'],
    ['failed', 'something changed'],
  ],
  usageExit: 'usage or environment error (A or B not a root with sys/, or a .tar.gz that does not unpack)',
  complete: 'paths',
  run: async (ctx, args, opts) => (await import('./run.js')).runDiff(ctx, args[0] as string, args[1] as string | undefined, opts as DiffOptions),
};
