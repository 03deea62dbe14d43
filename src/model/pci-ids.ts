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

  constructor(text: string) {
    this.text = text.startsWith('\n') ? text : '\n' + text;
    this.vendorEnd = firstBlockAfterVendors(this.text);
  }

  vendorName(vendor: number): string | null {
    return this.vendor(vendor)?.name ?? null;
  }

  deviceName(vendor: number, device: number): string | null {
    return this.vendor(vendor)?.devices.get(device) ?? null;
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
    const lines = blockLines(this.text, at + 1);
    const first = lines.next();
    if (first.done) return null;
    const name = entryName(first.value, 4);
    if (name === null) return null;
    const devices = new Map<number, string>();
    for (const line of lines) {
      if (!line.startsWith('\t') || line.startsWith('\t\t')) continue;
      const id = hexId(line, 1, 4);
      const n = entryName(line.slice(1), 4);
      if (id !== null && n !== null && !devices.has(id)) devices.set(id, n);
    }
    return { name, devices };
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
          if (sub !== null && n !== null && !subclasses.has(sub)) subclasses.set(sub, n);
        }
        table.set(base, { name, subclasses });
      }
      at = this.text.indexOf('\nC ', at + 1);
    }
    this.classes = table;
    return table;
  }
}

interface VendorEntry {
  name: string;
  devices: Map<number, string>;
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
