// What the host's storage uses: the disks under sys/block (with their partitions, holders and
// device-mapper names), the mounted filesystems and swap areas, and which block devices those
// stand on. A mountinfo line names its device by major:minor, except for filesystems that
// span devices (btrfs, ZFS, bcachefs): those show an anonymous 0:N, and the device is found
// from the mount source (/dev/nvme0n1p2, /dev/mapper/NAME, /dev/disk/by-uuid/...), from
// sys/fs/btrfs/UUID/devices, or for a ZFS dataset from its pool's members as udev labels them
// (run/udev/data: ID_FS_TYPE=zfs_member, ID_FS_LABEL=POOL). What cannot be told is said, never
// read as "not mounted".
import * as path from 'node:path';
import type { BlockDevice, ErrorMap, HostFacts } from '../model/types.js';
import { linkedEntries, type Got, type SysRoot } from './sysfs-root.js';

/** mountinfo and swaps on a host with many mounts are large; 4 MiB holds tens of thousands of lines. */
export const MOUNTS_MAX = 4 * 1024 * 1024;

export interface MountLine {
  /** major:minor (field 3). */
  dev: string;
  point: string;
  fstype: string;
  source: string;
}

/** mountinfo's octal escapes (\040 for a space, \011, \012, \134). */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/**
 * proc/self/mountinfo: "ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS"
 * (Documentation/filesystems/proc.rst). Lines not in that form are left out.
 */
export function parseMountinfo(text: string): MountLine[] {
  const out: MountLine[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (sep < 0 || f.length < sep + 3 || !/^\d+:\d+$/.test(f[2]!)) continue;
    out.push({ dev: f[2]!, point: unescape(f[4]!), fstype: f[sep + 1]!, source: unescape(f[sep + 2]!) });
  }
  return out;
}

/**
 * proc/swaps: "Filename Type Size Used Priority", then one line per swap area
 * (/dev/nvme0n1p3 partition ..., /dev/dm-1 partition ..., /swapfile file ...): the partitions'
 * paths. A swap file lives on a mounted filesystem, which the mounts cover.
 */
export function swapPaths(text: string): string[] {
  const out = new Set<string>();
  for (const line of text.split('\n').slice(1)) {
    const [file, type] = line.trim().split(/\s+/);
    if (file?.startsWith('/') && type === 'partition') out.add(unescape(file));
  }
  return [...out].sort();
}

/** Filesystems whose mountinfo device is anonymous (0:N) though they stand on block devices. */
const SPANNING = new Set(['btrfs', 'zfs', 'bcachefs']);

export interface Storage {
  mounted: HostFacts['mounted'];
  blockDevices: HostFacts['blockDevices'];
  swaps: HostFacts['swaps'];
  mountedByName: HostFacts['mountedByName'];
}

export function readStorage(sys: SysRoot, errors: ErrorMap, unresolvedLinks: HostFacts['unresolved']['block']): Storage {
  const keep = <T>(key: string, g: Got<T>): T | null => {
    if (g.ok) return g.value;
    if (!g.absent) errors[key] = g.error;
    return null;
  };
  const mountText = keep('mounted', sys.readText('proc/self/mountinfo', MOUNTS_MAX));
  const swapText = keep('swaps', sys.readText('proc/swaps', MOUNTS_MAX));
  const mounts = mountText === null ? null : parseMountinfo(mountText);
  const blocks = readBlockDevices(sys, errors, unresolvedLinks);
  const resolve = blocks === null ? null : nameResolver(sys, blocks);
  const unresolved: { what: string; why: string }[] = [];

  // Swap areas by block name; a path that names no block device here is said.
  let swaps: string[] | null = null;
  if (swapText !== null) {
    swaps = [];
    for (const p of swapPaths(swapText)) {
      const n = resolve?.(p) ?? null;
      if (n !== null) swaps.push(n);
      else if (blocks !== null) unresolved.push({ what: `swap on ${p}`, why: `${p} names no block device in this tree's sys/block` });
    }
    swaps.sort();
  }

  // Spanning filesystems: their devices by source, btrfs's device list, ZFS pool members.
  const names = new Set<string>();
  const spanning = (mounts ?? []).filter((m) => m.dev.startsWith('0:') && (SPANNING.has(m.fstype) || m.source.startsWith('/dev/')));
  if (blocks !== null && spanning.length > 0) {
    const btrfs = spanning.some((m) => m.fstype === 'btrfs') ? btrfsDevices(sys) : null;
    for (const n of btrfs ?? []) names.add(n);
    let zfs: Map<string, string[]> | null | undefined;
    for (const m of spanning) {
      const what = `${m.fstype} at ${m.point} (${m.source})`;
      if (m.fstype === 'zfs') {
        zfs ??= zfsMembers(sys, blocks);
        const pool = m.source.split('/')[0]!;
        const members = zfs?.get(pool);
        if (members && members.length > 0) members.forEach((n) => names.add(n));
        else unresolved.push({ what, why: zfs === null ? `which disks hold pool ${pool} is not in this tree (run/udev/data labels them)` : `no disk here is labelled as a member of pool ${pool}` });
        continue;
      }
      const parts = m.source.startsWith('/dev/') ? m.source.split(':').filter((p) => p.startsWith('/dev/')) : [];
      const found = parts.map((p) => resolve!(p));
      if (parts.length === 0 || found.some((n) => n === null)) {
        unresolved.push({ what, why: `${m.source} names no block device in this tree` });
        continue;
      }
      found.forEach((n) => names.add(n!));
      if (m.fstype === 'btrfs' && btrfs === null) unresolved.push({ what, why: 'a btrfs filesystem can span several devices, and sys/fs/btrfs (which lists them) is not in this tree' });
    }
  }
  return {
    mounted: mounts === null ? null : [...new Set(mounts.map((m) => m.dev))].sort(),
    blockDevices: blocks,
    swaps,
    mountedByName: blocks === null ? null : { names: [...names].sort(), unresolved },
  };
}

