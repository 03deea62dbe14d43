// The disk that holds the host's root is never READY, whatever the filesystem: btrfs (Fedora,
// openSUSE) and ZFS (Proxmox VE) mount with an anonymous 0:N in mountinfo, so the disk shows only in
// the mount source, in sys/fs/btrfs, or (ZFS) in udev's labels of the pool's members. Trees derived
// from q35-intel: partitions, a LUKS dm device, /dev links and udev data written as the kernel and
// udev write them; mountinfo lines as those distributions' kernels print them.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { TEST_IDS, fixtureCopy } from './helpers.mjs';
import { runInProcess } from './mutate.mjs';
import { parseMountinfo, swapPaths } from '../dist/read/read-storage.js';

const put = (root, rel, text = '') => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
};
const link = (root, rel, target) => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.symlinkSync(target, path.join(root, rel));
};
const SWAPS_HEAD = 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n';

/**
 * q35-intel with partitions: nvme1n1 (09:00.0) p1 259:4, p2 259:5, p3 259:6; nvme0n1 (02:00.0) p1 259:7;
 * dm-0 (253:0, "luks-3f1c") on nvme1n1p3, as sys/block and the holders links show a LUKS volume.
 */
function disks() {
  const root = fixtureCopy('q35-intel');
  const dir = (n) => fs.realpathSync(path.join(root, 'sys/block', n));
  const parts = { nvme1n1: ['259:4', '259:5', '259:6'], nvme0n1: ['259:7'] };
  for (const [disk, devs] of Object.entries(parts)) {
    devs.forEach((dev, i) => {
      put(root, path.relative(root, path.join(dir(disk), `${disk}p${i + 1}`, 'dev')), `${dev}\n`);
      fs.mkdirSync(path.join(dir(disk), `${disk}p${i + 1}`, 'holders'));
    });
  }
  put(root, 'sys/devices/virtual/block/dm-0/dev', '253:0\n');
  put(root, 'sys/devices/virtual/block/dm-0/dm/name', 'luks-3f1c\n');
  fs.mkdirSync(path.join(root, 'sys/devices/virtual/block/dm-0/holders'));
  link(root, 'sys/block/dm-0', '../devices/virtual/block/dm-0');
  link(root, path.relative(root, path.join(dir('nvme1n1'), 'nvme1n1p3/holders/dm-0')), path.relative(path.join(dir('nvme1n1'), 'nvme1n1p3/holders'), path.join(root, 'sys/devices/virtual/block/dm-0')));
  put(root, 'proc/swaps', SWAPS_HEAD);
  return root;
}

async function outcomes(root) {
  const out = [];
  for (const a of ['09:00.0', '02:00.0']) {
    const r = await runInProcess(['check', a, '--root', root, '--format', 'json', '--pci-ids', TEST_IDS]);
    const j = JSON.parse(r.out);
    const f = j.groups[0].findings.filter((x) => x.code === 'MOUNTED_FILESYSTEM' || x.code === 'MOUNTS_UNKNOWN').map((x) => `${x.code}: ${x.message}`);
    out.push([a, j.outcome, ...f]);
  }
  return out;
}

const BLOCKED_P3 = 'MOUNTED_FILESYSTEM: nvme, Non-Volatile memory controller [0108]: holds nvme1n1, which has a mounted filesystem (or one stacked on it): the host needs it; it cannot go to a VM';

