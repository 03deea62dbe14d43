// Small shared formatting helpers for ids, classes and unreadable values.
import type { Device } from '../model/types.js';
import { hex } from '../model/pci-address.js';

/** What `list` can print; other commands take a subset (each command's --help lists its own). */
export const LIST_FORMATS = ['table', 'json', 'plain', 'legacy', 'ids', 'addresses', 'prometheus', 'nfd'] as const;
export type Format = (typeof LIST_FORMATS)[number];

/** The formats of buses, host, check and explain. */
export const REPORT_FORMATS = ['table', 'json', 'plain'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** A numeric PCI attribute in hex: "?" when it could not be read, "-" when it is absent. */
function hexOf(d: Device, v: number | null | undefined, key: string, width: number): string {
  if (v === null || v === undefined) return key in d.errors ? '?' : '-';
  return hex(v, width);
}

/** "8086:10d3", with "?" for an unreadable half and "-" for an absent one. */
export function idPair(d: Device): string {
  const p = d.pci;
  if (!p) return '-';
  return `${hexOf(d, p.vendor, 'vendor', 4)}:${hexOf(d, p.device, 'device', 4)}`;
}

/** Class code as lspci shows it: base class and subclass, "0200". */
export function classCode(d: Device): string {
  const c = d.pci?.class;
  return hexOf(d, c === null || c === undefined ? c : c >> 8, 'class', 4);
}

export function revision(d: Device): string {
  return hexOf(d, d.pci?.revision, 'revision', 2);
}

/** A link-valued fact: the name, "-" when absent, "unreadable (EACCES)" when it could not be read. */
export function linkFact(value: string | null, error: string | undefined, absent = '-'): string {
  if (error) return `unreadable (${error})`;
  return value ?? absent;
}

/** The formats of tree. */
export const TREE_FORMATS = ['table', 'json', 'plain', 'dot'] as const;
export type TreeFormat = (typeof TREE_FORMATS)[number];

/**
 * SR-IOV role, for people and plain output: "pf 2/7" (VFs enabled / the most it can have; "?" where
 * unreadable or absent), "vf 0000:01:00.0" (its PF), or null for neither.
 */
export function sriovMark(d: Device): string | null {
  const p = d.pci;
  if (!p) return null;
  if (p.physfn !== null) return `vf ${p.physfn}`;
  if (p.sriovTotalvfs !== null || p.sriovNumvfs !== null || p.virtfns.length > 0) return `pf ${p.sriovNumvfs ?? p.virtfns.length}/${p.sriovTotalvfs ?? '?'}`;
  return null;
}
