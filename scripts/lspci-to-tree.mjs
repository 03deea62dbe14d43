#!/usr/bin/env node
// A board's `lspci -vvnn` (taken as root; `-xxxx` added where it was) turned into the sysfs tree of
// that board with the IOMMU off, and the groups its kernel made (the `IOMMU group:` lines, held
// back in a separate file): how `list --predict` is checked against machines we do not have.
//
//   node scripts/lspci-to-tree.mjs [--pci-ids FILE] LSPCI_TEXT OUTDIR   (FILE: to read names back to ids
//   when the text was taken without -nn)
//   node bin/iommu-groups.js list --predict --root OUTDIR --format plain
//   OUTDIR/held-back-groups.json: { "0000:01:00.0": 2, ... } (empty when lspci printed no groups)
//
// What the tree holds, from the text alone: one directory per function under its bridge (nesting
// from each bridge's secondary bus), vendor/device/class/subsystem/revision, uevent, the driver link,
// physical slots named by `Physical Slot:` lines (an empty slot is not in lspci's output), SR-IOV
// VFs linked to their PF (from the PF's VF offset and stride), and config space: the bytes of a hex
// dump when there is one, otherwise built from what lspci decoded: the header (ids, class, header
// type, bus numbers, capability pointer) and each capability at the offset lspci printed, in its
// order, with the fields the grouping and reset rules read (PCI Express port type and slot bit,
// FLReset, ACS capability and control, PM NoSoftRst, AF FLR, SR-IOV, the serial number). lspci's
// `Capabilities: <access denied>` (a non-root run) gives every function the 64 bytes a non-root
// user reads.
// Multifunction is not printed by -vv: a function is taken as multifunction when another
// function of its slot is listed. Nothing here says which IOMMU the board has (no ACPI tables).
// `Device tree node:` lines (Arm and other device-tree boards) become the functions' of_node links:
// the tree then says it is such a board, whose host controllers' iommu-map lspci does not show.
import * as fs from 'node:fs';
import * as path from 'node:path';

const STD_CAPS = [
  [/^Power Management/, 0x01], [/^AGP/, 0x02], [/^Vital Product Data/, 0x03], [/^Slot ID/, 0x04], [/^MSI:/, 0x05],
  [/^CompactPCI hot-swap/, 0x06], [/^PCI-X/, 0x07], [/^HyperTransport/, 0x08], [/^Vendor Specific/, 0x09],
  [/^Debug port/, 0x0a], [/^CompactPCI central/, 0x0b], [/^Hot-plug capable/, 0x0c], [/^Subsystem/, 0x0d],
  [/^AGP3/, 0x0e], [/^Secure device/, 0x0f], [/^Express/, 0x10], [/^MSI-X/, 0x11], [/^SATA/, 0x12],
  [/^PCI Advanced Features/, 0x13], [/^Enhanced Allocation/, 0x14], [/^Flattening Portal Bridge/, 0x15],
];
const EXT_CAPS = [
  [/^Advanced Error Reporting/, 0x01], [/^Virtual Channel/, 0x02], [/^Device Serial Number/, 0x03],
  [/^Power Budgeting/, 0x04], [/^Root Complex Link/, 0x05], [/^Root Complex Internal Link/, 0x06],
  [/^Root Complex Event Collector/, 0x07], [/^Multi-Function Virtual Channel/, 0x08],
  [/^Vendor Specific/, 0x0b], [/^Access Control Services/, 0x0d], [/^Alternative Routing-ID/, 0x0e],
  [/^Address Translation Service/, 0x0f], [/^Single Root I\/O Virtualization/, 0x10],
  [/^Multi-Root I\/O/, 0x11], [/^Multicast/, 0x12], [/^Page Request Interface/, 0x13],
  [/^(Physical )?Resizable BAR/, 0x15], [/^Dynamic Power Allocation/, 0x16], [/^Transaction Processing Hints/, 0x17],
  [/^Latency Tolerance Reporting/, 0x18], [/^Secondary PCI Express/, 0x19], [/^Process Address Space ID/, 0x1b],
  [/^Downstream Port Containment/, 0x1d], [/^L1 PM Substates/, 0x1e], [/^Precision Time Measurement/, 0x1f],
  [/^Designated Vendor-Specific/, 0x23], [/^VF Resizable BAR/, 0x24], [/^Data Link Feature/, 0x25],
  [/^Physical Layer 16/, 0x26], [/^Lane Margining/, 0x27], [/^Physical Layer 32/, 0x2a],
  [/^Null/, 0x00],
];
const PORT_TYPES = [
  ['Legacy Endpoint', 0x1], ['Endpoint', 0x0], ['Root Port', 0x4], ['Upstream Port', 0x5], ['Downstream Port', 0x6],
  ['PCI-Express to PCI/PCI-X Bridge', 0x7], ['PCI/PCI-X to PCI-Express Bridge', 0x8],
  ['Root Complex Integrated Endpoint', 0x9], ['Root Complex Event Collector', 0xa],
];
const ACS_BITS = ['SrcValid', 'TransBlk', 'ReqRedir', 'CmpltRedir', 'UpstreamFwd', 'EgressCtrl', 'DirectTrans'];

