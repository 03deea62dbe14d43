// Name lookups in the pci.ids database, following pciutils' parser (lib/names-parse.c) and
// lspci's name formatting (lib/names.c), so that `legacy` output matches lspci byte for byte.
//
// Format (tabs are significant):
//   8086  Intel Corporation                vendor: 4 hex digits, blank, name
//   \t10d3  82574L Gigabit Network Connection      device of that vendor
//   \t\t8086 a01f  Gigabit CT Desktop Adapter   subsystem (not used here)
//   C 03  Display controller                 class block: 2 hex digits
//   \t00  VGA compatible controller          subclass
//   \t\t00  VGA controller                   programming interface
//
// A 1.3 MB file is not parsed whole: a vendor block is found with indexOf and parsed on first
// use, so a run pays only for the vendors it shows.

export class PciIds {
  private readonly text: string;
  /** Offset of the first top-level non-vendor block ("C ", "S " ...) ends the vendor section. */
  private readonly vendorEnd: number;
  private readonly vendors = new Map<number, VendorEntry | null>();
  private classes: Map<number, ClassEntry> | null = null;

  /** Names to decode from UTF-8 when found: `text` holds the file's bytes one char each (latin1). */
  private readonly bytewise: boolean;

  constructor(text: string, { bytewise = false } = {}) {
    this.text = text.startsWith('\n') ? text : '\n' + text;
    this.vendorEnd = firstBlockAfterVendors(this.text);
    this.bytewise = bytewise;
  }

  /**
   * The database from its bytes. Decoding 1.3 MB as UTF-8 costs more than every lookup of a run
   * (20 ms against 8 as latin1): it is kept a byte a char, and a name is decoded when found.
   */
  static fromBytes(buf: Buffer): PciIds {
    return new PciIds(buf.toString('latin1'), { bytewise: true });
  }

  private decoded(name: string): string {
    return this.bytewise && /[^\x00-\x7f]/.test(name) ? Buffer.from(name, 'latin1').toString('utf8') : name;
  }

  vendorName(vendor: number): string | null {
    return this.vendor(vendor)?.name ?? null;
  }

  deviceName(vendor: number, device: number): string | null {
    const v = this.vendor(vendor);
    if (v === null) return null;
    let n = v.devices.get(device);
    if (n === undefined) {
      n = this.findDevice(v, device);
      v.devices.set(device, n);
    }
    return n;
  }

  className(base: number): string | null {
    return this.classTable().get(base)?.name ?? null;
  }

  subclassName(base: number, sub: number): string | null {
    return this.classTable().get(base)?.subclasses.get(sub) ?? null;
  }

  /** Name for a 16-bit class (base class, subclass): the subclass's, else the base class's. */
  classLabel(cls: number): string | null {
    return this.subclassName(cls >> 8, cls & 0xff) ?? this.className(cls >> 8);
  }

  private vendor(id: number): VendorEntry | null {
    let v = this.vendors.get(id);
    if (v === undefined) {
      v = this.parseVendor(id);
      this.vendors.set(id, v);
    }
    return v;
  }

  private parseVendor(id: number): VendorEntry | null {
    const key = '\n' + id.toString(16).padStart(4, '0');
    let at = this.text.indexOf(key);
    while (at !== -1 && at < this.vendorEnd) {
      const after = this.text.charCodeAt(at + key.length);
      if (after === 0x20 || after === 0x09) break;
      at = this.text.indexOf(key, at + 1);
    }
    if (at === -1 || at >= this.vendorEnd) return null;
    const first = blockLines(this.text, at + 1).next();
    if (first.done) return null;
    const name = entryName(first.value, 4);
    if (name === null) return null;
    // Devices are looked up in the block one by one when asked (Intel's block alone is ~3,000
    // lines: parsing it whole cost more than the rest of a 256-function run's lookups).
    return { name: this.decoded(name), block: this.text.slice(at, this.blockEnd(at + 1)), devices: new Map() };
  }

  /** Where the block whose header starts at `start` ends: its first line that is not nested. */
  private blockEnd(start: number): number {
    const re = /\n(?!\t)/g;
    re.lastIndex = start;
    for (let m = re.exec(this.text); m !== null; m = re.exec(this.text)) {
      let e = this.text.indexOf('\n', m.index + 1);
      if (e === -1) e = this.text.length;
      const content = this.text.slice(m.index + 1, e).replace(/\r$/, '').replace(/^[ \t]+/, '');
      if (content !== '' && !content.startsWith('#')) return m.index; // blank and comment lines do not end it
    }
    return this.text.length;
  }

