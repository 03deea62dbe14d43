// The pre-flight commands: host (is the machine ready?), check (can these devices go to a VM?),
// explain (why is this group the way it is?). They print, they never change anything.
import { checkTargets, type Outcome } from '../analyse/check.js';
import { explain } from '../analyse/explain.js';
import { predictGroups } from '../analyse/grouping.js';
import { worst } from '../analyse/findings.js';
import { hostReport } from '../analyse/host-check.js';
import { iommuState } from '../analyse/isolation.js';
import { buildPlan } from '../analyse/plan.js';
import { readPciIds } from '../read/read-pci-ids.js';
import { EXIT, UsageError } from '../errors.js';
import { readModel } from '../read/read-model.js';
import * as R from '../render/preflight.js';
import type { Io } from '../io.js';
import { chalkFor, chooseFormat, reportIssues, resolveRoot, type CommonOptions } from './common.js';
import { resolveTargets } from './targets.js';

export interface CheckOptions extends CommonOptions {
  group?: string;
  strict?: boolean;
}

/** host, check and explain take table, json and plain (commander refuses the others). */
function noLegacy(opts: CommonOptions, io: Io) {
  return chooseFormat(opts, io) as 'table' | 'json' | 'plain';
}

export async function runHost(opts: CommonOptions, io: Io): Promise<number> {
  const format = noLegacy(opts, io);
  const root = resolveRoot(opts, io);
  const model = readModel(root, { preflight: true });
  const { findings } = hostReport(model);
  const verdict = worst(findings.map((f) => f.status));
  if (format === 'json') io.out(R.renderHostJson(findings, verdict, root));
  else if (format === 'plain') io.out(R.renderFindingsPlain(findings));
  else io.out(R.renderHostText(findings, verdict, await chalkFor(opts, io)));
  reportIssues(model, format, io);
  return findings.some((f) => f.status === 'fail') ? EXIT.FAILED : EXIT.OK;
}

/** check's exit code per request outcome (README "Exit codes"). */
export const CHECK_EXIT: Record<Outcome, number> = { ready: EXIT.OK, blocked: EXIT.FAILED, steps: EXIT.STEPS, unknown: EXIT.UNKNOWN };

export async function runCheck(targets: string[], opts: CheckOptions, io: Io): Promise<number> {
  const format = noLegacy(opts, io);
  const root = resolveRoot(opts, io);
  const model = readModel(root, { preflight: true });
  const report = checkTargets(model, resolveTargets(model, targets, opts.group), { strict: opts.strict === true, ids: format === 'plain' ? null : readPciIds(opts.pciIds) });
  const plan = buildPlan(model, report);
  if (format === 'json') io.out(R.renderCheckJson(report, plan, root));
  else if (format === 'plain') io.out(R.renderCheckPlain(report));
  else io.out(R.renderCheckText(report, plan, await chalkFor(opts, io)));
  reportIssues(model, format, io);
  return CHECK_EXIT[report.outcome];
}

export async function runExplain(targets: string[], opts: CheckOptions, io: Io): Promise<number> {
  const format = noLegacy(opts, io);
  const root = resolveRoot(opts, io);
  const model = readModel(root);
  const resolved = resolveTargets(model, targets, opts.group);
  const byPath = new Map(model.devices.map((d) => [d.path, d]));
  const devices = resolved.flatMap((t) => {
    if (t.device) return [t.device];
    const g = model.groups.find((x) => x.id === t.group)!;
    return g.members.map((m) => byPath.get(m.path)).filter((d) => d !== undefined && d.pci !== null).slice(0, 1);
  });
  const prediction = predictGroups(model);
  const es = devices.map((d) => explain(model, d!, prediction));
  if (format === 'json') io.out(R.renderExplainJson(es, root));
  else if (format === 'plain') io.out(R.renderExplainPlain(es));
  else {
    const c = await chalkFor(opts, io);
    io.out(es.map((e) => R.renderExplainText(e, c)).join('\n'));
  }
  reportIssues(model, format, io);
  return iommuState(model).active ? EXIT.OK : EXIT.NO_IOMMU;
}
