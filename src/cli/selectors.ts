// What names groups and devices on the command line: --group N, --device ADDR (repeatable, comma
// lists), and the one rule for a group the tree does not have.
import { UsageError } from '../errors.js';
import { parseUserAddress, type PciAddress } from '../model/pci-address.js';
import type { Model } from '../model/types.js';

/** Commander collector: a repeated option and comma lists add up ("--group 21 --group 14,3"). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim())];
}

/** One rule for a group that is not in the tree (list, tree, check, explain): a usage error. */
export function requireGroups(model: Model, ids: readonly number[]): void {
  const have = new Set(model.groups.map((g) => g.id));
  const missing = ids.filter((id) => !have.has(id));
  if (missing.length === 0) return;
  throw new UsageError(
    `--group ${missing.join(',')}: no such group in this tree`,
    have.size === 0 ? 'this tree has no IOMMU groups' : `its groups: ${idRanges([...have].sort((a, b) => a - b))}`,
  );
}

/** [0,1,2,3,5,7,8] -> "0-3, 5, 7-8": group ids need not be dense. */
export function idRanges(ids: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j]! + 1) j++;
    out.push(j === i ? String(ids[i]) : `${ids[i]}-${ids[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

/** A decimal group id ("21", "007"), or null: the one rule for what --group takes. */
export function groupId(value: string): number | null {
  return /^[0-9]{1,9}$/.test(value) ? Number(value) : null;
}

/** --group N: a decimal group id. */
export function parseGroupOption(value: string): number {
  if (groupId(value) === null) throw new UsageError(`--group ${value}: not a group number`, 'a decimal group id, e.g. --group 13');
  return Number(value);
}

/** --device ADDR: a PCI address, full or short. */
export function parseDeviceOption(value: string): PciAddress {
  const r = parseUserAddress(value);
  if (!r.ok) throw new UsageError(`--device ${value}: ${r.reason}`, 'e.g. --device 01:00.0 or --device 0000:01:00.0');
  return r.address;
}
