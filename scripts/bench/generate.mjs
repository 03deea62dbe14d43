#!/usr/bin/env node
// Large, realistic sysfs trees for the benchmark, made by cloning real devices of the q35-intel
// capture (Linux 6.1, Intel VT-d): root ports with ACS (one group each), NVMe drives, GPUs with
// their audio function sharing a group, NICs with SR-IOV VFs each in its own group, and PCIe
// switches whose downstream ports lack ACS (port and drive share a group), across several PCI
// domains. Attribute files are hard links to the captured ones (identical bytes, cheap to make);
// links, groups and bus listings are built per device as the kernel lays them out.
// Usage: node scripts/bench/generate.mjs FUNCTIONS OUTDIR   (OUTDIR is replaced)
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const project = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Extract the capture once (next to the output) and return its root. */
function capture(outParent) {
  const root = path.join(outParent, 'q35-intel-capture');
  if (!fs.existsSync(path.join(root, '.complete'))) {
    fs.rmSync(root, { recursive: true, force: true });
    fs.mkdirSync(root, { recursive: true });
    execFileSync('tar', ['xzf', path.join(project, 'test/fixtures/sysfs/q35-intel.tar.gz'), '-C', root]);
    fs.writeFileSync(path.join(root, '.complete'), '');
  }
  return root;
}

const T = {
  rootPort: 'sys/devices/pci0000:00/0000:00:02.0',
  nvme: 'sys/devices/pci0000:00/0000:00:02.1/0000:02:00.0',
  gpu: 'sys/devices/pci0000:00/0000:00:02.4/0000:05:00.0',
  audio: 'sys/devices/pci0000:00/0000:00:02.4/0000:05:00.1',
  nic: 'sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0',
  swUp: 'sys/devices/pci0000:00/0000:00:02.5/0000:06:00.0',
  swDown: 'sys/devices/pci0000:00/0000:00:02.5/0000:06:00.0/0000:07:00.0',
};
const DRIVER = { rootPort: 'pcieport', nvme: 'nvme', gpu: 'virtio-pci', audio: 'snd_hda_intel', nic: 'e1000e', vf: 'e1000e', swUp: 'pcieport', swDown: 'pcieport' };
const VFS_PER_NIC = 15;

