// `snapshot`: copies exactly what the readers use from a root (every directory they list, file
// they read, link they read, entry they lstat) into a directory or a .tar.gz, so that every command
// run with --root on it answers as it did on the host. Relative links are kept as links. The one
// module that writes, and only under OUT; it never writes to the root it reads.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors.js';
import { readModel } from '../read/read-model.js';
import type { Got } from '../read/sysfs-root.js';

export interface SnapshotResult {
  out: string;
  /** Entries created (directories, files, links). */
  entries: number;
  /** Files whose content was copied. */
  files: number;
  /** Files the readers could not read on the source: kept as empty mode-000 files and listed. */
  unreadable: { path: string; error: string }[];
  /** Entries that are not regular files on the source (device nodes, FIFOs): empty files here. */
  standIns: string[];
}

type Event = { op: 'list' | 'read' | 'link' | 'kind'; rel: string; result: Got<unknown> };

const FORBIDDEN = ['/sys', '/proc', '/dev'];

export function takeSnapshot(root: string, outArg: string): SnapshotResult {
  const tarball = /\.(tar\.gz|tgz)$/.test(outArg);
  const out = path.resolve(outArg);
  checkOut(root, out, tarball);

  const events: Event[] = [];
  readModel(root, {
    preflight: true,
    recorder: (op, rel, result) => {
      // Reads hand over a view of a shared buffer: keep a copy.
      events.push({ op, rel, result: op === 'read' && result.ok ? { ok: true, value: Buffer.from(result.value as Buffer) } : result });
    },
  });

  const dest = tarball ? fs.mkdtempSync(path.join(path.dirname(out), '.iommu-groups-snapshot-')) : out;
  try {
    fs.mkdirSync(dest, { recursive: true });
    const res = write(root, dest, events);
    if (tarball) execFileSync('tar', ['-czf', out, '-C', dest, '.']);
    return { ...res, out };
  } finally {
    if (tarball) fs.rmSync(dest, { recursive: true, force: true });
  }
}

function checkOut(root: string, out: string, tarball: boolean): void {
  for (const f of FORBIDDEN) {
    if (out === f || out.startsWith(f + '/')) throw new UsageError(`snapshot ${out}: will not write under ${f}`, 'give a directory or a .tar.gz path elsewhere, e.g. ./snapshot.tar.gz');
  }
  const r = path.resolve(root);
  if (r !== '/' && (out === r || out.startsWith(r + '/'))) throw new UsageError(`snapshot ${out}: inside the tree being read (${r})`, 'write the snapshot outside --root');
  if (tarball) {
    if (fs.existsSync(out)) throw new UsageError(`snapshot ${out}: already exists`, 'give a new file name');
    return;
  }
  if (fs.existsSync(out) && (!fs.statSync(out).isDirectory() || fs.readdirSync(out).length > 0)) {
    throw new UsageError(`snapshot ${out}: exists and is not an empty directory`, 'give a new directory or a .tar.gz path');
  }
}

function write(root: string, dest: string, events: readonly Event[]): Omit<SnapshotResult, 'out'> {
  const src = (rel: string) => path.join(root, rel);
  const dst = (rel: string) => path.join(dest, rel);
  let entries = 0;
  let files = 0;
  const unreadable: SnapshotResult['unreadable'] = [];
  const standIns: string[] = [];
  const dirs = new Set<string>();
  const mkdir = (rel: string) => {
    if (dirs.has(rel)) return;
    fs.mkdirSync(dst(rel), { recursive: true });
    dirs.add(rel);
    entries++;
  };
  const exists = (rel: string) => {
    try {
      fs.lstatSync(dst(rel));
      return true;
    } catch {
      return false;
    }
  };
  const link = (rel: string, text: string) => {
    if (exists(rel)) return;
    mkdir(path.dirname(rel));
    fs.symlinkSync(text, dst(rel));
    entries++;
  };
  const placeholder = (rel: string, mode: number, why: 'file' | 'stand-in') => {
    if (exists(rel)) return;
    mkdir(path.dirname(rel));
    fs.writeFileSync(dst(rel), '', { mode: mode & 0o777 });
    fs.chmodSync(dst(rel), mode & 0o777);
    entries++;
    if (why === 'stand-in') standIns.push(rel);
  };
  /** Recreate one source entry by its kind, without content (a file's content comes with its read). */
  const entry = (rel: string) => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(src(rel));
    } catch {
      return; // gone since it was listed
    }
    if (st.isSymbolicLink()) link(rel, fs.readlinkSync(src(rel)));
    else if (st.isDirectory()) mkdir(rel);
    else placeholder(rel, st.isFile() ? st.mode : 0o444, st.isFile() ? 'file' : 'stand-in');
  };

  for (const e of events) {
    if (!e.result.ok) {
      if (e.op === 'read' && !e.result.absent) {
        entry(e.rel);
        unreadable.push({ path: e.rel, error: e.result.error });
      }
      continue;
    }
    switch (e.op) {
      case 'list':
        mkdir(e.rel);
        for (const name of e.result.value as string[]) entry(`${e.rel}/${name}`);
        break;
      case 'read': {
        mkdir(path.dirname(e.rel));
        const fresh = !exists(e.rel);
        if (!fresh) fs.chmodSync(dst(e.rel), 0o644);
        fs.writeFileSync(dst(e.rel), e.result.value as Buffer);
        if (fresh) entries++;
        files++;
        break;
      }
      case 'link':
        link(e.rel, e.result.value as string);
        break;
      case 'kind':
        entry(e.rel);
        break;
    }
  }
  for (const u of unreadable) fs.chmodSync(dst(u.path), 0);

  mkdir('snapshot-meta');
  const meta = (name: string, lines: string[]) => fs.writeFileSync(dst(`snapshot-meta/${name}`), lines.map((l) => l + '\n').join(''));
  meta('unreadable.txt', unreadable.map((u) => `${u.path}\t${u.error}`));
  meta('stand-ins.txt', standIns);
  meta('source.txt', [`root\t${path.resolve(root)}`, `taken\t${new Date().toISOString()}`, `uid\t${process.getuid?.() ?? '?'}`]);
  return { entries, files, unreadable, standIns };
}