const hex = (s) => parseInt(s, 16);
/** n in hex, zero-padded to w digits. */
const hexw = (n, w) => n.toString(16).padStart(w, '0');
// lspci names an id it does not know "#xx" (standard) or "Extended Capability ID 0xNN"; a name this
// table lacks keeps its place in the chain as vendor-specific, an id no rule reads.
const capId = (table, name) => {
  const unknown = /^#([0-9a-f]+)/.exec(name) ?? /^Extended Capability ID 0x([0-9a-f]+)/.exec(name);
  if (unknown) return hex(unknown[1]);
  return table.find(([re]) => re.test(name))?.[1] ?? (table === STD_CAPS ? 0x09 : 0x0b);
};

/**
 * The devices of an lspci -vv text (with -nn or -n ids; without them, `names` resolves the names
 * lspci printed through a pci.ids), each with its lines. Quote marks a mail or a forum put before
 * each line ("> ", ">> ") are taken off: lspci never starts a line with ">".
 */
export function parseLspci(text, { names = null } = {}) {
  const devices = [];
  let cur = null;
  const head = /^(?:([0-9a-f]{4,8}):)?([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])\s+(.*)$/;
  for (const line of text.replace(/\r/g, '').split('\n')) {
    const raw = line.replace(/^(?:> ?)+/, '');
    const m = head.exec(raw);
    if (m) {
      cur = { domain: hex(m[1] ?? '0'), bus: hex(m[2]), dev: hex(m[3]), fn: hex(m[4]), title: m[5], lines: [] };
      devices.push(cur);
    } else if (cur && /^\s/.test(raw)) cur.lines.push(raw);
    else if (cur && /^[0-9a-f]{2,3}: /.test(raw)) cur.lines.push(raw);
  }
  return devices.map((d) => describe(d, names));
}

/**
 * Names back to ids, from a pci.ids text: what `lspci -vv` without -nn printed ("PCI bridge:
 * Qualcomm Technologies, Inc SC8280XP PCI Express Root Port") becomes class 0604, 17cb:010e. A name
 * that pci.ids does not hold, or holds for two ids, is refused: a guessed id could pick the wrong
 * quirk. (A pci.ids older or newer than the one lspci used can differ; the ids are then missing, not wrong.)
 */
