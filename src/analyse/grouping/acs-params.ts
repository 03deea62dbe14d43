// Kernel command-line parameters that change ACS, parsed as the kernel parses them:
//   pcie_acs_override=downstream,multifunction,id:VVVV:DDDD   out-of-tree patch (Proxmox, zen, ...)
//   pci=config_acs=FLAGS@DEVICE[;FLAGS@DEVICE...]              drivers/pci/pci.c, Linux 6.11+
//   pci=disable_acs_redir=DEVICE[;DEVICE...]                   drivers/pci/pci.c
// DEVICE is pci_dev_str_match()'s syntax: [DOMAIN:]BUS:DEV.FN[/DEV.FN...] (a path from a bridge
// down), or pci:VENDOR:DEVICE[:SUBVENDOR:SUBDEVICE] where 0 matches any. Pure.
import { ACS, REQ_ACS_FLAGS } from '../../model/config-space.js';
import type { Device, Model } from '../../model/types.js';
import type { AcsOverride, ControlChange } from './acs.js';
import { cmdlineValues } from '../../model/cmdline.js';
import { pciByAddress } from './rules.js';
import { iommuState } from './isolation.js';

export type AssumedParam =
  | { kind: 'override'; text: string; override: AcsOverride }
  | { kind: 'pci'; text: string; configAcs: string | null; disableAcsRedir: string | null };

/** The kernel's parse of pcie_acs_override's value: unknown words are skipped, as it does. */
export function parseAcsOverride(value: string): AcsOverride {
  const o: AcsOverride = { downstream: false, multifunction: false, ids: [] };
  for (const w of value.split(',')) {
    if (w.startsWith('downstream')) o.downstream = true;
    else if (w.startsWith('multifunction')) o.multifunction = true;
    else {
      const m = /^id:([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4})/.exec(w);
      if (m) o.ids.push([parseInt(m[1]!, 16), parseInt(m[2]!, 16)]);
    }
  }
  return o;
}

export function mergeOverrides(a: AcsOverride | null, b: AcsOverride | null): AcsOverride | null {
  if (!a) return b;
  if (!b) return a;
  return { downstream: a.downstream || b.downstream, multifunction: a.multifunction || b.multifunction, ids: [...a.ids, ...b.ids] };
}

/** pcie_acs_override on a command line (each occurrence adds to the last, as in the patch). */
export function cmdlineOverride(cmdline: string | null): AcsOverride | null {
  const values = cmdlineValues(cmdline, 'pcie_acs_override');
  return values.length === 0 ? null : values.map(parseAcsOverride).reduce<AcsOverride | null>((a, b) => mergeOverrides(a, b), null);
}

/** pci= options that change ACS control on this command line. */
export function cmdlineSetsAcs(cmdline: string | null): boolean {
  return cmdlineValues(cmdline, 'pci').some((v) => v.split(',').some((o) => o.startsWith('config_acs=') || o.startsWith('disable_acs_redir=')));
}

/** One --assume value: a parameter as it would be added to the kernel command line. */
export function parseAssumed(param: string): AssumedParam | { error: string } {
  const eq = param.indexOf('=');
  const key = (eq === -1 ? param : param.slice(0, eq)).replace(/-/g, '_');
  const value = eq === -1 ? '' : param.slice(eq + 1);
  if (key === 'pcie_acs_override') {
    if (value === '') return { error: 'pcie_acs_override needs a value: downstream, multifunction and/or id:VVVV:DDDD' };
    const o = parseAcsOverride(value);
    if (!o.downstream && !o.multifunction && o.ids.length === 0) return { error: `pcie_acs_override=${value}: nothing the patch understands (downstream, multifunction, id:VVVV:DDDD)` };
    return { kind: 'override', text: param, override: o };
  }
  if (key === 'pci') {
    // pci= splits its options at commas, so a config_acs list is separated by ';'.
    let configAcs: string | null = null;
    let disableAcsRedir: string | null = null;
    for (const o of value.split(',')) {
      if (o.startsWith('config_acs=')) configAcs = o.slice('config_acs='.length);
      else if (o.startsWith('disable_acs_redir=')) disableAcsRedir = o.slice('disable_acs_redir='.length);
    }
    if (configAcs === null && disableAcsRedir === null) return { error: `${param}: no config_acs= or disable_acs_redir= in it (other pci= options do not change grouping)` };
    return { kind: 'pci', text: param, configAcs, disableAcsRedir };
  }
  return { error: `${param}: not a parameter that changes grouping (pcie_acs_override=..., pci=config_acs=..., pci=disable_acs_redir=...)` };
}

