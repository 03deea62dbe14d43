// Small shared formatting helpers for ids, classes and unreadable values.
import type { Device } from '../model/types.js';
import { hex } from '../model/pci-address.js';

export const FORMATS = ['table', 'json', 'plain', 'legacy'] as const;
export type Format = (typeof FORMATS)[number];

/** "8086:10d3", with "?" for an unreadable half and "-" for an absent one. */
export function idPair(d: Device): string {
  const p = d.pci;
  if (!p) return '-';
  const part = (v: number | null, key: string) => (v !== null ? hex(v, 4) : key in d.errors ? '?' : '-');
  return `${part(p.vendor, 'vendor')}:${part(p.device, 'device')}`;
}

/** Class code as lspci shows it: base class and subclass, "0200". */
export function classCode(d: Device): string {
  const c = d.pci?.class;
  if (c === null || c === undefined) return d.errors['class'] ? '?' : '-';
  return hex(c >> 8, 4);
}

export function revision(d: Device): string {
  const r = d.pci?.revision;
  if (r === null || r === undefined) return d.errors['revision'] ? '?' : '-';
  return hex(r, 2);
}

/** A link-valued fact: the name, "-" when absent, "unreadable (EACCES)" when it could not be read. */
export function linkFact(value: string | null, error: string | undefined, absent = '-'): string {
  if (error) return `unreadable (${error})`;
  return value ?? absent;
}