export function generate(functions, out) {
  const src = capture(path.dirname(out));
  fs.rmSync(out, { recursive: true, force: true });
  const mk = (rel) => fs.mkdirSync(path.join(out, rel), { recursive: true });
  const link = (target, rel) => fs.symlinkSync(target, path.join(out, rel));
  const rel = (fromDirRel, toRel) => path.relative(path.join(out, fromDirRel), path.join(out, toRel));

  // Host-wide parts copied as they are: command line, ACPI tables, the IOMMU unit, drivers.
  for (const p of ['proc', 'sys/firmware', 'sys/devices/virtual/iommu']) {
    mk(path.dirname(p));
    execFileSync('cp', ['-a', path.join(src, p), path.join(out, p)]);
  }
  mk('sys/class/iommu');
  link('../../devices/virtual/iommu/dmar0', 'sys/class/iommu/dmar0');
  for (const d of new Set(Object.values(DRIVER))) mk(`sys/bus/pci/drivers/${d}`);
  mk('sys/bus/pci/devices');
  mk('sys/kernel/iommu_groups');

  const files = new Map();
  const templateFiles = (kind) => {
    if (!files.has(kind)) {
      const dir = path.join(src, T[kind === 'vf' ? 'nic' : kind]);
      files.set(kind, fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(dir, e.name)));
    }
    return files.get(kind);
  };
  let nextGroup = 0;
  const newGroup = () => {
    const id = nextGroup++;
    mk(`sys/kernel/iommu_groups/${id}/devices`);
    fs.copyFileSync(path.join(src, 'sys/kernel/iommu_groups/13/type'), path.join(out, `sys/kernel/iommu_groups/${id}/type`));
    fs.copyFileSync(path.join(src, 'sys/kernel/iommu_groups/13/reserved_regions'), path.join(out, `sys/kernel/iommu_groups/${id}/reserved_regions`));
    return id;
  };
  let made = 0;
  /** One PCI function: directory, attribute files, links. Returns its directory (root-relative). */
  const device = (kind, parentDir, addr, group) => {
    const dir = `${parentDir}/${addr}`;
    mk(dir);
    for (const f of templateFiles(kind)) fs.linkSync(f, path.join(out, dir, path.basename(f)));
    link(rel(dir, `sys/bus/pci/drivers/${DRIVER[kind]}`), `${dir}/driver`);
    link(rel(dir, `sys/kernel/iommu_groups/${group}`), `${dir}/iommu_group`);
    link(rel(dir, 'sys/devices/virtual/iommu/dmar0'), `${dir}/iommu`);
    link(rel('sys/bus/pci/devices', dir), `sys/bus/pci/devices/${addr}`);
    link(rel(`sys/kernel/iommu_groups/${group}/devices`, dir), `sys/kernel/iommu_groups/${group}/devices/${addr}`);
    link(rel(`sys/bus/pci/drivers/${DRIVER[kind]}`, dir), `sys/bus/pci/drivers/${DRIVER[kind]}/${addr}`);
    made++;
    return dir;
  };
  const a = (dom, bus, slot, fn) => `${hex(dom, 4)}:${hex(bus, 2)}:${hex(slot, 2)}.${fn}`;

  // Units hung below root ports, in turn; each returns the number of buses it used.
  const units = [
    (dom, rp, bus) => (device('nvme', rp, a(dom, bus, 0, 0), newGroup()), 1),
    (dom, rp, bus) => {
      const g = newGroup();
      device('gpu', rp, a(dom, bus, 0, 0), g);
      if (made < functions) device('audio', rp, a(dom, bus, 0, 1), g);
      return 1;
    },
    (dom, rp, bus) => {
      const pf = device('nic', rp, a(dom, bus, 0, 0), newGroup());
      let vfs = 0;
      for (let i = 1; i <= VFS_PER_NIC && made < functions; i++, vfs++) {
        const vf = device('vf', rp, a(dom, bus, i >> 3, i & 7), newGroup());
        link(rel(vf, pf), `${vf}/physfn`);
        link(rel(pf, vf), `${pf}/virtfn${i - 1}`);
      }
      for (const [f, v] of [['sriov_numvfs', vfs], ['sriov_totalvfs', VFS_PER_NIC]]) {
        fs.rmSync(path.join(out, pf, f), { force: true }); // a hard link to the capture's file, if any
        fs.writeFileSync(path.join(out, pf, f), `${v}\n`);
      }
      return 1;
    },
    (dom, rp, bus) => {
      const up = device('swUp', rp, a(dom, bus, 0, 0), newGroup());
      let used = 2;
      for (let p = 0; p < 4 && made < functions; p++) {
        const g = newGroup();
        const down = device('swDown', up, a(dom, bus + 1, p, 0), g);
        if (made < functions) device('nvme', down, a(dom, bus + used, 0, 0), g);
        used++;
      }
      return used;
    },
  ];
  let dom = 0;
  let unit = 0;
  while (made < functions) {
    const hb = `sys/devices/pci${hex(dom, 4)}:00`;
    mk(hb);
    let bus = 1;
    for (let slot = 1; slot < 32 && made < functions && bus < 0xf0; slot++) {
      for (let fn = 0; fn < 8 && made < functions && bus < 0xf0; fn++) {
        const rp = device('rootPort', hb, a(dom, 0, slot, fn), newGroup());
        if (made < functions) bus += units[unit++ % units.length](dom, rp, bus);
        if (slot * 8 + fn >= 64) break;
      }
      if (slot >= 8) break;
    }
    dom++;
  }
  return { functions: made, groups: nextGroup, domains: dom };
}

function hex(n, w) {
  return n.toString(16).padStart(w, '0');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [n, out] = [Number(process.argv[2]), process.argv[3]];
  if (!n || !out) {
    console.error('usage: generate.mjs FUNCTIONS OUTDIR');
    process.exit(2);
  }
  const t0 = Date.now();
  const r = generate(n, path.resolve(out));
  console.log(`${r.functions} functions, ${r.groups} groups, ${r.domains} domains in ${out} (${Date.now() - t0} ms)`);
}
