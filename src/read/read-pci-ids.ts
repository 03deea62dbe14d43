// Finds and reads the pci.ids database where lspci looks for it (on the host, not under --root:
// names describe ids, whatever machine the tree came from). Gzipped copies are read too.
import * as fs from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { AppError } from '../errors.js';
import { PciIds } from '../model/pci-ids.js';

export const PCI_IDS_PATHS = [
  '/usr/share/misc/pci.ids',
  '/usr/share/hwdata/pci.ids',
  '/usr/share/pci.ids',
  '/usr/share/misc/pci.ids.gz',
  '/usr/share/hwdata/pci.ids.gz',
  '/usr/share/pci.ids.gz',
];

/** At most this much of a database is read (the real one is about 1.4 MB). */
const MAX_IDS_BYTES = 32 * 1024 * 1024;

/** An error with an errno-like code, as fs throws them. */
const failure = (code: string) => Object.assign(new Error(code), { code });

/**
 * A regular file only (a FIFO would hang, /dev/zero never end, a device may act on open): stat
 * before opening, fstat after (the same file), and a bounded read; longer than the bound is an
 * error, never a cut database.
 */
function load(file: string): PciIds {
  if (!fs.statSync(file).isFile()) throw failure('not a regular file');
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  let buf: Buffer;
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw failure('not a regular file');
    if (st.size > MAX_IDS_BYTES) throw failure(`EFBIG (larger than ${MAX_IDS_BYTES / 1024 / 1024} MiB)`);
    buf = Buffer.allocUnsafe(Math.min(st.size + 1, MAX_IDS_BYTES + 1));
    let n = 0;
    for (let got = 1; got > 0 && n < buf.length; n += got) got = fs.readSync(fd, buf, n, buf.length - n, null);
    if (n > MAX_IDS_BYTES) throw failure(`EFBIG (larger than ${MAX_IDS_BYTES / 1024 / 1024} MiB)`);
    buf = buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf, { maxOutputLength: MAX_IDS_BYTES });
  return PciIds.fromBytes(buf);
}

/** The database named by --pci-ids (an error if unreadable), else the first one found, else null. */
export function readPciIds(explicit: string | undefined): PciIds | null {
  if (explicit !== undefined) {
    try {
      return load(explicit);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new AppError(`cannot read --pci-ids ${explicit}: ${code}`, { hint: 'give a pci.ids file such as /usr/share/misc/pci.ids' });
    }
  }
  for (const p of PCI_IDS_PATHS) {
    try {
      return load(p);
    } catch {
      // not there or not readable: try the next place, then go without names
    }
  }
  return null;
}
