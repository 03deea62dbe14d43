// Root-confined, read-only access to a sysfs tree: every path is joined onto one root.
//
// Each read returns a Got<T>: the value, "absent" (ENOENT/ENOTDIR/ENODEV: the entry is not
// there, or vanished mid-walk), or "unreadable" with the errno code (EACCES, EIO, EINVAL, ELOOP,
// a link that leaves the root, ...). Callers keep the two apart; nothing here throws for an
// entry-level failure.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type Got<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly absent: true }
  | { readonly ok: false; readonly absent: false; readonly error: string };

export const ABSENT: Got<never> = Object.freeze({ ok: false, absent: true });

export function got<T>(value: T): Got<T> {
  return { ok: true, value };
}

export function unreadable(error: string): Got<never> {
  return { ok: false, absent: false, error };
}

/** Errors that mean "the entry is not there (any more)". */
const ABSENT_CODES = new Set(['ENOENT', 'ENOTDIR', 'ENODEV', 'ENXIO']);

export function fromError(err: unknown): Got<never> {
  const code = (err as NodeJS.ErrnoException | null)?.code ?? 'EUNKNOWN';
  return ABSENT_CODES.has(code) ? ABSENT : unreadable(code);
}

/** Largest attribute we read. Real sysfs attributes are at most one page; config space is 4 KiB. */
export const MAX_ATTR_BYTES = 64 * 1024;

// O_NONBLOCK keeps a FIFO planted in a snapshot from hanging the walk; O_NOFOLLOW stops a
// final-component symlink from leading the read outside the root. Never any write flag.
const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW;

/** Where `snapshot` lists what it could not read: path TAB errno TAB operation, one per line. */
export const SNAPSHOT_UNREADABLE = 'snapshot-meta/unreadable.txt';

/** The ways the readers touch an entry (what the recorder hears, and what a snapshot records). */
export type ReadOp = 'list' | 'read' | 'link' | 'kind';
const READ_OPS: ReadonlySet<string> = new Set<ReadOp>(['list', 'read', 'link', 'kind']);

