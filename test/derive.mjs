// Derived trees: edits to a writable copy of a real capture that keep every link the kernel
// would have written in step (group devices/ links and each device's iommu_group link, the
// bus/pci/devices link, links that point into a moved device, its uevent PCI_SLOT_NAME).
import * as fs from 'node:fs';
import * as path from 'node:path';

const GROUPS = 'sys/kernel/iommu_groups';

/** Every symlink under DIR (not following links), as absolute paths. */
function links(dir) {
  const out = [];
  const walk = (d) => {
    let entries;
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isSymbolicLink()) out.push(p);
      else if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

function relink(link, targetAbs) {
  fs.rmSync(link);
  fs.symlinkSync(path.relative(path.dirname(link), targetAbs), link);
}

/** The absolute sysfs directory of a PCI function, through sys/bus/pci/devices. */
export function deviceDir(root, addr) {
  return fs.realpathSync(path.join(root, 'sys/bus/pci/devices', addr));
}

/**
 * Renumber and merge groups as a kernel would have made them: `mapping` gives each old group id
 * its new id (two old ids to one new id merge them). Members' links follow.
 */
export function regroup(root, mapping) {
  const base = path.join(root, GROUPS);
  const old = fs.readdirSync(base).filter((n) => /^\d+$/.test(n));
  const stage = path.join(root, 'regroup-stage');
  fs.mkdirSync(stage);
  for (const id of old) fs.renameSync(path.join(base, id), path.join(stage, id));
  for (const id of old) {
    const to = String(mapping[id] ?? id);
    const dest = path.join(base, to);
    const src = path.join(stage, id);
    if (!fs.existsSync(dest)) {
      fs.renameSync(src, dest);
    } else {
      for (const m of fs.readdirSync(path.join(src, 'devices'))) fs.renameSync(path.join(src, 'devices', m), path.join(dest, 'devices', m));
    }
    for (const m of fs.readdirSync(path.join(dest, 'devices'))) {
      const link = path.join(dest, 'devices', m);
      const devDir = path.resolve(path.dirname(link), fs.readlinkSync(link));
      relink(link, devDir);
      const own = path.join(devDir, 'iommu_group');
      if (fs.existsSync(path.dirname(own))) relink(own, dest);
    }
  }
  fs.rmSync(stage, { recursive: true, force: true });
}

/**
 * Move the PCI function FROM to a new address TO below the bridge whose sysfs directory is
 * PARENT (absolute): its directory is renamed, links into it anywhere in the tree follow (and are
 * renamed where they carry its name), its uevent names the new address.
 */
export function moveDevice(root, from, to, parent) {
  const oldDir = deviceDir(root, from);
  const newDir = path.join(parent, to);
  // Links inside the device, resolved before the move (relative ones change meaning with depth).
  const inside = links(oldDir).map((l) => ({ l, target: path.resolve(path.dirname(l), fs.readlinkSync(l)) }));
  const outside = links(path.join(root, 'sys')).filter((l) => !l.startsWith(oldDir + path.sep)).map((l) => ({ l, target: path.resolve(path.dirname(l), fs.readlinkSync(l)) }));
  fs.renameSync(oldDir, newDir);
  const mapPath = (p) => (p === oldDir || p.startsWith(oldDir + path.sep) ? newDir + p.slice(oldDir.length) : p);
  for (const { l, target } of inside) relink(mapPath(l), mapPath(target));
  for (const { l, target } of outside) {
    if (target !== oldDir && !target.startsWith(oldDir + path.sep)) continue;
    const renamed = path.basename(l) === from ? path.join(path.dirname(l), to) : l;
    fs.rmSync(l);
    fs.symlinkSync(path.relative(path.dirname(renamed), mapPath(target)), renamed);
  }
  const uevent = path.join(newDir, 'uevent');
  if (fs.existsSync(uevent)) fs.writeFileSync(uevent, fs.readFileSync(uevent, 'utf8').replace(`PCI_SLOT_NAME=${from}`, `PCI_SLOT_NAME=${to}`));
}

/** Every function's config space cut to the 64 bytes a non-root user reads. */
export function asNonRoot(root) {
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'config' && e.isFile()) fs.truncateSync(p, 64);
    }
  };
  walk(path.join(root, 'sys/devices'));
  return root;
}

/** The ACS extended capability of a function hidden (its ID changed, the chain kept), as hardware without ACS. */
export function withoutAcs(root, addr) {
  const f = path.join(root, 'sys/devices/pci0000:00', addr, 'config');
  const b = fs.readFileSync(f);
  for (let off = 0x100; off !== 0; ) {
    const h = b.readUInt32LE(off);
    if ((h & 0xffff) === 0x000d) {
      b.writeUInt16LE(0x0029, off);
      fs.writeFileSync(f, b);
      return;
    }
    off = h >>> 20;
  }
  throw new Error(`${addr} has no ACS capability`);
}