test('btrfs root (Fedora): 0:N in mountinfo, the disk from the source and sys/fs/btrfs; on LUKS through /dev/mapper; by-uuid through the /dev link', async () => {
  const root = disks();
  put(root, 'proc/self/mountinfo', [
    '63 1 0:32 /root / rw,relatime shared:1 - btrfs /dev/nvme1n1p3 rw,seclabel,compress=zstd:1,ssd,discard=async,space_cache=v2,subvolid=257,subvol=/root',
    '98 63 0:32 /home /home rw,relatime shared:51 - btrfs /dev/nvme1n1p3 rw,seclabel,compress=zstd:1,ssd,discard=async,space_cache=v2,subvolid=256,subvol=/home',
    '22 63 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:13 - proc proc rw',
    '25 63 0:5 / /dev rw,nosuid shared:2 - devtmpfs devtmpfs rw,size=4096k,nr_inodes=1048576,mode=755',
    '',
  ].join('\n'));
  link(root, 'sys/fs/btrfs/5b8a1c2e-0d3f-4a6b-9c1d-2e3f4a5b6c7d/devices/nvme1n1p3', '../../../../devices/pci0000:00/0000:00:02.5/0000:06:00.0/0000:07:01.0/0000:09:00.0/nvme/nvme1/nvme1n1/nvme1n1p3');
  fs.mkdirSync(path.join(root, 'sys/fs/btrfs/features'));
  assert.deepEqual(await outcomes(root), [['09:00.0', 'blocked', BLOCKED_P3], ['02:00.0', 'ready']]);

  // The same filesystem on LUKS: the source is /dev/mapper/NAME, dm/name says which dm device.
  put(root, 'proc/self/mountinfo', '63 1 0:32 /root / rw,relatime shared:1 - btrfs /dev/mapper/luks-3f1c rw,seclabel,compress=zstd:1,subvol=/root\n');
  fs.rmSync(path.join(root, 'sys/fs/btrfs'), { recursive: true });
  fs.mkdirSync(path.join(root, 'sys/fs/btrfs/5b8a1c2e-0d3f-4a6b-9c1d-2e3f4a5b6c7d/devices'), { recursive: true });
  link(root, 'sys/fs/btrfs/5b8a1c2e-0d3f-4a6b-9c1d-2e3f4a5b6c7d/devices/dm-0', '../../../../devices/virtual/block/dm-0');
  assert.deepEqual(await outcomes(root), [['09:00.0', 'blocked', BLOCKED_P3], ['02:00.0', 'ready']]);

  // Without sys/fs/btrfs the source still blocks its disk; any other disk may be another device of it.
  fs.rmSync(path.join(root, 'sys/fs/btrfs'), { recursive: true });
  assert.deepEqual(await outcomes(root), [['09:00.0', 'blocked', BLOCKED_P3], ['02:00.0', 'unknown',
    "MOUNTS_UNKNOWN: holds nvme0n1; the host's btrfs at / (/dev/mapper/luks-3f1c) stands on a device this tree does not name (a btrfs filesystem can span several devices, and sys/fs/btrfs (which lists them) is not in this tree): it may be on it"]]);

  // A source by UUID: the tree's /dev link names the partition; without the link, nothing can be told.
  put(root, 'proc/self/mountinfo', '63 1 0:32 / / rw,relatime shared:1 - bcachefs /dev/disk/by-uuid/0f1e2d3c rw\n');
  link(root, 'dev/disk/by-uuid/0f1e2d3c', '../../nvme1n1p2');
  assert.deepEqual(await outcomes(root), [['09:00.0', 'blocked', BLOCKED_P3], ['02:00.0', 'ready']]);
  fs.rmSync(path.join(root, 'dev/disk'), { recursive: true });
  const why = "the host's bcachefs at / (/dev/disk/by-uuid/0f1e2d3c) stands on a device this tree does not name (/dev/disk/by-uuid/0f1e2d3c names no block device in this tree)";
  assert.deepEqual(await outcomes(root), [
    ['09:00.0', 'unknown', `MOUNTS_UNKNOWN: holds nvme1n1; ${why}: it may be on it`],
    ['02:00.0', 'unknown', `MOUNTS_UNKNOWN: holds nvme0n1; ${why}: it may be on it`],
  ]);
});

