// Reads sys/kernel/iommu_groups: one directory per group with devices/ links, type, name and
// reserved_regions. Member identity comes from each link's target, never from its entry name
// (on a name clash the kernel names the link "<name>.<N>").
import { parseReservedRegions } from '../model/reserved-regions.js';
import type { ErrorMap, Issue, ReservedRegion } from '../model/types.js';
import { type SysRoot } from './sysfs-root.js';

export const GROUPS_DIR = 'sys/kernel/iommu_groups';

export interface RawGroup {
  id: number;
  dir: string;
  type: string | null;
  name: string | null;
  reservedRegions: ReservedRegion[] | null;
  /** Root-relative device paths the devices/ links point to, in entry-name order. */
  memberPaths: string[];
  errors: ErrorMap;
}

export interface RawGroups {
  state: 'present' | 'absent' | 'unreadable';
  groups: RawGroup[];
  issues: Issue[];
}

export function readGroups(sys: SysRoot): RawGroups {
  const issues: Issue[] = [];
  const listing = sys.list(GROUPS_DIR);
  if (!listing.ok) {
    if (!listing.absent) issues.push(readError(GROUPS_DIR, listing.error));
    return { state: listing.absent ? 'absent' : 'unreadable', groups: [], issues };
  }
  const groups: RawGroup[] = [];
  for (const dir of listing.value) {
    // The kernel writes ids as plain decimals: "013" or "1e3" is not one of its directories.
    if (!/^(0|[1-9][0-9]{0,8})$/.test(dir)) {
      issues.push({
        code: 'GROUP_DIR_NOT_NUMERIC',
        subject: `${GROUPS_DIR}/${dir}`,
        message: `group directory name "${dir}" is not a decimal group id; skipped`,
      });
      continue;
    }
    const g = readGroup(sys, dir, issues);
    if (g) groups.push(g);
  }
  groups.sort((a, b) => a.id - b.id || (a.dir < b.dir ? -1 : 1));
  return { state: 'present', groups, issues };
}

export function readGroup(sys: SysRoot, dir: string, issues: Issue[]): RawGroup | null {
  const base = `${GROUPS_DIR}/${dir}`;
  const errors: ErrorMap = {};
  const entries = sys.list(base);
  if (!entries.ok) {
    if (entries.absent) return null; // the group went away mid-walk
    errors['group'] = entries.error;
  }
  const has = (n: string) => !entries.ok || entries.value.includes(n);

  let type: string | null = null;
  if (has('type')) {
    const t = sys.readText(`${base}/type`);
    if (t.ok) type = t.value;
    else if (!t.absent) errors['type'] = t.error;
  }
  let name: string | null = null;
  if (has('name')) {
    const n = sys.readText(`${base}/name`);
    if (n.ok) name = n.value;
    else if (!n.absent) errors['name'] = n.error;
  }
  let reservedRegions: ReservedRegion[] | null = null;
  if (has('reserved_regions')) {
    const r = sys.readText(`${base}/reserved_regions`);
    if (r.ok) {
      const parsed = parseReservedRegions(r.value);
      reservedRegions = parsed.regions;
      if (parsed.badLines.length > 0) {
        errors['reservedRegions'] = 'EBADFORMAT';
        issues.push(readError(`${base}/reserved_regions`, `EBADFORMAT (line ${parsed.badLines.join(', ')})`));
      }
    } else if (!r.absent) errors['reservedRegions'] = r.error;
  }

  const memberPaths: string[] = [];
  const links = sys.list(`${base}/devices`);
  if (!links.ok) {
    if (!links.absent) errors['members'] = links.error;
  } else {
    for (const entry of links.value) {
      const rel = `${base}/devices/${entry}`;
      const target = sys.resolveLink(rel);
      if (target.ok) {
        if (!memberPaths.includes(target.value)) memberPaths.push(target.value);
      } else if (!target.absent) {
        errors['members'] = target.error;
        if (target.error !== 'EOUTSIDE') issues.push(readError(rel, target.error)); // escapes: read-model.ts
      }
    }
  }
  for (const n of sys.unnamedIn(`${base}/devices`)) {
    errors['members'] = 'EILSEQ';
    issues.push(unnamedIssue(`${base}/devices/${n}`));
  }
  return { id: Number(dir), dir, type, name, reservedRegions, memberPaths, errors };
}

export function readError(subject: string, error: string): Issue {
  return { code: 'READ_ERROR', subject, message: `could not read: ${error}` };
}

/** An entry whose name is not valid UTF-8: no path can name it, so what it is cannot be read. */
export function unnamedIssue(subject: string): Issue {
  return { code: 'READ_ERROR', subject, message: 'could not read: EILSEQ (its name is not valid UTF-8, so it cannot be named or followed)' };
}
