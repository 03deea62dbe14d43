// The pre-flight commands: host (is the machine ready?), check (can these devices go to a VM?),
// explain (why is this group the way it is?). They print, they never change anything.
import { checkTargets, type Outcome } from '../analyse/vfio/check.js';
import { explain } from '../analyse/grouping/explain.js';
import { kernelPrediction } from '../analyse/grouping/kernel-grouping.js';
import { worst } from '../analyse/findings/findings.js';
import { hostReport } from '../analyse/host/host-check.js';
import { iommuState } from '../analyse/grouping/isolation.js';
import { buildPlan } from '../analyse/vfio/plan.js';
import { readPciIds } from '../read/read-pci-ids.js';
import type { ReportFormat } from '../render/format.js';
import { EXIT, UsageError } from '../errors.js';
import { parseAssumed } from '../analyse/grouping/acs-params.js';
import { deviceWhatIf, whatIf, whatIfLines } from '../analyse/grouping/what-if.js';
import { readModel } from '../read/read-model.js';
import { readScopedModel, withOtherIds } from '../read/read-scoped.js';
import { formatPciAddress, parseUserAddress } from '../model/pci-address.js';
import * as R from '../render/preflight.js';
import type { Io } from '../io.js';
import { chalkFor, chooseFormat, outputWidth, reportIssues, resolveRoot, type CommonOptions } from './common.js';
import { resolveTargets } from './targets.js';
import { vmSlots } from '../analyse/vfio/vm-config.js';
import { emitLibvirt, emitProxmox, emitQemu, proxmoxEntries, type EmitKind } from '../render/emit.js';
import { placeInVm } from '../analyse/vfio/vm-placement.js';
import { readVmExisting } from '../read/read-vm-config.js';
import { SysRoot } from '../read/sysfs-root.js';
import { visible as safeText } from '../render/safe-text.js';

export interface CheckOptions extends CommonOptions {
  group?: string;
  strict?: boolean;
  assume?: string[];
  emit?: EmitKind;
  xVga?: boolean;
  vmid?: string;
  domain?: string;
}

/** host, check and explain take table, json and plain (commander refuses the others). */
function reportFormat(opts: CommonOptions, io: Io) {
  return chooseFormat(opts, io) as ReportFormat;
}

/** One renderer per format of a report command. */
type Renderers = Record<ReportFormat, () => string | Promise<string>>;

export async function runHost(opts: CommonOptions, io: Io): Promise<number> {
  const format = reportFormat(opts, io);
  const root = resolveRoot(opts, io);
  const model = readModel(root, { preflight: true });
  const { findings, boot } = hostReport(model);
  const verdict = worst(findings.map((f) => f.status));
  const render: Renderers = {
    json: () => R.renderHostJson(findings, verdict, root, boot, model.issues),
    plain: () => R.renderFindingsPlain(findings),
    table: async () => R.renderHostText(findings, verdict, await chalkFor(opts, io), outputWidth(opts, io), boot),
  };
  io.out(await render[format]());
  reportIssues(model, format, io, ['json']);
  return findings.some((f) => f.status === 'fail') ? EXIT.FAILED : EXIT.OK;
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
  const groups = group === undefined ? [] : /^(0|[1-9][0-9]{0,8})$/.test(group) ? [Number(group)] : null;
  if (groups === null || (names.length === 0 && groups.length === 0)) return null;
  return readScopedModel(root, { names, groups });
}

/** check's exit code per request outcome (README "Exit codes"). */
export const CHECK_EXIT: Record<Outcome, number> = { ready: EXIT.OK, blocked: EXIT.FAILED, steps: EXIT.STEPS, unknown: EXIT.UNKNOWN };