export function pciIdsNames(idsText) {
  const vendors = [];
  const devices = new Map();
  const classes = new Map();
  let vendor = null;
  let klass = null;
  for (const line of idsText.split('\n')) {
    let m;
    if ((m = /^([0-9a-f]{4})  (.+)$/.exec(line))) {
      vendor = { id: hex(m[1]), name: m[2] };
      vendors.push(vendor);
      devices.set(vendor.id, devices.get(vendor.id) ?? []);
      klass = null;
    } else if ((m = /^C ([0-9a-f]{2})  /.exec(line))) {
      klass = hex(m[1]);
      vendor = null;
    } else if ((m = /^\t([0-9a-f]{4})  (.+)$/.exec(line)) && vendor) devices.get(vendor.id).push({ id: hex(m[1]), name: m[2] });
    else if ((m = /^\t([0-9a-f]{2})  (.+)$/.exec(line)) && klass !== null) {
      classes.set(m[2], [...(classes.get(m[2]) ?? []), (klass << 8) | hex(m[1])]);
    }
  }
  return {
    /** "Qualcomm Technologies, Inc SC8280XP PCI Express Root Port" or "... Device 0108": [vendor, device] or a reason. */
    ids(text) {
      const unknown = /^Device ([0-9a-f]{4}):([0-9a-f]{4})$/.exec(text);
      if (unknown) return [hex(unknown[1]), hex(unknown[2])];
      const found = [];
      for (const v of vendors) {
        if (!text.startsWith(`${v.name} `)) continue;
        const rest = text.slice(v.name.length + 1);
        const num = /^Device ([0-9a-f]{4})$/.exec(rest);
        if (num) found.push([v.id, hex(num[1])]);
        for (const d of devices.get(v.id)) if (d.name === rest) found.push([v.id, d.id]);
      }
      const distinct = [...new Map(found.map((f) => [f.join(':'), f])).values()];
      if (distinct.length === 1) return distinct[0];
      return distinct.length === 0 ? 'not in this pci.ids' : `named so for ${distinct.map(([v, d]) => `${hexw(v, 4)}:${hexw(d, 4)}`).join(' and ')}`;
    },
    /** "PCI bridge": 0x0604, or null. */
    classOf(name) {
      const codes = classes.get(name) ?? [];
      return codes.length === 1 ? codes[0] : null;
    },
  };
}

/**
 * Class and vendor:device of a title line. -nn: "VGA compatible controller [0300]: NVIDIA ...
 * [10de:1d01] (rev a1) (prog-if 00 [VGA controller])"; -n: "0300: 10de:1d01 (rev a1) (prog-if 00)";
 * neither: "PCI bridge: Qualcomm Technologies, Inc SC8280XP PCI Express Root Port (prog-if 00
 * [Normal decode])", resolved through `names` (a class lspci could not name keeps its "[0807]").
 */
function titleIds(d, names) {
  const t = d.title;
  const cls = /\[([0-9a-f]{4})\]: /.exec(t) ?? /^([0-9a-f]{4}): /.exec(t);
  const ids = [...t.matchAll(/\[([0-9a-f]{4}):([0-9a-f]{4})\]/g)].pop() ?? /: ([0-9a-f]{4}):([0-9a-f]{4})/.exec(t);
  if (cls && ids) return { classCode: hex(cls[1]), vendor: hex(ids[1]), device: hex(ids[2]) };
  const why = (what) => new Error(`${addrOf(d)}: ${what} in "${t}" (take lspci with -nn${names ? '' : ', or give --pci-ids FILE to read names'})`);
  if (!names) throw why('no class or vendor:device id');
  const m = /^(.*?)(?: \[([0-9a-f]{4})\])?: (.*?)(?: \(rev [0-9a-f]{2}\))?(?: \(prog-if [0-9a-f]{2}(?: \[.*\])?\))?$/.exec(t);
  if (!m) throw why('no class and name');
  const classCode = m[2] ? hex(m[2]) : names.classOf(m[1]);
  if (classCode === null) throw why(`class "${m[1]}" is not one class of this pci.ids`);
  const found = names.ids(m[3]);
  if (typeof found === 'string') throw why(`"${m[3]}" is ${found}`);
  return { classCode, vendor: found[0], device: found[1] };
}

