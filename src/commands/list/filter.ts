// list's filters: parsed from the options, and each value required to name something in the tree.
import { matchesFilter, type ListFilter } from '../../analyse/views/list-view.js';
import type { CommonOptions } from '../../cli/context.js';
import { parseDeviceOption, parseGroupOption } from '../../cli/selectors.js';
import { UsageError } from '../../errors.js';
import { CLASS_FILTERS, isClassFilterName } from '../../model/pci-class.js';
import type { Model } from '../../model/types.js';

/** Every filter option may be repeated or hold a comma list (see collect). */
export interface ListOptions extends CommonOptions {
  group?: string[];
  device?: string[];
  class?: string[];
  vendor?: string[];
  driver?: string[];
  related?: boolean;
  predict?: boolean;
  baseline?: string;
}

export function parseFilter(opts: ListOptions): ListFilter {
  const f: ListFilter = {};
  if (opts.group !== undefined) f.group = opts.group.map(parseGroupOption);
  if (opts.device !== undefined) f.device = opts.device.map(parseDeviceOption);
  if (opts.class !== undefined) {
    f.class = opts.class.map((c) => {
      if (!isClassFilterName(c)) throw new UsageError(`--class ${c}: unknown class`, `one of ${Object.keys(CLASS_FILTERS).join(', ')}`);
      return c;
    });
  }
  if (opts.vendor !== undefined) {
    f.vendor = opts.vendor.map((v) => {
      const m = /^([0-9a-fA-F]{1,4})(?::([0-9a-fA-F]{1,4}))?$/.exec(v);
      if (!m) throw new UsageError(`--vendor ${v}: expected VVVV or VVVV:DDDD in hex`, 'e.g. --vendor 10de or --vendor 8086:10d3');
      return m[2] === undefined ? { vendor: parseInt(m[1]!, 16) } : { vendor: parseInt(m[1]!, 16), device: parseInt(m[2], 16) };
    });
  }
  if (opts.driver !== undefined) {
    if (opts.driver.some((d) => d === '')) throw new UsageError('--driver needs a driver name', 'e.g. --driver vfio-pci');
    f.driver = opts.driver;
  }
  if (opts.related) f.related = true;
  return f;
}

/**
 * Every value of --device, --vendor, --class and --driver must name something in the tree, whatever
 * the other values match (as --group's do): each that names nothing is said, exit 2. A combination
 * of values that each match but together select nothing is a plain empty result (exit 1).
 */
export function requireMatches(model: Model, f: ListFilter, opts: ListOptions): void {
  const misses: string[] = [];
  const check = <K extends 'device' | 'vendor' | 'class' | 'driver'>(key: K, raw: readonly string[] | undefined) => {
    const values = f[key] as unknown[] | undefined;
    values?.forEach((v, i) => {
      if (!model.devices.some((d) => matchesFilter(d, { [key]: [v] } as ListFilter))) misses.push(`--${key} ${raw?.[i] ?? String(v)}`);
    });
  };
  check('device', opts.device);
  check('vendor', opts.vendor);
  check('class', opts.class);
  check('driver', opts.driver);
  if (misses.length === 0) return;
  throw new UsageError(`${misses.join(', ')}: ${misses.length === 1 ? 'matches' : 'each match'} no device in this tree`, "'iommu-groups list' shows the devices, their ids, classes and drivers");
}
