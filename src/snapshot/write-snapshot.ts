// `snapshot`: copies exactly what the readers use from a root (every directory they list, file
// they read, link they read, entry they lstat) into a directory or a .tar.gz, so that every command
// run with --root on it answers as it did on the host. Relative links are kept as links. The one
// module that writes, and only under OUT; it never writes to the root it reads.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AppError, UsageError } from '../errors.js';
import { readModel } from '../read/read-model.js';
import { resolveLinkText, SysRoot, type Got, type ReadOp } from '../read/sysfs-root.js';

export interface SnapshotResult {
  out: string;
  /** Entries created (directories, files, links). */
  entries: number;
  /** Files whose content was copied. */
  files: number;
  /**
   * Entries (files, directories, links) the readers could not read on the source, with the errno: listed in
   * snapshot-meta/unreadable.txt, which SysRoot honours when reading the snapshot back.
   */
  unreadable: { path: string; error: string; op: ReadOp }[];
  /** Entries that are not regular files on the source (device nodes, FIFOs): empty files here. */
  standIns: string[];
}

type Event = { op: ReadOp; rel: string; result: Got<unknown> };

const FORBIDDEN = ['/sys', '/proc', '/dev'];
const SHAPE = new Set(['ENOTLINK', 'EOUTSIDE']);
const FATAL = new Set(['ENOSPC', 'EROFS', 'EDQUOT', 'EACCES', 'EPERM']);

/** OUT names a .tar.gz (or .tgz) rather than a directory. */
export function isTarball(out: string): boolean {
  return /\.(tar\.gz|tgz)$/.test(out);
}

