// --root: the directory whose sys/ (and proc/, dev/, etc/) every read is under; "/" for the host.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors.js';
import { isArchive, unpackArchive } from '../read/archive-root.js';
import { SysRoot } from '../read/sysfs-root.js';
import type { Io } from '../io.js';

/** Resolve and check --root (a directory, or a .tar.gz unpacked to a temporary one); refuse to guess on a platform with no /sys. */
export function resolveRoot(given: string | undefined, io: Pick<Io, 'platform'>, flag = '--root'): string {
  if (given === undefined) {
    if (io.platform !== 'linux') {
      throw new UsageError(`IOMMU groups are a Linux sysfs feature; this is ${io.platform}`, 'read a captured Linux tree with --root DIR');
    }
    return '/';
  }
  let root = path.resolve(given);
  let st: fs.Stats;
  try {
    st = fs.statSync(root);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`${flag} ${given}: ${code === 'ENOENT' ? 'no such directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code}`, 'give the directory that holds sys/ (a host root or an extracted capture)');
  }
  if (st.isFile() && isArchive(root)) root = unpackArchive(root, `${flag} ${given}`);
  else if (!st.isDirectory()) throw new UsageError(`${flag} ${given}: not a directory`, 'give the directory that holds sys/, or a .tar.gz snapshot');
  const hint = 'give the directory that holds sys/ (for a capture: where its tarball was extracted)';
  // Looked at through the jail like every later read: a sys/ that is a link out of the root is not followed.
  const tree = new SysRoot(root);
  const listed = tree.list('sys');
  if (!listed.ok) {
    const code = listed.absent ? 'ENOENT' : listed.error;
    if (code === 'EACCES' || code === 'EPERM') throw new UsageError(`${flag} ${given}: permission denied reading its sys/`, 'run as a user who may read it (or sudo)');
    if (code === 'EOUTSIDE') throw new UsageError(`${flag} ${given}: its sys/ is a link that leaves the root (${tree.escapes.get('sys') ?? 'not followed'})`, hint);
    throw new UsageError(`${flag} ${given} has no sys/ directory`, hint);
  }
  const entries = listed.value;
  // /proc has a sys/ too (sysctl): a sysfs root has at least one of these.
  const sysfs = ['bus', 'devices', 'class'].some((e) => entries.includes(e)) || tree.kind('sys/kernel/iommu_groups').ok;
  if (!sysfs) {
    throw new UsageError(`${flag} ${given}: its sys/ is not a sysfs tree (no bus/, devices/ or class/ in it)`, hint);
  }
  return root;
}

/** The name documents give a root: a .tar.gz as given (resolved; it is read from where it was unpacked), otherwise the directory read. */
export function rootLabel(given: string | undefined, dir: string): string {
  return given !== undefined && isArchive(given) ? path.resolve(given) : dir;
}

/** resolveRoot, with the name documents give the root. */
export function openRoot(given: string | undefined, io: Pick<Io, 'platform'>, flag = '--root'): { dir: string; label: string } {
  const dir = resolveRoot(given, io, flag);
  return { dir, label: rootLabel(given, dir) };
}
