// The whole way to a running VM: host's virtualization items (what virt-host-validate checks), the
// boot-loader step for each way a host boots, check --emit validated by libvirt's schema and by
// QEMU, and per-device ROM, mdev types and SR-IOV. Trees derived from the real captures, with the
// files each case needs written the way the kernel (or a snapshot's stand-in for a device node) has them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fixture, fixtureCopy, hasCommand, tempDir } from './helpers.mjs';
import { runInProcess } from './mutate.mjs';

const put = (root, rel, text = '') => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
};
const devDir = (root, a) => fs.realpathSync(path.join(root, 'sys/bus/pci/devices', a));

async function cli(args) {
  const r = await runInProcess(args);
  assert.equal(r.threw, null);
  return r;
}

/** host's plain records for these codes: "status\tCODE\tsubject\tmessage". */
async function hostLines(root, codes) {
  const r = await cli(['host', '--root', root, '--format', 'plain']);
  return r.out.split('\n').filter((l) => codes.includes(l.split('\t')[1]));
}

const CPU_VMX = 'processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme de pse vmx sse2 ssse3\n\nprocessor\t: 1\n';

test('host: CPU, KVM, vhost-net, tun, iommufd and VFIO cdevs on a tree that holds them', async () => {
  const root = fixtureCopy('q35-intel-vfio');
  put(root, 'proc/cpuinfo', CPU_VMX);
  for (const m of ['kvm', 'kvm_intel', 'vhost_net', 'tun', 'iommufd']) fs.mkdirSync(path.join(root, 'sys/module', m), { recursive: true });
  // Device nodes as a snapshot keeps them: empty stand-in files (lstat only, never opened).
  for (const n of ['dev/kvm', 'dev/vhost-net', 'dev/net/tun', 'dev/iommu', 'dev/vfio/vfio', 'dev/vfio/devices/vfio1']) put(root, n);
  // A 6.6+ kernel with VFIO_DEVICE_CDEV gives vfio-dev/vfioN a dev attribute (the 6.1 capture has none).
  fs.writeFileSync(path.join(devDir(root, '0000:0b:01.0'), 'vfio-dev', 'vfio1', 'dev'), '511:1\n');
  put(root, 'sys/fs/cgroup/cgroup.controllers', 'cpuset cpu io memory hugetlb pids rdma misc\n');
  put(root, 'sys/module/kvm_intel/parameters/tdx', 'N\n');
  assert.deepEqual(await hostLines(root, ['CPU_VIRT', 'KVM_MODULES', 'KVM_DEVICE', 'CGROUPS', 'SECURE_GUEST', 'VHOST_NET', 'TUN', 'IOMMUFD', 'VFIO_CDEV']), [
    'ok\tCPU_VIRT\tcpu\thardware virtualization: Intel VT-x (vmx)',
    'ok\tKVM_MODULES\tkvm\tloaded: kvm, kvm_intel',
    'ok\tKVM_DEVICE\t/dev/kvm\t/dev/kvm exists (who may open it is not checked off the live host)',
    'ok\tCGROUPS\tcgroups\tcgroup v2 controllers libvirt uses are there: cpu, cpuset, memory, io',
    'info\tSECURE_GUEST\tsecure guests\tKVM offers no secure guests here (SEV/TDX off); passthrough does not need them',
    'ok\tVHOST_NET\t/dev/vhost-net\t/dev/vhost-net exists (vhost_net loaded)',
    'ok\tTUN\t/dev/net/tun\t/dev/net/tun exists (tun loaded)',
    'ok\tIOMMUFD\tiommufd\t/dev/iommu exists: VFIO can use iommufd (Linux 6.2+); iommufd loaded',
    'info\tVFIO_CDEV\t0000:02:00.0\tvfio0 has no device cdev (kernel before 6.6, or built without VFIO_DEVICE_CDEV): QEMU and libvirt use the group node /dev/vfio/14',
    'ok\tVFIO_CDEV\t0000:0b:01.0\t/dev/vfio/devices/vfio1 exists',
  ]);
});