function describe(d, names) {
  const t = d.title;
  const { classCode, vendor, device } = titleIds(d, names);
  const rev = /\(rev ([0-9a-f]{2})\)/.exec(t);
  const progIf = /\(prog-if ([0-9a-f]{2})/.exec(t);
  const out = {
    address: addrOf(d), domain: d.domain, bus: d.bus, dev: d.dev, fn: d.fn,
    vendor, device, classCode: (classCode << 8) | (progIf ? hex(progIf[1]) : 0),
    revision: rev ? hex(rev[1]) : 0, subsystem: null, control: 0, capList: false,
    secondary: null, subordinate: null, primary: null, group: null, slot: null, driver: null, ofNode: null,
    denied: false, caps: [], hexdump: [],
  };
  let cap = null;
  // Indentation decides what belongs to a capability; a text pasted through a forum or a mail may
  // have its tabs turned into spaces, so a line's indent is its width (a tab to the next 8), and the
  // device's own lines are those at the smallest indent.
  const width = (line) => /^[ \t]*/.exec(line)[0].split('').reduce((w, c) => (c === '\t' ? w + 8 - (w % 8) : w + 1), 0);
  const top = Math.min(...d.lines.filter((l) => !/^[0-9a-f]{2,3}: /.test(l) && l.trim() !== '').map(width));
  for (const line of d.lines) {
    const dump = /^([0-9a-f]{2,3}): ((?:[0-9a-f]{2} ?){1,16})$/.exec(line);
    if (dump) {
      out.hexdump.push([hex(dump[1]), dump[2].trim().split(' ').map(hex)]);
      continue;
    }
    const s = line.trim();
    const depth = width(line) <= top ? 1 : 2;
    if (depth <= 1) cap = null;
    let m;
    if (depth <= 1 && (m = /^Subsystem: .*?(?:\[)?([0-9a-f]{4}):([0-9a-f]{4})\]?$/.exec(s))) out.subsystem = [hex(m[1]), hex(m[2])];
    else if (depth <= 1 && s.startsWith('Control: ')) {
      out.control = (/I\/O\+/.test(s) ? 1 : 0) | (/Mem\+/.test(s) ? 2 : 0) | (/BusMaster\+/.test(s) ? 4 : 0) | (/DisINTx\+/.test(s) ? 0x400 : 0);
    } else if (depth <= 1 && s.startsWith('Status: ')) out.capList = /\bCap\+/.test(s);
    else if ((m = /^Bus: primary=([0-9a-f]+), secondary=([0-9a-f]+), subordinate=([0-9a-f]+)/.exec(s))) {
      [out.primary, out.secondary, out.subordinate] = [hex(m[1]), hex(m[2]), hex(m[3])];
    } else if ((m = /^IOMMU group: (\d+)$/.exec(s))) out.group = Number(m[1]);
    else if ((m = /^Physical Slot: (.+)$/.exec(s))) out.slot = pathName(m[1], `${out.address}: physical slot`);
    else if ((m = /^Device tree node: (.+)$/.exec(s))) out.ofNode = dtNode(m[1], out.address);
    else if ((m = /^Kernel driver in use: (.+)$/.exec(s))) out.driver = pathName(m[1], `${out.address}: driver`);
    else if (s === 'Capabilities: <access denied>') out.denied = true;
    else if ((m = /^Capabilities: \[([0-9a-f]+)(?: v(\d+))?\] (.*)$/.exec(s))) {
      const ext = m[2] !== undefined;
      cap = { offset: hex(m[1]), ext, version: ext ? Number(m[2]) : 0, name: m[3], id: capId(ext ? EXT_CAPS : STD_CAPS, m[3]), fields: [] };
      out.caps.push(cap);
    } else if (cap) cap.fields.push(s);
  }
  out.sriov = sriovOf(out.caps.find((c) => c.ext && c.id === 0x10));
  return out;
}

/** The SR-IOV numbers lspci prints ("Initial VFs: 8, Total VFs: 8, Number of VFs: 2", "VF offset: 128, stride: 2, Device ID: 10ca"). */
function sriovOf(c) {
  if (!c) return null;
  const all = c.fields.join(' ');
  const num = (re) => Number(re.exec(all)?.[1] ?? 0);
  const vfDevice = /Device ID: ([0-9a-f]{4})/.exec(all);
  return {
    initial: num(/Initial VFs: (\d+)/), total: num(/Total VFs: (\d+)/), count: num(/Number of VFs: (\d+)/),
    offset: num(/VF offset: (\d+)/), stride: num(/stride: (\d+)/), vfDevice: vfDevice ? hex(vfDevice[1]) : null,
  };
}

/**
 * A slot or driver name becomes a directory name in the tree: the text is data, so a name that
 * is not one plain path component ("..", a slash, a control character) is left out, and said.
 */
function pathName(name, what) {
  if (/^[A-Za-z0-9_.:+ -]{1,64}$/.test(name) && name !== '.' && name !== '..') return name;
  console.error(`lspci-to-tree: ${what} ${JSON.stringify(name)} left out: not a plain file name`);
  return null;
}

/**
 * A "Device tree node:" path, kept when it is one under /sys/firmware/devicetree/base made of plain
 * node names: the tree then shows a device-tree platform (whose controller iommu-map it cannot know).
 */
function dtNode(text, address) {
  const m = /^\/sys\/firmware\/devicetree\/base((?:\/[A-Za-z0-9,._+@-]{1,64}){1,16})$/.exec(text);
  if (m && !m[1].split('/').some((c) => c === '.' || c === '..')) return `sys/firmware/devicetree/base${m[1]}`;
  console.error(`lspci-to-tree: ${address}: device tree node ${JSON.stringify(text)} left out: not a plain node path`);
  return null;
}

function addrOf(d) {
  return `${hexw(d.domain, 4)}:${hexw(d.bus, 2)}:${hexw(d.dev, 2)}.${d.fn}`;
}

/** Config space as the kernel's `config` attribute would give it. */
export function configOf(d, multifunction, nonRoot = d.denied) {
  const pcie = d.caps.some((c) => c.id === 0x10);
  const end = d.hexdump.length > 0 ? Math.max(...d.hexdump.map(([off, b]) => off + b.length)) : 0;
  // A dump is the config space when it holds all of it: -xxxx, or -xxx of a function with nothing
  // beyond 256 bytes; -xxx of a PCIe function lacks the extended capabilities lspci decoded, so
  // those are built from the text instead (and 64 bytes is a non-root read).
  if (end > 256 || (end > 0 && (nonRoot || end <= 64 || (!pcie && !d.caps.some((c) => c.ext))))) {
    const buf = Buffer.alloc(end <= 64 ? 64 : end <= 256 ? 256 : 4096);
    for (const [off, bytes] of d.hexdump) bytes.forEach((b, i) => (buf[off + i] = b));
    return nonRoot || end <= 64 ? buf.subarray(0, 64) : buf;
  }
  const b = Buffer.alloc(pcie || d.caps.some((c) => c.ext) ? 4096 : 256);
  const bridge = d.secondary !== null;
  b.writeUInt16LE(d.vendor, 0);
  b.writeUInt16LE(d.device, 2);
  b.writeUInt16LE(d.control, 4);
  b.writeUInt16LE(d.capList || d.caps.some((c) => !c.ext) ? 0x10 : 0, 6);
  b[8] = d.revision;
  b[9] = d.classCode & 0xff;
  b[10] = (d.classCode >> 8) & 0xff;
  b[11] = (d.classCode >> 16) & 0xff;
  b[0x0e] = (bridge ? 1 : 0) | (multifunction ? 0x80 : 0);
  if (bridge) {
    b[0x18] = d.primary;
    b[0x19] = d.secondary;
    b[0x1a] = d.subordinate;
  } else if (d.subsystem) {
    b.writeUInt16LE(d.subsystem[0], 0x2c);
    b.writeUInt16LE(d.subsystem[1], 0x2e);
  }
  const std = d.caps.filter((c) => !c.ext && c.id !== null && c.offset >= 0x40 && c.offset < 0x100);
  b[0x34] = std[0]?.offset ?? 0;
  std.forEach((c, i) => {
    b[c.offset] = c.id;
    b[c.offset + 1] = std[i + 1]?.offset ?? 0;
    stdFields(b, c, d);
  });
  const ext = d.caps.filter((c) => c.ext && c.id !== null && c.offset >= 0x100 && c.offset < 0x1000 && b.length === 4096);
  ext.forEach((c, i) => {
    const next = ext[i + 1]?.offset ?? 0;
    b.writeUInt32LE(((next << 20) | ((c.version & 0xf) << 16) | c.id) >>> 0, c.offset);
    extFields(b, c, d);
  });
  return nonRoot ? b.subarray(0, 64) : b;
}

function stdFields(b, c, d) {
  const all = c.fields.join(' ');
  if (c.id === 0x10) {
    const version = Number(/\(v(\d)\)/.exec(c.name)?.[1] ?? 2);
    const type = PORT_TYPES.find(([n]) => c.name.includes(` ${n}`))?.[1] ?? 0;
    const slot = /\(Slot\+\)/.test(c.name) ? 0x100 : 0;
    b.writeUInt16LE(version | (type << 4) | slot, c.offset + 2);
    if (/FLReset\+/.test(all)) b.writeUInt32LE(1 << 28, c.offset + 4);
    const psn = /Slot #(\d+)/.exec(all);
    if (slot && psn) b.writeUInt32LE((Number(psn[1]) << 19) >>> 0, c.offset + 0x14);
  } else if (c.id === 0x01) {
    b.writeUInt16LE(Number(/version (\d)/.exec(c.name)?.[1] ?? 3) & 7, c.offset + 2);
    if (/NoSoftRst\+/.test(all)) b.writeUInt16LE(0x08, c.offset + 4);
  } else if (c.id === 0x13) {
    if (/AFCap:.*TP\+/.test(all) && /AFCap:.*FLR\+/.test(all)) b[c.offset + 3] = 0x03;
  } else if (c.id === 0x0d && d.subsystem) {
    b.writeUInt16LE(d.subsystem[0], c.offset + 4);
    b.writeUInt16LE(d.subsystem[1], c.offset + 6);
  }
}

function extFields(b, c, d) {
  const field = (name) => c.fields.find((f) => f.startsWith(`${name}:`)) ?? '';
  if (c.id === 0x0d) {
    const bits = (line) => ACS_BITS.reduce((v, n, i) => v | (new RegExp(`\\b${n}\\+`).test(line) ? 1 << i : 0), 0);
    b.writeUInt16LE(bits(field('ACSCap')), c.offset + 4);
    b.writeUInt16LE(bits(field('ACSCtl')), c.offset + 6);
  } else if (c.id === 0x03) {
    const serial = /([0-9a-f]{2}(?:-[0-9a-f]{2}){7})/.exec(c.name);
    if (serial) serial[1].split('-').reverse().forEach((x, i) => (b[c.offset + 4 + i] = hex(x)));
  } else if (c.id === 0x10 && d.sriov) {
    const v = d.sriov;
    b.writeUInt16LE(v.initial, c.offset + 0x0c);
    b.writeUInt16LE(v.total, c.offset + 0x0e);
    b.writeUInt16LE(v.count, c.offset + 0x10);
    b.writeUInt16LE(v.offset, c.offset + 0x14);
    b.writeUInt16LE(v.stride, c.offset + 0x16);
    if (v.vfDevice !== null) b.writeUInt16LE(v.vfDevice, c.offset + 0x1a);
  }
}

/** VF address -> { pf, index }: VF i of a PF is at its routing id + offset + i * stride. */
function virtualFunctions(devices) {
  const listed = new Set(devices.map((d) => d.address));
  const vfs = new Map();
  for (const pf of devices) {
    if (!pf.sriov) continue;
    const rid = (pf.bus << 8) | (pf.dev << 3) | pf.fn;
    for (let i = 0; i < pf.sriov.count; i++) {
      const r = rid + pf.sriov.offset + i * pf.sriov.stride;
      const a = addrOf({ domain: pf.domain, bus: (r >> 8) & 0xff, dev: (r >> 3) & 0x1f, fn: r & 7 });
      if (listed.has(a)) vfs.set(a, { pf: pf.address, index: i });
    }
  }
  return vfs;
}

export function writeTree(devices, out) {
  // OUT is replaced only when it is empty or an earlier conversion (a directory named by mistake,
  // such as a home directory, is never removed).
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0 && !fs.existsSync(path.join(out, 'held-back-groups.json'))) {
    throw new Error(`${out} is not empty and is not an earlier conversion: name a new directory`);
  }
  fs.rmSync(out, { recursive: true, force: true });
  const put = (rel, data) => {
    fs.mkdirSync(path.dirname(path.join(out, rel)), { recursive: true });
    fs.writeFileSync(path.join(out, rel), data);
  };
  const link = (rel, target) => {
    fs.mkdirSync(path.dirname(path.join(out, rel)), { recursive: true });
    fs.symlinkSync(target, path.join(out, rel));
  };
  const vfs = virtualFunctions(devices);
  const slotFns = new Map();
  for (const d of devices) {
    if (vfs.has(d.address)) continue;
    const k = `${d.domain}:${d.bus}:${d.dev}`;
    slotFns.set(k, (slotFns.get(k) ?? 0) + 1);
  }
  const dirs = new Map();
  const walking = new Set();
  const dirOf = (d) => {
    if (dirs.has(d.address)) return dirs.get(d.address);
    walking.add(d.address);
    // The bridge whose secondary bus this is; none (or a loop in a damaged text): a root bus.
    const up = devices.find((b) => b !== d && b.domain === d.domain && b.secondary === d.bus && !walking.has(b.address));
    const parent = up ? dirOf(up) : `sys/devices/pci${hexw(d.domain, 4)}:${hexw(d.bus, 2)}`;
    const dir = `${parent}/${d.address}`;
    walking.delete(d.address);
    dirs.set(d.address, dir);
    return dir;
  };
  const h4 = (n) => hexw(n, 4);
  // One function's capabilities denied means lspci ran as a non-root user: every function's config
  // was cut to 64 bytes then, also those with no capabilities to deny (lspci says nothing for them).
  const nonRoot = devices.some((d) => d.denied);
  for (const d of devices) {
    const dir = dirOf(d);
    const mf = !vfs.has(d.address) && (slotFns.get(`${d.domain}:${d.bus}:${d.dev}`) ?? 0) > 1;
    put(`${dir}/config`, configOf(d, mf, nonRoot));
    put(`${dir}/vendor`, `0x${h4(d.vendor)}\n`);
    put(`${dir}/device`, `0x${h4(d.device)}\n`);
    put(`${dir}/class`, `0x${d.classCode.toString(16).padStart(6, '0')}\n`);
    put(`${dir}/revision`, `0x${d.revision.toString(16).padStart(2, '0')}\n`);
    const [sv, sd] = d.subsystem ?? [0, 0];
    put(`${dir}/subsystem_vendor`, `0x${h4(sv)}\n`);
    put(`${dir}/subsystem_device`, `0x${h4(sd)}\n`);
    const X = (n) => n.toString(16).toUpperCase();
    put(
      `${dir}/uevent`,
      `${d.driver ? `DRIVER=${d.driver}\n` : ''}PCI_CLASS=${X(d.classCode)}\nPCI_ID=${h4(d.vendor).toUpperCase()}:${h4(d.device).toUpperCase()}\n` +
        `PCI_SUBSYS_ID=${h4(sv).toUpperCase()}:${h4(sd).toUpperCase()}\nPCI_SLOT_NAME=${d.address}\n`,
    );
    link(`sys/bus/pci/devices/${d.address}`, path.relative(path.join(out, 'sys/bus/pci/devices'), path.join(out, dir)));
    link(`${dir}/subsystem`, path.relative(path.join(out, dir), path.join(out, 'sys/bus/pci')));
    if (d.driver) {
      fs.mkdirSync(path.join(out, 'sys/bus/pci/drivers', d.driver), { recursive: true });
      link(`${dir}/driver`, path.relative(path.join(out, dir), path.join(out, 'sys/bus/pci/drivers', d.driver)));
    }
    if (d.slot) put(`sys/bus/pci/slots/${d.slot}/address`, `${d.address.slice(0, -2)}\n`);
    if (d.ofNode) {
      fs.mkdirSync(path.join(out, d.ofNode), { recursive: true });
      link(`${dir}/of_node`, path.relative(path.join(out, dir), path.join(out, d.ofNode)));
    }
  }
  const between = (from, to) => path.relative(path.join(out, dirs.get(from)), path.join(out, dirs.get(to)));
  for (const [vf, { pf, index }] of vfs) {
    link(`${dirs.get(vf)}/physfn`, between(vf, pf));
    link(`${dirs.get(pf)}/virtfn${index}`, between(pf, vf));
  }
  put('proc/cmdline', 'BOOT_IMAGE=/boot/vmlinuz ro quiet\n');
  const held = Object.fromEntries(devices.filter((d) => d.group !== null).map((d) => [d.address, d.group]));
  fs.writeFileSync(path.join(out, 'held-back-groups.json'), `${JSON.stringify(held, null, 1)}\n`);
  return { functions: devices.length, grouped: Object.keys(held).length, vfs: vfs.size };
}

