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

/** Where `snapshot` says what it was taken from (and whether its listings are the host's whole listings). */
export const SNAPSHOT_SOURCE = 'snapshot-meta/source.txt';

/** Where `snapshot` lists the entries it looked for with lstat and found absent on its source: path, one per line. */
export const SNAPSHOT_ABSENT = 'snapshot-meta/absent.txt';

/** The ways the readers touch an entry (what the recorder hears, and what a snapshot records). */
export type ReadOp = 'list' | 'read' | 'link' | 'kind';
const READ_OPS: ReadonlySet<string> = new Set<ReadOp>(['list', 'read', 'link', 'kind']);

/** A snapshot's list file, bounded like every other read (at most 1 MiB is honoured); null when there is none. */
function loadMetaText(file: string): string | null {
  try {
    const fd = fs.openSync(file, OPEN_FLAGS);
    try {
      // Bounded like every other read: at most 1 MiB of the list is honoured.
      const buf = Buffer.allocUnsafe(1 << 20);
      let n = 0;
      for (let got = 1; got > 0 && n < buf.length; n += got) got = fs.readSync(fd, buf, n, buf.length - n, null);
      return buf.toString('utf8', 0, n);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null; // not a snapshot, or one without the list
  }
}

function loadRecordedUnreadable(file: string): Map<string, string> {
  const m = new Map<string, string>();
  const text = loadMetaText(file);
  if (text === null) return m;
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
  /** Set by `snapshot` to learn exactly which entries the readers use; unset otherwise. */
  recorder: Recorder | null = null;
  /** Links met on the way that lead out of the root (link -> its text): not followed, reported. */
  readonly escapes = new Map<string, string>();
  /** Physical (link-free) root-relative path of each directory resolved so far. */
  private readonly dirs = new Map<string, Got<string>>();
  /**
   * Physical paths a listing showed to be directories (d_type, no link): resolving one needs no
   * lstat. A device's directory is listed by its parent bridge's read, so most cost nothing.
   */
  private readonly seenDirs = new Set<string>();
  /**
   * Whether a directory's listing is all the host had there: on the live host, and in a snapshot
   * of it (snapshot-meta/source.txt says `listings complete`); a capture may have left entries out.
   */
  readonly listingsComplete: boolean;
  /** The root with its links resolved, for checking where an opened file really is; null: not checked (live, or no /proc). */
  private realRoot: string | null = null;
  /** Files that, when opened, were somewhere else than their link-free path (a directory swapped for a link mid-run). */
  readonly changed = new Map<string, string>();
  /** Directories listed with their entries' types (not on the live host). */
  private readonly listedDirs = new Set<string>();
  /** Entries such listings showed are not regular files, directories or links. */
  private readonly special = new Set<string>();
  /** The live host: the kernel's own tree, read as it is (no resolution, no recorded errors). */
  /** The root is / : this machine's own tree. */
  readonly live: boolean;

  /** Entries a snapshot could not read on its source (snapshot-meta/unreadable.txt): read as such. */
  private readonly recordedUnreadable: Map<string, string>;

  /** Entries a snapshot looked for (lstat or read) and did not find on its source (snapshot-meta/absent.txt). */
  private readonly recordedAbsent: Set<string>;

  /**
   * Whether an entry missing here was missing on the host too: always on the live host; in a
   * snapshot when it recorded that absence; never in a capture that kept only what it chose.
   */
  absenceKnown(rel: string): boolean {
    if (this.live) return true;
    if (this.recordedAbsent.size === 0) return false;
    const at = this.locate('kind', rel);
    return this.recordedAbsent.has(at.ok ? at.value : rel);
  }

  /** The errno a snapshot recorded for this operation on this entry on its source, if any. */
  recordedError(op: ReadOp, rel: string): string | undefined {
    return this.recordedUnreadable.size === 0 ? undefined : this.recordedUnreadable.get(`${op} ${rel}`);
  }

  constructor(root: string) {
    this.root = path.resolve(root);
    this.live = this.root === '/';
    this.listingsComplete = this.live;
    this.recordedUnreadable = new Map();
    this.recordedAbsent = new Set();
    if (!this.live) {
      try {
        this.realRoot = fs.realpathSync(this.root);
      } catch {
        this.realRoot = null;
      }
      const meta = this.physical(SNAPSHOT_UNREADABLE);
      if (meta.ok) this.recordedUnreadable = loadRecordedUnreadable(this.abs(meta.value));
      const source = this.physical(SNAPSHOT_SOURCE);
      const sourceText = source.ok ? loadMetaText(this.abs(source.value)) : null;
      this.listingsComplete = sourceText !== null && /^listings\tcomplete$/m.test(sourceText);
      const absent = this.physical(SNAPSHOT_ABSENT);
      const text = absent.ok ? loadMetaText(this.abs(absent.value)) : null;
      if (text !== null) for (const line of text.split('\n')) if (line !== '') this.recordedAbsent.add(line);
    }
  }

  abs(rel: string): string {
    // Most paths the readers build are already clean: join them by concatenation (path.join
    // normalises, a cost paid once per system call otherwise).
    if (isClean(rel)) return this.root === '/' ? `/${rel}` : `${this.root}/${rel}`;
    return path.join(this.root, rel);
  }

  /**
   * The root is a jail, like openat2's RESOLVE_IN_ROOT: a directory path with every link on the
   * way followed inside the root, as a physical root-relative path. A link whose target leaves
   * the root is not followed: it is kept in `escapes` and the path is unreadable (EOUTSIDE).
   * Each directory is resolved once. On the live host nothing is resolved: the kernel's tree.
   */
  physicalDir(rel: string): Got<string> {
    if (isClean(rel)) return this.live ? got(rel) : this.resolveDir(rel, 0);
    const norm = path.posix.normalize(rel);
    if (norm === '.' || norm === '' || norm === '/') return got('');
    if (norm.startsWith('../') || norm === '..') return unreadable('EOUTSIDE');
    const clean = norm.replace(/^\/+|\/+$/g, '');
    if (this.live) return got(clean);
    return this.resolveDir(clean, 0);
  }

  /**
   * Where an operation on `rel` lands. A snapshot's recorded failure for this path wins (the
   * source could not get this far); a failure met on the way (EACCES on a directory, a link
   * loop) is told to the recorder like any other, so the snapshot keeps it.
   */
  private locate(op: ReadOp, rel: string): Got<string> {
    const recorded = this.recordedError(op, rel);
    if (recorded !== undefined) return unreadable(recorded);
    const at = op === 'list' ? this.physicalDir(rel) : this.physical(rel);
    // An lstat or read whose directory is absent is an absence a snapshot records too.
    if (!at.ok && (at.absent ? op === 'kind' || op === 'read' : at.error !== 'EOUTSIDE')) this.recorder?.(op, rel, at);
    return at;
  }

  /** The physical path of an entry: its directory resolved, the entry itself not followed. */
  private physical(rel: string): Got<string> {
    if (isClean(rel)) {
      const slash = rel.lastIndexOf('/');
      if (slash === -1) return got(rel);
      const dir = this.physicalDir(rel.slice(0, slash));
      return dir.ok ? got(dir.value === '' ? rel.slice(slash + 1) : `${dir.value}/${rel.slice(slash + 1)}`) : dir;
    }
    const norm = path.posix.normalize(rel).replace(/^\/+|\/+$/g, '');
    const base = path.posix.basename(norm);
    if (base === '..' || base === '.' || base === '') return this.physicalDir(norm);
    const dir = this.physicalDir(path.posix.dirname(norm));
    return dir.ok ? got(dir.value === '' ? base : `${dir.value}/${base}`) : dir;
  }

  private resolveDir(rel: string, hops: number): Got<string> {
    const known = this.dirs.get(rel);
    if (known) return known;
    const parent = path.posix.dirname(rel);
    const p = parent === '.' ? got('') : this.resolveDir(parent, hops);
    let r: Got<string>;
    if (!p.ok) r = p;
    else {
      const here = p.value === '' ? path.posix.basename(rel) : `${p.value}/${path.posix.basename(rel)}`;
      r = this.follow(here, hops);
    }
    this.dirs.set(rel, r);
    return r;
  }

  /** A file that is a link (O_NOFOLLOW refused it): when it points out of the root, say so. */
  private noteEscape(rel: string): void {
    if (this.live) return;
    try {
      const text = fs.readlinkSync(this.abs(rel));
      if (!resolveLinkText(rel, text).ok) this.escapes.set(rel, text);
    } catch {
      // not a link after all (a real loop error): nothing to report
    }
  }

  /** `here` has a physical parent: if it is a link, follow it inside the root. */
  private follow(here: string, hops: number): Got<string> {
    if (this.seenDirs.has(here)) return got(here);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(this.abs(here));
    } catch (err) {
      return fromError(err);
    }
    if (!st.isSymbolicLink()) return got(here);
    if (hops >= 40) return unreadable('ELOOP'); // the kernel's limit on links in one lookup
    let text: string;
    try {
      text = fs.readlinkSync(this.abs(here));
    } catch (err) {
      return fromError(err);
    }
    this.recorder?.('link', here, got(text));
    const target = resolveLinkText(here, text);
    if (!target.ok) {
      this.escapes.set(here, text);
      return target;
    }
    return target.value === '' ? got('') : this.resolveDir(target.value, hops + 1);
  }

  /**
   * Names in a directory, sorted bytewise (the order a C-locale shell glob gives); unsorted when
   * the caller only looks names up (a device directory's ~50 attributes, once per device).
   */
  list(rel: string, sorted = true): Got<string[]> {
    const at = this.locate('list', rel);
    if (!at.ok) return at;
    const r = this.listRaw(at.value, sorted);
    this.recorder?.('list', at.value, r);
    return r;
  }

  private listRaw(rel: string, sorted: boolean): Got<string[]> {
    const recorded = this.recordedError('list', rel);
    if (recorded !== undefined) return unreadable(recorded);
    try {
      let names: string[];
      if (this.live) {
        names = fs.readdirSync(this.abs(rel)); // the live tree is not resolved: types unused
      } else {
        const typed = fs.readdirSync(this.abs(rel), { withFileTypes: true });
        names = typed.map((e) => e.name);
        // Dirent.isDirectory() is false for a link and for DT_UNKNOWN: those are still lstat'ed.
        for (const e of typed) {
          if (e.isDirectory()) this.seenDirs.add(rel === '' ? e.name : `${rel}/${e.name}`);
          // Device nodes, FIFOs, sockets and entries of unknown type: never opened (readScratch).
          else if (!e.isFile() && !e.isSymbolicLink()) this.special.add(rel === '' ? e.name : `${rel}/${e.name}`);
        }
        this.listedDirs.add(rel);
      }
      if (names.some((n) => n.includes('\uFFFD'))) names = this.dropUnnamed(rel, names);
      return got(sorted ? names.sort(compareBytes) : names);
    } catch (err) {
      return fromError(err);
    }
  }

  /** Entries whose names are not valid UTF-8, by directory, as `\xNN`-escaped text: no path can name them. */
  readonly unnamed = new Map<string, string[]>();

  /** The entries of a directory already listed whose names are not valid UTF-8 (escaped). */
  unnamedIn(rel: string): string[] {
    if (this.unnamed.size === 0) return [];
    const at = this.physicalDir(rel);
    return at.ok ? (this.unnamed.get(at.value) ?? []) : [];
  }

  /**
   * readdir decodes an invalid UTF-8 name to U+FFFD, a name no later call can open: such entries are
   * left out of the listing and kept in `unnamed` for the readers to report (never silently lost).
   */
  private dropUnnamed(rel: string, entries: string[]): string[] {
    const strict = new TextDecoder('utf-8', { fatal: true });
    const bad: string[] = [];
    for (const raw of fs.readdirSync(this.abs(rel), { encoding: 'buffer' })) {
      try {
        strict.decode(raw);
      } catch {
        bad.push([...raw].map((b) => (b >= 0x21 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join(''));
      }
    }
    if (bad.length === 0) return entries;
    this.unnamed.set(rel, bad.sort());
    // Valid names may contain U+FFFD themselves (EF BF BD): keep those that a readdir in buffers shows valid.
    const valid = new Set(fs.readdirSync(this.abs(rel), { encoding: 'buffer' }).flatMap((raw) => {
      try {
        return [strict.decode(raw)];
      } catch {
        return [];
      }
    }));
    return entries.filter((e) => valid.has(e));
  }

  /** Raw bytes of a file, read to EOF (st_size is meaningless on sysfs) and bounded. */
  readBytes(rel: string, max = MAX_ATTR_BYTES): Got<Buffer> {
    const r = this.readInto(rel, max);
    return r.ok ? got(Buffer.from(r.value)) : r;
  }

  /**
   * The first `max` bytes of a file whose head is all that is needed (an ACPI table's header,
   * cpuinfo's first CPU): longer is no error here, unlike readBytes.
   */
  readHead(rel: string, max: number): Got<Buffer> {
    const r = this.readInto(rel, max, true);
    return r.ok ? got(Buffer.from(r.value)) : r;
  }

  /** readBytes without the copy: a view valid only until the next read (parse it at once). */
  readBytesView(rel: string, max = MAX_ATTR_BYTES): Got<Buffer> {
    return this.readInto(rel, max);
  }

  /**
   * Read into the shared scratch buffer (valid until the next read): one allocation for the
   * whole walk instead of one per attribute. A sysfs attribute hands over its whole content in
   * one read (text attributes are one page at most; `config` is at most 4 KiB, one page), and a
   * regular file in a snapshot reads fully until its end, so a short read ends it. /proc files
   * (seq_file) may return less than asked before their end: read until a read returns 0.
   */
  private readInto(rel: string, max: number, head = false): Got<Buffer> {
    const at = this.locate('read', rel);
    if (!at.ok) return at;
    const r = this.readScratch(at.value, max, head);
    // The recorder gets a view of the scratch buffer: it must copy what it keeps.
    this.recorder?.('read', at.value, r);
    return r;
  }

  private readScratch(rel: string, max: number, head = false): Got<Buffer> {
    const recorded = this.recordedError('read', rel);
    if (recorded !== undefined) return unreadable(recorded);
    // In a --root tree only a regular file is opened: a device node may act on open (a watchdog,
    // a tape), a FIFO or socket is no attribute. Where the directory's listing gave the entry's
    // type, that decides (a link fails O_NOFOLLOW, a directory the read); otherwise lstat before
    // and fstat after (the same file). The kernel's own tree (live) holds no such entries where
    // the readers look.
    let before: fs.Stats | null = null;
    const slash = rel.lastIndexOf('/');
    const typed = !this.live && this.listedDirs.has(slash === -1 ? '' : rel.slice(0, slash));
    if (typed && this.special.has(rel)) return unreadable('EFTYPE');
    if (!this.live && !typed) {
      try {
        before = fs.lstatSync(this.abs(rel));
      } catch (err) {
        return fromError(err);
      }
      if (before.isDirectory()) return unreadable('EISDIR');
      if (!before.isFile() && !before.isSymbolicLink()) return unreadable('EFTYPE');
    }
    let fd: number;
    try {
      fd = fs.openSync(this.abs(rel), OPEN_FLAGS);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ELOOP') this.noteEscape(rel);
      return fromError(err);
    }
    // Race-proof confinement: the path was resolved link-free earlier, but a directory on it may
    // have become a link since. The kernel says where the open file really is (/proc/self/fd):
    // anywhere but the expected place, it is not read (ECHANGED) and the change is reported.
    if (this.realRoot !== null) {
      let where: string | null = null;
      try {
        where = fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        this.realRoot = null; // no /proc here: this check is not available
      }
      if (where !== null && where !== `${this.realRoot}/${rel}`) {
        fs.closeSync(fd);
        this.changed.set(rel, where);
        return unreadable('ECHANGED');
      }
    }
    if (before !== null) {
      const now = fs.fstatSync(fd);
      if (!now.isFile() || now.ino !== before.ino || now.dev !== before.dev) {
        fs.closeSync(fd);
        return unreadable(now.isFile() ? 'ECHANGED' : 'EFTYPE');
      }
    }
    const untilZero = rel.startsWith('proc/');
    try {
      // One byte more than allowed, to tell a file within the bound from a longer one.
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
      // Longer than the bound: an error, never a silently cut value (a line after the cut would be lost).
      if (total > max && !head) return unreadable('EFBIG');
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
    const at = this.locate('kind', rel);
    if (!at.ok) return at;
    const r = this.kindRaw(at.value);
    this.recorder?.('kind', at.value, r);
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

  /**
   * Whether this user may open a device node for reading and writing, by access(2): it is never
   * opened. Only on the live host (a snapshot's permissions are not the host's): null elsewhere.
   */
  userMayOpen(rel: string): boolean | null {
    if (!this.live) return null;
    try {
      fs.accessSync(this.abs(rel), fs.constants.R_OK | fs.constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }

  /** The text of a symlink: the kernel's own fact ("../../../../kernel/iommu_groups/13"). */
  readLink(rel: string): Got<string> {
    const at = this.locate('link', rel);
    if (!at.ok) return at;
    const r = this.readLinkRaw(at.value);
    this.recorder?.('link', at.value, r);
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
    const at = this.locate('link', rel);
    if (!at.ok) return at;
    const text = this.readLink(at.value);
    if (!text.ok) return text;
    // Relative to the directory that really holds the link (its physical parent).
    const r = resolveLinkText(at.value, text.value);
    if (!r.ok) this.escapes.set(at.value, text.value);
    return r;
  }
}

/**
 * A root-relative path in normal form: not empty, no leading or trailing slash, no empty, "." or
 * ".." component. Such a path needs no normalising (the fast path of abs, physical, physicalDir).
 */
function isClean(rel: string): boolean {
  if (rel === '' || rel.startsWith('/') || rel.endsWith('/') || rel.includes('//')) return false;
  // Called for every path read: the regex only when a component may be "." or "..".
  return (!rel.startsWith('.') && !rel.includes('/.')) || !UNCLEAN.test(rel);
}
const UNCLEAN = /(?:^|\/)\.{0,2}(?:\/|$)/;

/**
 * Resolve a link's text against the directory holding the link; both root-relative. An
 * absolute link target is taken as relative to the root, as in a chroot. A target that climbs
 * above the root is refused ("EOUTSIDE"), never clamped.
 */
export function resolveLinkText(linkRel: string, text: string): Got<string> {
  const parts: string[] = [];
  const walk = (p: string): boolean => {
    for (const part of p.split('/')) {
      if (part === '' || part === '.') continue;
      if (part !== '..') parts.push(part);
      else if (parts.pop() === undefined) return false;
    }
    return true;
  };
  if (!text.startsWith('/')) {
    const slash = linkRel.lastIndexOf('/');
    if (slash !== -1 && !walk(linkRel.slice(0, slash))) return unreadable('EOUTSIDE');
  }
  return walk(text) ? got(parts.join('/')) : unreadable('EOUTSIDE');
}

export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A class directory's entries (sys/block, sys/class/net): each link resolved to its device path.
 * An entry that vanished is skipped; one whose link leaves the root or cannot be read goes to
 * `unresolved` with its errno (which device it belongs to is then not known). null, with the
 * directory's errno in `errors[key]`, when the directory itself cannot be listed.
 */
export function linkedEntries(sys: SysRoot, dir: string, errors: Record<string, string>, key: string, unresolved: { name: string; error: string }[]): { name: string; path: string }[] | null {
  const l = sys.list(dir);
  if (!l.ok) {
    if (!l.absent) errors[key] = l.error;
    return null;
  }
  const out: { name: string; path: string }[] = [];
  for (const name of l.value) {
    const t = sys.resolveLink(`${dir}/${name}`);
    if (t.ok) out.push({ name, path: t.value });
    else if (!t.absent && t.error !== 'ENOTLINK') unresolved.push({ name, error: t.error });
  }
  return out;
}