export async function takeSnapshot(root: string, outArg: string): Promise<SnapshotResult> {
  const tarball = isTarball(outArg);
  const out = path.resolve(outArg);
  checkOut(root, out, tarball);

  const events: Event[] = [];
  readModel(root, {
    preflight: true,
    slots: true,
    recorder: (op, rel, result) => {
      // Reads hand over a view of a shared buffer: keep a copy.
      events.push({ op, rel, result: op === 'read' && result.ok ? { ok: true, value: Buffer.from(result.value as Buffer) } : result });
    },
  });

  // Interrupted while staging a .tar.gz: the staging directory goes with it. The handlers are in
  // place before the directory is made: a signal between the two would otherwise end the process
  // by its default action and leave the directory behind.
  let staging: string | null = null;
  const stop = (signal: NodeJS.Signals) => {
    if (staging !== null) {
      fs.rmSync(staging, { recursive: true, force: true });
      fs.rmSync(`${staging}.tar.gz`, { force: true });
    }
    process.kill(process.pid, signal);
  };
  if (tarball) {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  const unhook = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
  let dest = out;
  try {
    if (tarball) dest = staging = outside(() => fs.mkdtempSync(path.join(path.dirname(out), '.iommu-groups-snapshot-')), out);
  } catch (err) {
    unhook();
    throw err;
  }
  try {
    if (!tarball) outside(() => makeOut(out), out);
    const res = await write(root, dest, events);
    if (tarball) {
      // tar writes a new file of our own beside the staging directory; it becomes OUT by a hard
      // link, which fails rather than follow or replace anything that appeared at OUT meanwhile.
      const staged = `${dest}.tar.gz`;
      const t = await tarAsync(['-czf', staged, '-C', dest, '.']);
      if (t.status !== 0) {
        fs.rmSync(staged, { force: true });
        const why = t.error ? String(t.error.message) : (t.stderr.trim().split('\n')[0] ?? `exit ${t.status}`);
        throw new AppError(`snapshot: tar could not write ${out}: ${why}`, { hint: 'write a directory instead of a .tar.gz, or check the space where OUT goes' });
      }
      try {
        outside(() => fs.linkSync(staged, out), out);
      } finally {
        fs.rmSync(staged, { force: true });
      }
    }
    return { ...res, out };
  } finally {
    if (tarball) {
      fs.rmSync(dest, { recursive: true, force: true });
      unhook();
    }
  }
}

/**
 * OUT as a directory of our own: its parents made as needed, OUT itself made here (never through a
 * link: mkdir does not follow one), or an existing empty directory that is not a link, is ours, and
 * that no other user can write (they could put links in it while we write).
 */
function makeOut(out: string): void {
  if (!fs.existsSync(path.dirname(out))) fs.mkdirSync(path.dirname(out), { recursive: true });
  try {
    fs.mkdirSync(out, 0o755);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = fs.lstatSync(out);
  if (st.isSymbolicLink()) throw new UsageError(`snapshot ${out}: is a link`, 'give a new directory (or the directory the link names)');
  if (!st.isDirectory() || fs.readdirSync(out).length > 0) throw new UsageError(`snapshot ${out}: exists and is not an empty directory`, 'give a new directory or a .tar.gz path');
  const uid = process.getuid?.();
  if ((uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) {
    throw new UsageError(`snapshot ${out}: another user can write this directory (owner uid ${st.uid}, mode ${(st.mode & 0o7777).toString(8)})`, 'give a new directory: it is made for you');
  }
}

/** A path with its existing part resolved (links followed), the part that does not exist yet appended. */
function resolvedPath(p: string): string {
  const tail: string[] = [];
  let at = path.resolve(p);
  for (;;) {
    try {
      return path.join(fs.realpathSync(at), ...tail.reverse());
    } catch {
      const up = path.dirname(at);
      if (up === at) return path.resolve(p);
      tail.push(path.basename(at));
      at = up;
    }
  }
}

/** The source's shape cannot be recreated safely here: the entry is skipped, with the reason. */
function shapeError(why: string): NodeJS.ErrnoException {
  return Object.assign(new Error(why), { code: 'ESHAPE' });
}

function cannotWrite(where: string, code: string): AppError {
  return new AppError(`snapshot: cannot write ${where}: ${code}`, { hint: 'check the space and permissions where OUT goes' });
}

/** Runs one step that writes where OUT goes; a system error there is the user's to fix, not a bug. */
function outside<T>(step: () => T, out: string): T {
  try {
    return step();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!code) throw err;
    throw cannotWrite(out, code);
  }
}

/** Names that promise an archive this tool does not write (a directory by that name would surprise). */
const OTHER_ARCHIVES = /\.(tar|zip|7z|rar|gz|bz2|xz|zst|lz4|tar\.(bz2|xz|zst|lz4)|tbz2?|txz|cpio)$/i;

function checkOut(root: string, out: string, tarball: boolean): void {
  if (!tarball && OTHER_ARCHIVES.test(out)) {
    throw new UsageError(`snapshot ${out}: writes a directory or a .tar.gz (.tgz), not ${/\.[^./]+(\.[^./]+)?$/.exec(path.basename(out))![0]}`, 'name a new directory, or a file ending in .tar.gz');
  }
  // Compared as resolved paths: OUT or a parent that is a link into /dev or into the tree counts as there.
  const real = resolvedPath(out);
  for (const f of FORBIDDEN) {
    for (const p of [out, real]) {
      if (p === f || p.startsWith(f + '/')) throw new UsageError(`snapshot ${out}: will not write under ${f}${p === real && real !== out ? ` (it leads to ${real})` : ''}`, 'give a directory or a .tar.gz path elsewhere, e.g. ./snapshot.tar.gz');
    }
  }
  const r = resolvedPath(root);
  const inside = (p: string) => r === '/' ? false : p === r || p.startsWith(r + '/');
  if (inside(real) || inside(out)) throw new UsageError(`snapshot ${out}: inside the tree being read (${r})`, 'write the snapshot outside --root');
  const there = (p: string) => {
    try {
      fs.lstatSync(p);
      return true;
    } catch {
      return false;
    }
  };
  if (tarball) {
    if (there(out)) throw new UsageError(`snapshot ${out}: already exists`, 'give a new file name');
    return;
  }
  if (fs.existsSync(out) && (!fs.statSync(out).isDirectory() || fs.readdirSync(out).length > 0)) {
    throw new UsageError(`snapshot ${out}: exists and is not an empty directory`, 'give a new directory or a .tar.gz path');
  }
}

/**
 * Writes the copy under OUT, one recorded read at a time. Everything is written through real
 * directories this run made or found: a component that is a link (one recreated from the source)
 * is never written through.
 */
class SnapshotWriter {
  entries = 0;
  files = 0;
  readonly unreadable: SnapshotResult['unreadable'] = [];
  private readonly unreadableAt = new Set<string>();
  readonly standIns: string[] = [];
  private readonly dirs = new Set<string>(['.', '']);
  /** Absences recorded where the source knows them (the live host; a snapshot that recorded them). */
  readonly absent = new Set<string>();
  readonly source: SysRoot;

  constructor(
    private readonly root: string,
    private readonly dest: string,
  ) {
    this.source = new SysRoot(root);
  }

  dst(rel: string): string {
    return path.join(this.dest, rel);
  }

  mkdir(rel: string): void {
    if (this.dirs.has(rel)) return;
    this.mkdir(path.posix.dirname(rel));
    let st: fs.Stats | null = null;
    try {
      st = fs.lstatSync(this.dst(rel));
    } catch {
      fs.mkdirSync(this.dst(rel));
      this.entries++;
    }
    if (st && !st.isDirectory()) throw shapeError(`${rel} is a ${st.isSymbolicLink() ? 'link' : 'file'} here: not written through`);
    this.dirs.add(rel);
  }

  private exists(rel: string): boolean {
    try {
      fs.lstatSync(this.dst(rel));
      return true;
    } catch {
      return false;
    }
  }

  /** A source link, kept only when it stays inside the tree (absolute ones made relative). */
  private link(rel: string, text: string): void {
    if (this.exists(rel)) return;
    const target = resolveLinkText(rel, text);
    if (!target.ok) throw shapeError(`link to ${text} leaves the tree: not recreated`);
    const kept = text.startsWith('/') ? path.posix.relative(path.posix.dirname(rel), target.value) || '.' : text;
    this.mkdir(path.posix.dirname(rel));
    fs.symlinkSync(kept, this.dst(rel));
    this.entries++;
  }

  /** File content, never through a link: O_NOFOLLOW on the file, real directories above it. */
  writeFile(rel: string, data: Buffer | string, mode: number): void {
    this.mkdir(path.posix.dirname(rel));
    // A read-only placeholder made earlier gets its content now: make it writable first (it is
    // a file we made, not a link: O_NOFOLLOW below refuses a link in any case).
    if (this.exists(rel) && fs.lstatSync(this.dst(rel)).isFile()) fs.chmodSync(this.dst(rel), 0o644);
    const fd = fs.openSync(this.dst(rel), fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW, mode);
    try {
      fs.fchmodSync(fd, mode);
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      for (let off = 0; off < buf.length; ) off += fs.writeSync(fd, buf, off);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Placeholders are readable (0644 or 0444) whatever the source mode: the readers only need their
   * presence, and tar run by a non-root user cannot archive a write-only file.
   */
  private placeholder(rel: string, mode: number, why: 'file' | 'stand-in'): void {
    if (this.exists(rel)) return;
    this.writeFile(rel, '', (mode & 0o222) !== 0 ? 0o644 : 0o444);
    this.entries++;
    if (why === 'stand-in') this.standIns.push(rel);
  }

  /** Recreate one source entry by its kind, without content (a file's content comes with its read). */
  private entry(rel: string): void {
    const src = path.join(this.root, rel);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(src);
    } catch {
      return; // gone since it was listed
    }
    if (st.isSymbolicLink()) this.link(rel, fs.readlinkSync(src));
    else if (st.isDirectory()) this.mkdir(rel);
    else this.placeholder(rel, st.isFile() ? st.mode : 0o444, st.isFile() ? 'file' : 'stand-in');
  }

  /** A failed read: an absence the source knows is recorded; an error (not the tree's shape) is listed and its entry kept. */
  private failed(e: Event & { result: { ok: false } }): void {
    if (e.result.absent && (e.op === 'kind' || e.op === 'read') && this.source.absenceKnown(e.rel)) this.absent.add(e.rel);
    // ENOTLINK and EOUTSIDE come from the shape of the tree, which the copy keeps.
    if (e.result.absent || SHAPE.has(e.result.error) || this.unreadableAt.has(`${e.op} ${e.rel}`)) return;
    this.unreadableAt.add(`${e.op} ${e.rel}`);
    this.unreadable.push({ path: e.rel, error: e.result.error, op: e.op });
    this.entry(e.rel);
  }

  apply(e: Event): void {
    if (!e.result.ok) return this.failed(e as Event & { result: { ok: false } });
    switch (e.op) {
      case 'list':
        this.mkdir(e.rel);
        for (const name of e.result.value as string[]) this.entry(`${e.rel}/${name}`);
        break;
      case 'read': {
        const fresh = !this.exists(e.rel);
        this.writeFile(e.rel, e.result.value as Buffer, 0o644);
        if (fresh) this.entries++;
        this.files++;
        break;
      }
      case 'link':
        this.link(e.rel, e.result.value as string);
        break;
      case 'kind':
        this.entry(e.rel);
        break;
    }
  }

  /** snapshot-meta/: what could not be read, stood-in nodes, skipped entries, known absences, the source. */
  writeMeta(skipped: readonly string[]): void {
    const meta = (name: string, lines: readonly string[]) => this.writeFile(`snapshot-meta/${name}`, lines.map((l) => l + '\n').join(''), 0o644);
    this.mkdir('snapshot-meta');
    meta('unreadable.txt', this.unreadable.map((u) => `${u.path}\t${u.error}\t${u.op}`));
    meta('stand-ins.txt', this.standIns);
    meta('skipped.txt', skipped);
    meta('absent.txt', [...this.absent].sort());
    // A listing copied from the live host (or from such a snapshot) is the host's whole listing.
    meta('source.txt', [`root\t${path.resolve(this.root)}`, `taken\t${new Date().toISOString()}`, `uid\t${process.getuid?.() ?? '?'}`, ...(this.source.listingsComplete ? ['listings\tcomplete'] : [])]);
  }
}

async function write(root: string, dest: string, events: readonly Event[]): Promise<Omit<SnapshotResult, 'out'>> {
  const w = new SnapshotWriter(root, dest);
  const skipped: string[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    // Let a signal in now and then: SIGINT or SIGTERM removes a .tar.gz's staging directory.
    if (i % 512 === 511) await new Promise((r) => setImmediate(r));
    try {
      w.apply(e);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!code) throw err; // not a system error: a bug, keep its stack
      // Out of space, read-only or forbidden OUT: nothing sensible can be written. Anything else
      // comes from the shape of the source (a link loop in a path, a file where a directory
      // belongs): that one entry is left out and listed.
      if (FATAL.has(code)) throw cannotWrite(w.dst(e.rel), code);
      skipped.push(`${e.rel}\t${code}${(err as Error).message.startsWith(code + ': ') ? '' : `\t${(err as Error).message}`}`);
    }
  }
  outside(() => w.writeMeta(skipped), dest);
  return { entries: w.entries, files: w.files, unreadable: w.unreadable, standIns: w.standIns };
}

/** tar, run without blocking the event loop (a signal can clean up meanwhile). */
function tarAsync(args: string[]): Promise<{ status: number | null; stderr: string; error?: Error }> {
  return new Promise((resolve) => {
    const child = spawn('tar', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error) => resolve({ status: null, stderr, error }));
    child.on('close', (status) => resolve({ status, stderr }));
  });
}