test('ZFS root (Proxmox VE): the dataset\'s pool members from udev\'s labels; without them, unknown', async () => {
  const root = disks();
  put(root, 'proc/self/mountinfo', [
    '26 1 0:24 / / rw,relatime shared:1 - zfs rpool/ROOT/pve-1 rw,xattr,noacl,casesensitive',
    '27 26 0:25 / /rpool rw,noatime shared:2 - zfs rpool rw,xattr,noacl,casesensitive',
    '',
  ].join('\n'));
  // Without run/udev/data nothing says which disks hold rpool.
  const noUdev = "the host's zfs at / (rpool/ROOT/pve-1) stands on a device this tree does not name (which disks hold pool rpool is not in this tree (run/udev/data labels them))";
  const [nvme1, nvme0] = await outcomes(root);
  assert.deepEqual([nvme1.slice(0, 3), nvme0.slice(0, 3)], [['09:00.0', 'unknown', `MOUNTS_UNKNOWN: holds nvme1n1; ${noUdev}: it may be on it`], ['02:00.0', 'unknown', `MOUNTS_UNKNOWN: holds nvme0n1; ${noUdev}: it may be on it`]]);
  // udev's database, as udev writes it for a zfs_member partition (blkid's ID_FS_LABEL is the pool name).
  put(root, 'run/udev/data/b259:5', 'S:disk/by-id/nvme-QEMU_NVMe_Ctrl_nvme1-part2\nE:ID_FS_LABEL=rpool\nE:ID_FS_LABEL_ENC=rpool\nE:ID_FS_UUID=13407938716395735318\nE:ID_FS_VERSION=5000\nE:ID_FS_TYPE=zfs_member\nE:ID_FS_USAGE=filesystem\n');
  put(root, 'run/udev/data/b259:7', 'E:ID_FS_UUID=9c1f\nE:ID_FS_TYPE=ext4\nE:ID_FS_USAGE=filesystem\n');
  assert.deepEqual(await outcomes(root), [['09:00.0', 'blocked', BLOCKED_P3], ['02:00.0', 'ready']]);
  // A pool no disk here is labelled for: unknown, never "not mounted".
  put(root, 'proc/self/mountinfo', '26 1 0:24 / / rw,relatime shared:1 - zfs tank/root rw,xattr\n');
  assert.equal((await outcomes(root))[1][1], 'unknown');
});

test('swap on LVM or LUKS by /dev/mapper name, and a swap area this tree cannot name', async () => {
  const root = disks();
  put(root, 'proc/self/mountinfo', '22 1 8:1 / / rw - ext4 /dev/sda1 rw\n');
  put(root, 'proc/swaps', `${SWAPS_HEAD}/dev/mapper/luks-3f1c                  partition\t8388604\t\t0\t\t-2\n`);
  const [nvme1, nvme0] = await outcomes(root);
  assert.deepEqual(nvme1, ['09:00.0', 'blocked', 'MOUNTED_FILESYSTEM: nvme, Non-Volatile memory controller [0108]: holds nvme1n1, which the host uses as swap: the host needs it; it cannot go to a VM']);
  assert.deepEqual(nvme0, ['02:00.0', 'ready']);
  put(root, 'proc/swaps', `${SWAPS_HEAD}/dev/mapper/vg-swap                  partition\t8388604\t\t0\t\t-2\n/swapfile                               file\t\t1048572\t\t0\t\t-3\n`);
  assert.deepEqual((await outcomes(root))[1], ['02:00.0', 'unknown', "MOUNTS_UNKNOWN: holds nvme0n1; the host's swap on /dev/mapper/vg-swap stands on a device this tree does not name (/dev/mapper/vg-swap names no block device in this tree's sys/block): it may be on it"]);
});

test('mountinfo and swaps parsing: optional fields, escapes, lines not in the form', () => {
  assert.deepEqual(parseMountinfo('36 35 98:0 /mnt1 /mnt\\040two rw,noatime master:1 shared:7 - ext3 /dev/root\\040x rw,errors=continue\nbroken line\n'), [
    { dev: '98:0', point: '/mnt two', fstype: 'ext3', source: '/dev/root x' },
  ]);
  assert.deepEqual(swapPaths(`${SWAPS_HEAD}/dev/zram0 partition 8388604 0 100\n/swap\\040file file 1 0 -2\n`), ['/dev/zram0']);
});