test('host: no vmx/svm flag fails; arm64 defers to /dev/kvm; a capture without /dev or cpuinfo is unknown, not a failure', async () => {
  const root = fixtureCopy('q35-intel');
  put(root, 'proc/cpuinfo', 'processor\t: 0\nflags\t\t: fpu sse2\n');
  // cgroup v1 without the devices and blkio hierarchies (cpu and cpuacct mounted together).
  for (const d of ['cpu,cpuacct', 'cpuset', 'memory', 'pids']) fs.mkdirSync(path.join(root, 'sys/fs/cgroup', d), { recursive: true });
  assert.deepEqual(await hostLines(root, ['CGROUPS']), ['warn\tCGROUPS\tcgroups\tcgroup v1 lacks devices, blkio: libvirt cannot limit VMs with them (QEMU started by hand does not need them)']);
  assert.deepEqual(await hostLines(root, ['CPU_VIRT']), ['fail\tCPU_VIRT\tcpu\tno vmx or svm flag in /proc/cpuinfo: enable Intel VT-x or AMD-V (SVM) in the firmware setup (the kernel hides the flag when firmware disables it)']);
  put(root, 'proc/cpuinfo', 'processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm\nCPU implementer\t: 0x41\n');
  assert.match((await hostLines(root, ['CPU_VIRT']))[0], /^info\tCPU_VIRT\tcpu\tarm64: KVM needs the kernel started at EL2/);
  assert.deepEqual(await hostLines(fixture('q35-intel'), ['CPU_VIRT', 'KVM_MODULES', 'KVM_DEVICE']), [
    'unknown\tCPU_VIRT\tcpu\tproc/cpuinfo is not in this tree: hardware virtualization not checked',
    'unknown\tKVM_MODULES\tkvm\tsys/module in this tree has no kvm: not loaded on that host, or left out of the capture',
    'unknown\tKVM_DEVICE\t/dev/kvm\tthis tree has no dev/ directory: /dev/kvm not checked',
  ]);
});

/**
 * q35-noiommu with a VT-d (DMAR) table: firmware has an IOMMU the kernel did not enable. One copy
 * serves every case (copies cost 1.5 s each): its etc/ and usr/ are emptied for each.
 */
let offTree = null;
function iommuOffTree(cmdline = 'BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet') {
  if (offTree === null) {
    offTree = fixtureCopy('q35-noiommu');
    put(offTree, 'sys/firmware/acpi/tables/DMAR');
  }
  for (const d of ['etc', 'usr']) fs.rmSync(path.join(offTree, d), { recursive: true, force: true });
  put(offTree, 'proc/cmdline', cmdline + '\n');
  return offTree;
}

async function bootStep(root) {
  const r = await cli(['host', '--root', root, '--format', 'table']);
  const out = r.out.split('\n');
  const from = out.findIndex((l) => l.startsWith('To '));
  return out.slice(from, out.findIndex((l, i) => i > from && l === ''));
}