export async function runCheck(targets: string[], opts: CheckOptions, io: Io): Promise<number> {
  if (opts.vmid !== undefined && !/^[1-9][0-9]{2,8}$/.test(opts.vmid)) throw new UsageError(`--vmid ${opts.vmid}: not a Proxmox VM id (a number from 100 to 999999999)`, 'e.g. --emit proxmox --vmid 101');
  if (opts.domain !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,199}$/.test(opts.domain)) throw new UsageError(`--domain: not a libvirt domain name this tool reads (letters, digits, _ . + -)`, 'e.g. --emit libvirt --domain win11');
  const needsEmit = opts.vmid !== undefined ? '--vmid' : opts.domain !== undefined ? '--domain' : opts.xVga ? '--x-vga' : null;
  if (needsEmit !== null && opts.emit === undefined) throw new UsageError(`${needsEmit} goes with --emit`, 'e.g. iommu-groups check 01:00.0 --emit proxmox --vmid 101');
  if (opts.vmid !== undefined && opts.emit !== 'proxmox') throw new UsageError('--vmid goes with --emit proxmox', 'e.g. iommu-groups check 01:00.0 --emit proxmox --vmid 101');
  if (opts.domain !== undefined && opts.emit !== 'libvirt') throw new UsageError('--domain goes with --emit libvirt', 'e.g. iommu-groups check 01:00.0 --emit libvirt --domain win11');
  const format = reportFormat(opts, io);
  const root = resolveRoot(opts, io);
  const model = scopedRead(root, targets, opts.group) ?? readModel(root, { preflight: true });
  const report = checkTargets(model, resolveTargets(model, targets, opts.group), { strict: opts.strict === true, ids: format === 'plain' ? null : readPciIds(opts.pciIds) });
  // A scoped read learns the other functions' ids only when a plan can use them.
  const plan = buildPlan(model.scope && (report.outcome === 'ready' || report.outcome === 'steps') ? withOtherIds(root, model) : model, report);
  if (opts.emit !== undefined) {
    // The VM configuration alone on stdout; the exit code stays the request's.
    const slots = vmSlots(model, report);
    if (slots === null) io.err(`iommu-groups: no VM configuration: the request is ${report.outcome} (iommu-groups check ${targets.map((t) => safeText(t)).join(' ')} says why)\n`);
    else {
      const id = opts.vmid ?? opts.domain;
      const vm = id === undefined ? null : { id, existing: readVmExisting(new SysRoot(root), opts.emit === 'proxmox' ? 'proxmox' : 'libvirt', id) };
      const place = placeInVm(opts.emit, slots, proxmoxEntries(slots).length, vm, report.mmio.window);
      for (const n of place.notes) io.err(`iommu-groups: ${safeText(n)}\n`);
      if (place.error !== null) {
        io.err(`iommu-groups: ${safeText(place.error)}\n`);
        reportIssues(model, format, io, []); // stdout holds the configuration alone
        return EXIT.USAGE;
      }
      const o = { vga: opts.xVga === true, firstPort: place.firstPort, hostpci: place.hostpci, window64: report.mmio.window, argsFree: place.argsFree };
      io.out(opts.emit === 'libvirt' ? emitLibvirt(slots, o) : opts.emit === 'qemu' ? emitQemu(slots, o) : emitProxmox(slots, o, opts.vmid));
    }
    reportIssues(model, format, io, []); // stdout holds the configuration alone
    return CHECK_EXIT[report.outcome];
  }
  const render: Renderers = {
    json: () => R.renderCheckJson(report, plan, root, model.issues),
    plain: () => R.renderCheckPlain(report),
    table: async () => R.renderCheckText(report, plan, await chalkFor(opts, io), outputWidth(opts, io)),
  };
  io.out(await render[format]());
  // plain keeps one line per target on stdout: what the tree lacks goes to stderr, once.
  if (format === 'plain' && report.lacking.length > 0) io.err(`iommu-groups: ${R.lackingText(report.lacking)}\n`);
  reportIssues(model, format, io, ['json']);
  return CHECK_EXIT[report.outcome];
}

export async function runExplain(targets: string[], opts: CheckOptions, io: Io): Promise<number> {
  const format = reportFormat(opts, io);
  const assumed = (opts.assume ?? []).map((p) => {
    const a = parseAssumed(p);
    if ('error' in a) throw new UsageError(`--assume ${a.error}`, "e.g. --assume pcie_acs_override=downstream,multifunction or --assume 'pci=config_acs=xxx11x1@0000:07:00.0'");
    return a;
  });
  const root = resolveRoot(opts, io);
  // A what-if runs check on the predicted groups, which needs the host facts check reads.
  const model = readModel(root, assumed.length > 0 ? { preflight: true } : undefined);
  const resolved = resolveTargets(model, targets, opts.group);
  const byPath = new Map(model.devices.map((d) => [d.path, d]));
  const devices = resolved.flatMap((t) => {
    if (t.device) return [t.device];
    const g = model.groups.find((x) => x.id === t.group)!;
    return g.members.map((m) => byPath.get(m.path)).filter((d) => d !== undefined && d.pci !== null).slice(0, 1);
  });
  const kp = kernelPrediction(model);
  const w = assumed.length > 0 ? whatIf(model, kp, assumed) : null;
  const es = devices.map((d) => {
    const e = explain(model, d!, kp);
    if (!w) return e;
    const dw = deviceWhatIf(model, kp, w, d!);
    return { ...e, predicted: dw.predicted, whatIf: dw, lines: [...e.lines, ...whatIfLines(model, w, dw)] };
  });
  const assume = w ? { params: w.params, changes: w.changes, notes: w.notes } : undefined;
  const render: Renderers = {
    json: () => R.renderExplainJson(es, root, assume, model.issues),
    plain: () => R.renderExplainPlain(es),
    table: async () => {
      const c = await chalkFor(opts, io);
      return es.map((e) => R.renderExplainText(e, c, outputWidth(opts, io))).join('\n');
    },
  };
  io.out(await render[format]());
  reportIssues(model, format, io, ['json']);
  return iommuState(model).active ? EXIT.OK : EXIT.NO_IOMMU;
}