/** The pci.ids where lspci looks (or FILE): read only when a text has names without ids. */
function loadNames(file) {
  const where = file ? [file] : ['/usr/share/misc/pci.ids', '/usr/share/hwdata/pci.ids', '/usr/share/pci.ids'];
  for (const f of where) {
    try {
      return pciIdsNames(fs.readFileSync(f, 'utf8'));
    } catch (err) {
      if (file) throw new Error(`cannot read --pci-ids ${file}: ${err.code ?? err.message}`);
    }
  }
  return null;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--pci-ids');
  const idsFile = at >= 0 ? args.splice(at, 2)[1] : null;
  const [input, out] = args;
  if (!input || !out || (at >= 0 && !idsFile)) {
    console.error('usage: node scripts/lspci-to-tree.mjs [--pci-ids FILE] LSPCI_TEXT OUTDIR   (LSPCI_TEXT: lspci -vvnn as root, - for stdin;');
    console.error('       without -nn, names are read back to ids through FILE or the pci.ids lspci uses)');
    process.exit(2);
  }
  let r;
  try {
    const text = fs.readFileSync(input === '-' ? 0 : input, 'utf8');
    let devices;
    try {
      devices = parseLspci(text);
    } catch (err) {
      if (!/no class or vendor:device id/.test(err.message)) throw err;
      devices = parseLspci(text, { names: loadNames(idsFile) });
    }
    r = writeTree(devices, out);
  } catch (err) {
    console.error(`lspci-to-tree: ${err.message}`);
    process.exit(2);
  }
  console.error(`lspci-to-tree: ${r.functions} functions (${r.vfs} VFs), ${r.grouped} with a group held back in ${path.join(out, 'held-back-groups.json')}`);
}
