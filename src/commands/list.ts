// `list`: every group with its members and a verdict, with filters.
import { buildListView, matchesFilter, type ListFilter, type ListView } from '../analyse/views/list-view.js';
import type { Model } from '../model/types.js';
import { EXIT, UsageError } from '../errors.js';
import { CLASS_FILTERS, isClassFilterName } from '../model/pci-class.js';
import { readModel } from '../read/read-model.js';
import { readPciIds } from '../read/read-pci-ids.js';
import { renderListJsonChunks } from '../render/json.js';
import { bridgeIsolations } from '../analyse/grouping/kernel-grouping.js';
import { renderListLegacy } from '../render/legacy.js';
import { renderListPlain } from '../render/plain.js';
import { renderListAddresses, renderListIds, shownEndpoints } from '../render/ids.js';
import { guardPaste, idsSafe } from '../analyse/vfio/paste-guard.js';
import { visible } from '../render/safe-text.js';
import type { Format } from '../render/format.js';
import type { Io } from '../io.js';
import { chalkFor, chooseFormat, outputWidth, finish, parseDeviceOption, parseGroupOption, reportIssues, requireGroups, resolveRoot, type CommonOptions } from './common.js';

/** Every filter option may be repeated or hold a comma list (see collect). */
export interface ListOptions extends CommonOptions {
  group?: string[];
  device?: string[];
  class?: string[];
  vendor?: string[];
  driver?: string[];
  related?: boolean;
}

function parseFilter(opts: ListOptions): ListFilter {
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

export async function runList(opts: ListOptions, io: Io): Promise<number> {
  const filter = parseFilter(opts);
  const format = chooseFormat(opts, io);
  const root = resolveRoot(opts, io);
  if (format === 'prometheus' || format === 'nfd') {
    if (Object.keys(filter).length > 0) throw new UsageError(`--format ${format} reports the whole host`, 'drop --group, --device, --class, --vendor, --driver and --related');
    const model = readModel(root, { preflight: true });
    const { buildFleetView } = await import('../analyse/views/fleet.js');
    const { renderNfd, renderPrometheus } = await import('../render/prometheus.js');
    const fleet = buildFleetView(model);
    io.out(format === 'nfd' ? renderNfd(fleet) : renderPrometheus(fleet));
    reportIssues(model, format, io);
    return EXIT.OK; // no IOMMU is a value here (iommu_groups_iommu_enabled 0), not an error
  }
  const ids = readPciIds(opts.pciIds);
  // What is pasted is checked against the host's needs (mounts, routes), so those facts are read too.
  const model = readModel(root, { preflight: format === 'ids' || format === 'addresses' });
  if (filter.group) requireGroups(model, filter.group);
  requireMatches(model, filter, opts);
  // In the classic "IOMMU Group N:" shape a group is a unit: a filter picks groups, shown whole.
  const view = buildListView(model, format === 'legacy' ? { ...filter, wholeGroups: true } : filter, ids);

  if (format === 'json') {
    // Written as it is made, in writes of about 64 KiB: the document is never held whole.
    let pending = '';
    for (const piece of renderListJsonChunks(view, root, model.units, bridgeIsolations(model))) {
      pending += piece;
      if (pending.length >= 65536) {
        io.out(pending);
        pending = '';
      }
    }
    io.out(pending);
    return afterOutput(model, view, format, io);
  }
  // One renderer per format (prometheus and nfd are whole-host views, handled above).
  const renderers: Record<Exclude<Format, 'prometheus' | 'nfd' | 'json'>, () => Promise<string> | string> = {
    plain: () => renderListPlain(view),
    legacy: () => renderListLegacy(view, ids, model.devices.some((d) => d.pci !== null && d.pci.domain !== 0)),
    ids: () => renderListIds(view),
    addresses: () => renderListAddresses(view),
    table: async () => (await import('../render/table.js')).renderListTable(view, await chalkFor(opts, io), outputWidth(opts, io)),
  };
  if (format === 'ids' || format === 'addresses') return pasteOutput(model, view, format, await renderers[format](), io);
  io.out(await renderers[format]());
  return afterOutput(model, view, format, io);
}

/**
 * ids and addresses are pasted (vfio-pci.ids=, driverctl, scripts): an id another device shares is
 * never printed, and a selected device the host needs is named on stderr, both with exit 1.
 */
function pasteOutput(model: Model, view: ListView, format: 'ids' | 'addresses', text: string, io: Io): number {
  const g = guardPaste(model, shownEndpoints(view), format);
  const say = (s: string) => io.err(`iommu-groups: ${visible(s)}\n`);
  let code: number = EXIT.OK;
  if (format === 'ids' && !idsSafe(g)) {
    for (const s of g.shared) say(`not printing ids: ${s.id} is also the id of ${s.others.join(', ')}, outside the selection; vfio-pci.ids=${s.id} would take ${s.others.length === 1 ? 'it' : 'them'} too at the next boot`);
    if (g.othersUnreadable.length > 0) say(`not printing ids: the id of ${g.othersUnreadable.join(', ')} is unreadable, so whether vfio-pci.ids= would take ${g.othersUnreadable.length === 1 ? 'it' : 'them'} too cannot be told`);
    const addrs = shownEndpoints(view).map((d) => d.name);
    say(`bind by address instead, which moves single devices: ${addrs.map((a) => `sudo driverctl set-override ${a} vfio-pci`).join('; ')} (or write vfio-pci to each device's driver_override); iommu-groups check ${addrs.join(' ')} prints the whole plan`);
    code = EXIT.FAILED;
  } else {
    io.out(text);
    if (g.selectedUnreadable.length > 0) say(`left out: the id of ${g.selectedUnreadable.join(', ')} is unreadable`);
  }
  for (const n of g.needed) say(`${n.device} is a device the host needs: ${n.reasons.join('; ')}`);
  for (const n of g.unknown) say(`${n.device}: ${n.reasons.join('; ')}`);
  if (g.needed.length > 0) code = EXIT.FAILED;
  if (text === '' && view.iommu.active) {
    // An empty id list pasted into vfio-pci.ids= would bind nothing and say nothing: say it here.
    say('no endpoint among the devices shown (bridges are left out of ids and addresses)');
    return EXIT.NO_MATCH;
  }
  const after = afterOutput(model, view, format, io);
  return after !== EXIT.OK ? after : code;
}

/**
 * Every value of --device, --vendor, --class and --driver must name something in the tree, whatever
 * the other values match (as --group's do): each that names nothing is said, exit 2. A combination
 * of values that each match but together select nothing is a plain empty result (exit 1).
 */
function requireMatches(model: Model, f: ListFilter, opts: ListOptions): void {
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

/** Issues, the IOMMU state and an empty filter result, told on stderr and in the exit code. */
function afterOutput(model: Model, view: ListView, format: Format, io: Io): number {
  const code = finish(model, view.iommu, format, io);
  if (code !== EXIT.OK) return code;
  if (view.filtered && view.groups.length === 0 && view.ungrouped.length === 0) {
    io.err('iommu-groups: no device matches the filters\n');
    return EXIT.NO_MATCH;
  }
  return EXIT.OK;
}