/** A /dev path to the block name it stands for (a partition, a disk, dm-N), or null when this tree cannot tell. */
function nameResolver(sys: SysRoot, blocks: readonly BlockDevice[]): (p: string) => string | null {
  const known = new Set(blocks.flatMap((b) => [b.name, ...b.partitions]));
  const byDm = new Map(blocks.flatMap((b) => (b.dmName ? [[b.dmName, b.name] as const] : [])));
  return (p) => {
    if (!p.startsWith('/dev/')) return null;
    const dm = /^\/dev\/mapper\/(.+)$/.exec(p);
    if (dm && byDm.has(dm[1]!)) return byDm.get(dm[1]!)!;
    // A link in the tree's /dev: by-uuid, by-id, by-label, by-partuuid, mapper, VG/LV names.
    const l = sys.readLink(p.slice(1));
    if (l.ok) {
      const n = path.posix.basename(l.value);
      return known.has(n) ? n : null;
    }
    const n = path.posix.basename(p);
    return known.has(n) ? n : null;
  };
}

/** Block names of every mounted btrfs filesystem's devices (sys/fs/btrfs/UUID/devices/NAME); null if not listed. */
function btrfsDevices(sys: SysRoot): string[] | null {
  const l = sys.list('sys/fs/btrfs');
  if (!l.ok) return null;
  const out: string[] = [];
  for (const fsid of l.value.filter((n) => /^[0-9a-f-]{36}$/.test(n))) {
    const d = sys.list(`sys/fs/btrfs/${fsid}/devices`);
    if (!d.ok) return null;
    out.push(...d.value);
  }
  return out;
}

/** Pool name -> block names udev labels as its members; null when run/udev/data is not in the tree. */
function zfsMembers(sys: SysRoot, blocks: readonly BlockDevice[]): Map<string, string[]> | null {
  if (!sys.list('run/udev/data').ok) return null;
  const pools = new Map<string, string[]>();
  for (const b of blocks) {
    for (const node of b.nodes) {
      const t = sys.readText(`run/udev/data/b${node.dev}`);
      if (!t.ok) continue;
      const prop = (k: string) => new RegExp(`^E:${k}=(.*)$`, 'm').exec(t.value)?.[1] ?? null;
      if (prop('ID_FS_TYPE') !== 'zfs_member') continue;
      const pool = prop('ID_FS_LABEL');
      if (pool !== null) pools.set(pool, [...(pools.get(pool) ?? []), node.name]);
    }
  }
  return pools;
}

function readBlockDevices(sys: SysRoot, errors: ErrorMap, unresolved: HostFacts['unresolved']['block']): BlockDevice[] | null {
  const entries = linkedEntries(sys, 'sys/block', errors, 'blockDevices', unresolved);
  if (entries === null) return null;
  const out: BlockDevice[] = [];
  for (const { name, path: at } of entries) {
    const devs: string[] = [];
    const holders: string[] = [];
    const partitions: string[] = [];
    const nodes: BlockDevice['nodes'] = [];
    const own = sys.readText(`${at}/dev`);
    if (own.ok) {
      devs.push(own.value);
      nodes.push({ name, dev: own.value });
    }
    const inner = sys.list(at);
    for (const e of inner.ok ? inner.value : []) {
      if (!e.startsWith(name)) continue; // partitions are named after the disk
      const p = sys.readText(`${at}/${e}/dev`);
      if (!p.ok) continue; // not a partition (a same-prefix attribute) or vanished
      devs.push(p.value);
      partitions.push(e);
      nodes.push({ name: e, dev: p.value });
      const ph = sys.list(`${at}/${e}/holders`);
      if (ph.ok) holders.push(...ph.value);
    }
    const h = sys.list(`${at}/holders`);
    if (h.ok) holders.push(...h.value);
    const dm = name.startsWith('dm-') ? sys.readText(`${at}/dm/name`) : null;
    out.push({ name, path: at, devs, partitions, holders, nodes, dmName: dm?.ok ? dm.value : null });
  }
  return out;
}
