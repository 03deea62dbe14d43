// `check`: can these devices go to a VM, and what must happen first? Printed, never run.
import { iommuState } from '../../analyse/grouping/isolation.js';
import { predictedGroups } from '../../analyse/grouping/predicted.js';
import { hostReport } from '../../analyse/host/host-check.js';
import { checkTargets } from '../../analyse/vfio/check.js';
import type { PciIds } from '../../model/pci-ids.js';
import type { Model } from '../../model/types.js';
import type { WhenIommuOn } from '../../render/preflight.js';
import { buildPlan } from '../../analyse/vfio/plan.js';
import { applyPins, parsePins, type Pin } from '../../analyse/diff/pins.js';
import * as fs from 'node:fs';
import type { Context } from '../../cli/context.js';
import { outcomeResult, type Result } from '../../cli/exit.js';
import { groupId } from '../../cli/selectors.js';
import { resolveTargets } from '../../cli/targets.js';
import { UsageError } from '../../errors.js';
import { formatPciAddress, parseUserAddress } from '../../model/pci-address.js';
import { readModel } from '../../read/read-model.js';
import { readScopedModel, withOtherIds } from '../../read/read-scoped.js';
import type { EmitKind } from '../../render/emit.js';
import type { ReportFormat } from '../../render/format.js';
import { write } from '../../render/renderer.js';
import { CHECK_RENDERERS } from '../../render/views/check.js';
import { emitVmConfig } from './emit.js';

export interface CheckOptions {
  group?: string;
  strict?: boolean;
  emit?: EmitKind;
  xVga?: boolean;
  vmid?: string;
  domain?: string;
  expect?: string;
}

/** --vmid and --domain name a VM to read, and go with the --emit they belong to. */
function checkEmitOptions(opts: CheckOptions): void {
  if (opts.vmid !== undefined && !/^[1-9][0-9]{2,8}$/.test(opts.vmid)) throw new UsageError(`--vmid ${opts.vmid}: not a Proxmox VM id (a number from 100 to 999999999)`, 'e.g. --emit proxmox --vmid 101');
  if (opts.domain !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,199}$/.test(opts.domain)) throw new UsageError(`--domain: not a libvirt domain name this tool reads (letters, digits, _ . + -)`, 'e.g. --emit libvirt --domain win11');
  const needsEmit = opts.vmid !== undefined ? '--vmid' : opts.domain !== undefined ? '--domain' : opts.xVga ? '--x-vga' : null;
  if (needsEmit !== null && opts.emit === undefined) throw new UsageError(`${needsEmit} goes with --emit`, 'e.g. iommu-groups check 01:00.0 --emit proxmox --vmid 101');
  if (opts.vmid !== undefined && opts.emit !== 'proxmox') throw new UsageError('--vmid goes with --emit proxmox', 'e.g. iommu-groups check 01:00.0 --emit proxmox --vmid 101');
  if (opts.domain !== undefined && opts.emit !== 'libvirt') throw new UsageError('--domain goes with --emit libvirt', 'e.g. iommu-groups check 01:00.0 --emit libvirt --domain win11');
}

/**
 * check of PCI addresses (or --group N) reads the targets' part of the tree (read-scoped.ts);
 * a vendor:device target, or a case the scoped read cannot answer, reads everything.
 */
function scopedRead(root: string, specs: readonly string[], group: string | undefined) {
  const names: string[] = [];
  for (const spec of specs) {
    const a = parseUserAddress(spec);
    if (!a.ok) return null;
    names.push(formatPciAddress(a.address));
  }
  const id = group === undefined ? null : groupId(group);
  const groups = group === undefined ? [] : id === null ? null : [id];
  if (groups === null || (names.length === 0 && groups.length === 0)) return null;
  return readScopedModel(root, { names, groups });
}

/**
 * The IOMMU is off: the request again on the groups the kernel's rules predict, with the boot-loader
 * edit that turns it on. null when a target cannot be placed in the prediction.
 */
