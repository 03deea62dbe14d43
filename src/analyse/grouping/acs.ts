// The kernel's ACS test, pci_acs_enabled(dev, REQ_ACS_FLAGS) in drivers/pci/pci.c: first the
// device quirks (pci_dev_specific_acs_enabled, table in quirk-table.ts), then - on kernels with
// the out-of-tree override patch - pcie_acs_override, then the ACS capability in config space.
import { ACS, PCIE_TYPE as T, PCIE_TYPE_NAMES, REQ_ACS_FLAGS } from '../../model/config-space.js';
import type { Device } from '../../model/types.js';
import { ACS_QUIRKS, INTEL_PCH_ROOT_PORTS, inRanges, type AcsQuirk } from './quirk-table.js';

export interface QuirkRef {
  name: string;
  fn: string;
}

/** "Intel PCH root port, kernel ACS quirk pci_quirk_intel_pch_acs": how a quirk is named everywhere. */
export function quirkText(q: QuirkRef): string {
  return `${q.name}, kernel ACS quirk ${q.fn}`;
}

export type AcsResult = {
  result: 'pass' | 'fail' | 'unknown';
  why: string;
  /** The kernel quirk that decided it, if one did. */
  quirk?: QuirkRef;
  /** Decided by the Intel PCH workaround, whose boot-time state sysfs does not show. */
  pch?: boolean;
  /** Decided by pcie_acs_override. */
  override?: boolean;
};

/** pcie_acs_override=downstream,multifunction,id:VVVV:DDDD (the out-of-tree patch). */
export interface AcsOverride {
  downstream: boolean;
  multifunction: boolean;
  ids: [number, number][];
}

/** ACS control as a what-if sets it: the value, and the bits whose value is not known. */
export interface ControlChange {
  value: number;
  /** Bits left to the firmware's value (an 'x' in config_acs), which sysfs does not show. */
  unsure: number;
  /** The parameter that set it, for the sentence. */
  param: string;
}

/** What the kernel knew at boot that config space does not show. */
export interface AcsContext {
  /** Whether the kernel enabled its Intel PCH root-port ACS workaround at boot. */
  pchWorkaround: boolean;
  /** pcie_acs_override in effect (a kernel that carries the patch), or null. */
  override: AcsOverride | null;
  /** Whether firmware has an IVRS table (AMD IOMMU); null when the tree does not say. */
  ivrs: boolean | null;
  /** Whether the function sits on a root bus (no bridge above it in its PCI domain). */
  onRootBus: (d: Device) => boolean;
  /** ACS control values a what-if changes, by address. */
  control?: ReadonlyMap<string, ControlChange>;
  /**
   * No IOMMU is active, so the kernel left ACS as firmware set it; with an IOMMU it enables
   * SV, RR, CR and UF where implemented at boot (pci_enable_acs -> pci_std_enable_acs).
   */
  iommuOff?: boolean;
}

export const DEFAULT_CONTEXT: AcsContext = { pchWorkaround: true, override: null, ivrs: null, onRootBus: (d) => d.pci?.upstream.length === 0 };

/** What kind of function this is, in words ("switch downstream port", "conventional PCI function"). */
export function functionKind(d: Device): string | null {
  const caps = d.pci?.caps;
  if (!caps) return null;
  if (caps.portType === null) return d.pci!.headerType === 1 ? 'conventional PCI bridge' : 'conventional PCI function';
  return PCIE_TYPE_NAMES[caps.portType] ?? `PCIe function of type ${caps.portType}`;
}

/** Why config space is not known well enough to decide. */
export function capsUnknownWhy(d: Device | undefined, address: string): string {
  if (!d?.pci) return `${address} is not in the tree`;
  const n = d.pci.configBytes;
  if (n !== null && n < 256) return `only ${n} bytes of ${address}'s config space are readable (the rest needs root)`;
  if ('config' in d.errors) return `${address}'s config space is unreadable (${d.errors['config']})`;
  return `${address}'s config space is not in this tree (config space was not read)`;
}

/** Kernel multifunction flag: header bit or other functions in the slot; never for VFs. */
export function isMultifunction(d: Device): boolean {
  return d.pci?.physfn === null && d.pci.multifunction === true;
}