/** pci_dev_str_match(): does one device specifier name this device? null: it does not parse. */
export function deviceSpecMatches(spec: string, d: Device, byAddr: Map<string, Device>): boolean | null {
  const ids = /^pci:([0-9a-fA-F]+):([0-9a-fA-F]+)(?::([0-9a-fA-F]+):([0-9a-fA-F]+))?$/.exec(spec);
  if (ids) {
    const [v, dv, sv, sd] = ids.slice(1).map((x) => (x === undefined ? 0 : parseInt(x, 16)));
    const p = d.pci!;
    return (!v || v === p.vendor) && (!dv || dv === p.device) && (!sv || sv === p.subsystemVendor) && (!sd || sd === p.subsystemDevice);
  }
  const parts = spec.split('/');
  let cur: Device | undefined = d;
  for (let i = parts.length - 1; i >= 1; i--) {
    const m = /^([0-9a-fA-F]+)\.([0-9a-fA-F]+)$/.exec(parts[i]!);
    if (!m) return null;
    if (!cur || cur.pci!.slot !== parseInt(m[1]!, 16) || cur.pci!.function !== parseInt(m[2]!, 16)) return false;
    const up: string | undefined = cur.pci!.upstream[0];
    cur = up === undefined ? undefined : byAddr.get(up);
  }
  const m = /^(?:([0-9a-fA-F]+):)?([0-9a-fA-F]+):([0-9a-fA-F]+)\.([0-9a-fA-F]+)$/.exec(parts[0]!);
  if (!m) return null;
  if (!cur) return false;
  const [dom, bus, slot, fn] = [m[1] === undefined ? 0 : parseInt(m[1], 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16), parseInt(m[4]!, 16)];
  return cur.pci!.domain === dom && cur.pci!.bus === bus && cur.pci!.slot === slot && cur.pci!.function === fn;
}

export interface ControlPlan {
  changes: Map<string, ControlChange>;
  /** What the kernel would do that the user may not expect, in sentences. */
  notes: string[];
}

/**
 * The ACS control each named device would get at boot (pci_enable_acs: disable_acs_redir, then
 * config_acs, each from the firmware's value for the bits it names). `cmdlineAcs`: today's command
 * line already sets ACS, so no bit of today's value is known to be the firmware's.
 */
export function controlChanges(model: Model, p: Extract<AssumedParam, { kind: 'pci' }>, cmdlineAcs: boolean): ControlPlan {
  const byAddr = pciByAddress(model);
  const iommuOn = iommuState(model).active;
  const changes = new Map<string, ControlChange>();
  const notes: string[] = [];
  const named = new Set<string>();
  for (const d of byAddr.values()) {
    let mask = 0;
    let flags = 0;
    let param = '';
    if (p.disableAcsRedir !== null) {
      const r = firstMatch(p.disableAcsRedir, d, byAddr, false);
      if (r.error) notes.push(`pci=disable_acs_redir=${p.disableAcsRedir}: ${r.error}; the kernel ignores the rest of it`);
      if (r.hit) {
        mask |= ACS.RR | ACS.CR | ACS.EC;
        param = `pci=disable_acs_redir=${p.disableAcsRedir}`;
      }
    }
    if (p.configAcs !== null) {
      const r = firstMatch(p.configAcs, d, byAddr, true);
      if (r.error) notes.push(`pci=config_acs=${p.configAcs}: ${r.error}; the kernel ignores the rest of it`);
      if (r.hit) {
        // config_acs starts again from the firmware's value: it replaces what disable_acs_redir did.
        mask = r.mask;
        flags = r.flags;
        param = `pci=config_acs=${p.configAcs}`;
      }
    }
    if (param === '') continue;
    named.add(d.name);
    const acs = d.pci!.caps?.acs;
    if (!d.pci!.caps) {
      notes.push(`${d.name} is named by ${param}, but its config space is not in this tree`);
      continue;
    }
    if (!acs) {
      notes.push(`${d.name} has no ACS capability: ${param} changes nothing there (it can only set what the hardware implements)`);
      continue;
    }
    const today = acs.control;
    const value = ((today & ~mask) | (flags & mask)) & (acs.capability | ~0x7f);
    // Today's value is the firmware's unless the kernel (IOMMU on) or the command line changed it.
    const unsure = REQ_ACS_FLAGS & ~mask & (cmdlineAcs ? 0xffff : iommuOn ? today : 0);
    changes.set(d.name, { value, unsure, param });
  }
  if (named.size === 0 && notes.length === 0) notes.push(`${p.text} names no device in this tree`);
  return { changes, notes: [...new Set(notes)] };
}

type Match = { hit: boolean; mask: number; flags: number; error?: string };

/** __pci_config_acs(): entries separated by ';', the first that names the device applies. */
function firstMatch(value: string, d: Device, byAddr: Map<string, Device>, withFlags: boolean): Match {
  for (const entry of value.split(';')) {
    let spec = entry;
    let mask = 0;
    let flags = 0;
    if (withFlags) {
      const at = entry.indexOf('@');
      if (at === -1) return { hit: false, mask, flags, error: `'${entry}' has no FLAGS@ (ACS Flags missing)` };
      const bits = entry.slice(0, at);
      for (let i = 0; i < bits.length; i++) {
        const bit = 1 << (bits.length - 1 - i);
        const c = bits[i]!;
        if (c === '0') mask |= bit;
        else if (c === '1') {
          mask |= bit;
          flags |= bit;
        } else if (c !== 'x' && c !== 'X') return { hit: false, mask, flags, error: `'${bits}' is not a string of 0, 1 and x (Invalid ACS flags)` };
      }
      if (mask & ~0x7f) return { hit: false, mask, flags, error: `'${bits}' names more than the 7 ACS control bits (Invalid ACS flags specified)` };
      spec = entry.slice(at + 1);
    }
    const m = deviceSpecMatches(spec, d, byAddr);
    if (m === null) return { hit: false, mask, flags, error: `'${spec}' is not a device the kernel can parse (Can't parse ACS command line parameter)` };
    if (m) return { hit: true, mask, flags };
  }
  return { hit: false, mask: 0, flags: 0 };
}
