// A root given as a .tar.gz (a snapshot, a capture): unpacked with tar into a private temporary
// directory, read like any other root, and removed when the process ends. Nothing is written
// outside that directory: tar refuses members that climb out of it ("..", absolute names), and
// every later read goes through the root's jail, which does not follow links out of it.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UsageError } from '../errors.js';

/** A path that names a gzipped tarball rather than a directory. */
export function isArchive(p: string): boolean {
  return /\.(tar\.gz|tgz)$/i.test(p);
}

const made: string[] = [];
let hooked = false;

function cleanUpAtExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const d of made) {
      try {
        fs.rmSync(d, { recursive: true, force: true });
      } catch {
        /* best effort: it is in the temporary directory */
      }
    }
  });
}

/**
 * Unpack FILE and return the directory that holds its sys/: the top of the archive, or its one
 * top-level directory when everything sits in one (a capture packed with its folder).
 */
export function unpackArchive(file: string, given: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iommu-groups-root-'));
  made.push(dir);
  cleanUpAtExit();
  // Only -x -z -f -C: GNU tar and busybox tar (small hosts, the lab VM) both take them.
  const r = spawnSync('tar', ['-xzf', file, '-C', dir], { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.error || r.status !== 0) {
    const why = r.error ? (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'tar is not installed' : r.error.message : (r.stderr.trim().split('\n')[0] ?? `tar exit ${r.status}`);
    throw new UsageError(`${given}: could not unpack: ${why}`, 'give a .tar.gz made by iommu-groups snapshot (or a capture), or the directory it was extracted to');
  }
  const top = fs.readdirSync(dir).filter((e) => e !== '.' && e !== '..');
  if (!top.includes('sys') && top.length === 1) {
    const only = path.join(dir, top[0]!);
    if (fs.lstatSync(only).isDirectory()) return only;
  }
  return dir;
}
