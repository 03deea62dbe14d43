// `list`: every group with its members and a verdict, with filters.
import { NO_IOMMU_EXIT } from '../../cli/exit.js';
import type { CommandSpec } from '../../cli/spec.js';
import { CLASS_FILTERS } from '../../model/pci-class.js';
import { LIST_FORMATS } from '../../render/format.js';

const CLASS_HELP = Object.entries(CLASS_FILTERS)
  .map(([k, v]) => `  ${k.padEnd(12)}${v.text}`)
  .join('\n');

export const list: CommandSpec = {
  name: 'list',
  description: 'List IOMMU groups with their members and an isolation verdict per group.',
  options: [
    { flags: '--group <n>', help: 'only group N (repeat or N,M for several)', repeat: 'comma' },
    { flags: '--device <addr>', help: 'only the device at ADDR (0000:01:00.0 or 01:00.0)', repeat: 'comma' },
    { flags: '--class <name>', help: 'only devices of a class (see below)', repeat: 'comma', complete: Object.keys(CLASS_FILTERS) },
    { flags: '--vendor <id>', help: 'only devices with vendor id VVVV or VVVV:DDDD (hex)', repeat: 'comma' },
    { flags: '--driver <name>', help: 'only devices bound to driver NAME', repeat: 'comma' },
    { flags: '--related', help: "with a filter: also show the rest of each match's group and its slot's other functions" },
    { flags: '--baseline <root>', help: 'with --format prometheus: also a series per kind of change since that earlier reading (a snapshot directory or .tar.gz; see diff)' },
    { flags: '--predict', help: "the groups the kernel will make once the IOMMU is on (from config space: run as root), or beside the kernel's own" },
  ],
  formats: LIST_FORMATS,
  about: `Filters add up: a repeated filter (or a comma list) matches any of its values;
different filters must all match. A --group that is not in the tree is an error.

Classes (by PCI class code):
${CLASS_HELP}

Formats:
  table   for people (default on a terminal)
  json    versioned document, see docs/formats.md
  plain   one tab-separated record per member, no header, see docs/formats.md
  legacy  the classic "IOMMU Group N:" shell loop output, byte for byte (filters pick
          groups, each shown whole)
  ids     vendor:device ids of the endpoints shown, comma-joined (for vfio-pci.ids=)
  addresses  PCI addresses of the endpoints shown, one a line (bridges left out)
          Both are for pasting, so they are guarded: an id that a device outside the
          selection shares is not printed (exit 1; stderr names the device and the
          by-address way), and a device shown that the host needs (boot VGA, a
          mounted disk, the default route, the chipset) is named on stderr (exit 1).
  prometheus  metrics for node_exporter's textfile collector (whole host), see docs/fleet.md
  nfd     node-feature-discovery local feature lines (whole host), see docs/fleet.md`,
  examples: [
    'iommu-groups list',
    'iommu-groups list --device 01:00.0',
    'iommu-groups list --class gpu --related',
    'iommu-groups list --group 14 --group 21           groups 14 and 21',
    'iommu-groups list --class net,storage --driver vfio-pci',
    'iommu-groups list --vendor 10de --format plain | cut -f1,5',
    'iommu-groups list --format legacy',
    'sudo iommu-groups list --predict                  IOMMU still off: the groups you will get',
    'iommu-groups list --class gpu --related --format ids       e.g. 10de:1b80,10de:10f0',
    'iommu-groups list --format prometheus > /var/lib/node_exporter/textfile/iommu.prom',
    'iommu-groups list --format prometheus --baseline /var/lib/iommu-groups/boot.tar.gz   alert after an update',
    'iommu-groups list --format nfd > /etc/kubernetes/node-feature-discovery/features.d/iommu',
  ],
  exits: [
    ['ok', 'success'],
    ['failed', 'the filters together matched nothing; ids/addresses: an id is shared or a device shown is one the host needs'],
    ['usage', 'a filter value names nothing in the tree'],
    NO_IOMMU_EXIT,
  ],
  run: async (ctx, _args, opts) => (await import('./run.js')).runList(ctx, opts),
};
