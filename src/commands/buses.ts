// `buses`: isolation status per bus.
import { buildBusesView } from '../analyse/views/buses-view.js';
import { UsageError } from '../errors.js';
import { readModel } from '../read/read-model.js';
import { renderBusesJson } from '../render/json.js';
import { renderBusesPlain } from '../render/plain.js';
import type { ReportFormat } from '../render/format.js';
import type { Io } from '../io.js';
import { chalkFor, chooseFormat, outputWidth, finish, resolveRoot, type CommonOptions } from './common.js';

export interface BusesOptions extends CommonOptions {
  bus?: string;
  all?: boolean;
}

export async function runBuses(opts: BusesOptions, io: Io): Promise<number> {
  const format = chooseFormat(opts, io);
  const root = resolveRoot(opts, io);
  const model = readModel(root);
  const selected = opts.bus ?? null;
  const view = buildBusesView(model, selected, opts.all === true);
  if (selected !== null && !view.buses.some((b) => b.bus === selected)) {
    throw new UsageError(`--bus ${selected}: no such bus with devices`, `buses with devices: ${[...view.buses.map((b) => b.bus), ...view.otherBuses].sort().join(', ')}`);
  }
  const render: Record<ReportFormat, () => string | Promise<string>> = {
    json: () => renderBusesJson(view, root, model.units),
    plain: () => renderBusesPlain(view),
    table: async () => (await import('../render/table.js')).renderBusesTable(view, await chalkFor(opts, io), outputWidth(opts, io)),
  };
  io.out(await render[format as ReportFormat]());
  return finish(model, view.iommu, format, io);
}