export function acsEnabled(d: Device | undefined, address: string, ctx: AcsContext = DEFAULT_CONTEXT): AcsResult {
  if (!d?.pci) return { result: 'unknown', why: capsUnknownWhy(d, address) };
  const quirk = quirkResult(d, address, ctx);
  if (quirk !== null) return quirk;
  const caps = d.pci.caps;
  if (!caps) return { result: 'unknown', why: capsUnknownWhy(d, address) };
  const over = ctx.override ? overrideResult(d, ctx.override) : null;
  if (over !== null) return over;
  const kind = functionKind(d)!;
  switch (caps.portType) {
    case null:
      return { result: 'fail', why: `${kind} (conventional PCI has no ACS)` };
    case T.PCIE_TO_PCI_BRIDGE:
    case T.PCI_TO_PCIE_BRIDGE:
    case T.RC_EVENT_COLLECTOR:
      return { result: 'fail', why: `${kind} (never isolating for the kernel)` };
    case T.ROOT_PORT:
    case T.DOWNSTREAM_PORT:
      return acsFlags(d, kind, ctx);
    case T.ENDPOINT:
    case T.LEGACY_ENDPOINT:
    case T.UPSTREAM_PORT:
    case T.RC_INTEGRATED_ENDPOINT:
      if (isMultifunction(d)) return acsFlags(d, `multifunction ${kind}`, ctx);
      return { result: 'pass', why: `single-function ${kind} (ACS not required)` };
    default:
      return { result: 'pass', why: `${kind} (ACS not required)` };
  }
}

/** The quirk table, in the kernel's order: the first quirk that answers decides. */
function quirkResult(d: Device, address: string, ctx: AcsContext): AcsResult | null {
  const { vendor, device } = d.pci!;
  if (vendor === null || device === null) {
    return d.pci!.caps ? { result: 'unknown', why: `${address}'s vendor:device id is unreadable, so the kernel's ACS quirks cannot be ruled out` } : null;
  }
  for (const q of ACS_QUIRKS) {
    if (q.vendor !== vendor || (q.device !== null && q.device !== device)) continue;
    const r = applyQuirk(q, d, address, ctx);
    if (r !== null) return r;
  }
  return null;
}

function applyQuirk(q: AcsQuirk, d: Device, address: string, ctx: AcsContext): AcsResult | null {
  const ref: QuirkRef = { name: q.name, fn: q.fn };
  const said = (result: 'pass' | 'fail', how: string, extra: Partial<AcsResult> = {}): AcsResult => ({
    result,
    why: `${quirkText(q)}: ${how}`,
    quirk: ref,
    ...extra,
  });
  const caps = d.pci!.caps;
  const device = d.pci!.device!;
  const needType = (): AcsResult => ({ result: 'unknown', why: `${capsUnknownWhy(d, address)}; the kernel quirk ${q.fn} depends on its port type`, quirk: ref });
  const rule = q.rule;
  switch (rule.kind) {
    case 'isolates':
      return said('pass', 'isolates (the vendor declares no peer-to-peer)');
    case 'amd-sb':
      if (!isMultifunction(d) || !ctx.onRootBus(d)) return null;
      if (ctx.ivrs === null) return { result: 'unknown', why: `${q.name}: the kernel quirk ${q.fn} isolates it only when firmware has an IVRS (AMD IOMMU) table, and this tree does not show the ACPI tables`, quirk: ref };
      return ctx.ivrs ? said('pass', 'isolates (IVRS table present)') : null;
    case 'root-port-ids':
      if (!caps) return needType();
      return caps.portType === T.ROOT_PORT && inRanges(device, rule.ranges) ? said('pass', 'isolates') : null;
    case 'root-port':
      if (!caps) return needType();
      return caps.portType === T.ROOT_PORT ? said('pass', 'isolates') : null;
    case 'intel-rciep':
      if (!caps) return needType();
      return caps.portType === T.RC_INTEGRATED_ENDPOINT ? said('pass', 'isolates (VT-d: integrated endpoints reach peers only through translation)') : null;
    case 'intel-pch':
      if (!caps) return needType();
      if (caps.portType !== T.ROOT_PORT || !INTEL_PCH_ROOT_PORTS.has(device)) return null;
      return ctx.pchWorkaround
        ? said('pass', "isolates if the kernel's Intel PCH ACS workaround is enabled (dmesg: 'Intel PCH root port ACS workaround enabled')", { pch: true })
        : said('fail', "does not isolate: the kernel's Intel PCH ACS workaround is not enabled (dmesg: 'Failed to enable Intel PCH ACS quirk')", { pch: true });
    case 'intel-spt': {
      if (!caps) return needType();
      if (caps.portType !== T.ROOT_PORT || !inRanges(device, rule.ranges) || caps.acs === null) return null;
      // pci=config_acs writes the standard offset, so a what-if leaves this register as it is.
      const ctrl = caps.acs.dwordControl === null ? null : caps.acs.dwordControl | (ctx.iommuOff ? caps.acs.capability & REQ_ACS_FLAGS : 0);
      if (ctrl === null) return { result: 'unknown', why: `${q.name}: its ACS control sits at capability + 8 and this read of config space ends before it`, quirk: ref };
      const eff = REQ_ACS_FLAGS & (caps.acs.capability | ACS.EC);
      const missing = eff & ~ctrl;
      return missing === 0
        ? said('pass', `ACS ${flagNames(eff)} enabled in the control register at capability + 8`)
        : said('fail', `ACS ${flagNames(missing)} not enabled (control at capability + 8: ${hex4(ctrl & 0xffff)})`);
    }
    case 'ports-ids-else-fail':
      if (!caps) return needType();
      if (caps.portType !== T.ROOT_PORT && caps.portType !== T.DOWNSTREAM_PORT) return null;
      return inRanges(device, rule.ranges) ? said('pass', 'isolates') : said('fail', 'the quirk reports no isolation for this device id');
    case 'ids-else-fail':
      return inRanges(device, rule.ranges) ? said('pass', 'isolates') : said('fail', 'the quirk reports no isolation for this device id');
  }
}