test('boot-loader step: GRUB on Debian, the exact line to change and update-grub', async () => {
  const root = iommuOffTree('BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet intel_iommu=off');
  put(root, 'etc/default/grub', 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=off"\nGRUB_CMDLINE_LINUX=""\n');
  put(root, 'etc/os-release', 'ID=debian\n');
  put(root, 'usr/sbin/update-grub', '#!/bin/sh\n');
  assert.deepEqual(await bootStep(root), [
    'To remove intel_iommu=off, add intel_iommu=on on the kernel command line (printed, not run; reboot afterwards):',
    '  GRUB, seen from etc/default/grub:',
    '    In /etc/default/grub change line 2',
    '        GRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=off"',
    '    to',
    '        GRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=on"',
    '    sudo update-grub',
  ]);
  assert.deepEqual(await hostLines(root, ['BOOT_LOADER']), ['info\tBOOT_LOADER\tkernel command line\tremove intel_iommu=off, add intel_iommu=on: this host boots with GRUB; the edit and the command are below']);
});

test('boot-loader step: GRUB lines edited as the shell reads them (comment, single quotes, export, expansion, a word elsewhere)', async () => {
  const root = iommuOffTree('BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet intel_iommu=off');
  put(root, 'etc/os-release', 'ID=debian\n');
  put(root, 'usr/sbin/update-grub', '#!/bin/sh\n');
  const edit = async (grub) => {
    put(root, 'etc/default/grub', grub);
    return (await bootStep(root)).slice(2, -1);
  };
  // A trailing comment stays a comment (rewritten naively it would run `splash` when sourced).
  assert.deepEqual(await edit('GRUB_CMDLINE_LINUX_DEFAULT="quiet splash intel_iommu=off" # set by the installer\n'), [
    '    In /etc/default/grub change line 1',
    '        GRUB_CMDLINE_LINUX_DEFAULT="quiet splash intel_iommu=off" # set by the installer',
    '    to',
    '        GRUB_CMDLINE_LINUX_DEFAULT="quiet splash intel_iommu=on" # set by the installer',
  ]);
  // Single quotes and export are kept; the last assignment is the one in force.
  assert.deepEqual(await edit("GRUB_CMDLINE_LINUX_DEFAULT='old'\nexport GRUB_CMDLINE_LINUX_DEFAULT='quiet $notexpanded intel_iommu=off'\n"), [
    '    In /etc/default/grub change line 2',
    "        export GRUB_CMDLINE_LINUX_DEFAULT='quiet $notexpanded intel_iommu=off'",
    '    to',
    "        export GRUB_CMDLINE_LINUX_DEFAULT='quiet $notexpanded intel_iommu=on'",
  ]);
  // An expansion the shell would evaluate: not rewritten, the line named.
  assert.deepEqual(await edit('GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT intel_iommu=off"\n'), [
    '    In /etc/default/grub, line 1 sets GRUB_CMDLINE_LINUX_DEFAULT in a way this tool does not rewrite (a shell expansion): remove intel_iommu=off, add intel_iommu=on there by hand',
    '        GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT intel_iommu=off"',
  ]);
  // The word to remove sits in GRUB_CMDLINE_LINUX, or nowhere in this file.
  assert.deepEqual(await edit('GRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX="intel_iommu=off console=ttyS0"\n'), [
    '    In /etc/default/grub change line 1',
    '        GRUB_CMDLINE_LINUX_DEFAULT="quiet"',
    '    to',
    '        GRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=on"',
    '    and take intel_iommu=off out of its GRUB_CMDLINE_LINUX line (line 2)',
  ]);
  assert.deepEqual((await edit('GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n')).at(-1), "    intel_iommu=off is not in /etc/default/grub's GRUB_CMDLINE_LINUX lines: look in /etc/default/grub.d/*.cfg (read after it), or the boot entry it comes from");
});

test('GRUB assignment parsing: the value as the shell reads it, or null when it would not be a plain assignment', async () => {
  const { parseAssignment, renderAssignment } = await import('../dist/analyse/host/grub-default.js');
  const p = (l) => parseAssignment(l, 'X');
  assert.deepEqual(p('X="a \\"b\\" c"  # c'), { prefix: '', name: 'X', value: 'a "b" c', quote: '"', rest: '  # c' });
  assert.deepEqual(p("X='a'\"b\"c#d"), { prefix: '', name: 'X', value: 'abc#d', quote: '"', rest: '' });
  assert.equal(p('X="a" reboot'), null);
  assert.equal(p('X=a;reboot'), null);
  assert.equal(p('X="unterminated'), null);
  assert.equal(p('X=`id`').value, null);
  assert.equal(renderAssignment(p("X='a'"), "a b'c"), 'X="a b\'c"');
  assert.equal(renderAssignment(p('X=a'), 'a $b'), 'X="a \\$b"');
});

test('boot-loader step: Proxmox with systemd-boot, Fedora with grubby, Pop!_OS with kernelstub, and unknown', async () => {
  const pve = iommuOffTree();
  put(pve, 'etc/kernel/proxmox-boot-uuids', 'ABCD-1234\n');
  put(pve, 'etc/kernel/cmdline', 'root=ZFS=rpool/ROOT/pve-1 boot=zfs\n');
  assert.deepEqual(await bootStep(pve), [
    'To add intel_iommu=on on the kernel command line (printed, not run; reboot afterwards):',
    '  systemd-boot via proxmox-boot-tool (Proxmox VE), seen from etc/kernel/proxmox-boot-uuids, etc/kernel/cmdline:',
    '    In /etc/kernel/cmdline change the line',
    '        root=ZFS=rpool/ROOT/pve-1 boot=zfs',
    '    to',
    '        root=ZFS=rpool/ROOT/pve-1 boot=zfs intel_iommu=on',
    '    sudo proxmox-boot-tool refresh',
  ]);
  const fedora = iommuOffTree();
  put(fedora, 'etc/os-release', 'ID=fedora\n');
  put(fedora, 'usr/sbin/grubby', '');
  assert.deepEqual((await bootStep(fedora)).slice(1), ['  GRUB via grubby (Fedora, RHEL and relatives), seen from grubby:', "    sudo grubby --update-kernel=ALL --args=intel_iommu=on"]);
  // JSON carries the same, commands as argv.
  const j = JSON.parse((await cli(['host', '--root', fedora, '--format', 'json'])).out);
  assert.deepEqual(j.bootChange.options[0].steps, [{ line: 'sudo grubby --update-kernel=ALL --args=intel_iommu=on', argv: ['sudo', 'grubby', '--update-kernel=ALL', '--args=intel_iommu=on'] }]);
  const pop = iommuOffTree();
  put(pop, 'etc/os-release', 'NAME="Pop!_OS"\nID=pop\nID_LIKE="ubuntu debian"\n');
  assert.deepEqual((await bootStep(pop)).slice(1), ['  kernelstub (Pop!_OS), seen from etc/os-release: ID=pop:', '    sudo kernelstub -a intel_iommu=on']);
  const none = iommuOffTree();
  const steps = await bootStep(none);
  assert.deepEqual(steps.filter((l) => /^  \S/.test(l)), ['  GRUB (Debian, Ubuntu, Arch, ...):', '  GRUB via grubby (Fedora, RHEL):', '  systemd-boot via proxmox-boot-tool (Proxmox VE):', '  kernelstub (Pop!_OS):']);
  assert.match((await hostLines(none, ['BOOT_LOADER']))[0], /^unknown\tBOOT_LOADER\t/);
});

const VALIDATE = hasCommand('virt-xml-validate') && hasCommand('xmllint') ? false : 'needs virt-xml-validate and xmllint (apt-get install libvirt-clients libxml2-utils; CI installs them)';
const QEMU = hasCommand('qemu-system-x86_64') ? false : 'needs qemu-system-x86_64 (apt-get install qemu-system-x86; CI installs it)';

test('check --emit libvirt: accepted by libvirt\'s own schema (virt-xml-validate); multifunction keeps one guest slot', { skip: VALIDATE }, async () => {
  const r = await cli(['check', '05:00.0', '05:00.1', '--root', fixture('q35-intel-vfio'), '--emit', 'libvirt']);
  assert.deepEqual([r.code, r.err], [0, '']);
  assert.match(r.out, /<address type='pci' domain='0x0000' bus='0x10' slot='0x00' function='0x0' multifunction='on'\/>/);
  assert.match(r.out, /<address type='pci' domain='0x0000' bus='0x10' slot='0x00' function='0x1'\/>/);
  const dir = tempDir('emit');
  const xml = path.join(dir, 'vm.xml');
  fs.writeFileSync(xml, `<domain type='kvm'><name>t</name><memory>1048576</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>\n${r.out}</devices></domain>\n`);
  const v = spawnSync('virt-xml-validate', [xml, 'domain'], { encoding: 'utf8' });
  assert.equal(v.status, 0, `virt-xml-validate: ${v.stdout}${v.stderr}${v.error ?? ''}`);
});

test('check --emit qemu: QEMU accepts every property (it stops only at the missing host device)', { skip: QEMU }, async () => {
  const r = await cli(['check', '05:00.0', '05:00.1', '--root', fixture('q35-intel-vfio'), '--emit', 'qemu']);
  assert.equal(r.out, '-device pcie-root-port,id=ig-rp16,chassis=16,slot=16 \\\n-device vfio-pci,host=0000:05:00.0,bus=ig-rp16,addr=00.0,multifunction=on \\\n-device vfio-pci,host=0000:05:00.1,bus=ig-rp16,addr=00.1\n');
  const args = r.out.replace(/ \\\n/g, ' ').trim().split(' ');
  const q = spawnSync('qemu-system-x86_64', ['-machine', 'q35', '-nodefaults', '-display', 'none', '-S', ...args], { encoding: 'utf8', timeout: 30000 });
  assert.ok(q.error === undefined, `qemu-system-x86_64: ${q.error}`);
  assert.match(q.stderr, /vfio \/sys\/bus\/pci\/devices\/0000:05:00\.0: no such host device/);
  assert.doesNotMatch(q.stderr, /not found|Invalid parameter|Parameter .* expects/);
  const vga = await cli(['check', '00:01.0', '--root', fixture('q35-intel-vfio'), '--emit', 'qemu', '--x-vga']);
  assert.equal(vga.out, '-device vfio-pci,host=0000:00:01.0,x-vga=on\n');
});

test('check --emit proxmox: a whole slot as one entry; a blocked request prints nothing and keeps its exit code', async () => {
  const p = await cli(['check', '05:00.0', '05:00.1', '--root', fixture('q35-intel-vfio'), '--emit', 'proxmox', '--vmid', '101']);
  assert.equal(p.out, 'qm set 101 -hostpci0 0000:05:00,pcie=1\n');
  const one = await cli(['check', '0b:01.0', '--root', fixture('q35-intel-vfio'), '--emit', 'proxmox']);
  assert.equal(one.out, 'qm set VMID -hostpci0 0000:0b:01.0,pcie=1\n');
  const blocked = await cli(['check', '00:1f.2', '--root', fixture('q35-intel-vfio'), '--emit', 'libvirt']);
  assert.deepEqual([blocked.code, blocked.out, blocked.err], [1, '', 'iommu-groups: no VM configuration: the request is blocked (iommu-groups check 00:1f.2 says why)\n']);
  const bad = await cli(['check', '0b:01.0', '--root', fixture('q35-intel-vfio'), '--emit', 'proxmox', '--vmid', '1;rm']);
  assert.equal(bad.code, 2);
});

test('check --emit: indices the VM does not use, read from its Proxmox .conf or libvirt XML; otherwise the output says which to check', async () => {
  const root = fixtureCopy('q35-intel-vfio');
  // /etc/pve/qemu-server is an absolute link to this node's directory, as on Proxmox VE.
  fs.mkdirSync(path.join(root, 'etc/pve/nodes/pve1/qemu-server'), { recursive: true });
  fs.symlinkSync('/etc/pve/nodes/pve1/qemu-server', path.join(root, 'etc/pve/qemu-server'));
  put(root, 'etc/pve/nodes/pve1/qemu-server/101.conf', 'boot: order=scsi0\nhostpci0: 0000:0b:01.0,pcie=1\nhostpci2: mapping=gpu1\nmachine: q35\n\n[snap1]\nhostpci1: 0000:07:00.0\n');
  const p = await cli(['check', '05:00.0', '05:00.1', '0b:01.0', '--root', root, '--emit', 'proxmox', '--vmid', '101']);
  assert.equal(p.out, 'qm set 101 -hostpci1 0000:05:00,pcie=1 -hostpci3 0000:0b:01.0,pcie=1\n');
  assert.equal(p.err, [
    'iommu-groups: VM 101 passes 0000:0b:01.0 (hostpci0) already: remove that entry or leave this one out (a function passed twice stops the VM from starting)',
    'iommu-groups: VM 101 (etc/pve/qemu-server/101.conf) sets hostpci0, hostpci2: this uses hostpci1, hostpci3', ''].join('\n'));
  const none = await cli(['check', '05:00.0', '05:00.1', '--root', root, '--emit', 'proxmox', '--vmid', '102']);
  assert.equal(none.out, 'qm set 102 -hostpci0 0000:05:00,pcie=1\n');
  assert.equal(none.err, 'iommu-groups: VM 102: its configuration (etc/pve/qemu-server/102.conf) could not be read: not in this tree\n'
    + 'iommu-groups: qm set replaces a hostpciN the VM has: if `qm config 102` lists hostpci0, change it to a free index (0-15)\n');
  // Every index taken: nothing printed to paste.
  put(root, 'etc/pve/nodes/pve1/qemu-server/103.conf', Array.from({ length: 16 }, (_, i) => `hostpci${i}: 0000:40:00.${i % 8}\n`).join(''));
  const full = await cli(['check', '0b:01.0', '--root', root, '--emit', 'proxmox', '--vmid', '103']);
  assert.deepEqual([full.code, full.out, full.err], [2, '', 'iommu-groups: VM 103 has 16 of 16 hostpci entries set (etc/pve/qemu-server/103.conf): 1 more does not fit\n']);

  put(root, 'etc/libvirt/qemu/win11.xml', `<!-- <controller type='pci' index='30'/> -->\n<domain type='kvm'><devices>
  <controller type='pci' index='0' model='pcie-root'/>
  <controller type="pci" index="7" model="pcie-root-port"/>
  <controller type='usb' index='9'/>
  <hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x05' slot='0x00' function='0x1'/></source></hostdev>
</devices></domain>\n`);
  const l = await cli(['check', '05:00.0', '05:00.1', '--root', root, '--emit', 'libvirt', '--domain', 'win11']);
  assert.match(l.out, /^<!-- 0000:05:00: its functions share one guest slot on pcie-root-port 8 \(q35 machines\) -->\n<controller type='pci' model='pcie-root-port' index='8'\/>$/m);
  assert.match(l.out, /bus='0x08' slot='0x00' function='0x1'\/>/);
  assert.equal(l.err, 'iommu-groups: domain win11 passes 0000:05:00.1 (<hostdev>) already: remove that entry or leave this one out (a function passed twice stops the VM from starting)\n'
    + 'iommu-groups: domain win11 (etc/libvirt/qemu/win11.xml) has PCI controllers up to index 7: the root ports here start at 8\n');
  const unknown = await cli(['check', '05:00.0', '05:00.1', '--root', root, '--emit', 'libvirt']);
  assert.match(unknown.out, /pcie-root-port 16 \(q35 machines\); if the VM has a PCI controller with index='16' already, change index here and bus='0x10' below to a free index -->/);
  const misuse = await cli(['check', '05:00.0', '--root', root, '--emit', 'qemu', '--domain', 'win11']);
  assert.deepEqual([misuse.code, misuse.err], [2, 'iommu-groups: --domain goes with --emit libvirt\nhint: e.g. iommu-groups check 01:00.0 --emit libvirt --domain win11\n']);
});

test('devices: ROM path, mdev types and SR-IOV in list JSON and in check', async () => {
  const root = fixtureCopy('q35-intel');
  const vga = devDir(root, '0000:00:01.0');
  fs.writeFileSync(path.join(vga, 'rom'), '');
  const t = path.join(vga, 'mdev_supported_types', 'i915-GVTg_V5_4');
  fs.mkdirSync(t, { recursive: true });
  fs.writeFileSync(path.join(t, 'name'), 'GVTg_V5_4\n');
  fs.writeFileSync(path.join(t, 'available_instances'), '2\n');
  fs.writeFileSync(path.join(t, 'device_api'), 'vfio-pci\n');
  // A VF of the e1000e NIC, as the kernel links it (physfn).
  const vf = devDir(root, '0000:02:00.0');
  fs.symlinkSync(path.relative(vf, devDir(root, '0000:01:00.0')), path.join(vf, 'physfn'));
  const list = JSON.parse((await cli(['list', '--root', root, '--format', 'json'])).out);
  const m = list.groups.flatMap((g) => g.members).find((x) => x.name === '0000:00:01.0');
  assert.equal(m.pci.rom, 'sys/devices/pci0000:00/0000:00:01.0/rom');
  assert.deepEqual(m.pci.mdevTypes, [{ type: 'i915-GVTg_V5_4', name: 'GVTg_V5_4', availableInstances: 2, deviceApi: 'vfio-pci' }]);
  const c = JSON.parse((await cli(['check', '00:01.0', '--root', root, '--format', 'json'])).out);
  assert.equal(c.groups[0].findings.find((f) => f.code === 'MDEV_CAPABLE').message, 'offers mediated devices (i915-GVTg_V5_4 (2 available)): sharing it through mdev keeps it on the host and may be the better way than passing it whole');
  const v = JSON.parse((await cli(['check', '02:00.0', '--root', root, '--format', 'json'])).out);
  const f = v.groups[0].findings.find((x) => x.code === 'VF_TARGET');
  assert.deepEqual([f.status, f.message], ['info', 'a virtual function of 0000:01:00.0, whose driver (e1000e) created it and stays on the host: only this VF goes to the VM']);
});

/** q35-intel-vfio with 05:00.0's BARs as a 256 GiB compute GPU's (BAR0 16 MiB, BAR2 256 GiB, BAR4 32 MiB), the kernel's resource format. */
function largeBarTree() {
  const root = fixtureCopy('q35-intel-vfio');
  const res = path.join(devDir(root, '0000:05:00.0'), 'resource');
  const lines = fs.readFileSync(res, 'utf8').split('\n');
  lines[0] = '0x00000000fa000000 0x00000000faffffff 0x0000000000040200';
  lines[2] = '0x0000038000000000 0x000003bfffffffff 0x000000000014220c';
  lines[4] = '0x0000038800000000 0x0000038801ffffff 0x000000000014220c';
  fs.writeFileSync(res, lines.join('\n'));
  return root;
}
const WINDOW_ARGS = ['-global q35-pcihost.pci-hole64-size=512G', '-fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=524288'];

test('large BARs: check names the 64-bit window a guest needs; --emit gives it for QEMU, libvirt and Proxmox', async () => {
  const root = largeBarTree();
  const j = JSON.parse((await cli(['check', '05:00.0', '05:00.1', '--root', root, '--format', 'json'])).out);
  assert.deepEqual(j.mmio, {
    functions: [
      { device: '0000:05:00.0', bars: [
        { index: 0, size: 16777216, kind: 'mem32', prefetchable: false },
        { index: 1, size: 4096, kind: 'mem32', prefetchable: false },
        { index: 2, size: 274877906944, kind: 'mem64', prefetchable: true },
        { index: 4, size: 33554432, kind: 'mem64', prefetchable: true }] },
      { device: '0000:05:00.1', bars: [{ index: 0, size: 16384, kind: 'mem32', prefetchable: false }] },
    ],
    total64: 274911461376,
    window: 549755813888,
  });
  const big = j.groups[0].findings.find((f) => f.code === 'LARGE_BAR');
  assert.deepEqual([big.status, big.effect, big.subject, big.evidence], ['warn', 'none', '0000:05:00.0', ['0000:05:00.0/resource line 2: 256 GiB 64-bit', '0000:05:00.0/resource line 4: 32 MiB 64-bit']]);
  assert.equal(big.message, "64-bit BARs of 256.03 GiB in all (0000:05:00.0 BAR2 256 GiB, 0000:05:00.0 BAR4 32 MiB): more than the 32 GiB 64-bit MMIO window of QEMU's q35 and of OVMF releases that do not size it from the guest's physical address width, so the guest may not map them and its driver fails; give the VM a 512 GiB window: QEMU -global q35-pcihost.pci-hole64-size=512G, and with OVMF (UEFI) also -fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=524288; libvirt <pcihole64 unit='GiB'>512</pcihole64> inside the VM's <controller type='pci' index='0' model='pcie-root'>; the guest's physical address width must reach past it (-cpu host,host-phys-bits=on)");
  assert.equal(j.outcome, 'ready');

  const q = await cli(['check', '05:00.0', '05:00.1', '--root', root, '--emit', 'qemu']);
  assert.equal(q.out, ['-device pcie-root-port,id=ig-rp16,chassis=16,slot=16', '-device vfio-pci,host=0000:05:00.0,bus=ig-rp16,addr=00.0,multifunction=on', '-device vfio-pci,host=0000:05:00.1,bus=ig-rp16,addr=00.1', ...WINDOW_ARGS].join(' \\\n') + '\n');
  const l = await cli(['check', '05:00.0', '--root', root, '--emit', 'libvirt']);
  assert.equal(l.out.split('\n').at(-2), "<!-- The targets' 64-bit BARs need a 512 GiB guest MMIO window: put <pcihole64 unit='GiB'>512</pcihole64> inside the VM's <controller type='pci' index='0' model='pcie-root'>; with OVMF (UEFI) also <qemu:commandline><qemu:arg value='-fw_cfg'/><qemu:arg value='name=opt/ovmf/X-PciMmio64Mb,string=524288'/></qemu:commandline> (xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0' on <domain>), and <cpu mode='host-passthrough'> so the guest can address it -->");

  // Proxmox: -args only where the VM's configuration was read and sets none (qm set -args replaces them).
  put(root, 'etc/pve/qemu-server/101.conf', 'machine: q35\nbios: ovmf\n');
  put(root, 'etc/pve/qemu-server/102.conf', 'machine: q35\nargs: -cpu host,kvm=off\n');
  const free = await cli(['check', '05:00.0', '05:00.1', '--root', root, '--emit', 'proxmox', '--vmid', '101']);
  assert.equal(free.out, "qm set 101 -hostpci0 0000:05:00,pcie=1 -args '-fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=524288 -global q35-pcihost.pci-hole64-size=512G'\n");
  assert.equal(free.err, 'iommu-groups: VM 101 sets no args: -args gives it the 512 GiB 64-bit MMIO window its BARs need; use cpu: host so the guest can address it\n');
  const taken = await cli(['check', '05:00.0', '05:00.1', '--root', root, '--emit', 'proxmox', '--vmid', '102']);
  assert.equal(taken.out, 'qm set 102 -hostpci0 0000:05:00,pcie=1\n');
  assert.equal(taken.err, 'iommu-groups: the targets\' 64-bit BARs need a 512 GiB guest MMIO window: add -fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=524288 -global q35-pcihost.pci-hole64-size=512G to the args VM 102 sets (etc/pve/qemu-server/102.conf), and use cpu: host\n');
  const unread = await cli(['check', '05:00.0', '05:00.1', '--root', root, '--emit', 'proxmox', '--vmid', '103']);
  assert.equal(unread.out, 'qm set 103 -hostpci0 0000:05:00,pcie=1\n');
  assert.match(unread.err, /add -fw_cfg name=opt\/ovmf\/X-PciMmio64Mb,string=524288 -global q35-pcihost\.pci-hole64-size=512G to the VM's args \(`qm config 103` shows any it has: -args replaces them\), and use cpu: host\n$/);

  // The captures' own BARs fit the default window: no finding, no extra lines.
  const small = JSON.parse((await cli(['check', '05:00.0', '05:00.1', '--root', fixture('q35-intel-vfio'), '--format', 'json'])).out);
  assert.deepEqual([small.mmio.total64, small.mmio.window], [16384, null]);
  assert.equal(small.groups[0].findings.some((f) => f.code === 'LARGE_BAR' || f.code === 'BAR_SIZES_UNKNOWN'), false);
});

test('large BARs: an unreadable or malformed resource is said, never read as small', async () => {
  const root = largeBarTree();
  const res = path.join(devDir(root, '0000:05:00.0'), 'resource');
  fs.writeFileSync(res, '0x0000038000000000 0x000003bfffffffff\n');
  const j = JSON.parse((await cli(['check', '05:00.0', '--root', root, '--format', 'json'])).out);
  assert.deepEqual(j.mmio.functions[0], { device: '0000:05:00.0', bars: null });
  const f = j.groups[0].findings.find((x) => x.code === 'BAR_SIZES_UNKNOWN');
  assert.deepEqual([f.status, f.effect, f.message], ['info', 'none', "its BAR sizes could not be read (no readable resource attribute): whether the guest's 64-bit MMIO window holds them is not checked"]);
  const list = JSON.parse((await cli(['list', '--root', root, '--format', 'json', '--device', '05:00.0'])).out);
  const m = list.groups[0].members.find((x) => x.name === '0000:05:00.0');
  assert.deepEqual([m.pci.bars, m.errors], [null, { bars: 'EBADFORMAT' }]);
  fs.rmSync(res);
  const gone = JSON.parse((await cli(['check', '05:00.0', '--root', root, '--format', 'json'])).out);
  assert.equal(gone.groups[0].findings.filter((x) => x.code === 'BAR_SIZES_UNKNOWN').length, 1);
});

test('large BARs: QEMU accepts the window settings (q35 hole64 and OVMF fw_cfg) and libvirt\'s schema the <pcihole64>', { skip: QEMU || VALIDATE }, async () => {
  const q = spawnSync('qemu-system-x86_64', ['-machine', 'q35', '-nodefaults', '-display', 'none', '-S', ...WINDOW_ARGS.flatMap((a) => a.split(' ')), '-device', 'vfio-pci,host=0000:05:00.0'], { encoding: 'utf8', timeout: 30000 });
  assert.ok(q.error === undefined, `qemu-system-x86_64: ${q.error}`);
  assert.match(q.stderr, /vfio \/sys\/bus\/pci\/devices\/0000:05:00\.0: no such host device/);
  assert.doesNotMatch(q.stderr, /not found|Invalid parameter|Parameter .* expects|can't apply global/);
  const dir = tempDir('emit');
  const xml = path.join(dir, 'vm.xml');
  fs.writeFileSync(xml, `<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'><name>t</name><memory>1048576</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><cpu mode='host-passthrough'/><devices><controller type='pci' index='0' model='pcie-root'><pcihole64 unit='GiB'>512</pcihole64></controller></devices><qemu:commandline><qemu:arg value='-fw_cfg'/><qemu:arg value='name=opt/ovmf/X-PciMmio64Mb,string=524288'/></qemu:commandline></domain>\n`);
  const v = spawnSync('virt-xml-validate', [xml, 'domain'], { encoding: 'utf8' });
  assert.equal(v.status, 0, `virt-xml-validate: ${v.stdout}${v.stderr}${v.error ?? ''}`);
});