function loadRecordedUnreadable(file: string): Map<string, string> {
  const m = new Map<string, string>();
  let text: string;
  try {
    const fd = fs.openSync(file, OPEN_FLAGS);
    try {
      // Bounded like every other read: at most 1 MiB of the list is honoured.
      const buf = Buffer.allocUnsafe(1 << 20);
      let n = 0;
      for (let got = 1; got > 0 && n < buf.length; n += got) got = fs.readSync(fd, buf, n, buf.length - n, null);
      text = buf.toString('utf8', 0, n);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return m; // not a snapshot, or one without the list
  }
  for (const line of text.split('\n')) {
    const [p, errno, op] = line.split('\t');
    if (p && errno && op !== undefined && READ_OPS.has(op)) m.set(`${op} ${p}`, /^E[A-Z0-9]{1,15}$/.test(errno) ? errno : 'EIO');
  }
  return m;
}

/** Scratch space shared by every read (the tool is single-threaded and reads synchronously). */
let scratch = Buffer.allocUnsafe(MAX_ATTR_BYTES + 1);

/** What a read saw, for `snapshot`: every listing, file read, link read and lstat, with its result. */
export type Recorder = (op: ReadOp, rel: string, result: Got<unknown>) => void;

/**
 * A sysfs tree under a root directory ("/" on a host, an extracted capture in tests).
 * Paths given to its methods are relative to the root ("sys/kernel/iommu_groups").
 */
export class SysRoot {
  readonly root: string;
  private readonly realRoot: string;
  /** Set by `snapshot` to learn exactly which entries the readers use; unset otherwise. */
  recorder: Recorder | null = null;

  /** Entries a snapshot could not read on its source (snapshot-meta/unreadable.txt): read as such. */
  private readonly recordedUnreadable: Map<string, string>;

  /** The errno a snapshot recorded for this operation on this entry on its source, if any. */
  recordedError(op: ReadOp, rel: string): string | undefined {
    return this.recordedUnreadable.size === 0 ? undefined : this.recordedUnreadable.get(`${op} ${rel}`);
  }

  constructor(root: string) {
    this.root = path.resolve(root);
    this.realRoot = safeRealpath(this.root) ?? this.root;
    this.recordedUnreadable = this.root === '/' ? new Map() : loadRecordedUnreadable(this.abs(SNAPSHOT_UNREADABLE));
  }

  abs(rel: string): string {
    return path.join(this.root, rel);
  }

  /**
   * Names in a directory, sorted bytewise (the order a C-locale shell glob gives); unsorted when
   * the caller only looks names up (a device directory's ~50 attributes, once per device).
   */
  list(rel: string, sorted = true): Got<string[]> {
    const r = this.listRaw(rel, sorted);
    this.recorder?.('list', rel, r);
    return r;
  }

  private listRaw(rel: string, sorted: boolean): Got<string[]> {
    const recorded = this.recordedError('list', rel);
    if (recorded !== undefined) return unreadable(recorded);
    try {
      const names = fs.readdirSync(this.abs(rel));
      return got(sorted ? names.sort(compareBytes) : names);
    } catch (err) {
      return fromError(err);
    }
  }

  /** Raw bytes of a file, read to EOF (st_size is meaningless on sysfs) and bounded. */
  readBytes(rel: string, max = MAX_ATTR_BYTES): Got<Buffer> {
    const r = this.readInto(rel, max);
    return r.ok ? got(Buffer.from(r.value)) : r;
  }

  /**
   * Read into the shared scratch buffer (valid until the next read): one allocation for the
   * whole walk instead of one per attribute. A sysfs attribute hands over its whole content in
   * one read (text attributes are one page at most; `config` is at most 4 KiB, one page), and a
   * regular file in a snapshot reads fully until its end, so a short read ends it. /proc files
   * (seq_file) may return less than asked before their end: read until a read returns 0.
   */
  private readInto(rel: string, max: number): Got<Buffer> {
    const r = this.readScratch(rel, max);
    // The recorder gets a view of the scratch buffer: it must copy what it keeps.
    this.recorder?.('read', rel, r);
    return r;
  }

  private readScratch(rel: string, max: number): Got<Buffer> {
    const recorded = this.recordedError('read', rel);
    if (recorded !== undefined) return unreadable(recorded);
    let fd: number;
    try {
      fd = fs.openSync(this.abs(rel), OPEN_FLAGS);
    } catch (err) {
      return fromError(err);
    }
    const untilZero = rel.startsWith('proc/');
    try {
      // One byte more than allowed, to tell a full read (bounded, cut at max) from a short one.
      const limit = max + 1;
      if (scratch.length < limit) scratch = Buffer.allocUnsafe(limit);
      let total = 0;
      while (total < limit) {
        const want = untilZero ? Math.min(64 * 1024, limit - total) : limit - total;
        const n = fs.readSync(fd, scratch, total, want, null);
        if (n <= 0) break;
        total += n;
        if (!untilZero && n < want) break;
      }
      return got(scratch.subarray(0, Math.min(total, max)));
    } catch (err) {
      // EISDIR and EAGAIN (an empty FIFO) land here too: not a readable attribute.
      return fromError(err);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** A text attribute with its trailing newline (and surrounding blanks) removed. */
  readText(rel: string, max = MAX_ATTR_BYTES): Got<string> {
    const b = this.readInto(rel, max);
    return b.ok ? got(b.value.toString('latin1').trim()) : b;
  }

  /**
   * What kind of entry is there, from lstat alone: the way to look at device nodes such as
   * /dev/vfio/N, which are opened exclusively and must never be opened by this tool.
   */
  kind(rel: string): Got<'file' | 'dir' | 'link' | 'char' | 'block' | 'other'> {
    const r = this.kindRaw(rel);
    this.recorder?.('kind', rel, r);
    return r;
  }

  private kindRaw(rel: string): Got<'file' | 'dir' | 'link' | 'char' | 'block' | 'other'> {
    const recorded = this.recordedError('kind', rel);
    if (recorded !== undefined) return unreadable(recorded);
    try {
      const st = fs.lstatSync(this.abs(rel));
      if (st.isFile()) return got('file');
      if (st.isDirectory()) return got('dir');
      if (st.isSymbolicLink()) return got('link');
      if (st.isCharacterDevice()) return got('char');
      if (st.isBlockDevice()) return got('block');
      return got('other');
    } catch (err) {
      return fromError(err);
    }
  }

  /** The text of a symlink: the kernel's own fact ("../../../../kernel/iommu_groups/13"). */
  readLink(rel: string): Got<string> {
    const r = this.readLinkRaw(rel);
    this.recorder?.('link', rel, r);
    return r;
  }

  private readLinkRaw(rel: string): Got<string> {
    const recorded = this.recordedError('link', rel);
    if (recorded !== undefined) return unreadable(recorded);
    try {
      return got(fs.readlinkSync(this.abs(rel)));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // EINVAL: the entry is there but is not a link.
      return code === 'EINVAL' ? unreadable('ENOTLINK') : fromError(err);
    }
  }

  /**
   * Resolve a link lexically to a root-relative path ("sys/devices/pci0000:00/0000:00:02.0").
   * An absolute link target is taken as relative to the root, as in a chroot. A target that
   * climbs above the root is refused ("EOUTSIDE").
   */
  resolveLink(rel: string): Got<string> {
    const text = this.readLink(rel);
    if (!text.ok) return text;
    return resolveLinkText(rel, text.value);
  }

  /**
   * Check that a directory, with all links on its path followed, stays inside the root.
   * A capture's links are relative and resolve inside it; a hostile or broken one may not.
   */
  confined(rel: string): Got<true> {
    let real: string;
    try {
      real = fs.realpathSync.native(this.abs(rel));
    } catch (err) {
      return fromError(err);
    }
    if (real === this.realRoot || real.startsWith(this.realRoot === '/' ? '/' : this.realRoot + '/')) {
      return got(true);
    }
    return unreadable('EOUTSIDE');
  }
}

/** Resolve a link's text against the directory holding the link; both root-relative. */
export function resolveLinkText(linkRel: string, text: string): Got<string> {
  const base = text.startsWith('/') ? '/' : path.posix.join('/', path.posix.dirname(linkRel));
  const joined = path.posix.resolve(base, text);
  // path.posix.resolve clamps ".." at "/"; detect climbing by counting instead.
  if (climbsAboveRoot(text.startsWith('/') ? text : path.posix.join(path.posix.dirname(linkRel), text))) {
    return unreadable('EOUTSIDE');
  }
  return got(joined.slice(1));
}

function climbsAboveRoot(rel: string): boolean {
  let depth = 0;
  for (const part of rel.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      depth--;
      if (depth < 0) return true;
    } else {
      depth++;
    }
  }
  return false;
}

function safeRealpath(p: string): string | null {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return null;
  }
}

export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
