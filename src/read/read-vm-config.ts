// The VM that `check --emit` writes for, where the tree holds its configuration: a Proxmox VM's
// etc/pve/qemu-server/VMID.conf (--vmid), a libvirt domain's etc/libvirt/qemu/NAME.xml (--domain).
// What matters is which indices it uses already (hostpciN; PCI controller indices) and which host
// functions it passes already. Parsed as text; nothing is run (no qm, no virsh).
import { formatPciAddress } from '../model/pci-address.js';
import { type Got, type SysRoot, got, unreadable } from './sysfs-root.js';

export interface VmExisting {
  /** Root-relative file read. */
  file: string;
  /** Proxmox: the hostpciN indices set; libvirt: the PCI controller indices. */
  used: number[];
  /** Host PCI functions (or slots, "0000:05:00") the VM passes already, with the entry naming each. */
  passes: { address: string; entry: string }[];
  /** Proxmox: its current configuration sets `args:` (qm set -args would replace them). */
  args: boolean;
}

const CONF_MAX = 1024 * 1024;

export function proxmoxConfPath(vmid: string): string {
  return `etc/pve/qemu-server/${vmid}.conf`;
}

export function libvirtXmlPath(name: string): string {
  return `etc/libvirt/qemu/${name}.xml`;
}

export function readVmExisting(sys: SysRoot, kind: 'proxmox' | 'libvirt', id: string): Got<VmExisting> {
  const file = kind === 'proxmox' ? proxmoxConfPath(id) : libvirtXmlPath(id);
  const t = sys.readText(file, CONF_MAX);
  if (!t.ok) return t;
  const parsed = kind === 'proxmox' ? parseProxmoxConf(t.value) : parseLibvirtDomain(t.value);
  return parsed === null ? unreadable('not a VM configuration') : got({ file, ...parsed });
}

/** "0000:05:00.0", "05:00.0", "05:00" (a whole slot) -> the canonical form, or null. */
function hostId(text: string): string | null {
  const m = /^(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-1][0-9a-fA-F])(?:\.([0-7]))?$/.exec(text.trim());
  if (!m) return null;
  const slot = `${(m[1] ?? '0000').toLowerCase()}:${m[2]!.toLowerCase()}:${m[3]!.toLowerCase()}`;
  return m[4] === undefined ? slot : `${slot}.${m[4]}`;
}

/**
 * A Proxmox VM's configuration: "key: value" lines; the current configuration runs up to the first
 * "[section]" (snapshots follow; [PENDING] holds changes not yet applied, which count as set). A
 * hostpci value is "[host=]ID[;ID...][,option=...]" or "mapping=NAME" (a cluster mapping: no address).
 */
export function parseProxmoxConf(text: string): Omit<VmExisting, 'file'> | null {
  const used = new Set<number>();
  const passes: VmExisting['passes'] = [];
  let section = '';
  let keys = 0;
  let args = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const sec = /^\[([^\]]*)\]$/.exec(line);
    if (sec) {
      section = sec[1]!;
      continue;
    }
    if (section !== '' && section !== 'PENDING') continue;
    const kv = /^([a-z][a-z0-9_-]*):\s*(.*)$/.exec(line);
    if (!kv) continue;
    keys++;
    if (kv[1] === 'args') args = true;
    const hp = /^hostpci([0-9]{1,2})$/.exec(kv[1]!);
    if (!hp) continue;
    used.add(Number(hp[1]));
    const first = kv[2]!.split(',')[0]!;
    const value = first.startsWith('host=') ? first.slice(5) : first.includes('=') ? '' : first;
    for (const id of value.split(';')) {
      const a = hostId(id);
      if (a !== null) passes.push({ address: a, entry: kv[1]! });
    }
  }
  return keys === 0 ? null : { used: [...used].sort((a, b) => a - b), passes, args };
}

function attrs(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tag.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*(?:'([^']*)'|"([^"]*)")/g)) out.set(m[1]!, m[2] ?? m[3] ?? '');
  return out;
}

function xmlNumber(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = text.trim();
  if (/^0x[0-9a-fA-F]{1,8}$/.test(t)) return parseInt(t.slice(2), 16);
  return /^[0-9]{1,9}$/.test(t) ? Number(t) : null;
}

/**
 * A libvirt domain's XML: every <controller type='pci' index='N'> (the guest bus numbers in use)
 * and every <hostdev type='pci'> source address. Comments are dropped first.
 */
export function parseLibvirtDomain(text: string): Omit<VmExisting, 'file'> | null {
  const xml = text.replace(/<!--[\s\S]*?-->/g, '');
  if (!/<domain\b/.test(xml)) return null;
  const used = new Set<number>();
  for (const m of xml.matchAll(/<controller\b([^>]*)>/g)) {
    const a = attrs(m[1]!);
    const index = xmlNumber(a.get('index'));
    if (a.get('type') === 'pci' && index !== null) used.add(index);
  }
  const passes: VmExisting['passes'] = [];
  for (const m of xml.matchAll(/<hostdev\b([^>]*)>([\s\S]*?)<\/hostdev>/g)) {
    if (attrs(m[1]!).get('type') !== 'pci') continue;
    const src = /<source\b[^>]*>([\s\S]*?)<\/source>/.exec(m[2]!);
    const addr = src ? /<address\b([^>]*)\/?>/.exec(src[1]!) : null;
    if (!addr) continue;
    const a = attrs(addr[1]!);
    const [domain, bus, slot, fn] = ['domain', 'bus', 'slot', 'function'].map((k) => xmlNumber(a.get(k)));
    if (bus === null || slot === null || fn === null || bus! > 0xff || slot! > 0x1f || fn! > 7) continue;
    const address = formatPciAddress({ domain: domain ?? 0, bus: bus!, slot: slot!, function: fn! });
    passes.push({ address, entry: '<hostdev>' });
  }
  return { used: [...used].sort((a, b) => a - b), passes, args: false };
}
