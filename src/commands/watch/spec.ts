// `watch`: read the groups again every few seconds and print what changed.
import type { CommandSpec } from '../../cli/spec.js';
import type { WatchOptions } from './run.js';

export const watch: CommandSpec = {
  name: 'watch',
  description: 'Read the groups again every few seconds and print what changed: groups appearing or going, members joining or leaving, drivers rebinding.',
  options: [
    { flags: '--interval <seconds>', help: 'seconds between readings (fractions allowed)', default: '2' },
    { flags: '--format <format>', help: 'plain text lines or JSON lines', choices: ['plain', 'json'] },
    { flags: '--root <dir>', help: 'watch the tree under DIR instead of /' },
  ],
  formats: null,
  about: `sysfs sends no event when groups change, so watch reads again and compares. Ctrl-C or SIGTERM
ends it (exit 0).`,
  examples: ['iommu-groups watch', `iommu-groups watch --interval 0.5 --format json | jq -c 'select(.kind=="driver-changed")'`],
  exits: [['ok', 'ended by Ctrl-C or SIGTERM']],
  usageExit: 'usage or environment error (bad --interval, --root without sys/)',
  run: async (ctx, _args, opts) => (await import('./run.js')).runWatch(ctx, opts as unknown as WatchOptions),
};