  /** The first device line of the block with this id and a name, as the whole-block parse took it. */
  private findDevice(v: VendorEntry, device: number): string | null {
    const hex = device.toString(16).padStart(4, '0');
    const text = v.block;
    let best: { at: number; name: string } | null = null;
    // pci.ids writes lower case; an upper-case id (hand-made files) is found too.
    for (const h of new Set([hex, hex.toUpperCase()])) {
      for (let at = text.indexOf('\n\t' + h); at !== -1 && (best === null || at < best.at); at = text.indexOf('\n\t' + h, at + 1)) {
        let e = text.indexOf('\n', at + 1);
        if (e === -1) e = text.length;
        let line = text.slice(at + 1, e);
        if (line.endsWith('\r')) line = line.slice(0, -1);
        const name = entryName(stripOneTrailingBlank(line).slice(1), 4);
        if (name !== null) {
          best = { at, name };
          break;
        }
      }
    }
    return best === null ? null : this.decoded(best.name);
  }

  private classTable(): Map<number, ClassEntry> {
    if (this.classes) return this.classes;
    const table = new Map<number, ClassEntry>();
    let at = this.text.indexOf('\nC ');
    while (at !== -1) {
      const lines = blockLines(this.text, at + 1);
      const first = lines.next();
      if (first.done) break;
      const base = hexId(first.value, 2, 2);
      const name = entryName(first.value.slice(2), 2);
      if (base !== null && name !== null && !table.has(base)) {
        const subclasses = new Map<number, string>();
        for (const line of lines) {
          if (!line.startsWith('\t') || line.startsWith('\t\t')) continue;
          const sub = hexId(line, 1, 2);
          const n = entryName(line.slice(1), 2);
          if (sub !== null && n !== null && !subclasses.has(sub)) subclasses.set(sub, this.decoded(n));
        }
        table.set(base, { name: this.decoded(name), subclasses });
      }
      at = this.text.indexOf('\nC ', at + 1);
    }
    this.classes = table;
    return table;
  }
}

interface VendorEntry {
  name: string;
  /** The block's text: from the newline before its header line to the newline that ends it. */
  block: string;
  /** Device names looked up so far (null: not in the block). */
  devices: Map<number, string | null>;
}

interface ClassEntry {
  name: string;
  subclasses: Map<number, string>;
}

/** Lines of one top-level block starting at `start`: the header line, then nested lines. */
function* blockLines(text: string, start: number): Generator<string> {
  let pos = start;
  let first = true;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    if (!first && text.charCodeAt(pos) === 0x09 && text.charCodeAt(pos + 1) === 0x09) {
      pos = end + 1; // a subsystem line (two tabs): nested, and no caller reads it
      continue;
    }
    let line = text.slice(pos, end);
    pos = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const content = line.replace(/^[ \t]+/, '');
    if (content === '' || content.startsWith('#')) continue;
    if (!first && !line.startsWith('\t')) return;
    first = false;
    yield stripOneTrailingBlank(line);
  }
}

// pciutils strips exactly one trailing blank.
function stripOneTrailingBlank(line: string): string {
  return line.endsWith(' ') || line.endsWith('\t') ? line.slice(0, -1) : line;
}

function hexId(line: string, from: number, width: number): number | null {
  const s = line.slice(from, from + width);
  return /^[0-9a-fA-F]+$/.test(s) && s.length === width ? parseInt(s, 16) : null;
}

/** The name after an id of `width` hex digits and at least one blank. */
function entryName(line: string, width: number): string | null {
  const sep = line.charCodeAt(width);
  if (sep !== 0x20 && sep !== 0x09) return null;
  const name = line.slice(width + 1).replace(/^[ \t]+/, '');
  return name === '' ? null : name;
}

function firstBlockAfterVendors(text: string): number {
  const m = /\n[A-Z] /.exec(text);
  return m ? m.index : text.length;
}

/**
 * The class text lspci prints with -nn: "Ethernet controller [0200]"; a class known only by its
 * base class: "Display controller [0380]"; an unknown class: "Class [ff00]".
 */
export function lspciClassText(ids: PciIds | null, classCode: number): string {
  const cls = classCode >> 8;
  const num = cls.toString(16).padStart(4, '0');
  const name = ids?.classLabel(cls) ?? null;
  return name === null ? `Class [${num}]` : `${name} [${num}]`;
}

/** "8086:10d3": the vendor:device pair as lspci -n, vfio-pci.ids and the README print it. */
export function vendorDeviceText(vendor: number, device: number): string {
  return `${vendor.toString(16).padStart(4, '0')}:${device.toString(16).padStart(4, '0')}`;
}

/** The vendor/device text lspci prints with -nn ("Intel Corporation 82574L ... [8086:10d3]"). */
export function lspciDeviceText(ids: PciIds | null, vendor: number, device: number): string {
  const num = vendorDeviceText(vendor, device);
  const v = ids?.vendorName(vendor) ?? null;
  const d = ids?.deviceName(vendor, device) ?? null;
  if (v !== null && d !== null) return `${v} ${d} [${num}]`;
  if (v === null) return `Device [${num}]`;
  return `${v} Device [${num}]`;
}
