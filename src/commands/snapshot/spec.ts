// `snapshot OUT`: what the tool reads from a root, copied for a bug report or another machine.
import type { CommandSpec } from '../../cli/spec.js';

export const snapshot: CommandSpec = {
  name: 'snapshot',
  description: 'Copy what this tool reads from /sys and /proc (and /dev/vfio names) into a directory or .tar.gz, for a bug report: every command gives the same answer on it with --root.',
  args: [{ name: '<out>', help: 'a new directory, or a file name ending in .tar.gz' }],
  options: [{ flags: '--root <dir>', help: 'snapshot the tree under DIR instead of /' }],
  formats: null,
  about: `It writes only under OUT (never under /sys, /proc or /dev). Files it could not read are listed in
OUT/snapshot-meta/unreadable.txt and read back as unreadable; device nodes are stood in by empty
files (snapshot-meta/stand-ins.txt). Run it as root to capture full config space.`,
  examples: ['sudo iommu-groups snapshot host.tar.gz', 'mkdir snap && tar xzf host.tar.gz -C snap && iommu-groups list --root snap', 'iommu-groups snapshot ./snap --root ./capture'],
  exits: [['ok', 'written']],
  usageExit: 'usage or environment error (OUT exists, OUT under /sys, /proc or /dev, --root without sys/)',
  complete: 'paths',
  run: async (ctx, args) => (await import('./run.js')).runSnapshot(ctx, args[0] as string),
};