function whenIommuOn(model: Model, targets: readonly string[], opts: CheckOptions, ids: PciIds | null): WhenIommuOn | null {
  const pg = predictedGroups(model);
  const predicted = pg.model;
  let report;
  try {
    const resolved = resolveTargets(predicted, targets, opts.group);
    // A target whose group cannot be predicted: unknown, with why (never "no group").
    const unknown = pg.unknown.filter((u) => resolved.some((t) => t.device?.name === u.device));
    if (unknown.length > 0) {
      const why = unknown.map((u) => ({ code: 'GROUP_NOT_PREDICTED', subject: u.device, message: `its group once the IOMMU is on cannot be predicted: ${u.why}` }));
      return { outcome: 'unknown', steps: null, groups: [{ group: null, targets: unknown.map((u) => u.device), outcome: 'unknown' }], why, boot: hostReport(model).boot };
    }
    report = checkTargets(predicted, resolved, { strict: opts.strict === true, ids });
  } catch (err) {
    if (err instanceof UsageError) return null; // e.g. --group N: no such group before the reboot
    throw err;
  }
  const plan = report.outcome === 'ready' || report.outcome === 'steps' ? buildPlan(predicted, report) : null;
  return {
    outcome: report.outcome,
    steps: plan?.required.length ?? null,
    groups: report.groups.map((g) => ({ group: g.group, targets: g.targets, outcome: g.outcome })),
    why: report.groups.flatMap((g) => g.findings.filter((f) => f.status === 'fail' || f.status === 'unknown').map((f) => ({ code: f.code, subject: f.subject, message: f.message }))),
    boot: hostReport(model).boot,
  };
}

/** --expect FILE: the pins it holds (the request's targets), or a usage error saying what is wrong with it. */
function readPins(file: string, targets: readonly string[], opts: CheckOptions): Pin[] {
  if (targets.length > 0 || opts.group !== undefined) throw new UsageError('--expect takes its targets from the file', 'give either targets or --expect FILE, not both');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--expect ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'give a file written by iommu-groups pin TARGET... > FILE');
  }
  const parsed = parsePins(text);
  if (typeof parsed === 'string') throw new UsageError(`--expect ${file}: ${parsed}`, 'make one with iommu-groups pin TARGET... > FILE');
  return parsed.pins;
}

/** The request's report, plan and (IOMMU off) what it will be once the IOMMU is on: what every format and the library's check() take. */
export function checkInput(root: string, targetsGiven: readonly string[], opts: CheckOptions, ids: PciIds | null) {
  const pins = opts.expect === undefined ? null : readPins(opts.expect, targetsGiven, opts);
  const model = (pins === null ? scopedRead(root, targetsGiven, opts.group) : null) ?? readModel(root, { preflight: true });
  // --expect: the pinned addresses that hold a device now are the targets; the rest are findings.
  const targets = pins === null ? [...targetsGiven] : pins.filter((p) => model.devices.some((d) => d.pci !== null && d.name === p.address)).map((p) => p.address);
  const checked = checkTargets(model, pins !== null && targets.length === 0 ? [] : resolveTargets(model, targets, opts.group), { strict: opts.strict === true, ids });
  const report = pins === null ? checked : applyPins(model, checked, pins);
  // Made when printed (--emit prints no plan). A scoped read learns the other functions' ids only when a plan can use them.
  const plan = () => buildPlan(model.scope && (report.outcome === 'ready' || report.outcome === 'steps') ? withOtherIds(root, model) : model, report);
  const whenOn = (): WhenIommuOn | null =>
    // The prediction needs every function (a scoped read has only the targets' part).
    iommuState(model).active ? null : whenIommuOn(model.scope ? readModel(root, { preflight: true }) : model, targets, opts, ids);
  return { model, targets, report, plan, whenOn };
}

export async function runCheck(ctx: Context, targetsGiven: string[], opts: CheckOptions): Promise<Result> {
  checkEmitOptions(opts);
  const r = CHECK_RENDERERS[ctx.format as ReportFormat];
  const { model, targets, report, plan, whenOn } = checkInput(ctx.root(), targetsGiven, opts, r.names ? ctx.names() : null);
  if (opts.emit !== undefined) {
    // The VM configuration alone on stdout; the exit code stays the request's.
    const emitted = emitVmConfig(ctx, model, report, targets, { ...opts, emit: opts.emit });
    ctx.warnIssues(model, false);
    return emitted === 'usage' ? 'usage' : outcomeResult(report.outcome);
  }
  write(await r.render({ report, plan: plan(), issues: model.issues, whenOn: whenOn() }, ctx.env()), (s) => ctx.out(s), (s) => ctx.io.err(s));
  ctx.warnIssues(model, r.inlineIssues);
  return outcomeResult(report.outcome);
}