/** pcie_acs_overrides() of the out-of-tree patch: only PCIe functions without an ACS capability. */
function overrideResult(d: Device, o: AcsOverride): AcsResult | null {
  const caps = d.pci!.caps!;
  if (caps.portType === null || caps.acs !== null) return null;
  const { vendor, device } = d.pci!;
  const by = (how: string): AcsResult => ({ result: 'pass', why: `${functionKind(d)} without ACS, treated as isolated by pcie_acs_override=${how} (no real isolation)`, override: true });
  if (o.ids.some(([v, dv]) => v === vendor && dv === device)) return by(`id:${idHex(vendor!)}:${idHex(device!)}`);
  if (o.downstream && (caps.portType === T.ROOT_PORT || caps.portType === T.DOWNSTREAM_PORT)) return by('downstream');
  const endpointLike = [T.ENDPOINT, T.UPSTREAM_PORT, T.LEGACY_ENDPOINT, T.RC_INTEGRATED_ENDPOINT] as number[];
  if (o.multifunction && endpointLike.includes(caps.portType) && isMultifunction(d)) return by('multifunction');
  return null;
}

function acsFlags(d: Device, kind: string, ctx: AcsContext): AcsResult {
  const acs = d.pci!.caps!.acs;
  if (acs === null) return { result: 'fail', why: `${kind} without an ACS capability` };
  const change = ctx.control?.get(d.name);
  const enabledAtBoot = !change && ctx.iommuOff === true ? acs.capability & REQ_ACS_FLAGS & ~acs.control : 0;
  const control = change?.value ?? acs.control | enabledAtBoot;
  const eff = REQ_ACS_FLAGS & (acs.capability | ACS.EC);
  const missing = eff & ~control;
  const set = change ? ` (as ${change.param} would set it)` : enabledAtBoot ? `, ${flagNames(enabledAtBoot)} of them by the kernel at boot once an IOMMU is on (off now)` : '';
  if (missing === 0) {
    const unsure = eff & (change?.unsure ?? 0);
    if (unsure !== 0) {
      return {
        result: 'unknown',
        why: `${change!.param} leaves ACS ${flagNames(unsure)} of ${d.name} (${kind}) as 'x', and for a device it names the kernel takes 'x' bits from the firmware's value, which sysfs does not show (today's value includes what the kernel enabled itself): give 1 or 0 for them`,
      };
    }
    return { result: 'pass', why: `${kind} with ACS ${flagNames(eff)} enabled${set}` };
  }
  return { result: 'fail', why: `${kind} with ACS ${flagNames(missing)} not enabled (control ${hex4(control)})${set}` };
}

export function flagNames(bits: number): string {
  const names = (Object.entries(ACS) as [string, number][]).filter(([, v]) => (bits & v) !== 0).map(([k]) => k);
  return names.length === 0 ? 'none' : names.join('+');
}

function hex4(n: number): string {
  return '0x' + n.toString(16).padStart(4, '0');
}

function idHex(n: number): string {
  return n.toString(16).padStart(4, '0');
}
