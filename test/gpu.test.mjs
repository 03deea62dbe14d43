// GPU passthrough in depth: reset knowledge (kernel quirks, vendor-reset's AMD list, what a bus
// reset reaches), what the host loses (framebuffer console, firmware framebuffer, processes
// holding the nodes, a serial console, the only keyboard), and vendor vGPU (NVIDIA's
// current_vgpu_type, SR-IOV GPUs). Trees derived from the real q35-intel capture, with ids,
// config space and uevent kept in step.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { isKeyboardBitmap } from '../dist/read/read-display.js';
import { parseCreatableVgpuTypes } from '../dist/read/read-pci.js';
import { readModel } from '../dist/read/read-model.js';
import { RESET_QUIRKS, DEVICE_SPECIFIC_RESETS, VENDOR_RESET_GPUS } from '../dist/analyse/vfio/reset-table.js';
import { fixture, fixtureCopy, runCli, tempDir } from './helpers.mjs';

const devDir = (root, addr) => fs.realpathSync(path.join(root, 'sys/bus/pci/devices', addr));

/** Give a function other ids: the attributes, its uevent and its config space agree. */
function setIds(root, addr, { vendor, device, cls }) {
  const dir = devDir(root, addr);
  const hex = (n, w) => `0x${n.toString(16).padStart(w, '0')}`;
  fs.writeFileSync(path.join(dir, 'vendor'), `${hex(vendor, 4)}\n`);
  fs.writeFileSync(path.join(dir, 'device'), `${hex(device, 4)}\n`);
  if (cls !== undefined) fs.writeFileSync(path.join(dir, 'class'), `${hex(cls, 6)}\n`);
  const ue = fs.readFileSync(path.join(dir, 'uevent'), 'utf8')
    .replace(/^PCI_ID=.*$/m, `PCI_ID=${vendor.toString(16).toUpperCase().padStart(4, '0')}:${device.toString(16).toUpperCase().padStart(4, '0')}`)
    .replace(/^PCI_CLASS=.*$/m, cls === undefined ? (m) => m : `PCI_CLASS=${cls.toString(16).toUpperCase()}`);
  fs.writeFileSync(path.join(dir, 'uevent'), ue);
  const cfg = fs.readFileSync(path.join(dir, 'config'));
  cfg.writeUInt16LE(vendor, 0);
  cfg.writeUInt16LE(device, 2);
  if (cls !== undefined) {
    cfg[9] = cls & 0xff;
    cfg[10] = (cls >> 8) & 0xff;
    cfg[11] = (cls >> 16) & 0xff;
  }
  fs.writeFileSync(path.join(dir, 'config'), cfg);
}

const attr = (root, addr, name, value) => fs.writeFileSync(path.join(devDir(root, addr), name), value);

function check(root, args) {
  const r = runCli(['check', ...args, '--root', root, '--format', 'json']);
  assert.equal(r.stderr, '');
  return { ...JSON.parse(r.stdout), code: r.code };
}
const findings = (rep, code) => rep.groups.flatMap((g) => g.findings).filter((f) => f.code === code);

test('the tables: sizes and rows as the kernel and vendor-reset have them', () => {
  assert.equal(RESET_QUIRKS.length, 10);
  assert.equal(DEVICE_SPECIFIC_RESETS.length, 9);
  assert.equal(VENDOR_RESET_GPUS.flatMap((g) => g.devices).length, 68);
  const nv = RESET_QUIRKS.find((q) => q.fn === 'quirk_nvidia_no_bus_reset');
  assert.deepEqual(nv.devices, [[0x2340, 0x237f]]);
});

test('config space: FLR and PM bits decoded from the real capture agree with reset_method', () => {
  const m = readModel(fixture('q35-intel'), { preflight: true });
  for (const d of m.devices.filter((x) => x.pci?.caps?.reset && x.pci.resetMethods !== null && x.pci.headerType === 0)) {
    // The kernel lists flr exactly when the device advertises it (no quirk applies to these ids).
    assert.equal(d.pci.resetMethods.includes('flr'), d.pci.caps.reset.flr, d.name);
    if (d.pci.resetMethods.includes('pm')) assert.equal(d.pci.caps.reset.pmNoSoftReset, false, d.name);
  }
});

test('a quirked AMD USB controller: check says FLR is gone by quirk_no_flr', () => {
  const root = fixtureCopy('q35-intel');
  setIds(root, '0000:04:00.0', { vendor: 0x1022, device: 0x149c });
  const rep = check(root, ['04:00.0']);
  assert.deepEqual(findings(rep, 'RESET').map((f) => f.message), [
    "reset methods: bus; flr: the kernel's quirk_no_flr (drivers/pci/quirks.c, Linux 6.6) for 1022:149c: FLR hangs this AMD chipset function (Starship/Matisse audio and USB, FCH SATA)",
  ]);
});

test('an NVIDIA GPU in 0x2340-0x237f: bus reset gone by quirk_nvidia_no_bus_reset', () => {
  const root = fixtureCopy('q35-intel');
  setIds(root, '0000:01:00.0', { vendor: 0x10de, device: 0x2342, cls: 0x030200 });
  attr(root, '0000:01:00.0', 'reset_method', 'pm\n');
  const rep = check(root, ['01:00.0']);
  const msg = findings(rep, 'RESET')[0].message;
  assert.match(msg, /^reset methods: pm; bus: the kernel's quirk_nvidia_no_bus_reset \(drivers\/pci\/quirks\.c, Linux 6\.6\) for 10de:2342: a secondary bus reset/);
});

test('an AMD Navi 10 GPU: the reset bug with its remedy; handled once device_specific leads', () => {
  const root = fixtureCopy('q35-intel');
  setIds(root, '0000:05:00.0', { vendor: 0x1002, device: 0x731f, cls: 0x030000 });
  attr(root, '0000:05:00.0', 'reset_method', 'flr bus\n');
  let rep = check(root, ['05:00.0', '05:00.1']);
  const bug = findings(rep, 'AMD_RESET_BUG');
  assert.equal(bug.length, 1);
  assert.equal(bug[0].status, 'warn');
  assert.equal(
    bug[0].message,
    'an AMD Navi 10 GPU, a GPU with the AMD reset bug: the resets the kernel has for it (flr bus) do not bring it back once a guest driver has used it, so restarting the VM, or starting another, finds it dead until the host reboots; what fixes it: the vendor-reset module (github.com/gnif/vendor-reset, built with DKMS) loaded (sys/module is not in this tree); then, since Linux 5.15, make its reset the one the kernel uses: echo device_specific | sudo tee /sys/bus/pci/devices/0000:05:00.0/reset_method > /dev/null (again after each boot, e.g. by vendor-reset\'s udev rule)',
  );
  // pm is gone for ATI VGA below a bridge (quirk_no_pm_reset), and the table says why.
  assert.match(findings(rep, 'RESET')[0].message, /pm: the kernel's quirk_no_pm_reset \(drivers\/pci\/quirks\.c, Linux 6\.6\) for 1002:731f/);
  attr(root, '0000:05:00.0', 'reset_method', 'device_specific flr bus\n');
  fs.mkdirSync(path.join(root, 'sys/module/vendor_reset'));
  rep = check(root, ['05:00.0', '05:00.1']);
  assert.equal(findings(rep, 'AMD_RESET_BUG')[0].status, 'ok');
  assert.match(findings(rep, 'AMD_RESET_BUG')[0].message, /reset_method starts with device_specific, so vendor-reset resets it$/);
  const explained = runCli(['explain', '05:00.0', '--root', root, '--format', 'plain']);
  assert.match(explained.stdout, /reset: an AMD Navi 10 GPU, a GPU with the AMD reset bug: reset_method starts with device_specific/);
});

test('a function with no reset of its own: what a bus reset also resets, warn until the request holds it all', () => {
  const root = fixture('q35-intel');
  const alone = check(root, ['05:00.1']);
  const scope = findings(alone, 'BUS_RESET_SCOPE');
  assert.equal(scope[0].status, 'warn');
  assert.equal(
    scope[0].message,
    "it has no reset of its own, so QEMU resets it with a bus reset of 0000:00:02.4's secondary bus (VFIO hot reset), which also resets 0000:05:00.0 (virtio-pci): VFIO does that only when every device it reaches is bound to vfio-pci and given to the same VM, so without them the device is not reset between VMs; what would change it: pass them too (iommu-groups check 0000:05:00.1 0000:05:00.0)",
  );
  assert.match(findings(alone, 'NO_RESET')[0].message, /; bus: 0000:05:00\.0 shares its bus: the kernel offers a bus reset of one function only when it is alone on its bus$/);
  const both = check(root, ['05:00.0', '05:00.1']);
  assert.equal(findings(both, 'BUS_RESET_SCOPE')[0].status, 'info');
  // 05:00.0 lists bus (probed before 05:00.1 appeared): the kernel's own artefact, explained.
  assert.match(findings(both, 'RESET')[0].message, /^reset methods: flr pm bus; bus: listed, but 0000:05:00\.1 shares its bus/);
});

/** The boot VGA with a bound framebuffer console, a firmware framebuffer and processes holding its nodes. */
function desktopTree() {
  const root = fixtureCopy('q35-intel');
  const vt = path.join(root, 'sys/devices/virtual/vtconsole');
  for (const [n, name, bind] of [['vtcon0', '(S) dummy device', '0'], ['vtcon1', '(M) frame buffer device', '1']]) {
    fs.mkdirSync(path.join(vt, n), { recursive: true });
    fs.writeFileSync(path.join(vt, n, 'name'), `${name}\n`);
    fs.writeFileSync(path.join(vt, n, 'bind'), `${bind}\n`);
    fs.symlinkSync(`../../devices/virtual/vtconsole/${n}`, path.join(root, 'sys/class/vtconsole', n));
  }
  const efi = path.join(root, 'sys/devices/platform/efi-framebuffer.0');
  fs.mkdirSync(path.join(efi, 'graphics/fb2'), { recursive: true });
  fs.mkdirSync(path.join(root, 'sys/bus/platform/drivers/efi-framebuffer'), { recursive: true });
  fs.symlinkSync('../../bus/platform/drivers/efi-framebuffer', path.join(efi, 'driver'));
  fs.symlinkSync('../../devices/platform/efi-framebuffer.0/graphics/fb2', path.join(root, 'sys/class/graphics/fb2'));
  for (const [pid, comm, fds] of [['812', 'Xorg', { 5: '/dev/dri/card1', 6: '/dev/tty7' }], ['1300', 'gnome-shell', { 3: '/dev/dri/card1', 4: '/dev/fb1' }], ['1400', 'pipewire', { 3: '/dev/snd/pcmC0D0p' }]]) {
    fs.mkdirSync(path.join(root, 'proc', pid, 'fd'), { recursive: true });
    fs.writeFileSync(path.join(root, 'proc', pid, 'comm'), `${comm}\n`);
    for (const [fd, to] of Object.entries(fds)) fs.symlinkSync(to, path.join(root, 'proc', pid, 'fd', fd));
  }
  return root;
}

test('single GPU: the console, the firmware framebuffer and the processes the host loses, with the steps', () => {
  const root = desktopTree();
  const rep = check(root, ['00:01.0']);
  assert.equal(rep.outcome, 'ready');
  assert.equal(
    findings(rep, 'CONSOLE_ON_DEVICE')[0].message,
    'fb1 is on it and the framebuffer console (vtcon1 "(M) frame buffer device") is bound, so the host\'s text console may be drawn there: the host loses it when the device goes; release it first: echo 0 | sudo tee /sys/class/vtconsole/vtcon1/bind > /dev/null',
  );
  assert.equal(
    findings(rep, 'FIRMWARE_FRAMEBUFFER')[0].message,
    "fb2 on efi-framebuffer.0 (driver efi-framebuffer) is the firmware's framebuffer, which maps this boot GPU's memory: while it holds it, vfio-pci cannot reserve the GPU's BAR; release it: echo efi-framebuffer.0 | sudo tee /sys/bus/platform/drivers/efi-framebuffer/unbind > /dev/null (or boot with video=efifb:off / initcall_blacklist=sysfb_init so firmware framebuffers never claim it)",
  );
  assert.equal(
    findings(rep, 'DEVICE_IN_USE')[0].message,
    'in use on the host by Xorg (pid 812: /dev/dri/card1), gnome-shell (pid 1300: /dev/dri/card1, /dev/fb1): unbinding its driver waits for them or fails ("device busy"), and the host loses what they show or play; stop them first (a desktop session: sudo systemctl stop display-manager)',
  );
  // The audio function's nodes are held by pipewire only; 05:00.0's by nobody.
  const gpu = check(root, ['05:00.0', '05:00.1']);
  assert.deepEqual(findings(gpu, 'DEVICE_IN_USE').map((f) => [f.subject, f.status]), [['0000:05:00.0', 'info'], ['0000:05:00.1', 'warn']]);
});

test('a serial console on a PCI UART is a device the host needs: its group is blocked', () => {
  const root = fixtureCopy('q35-intel');
  fs.writeFileSync(path.join(root, 'proc/cmdline'), 'console=tty0 console=ttyS1,115200n8 panic=-1 intel_iommu=on\n');
  const rep = check(root, ['0b:01.0']);
  assert.equal(rep.outcome, 'blocked');
  const need = findings(rep, 'HOST_NEEDS_CONSOLE');
  assert.equal(need.length, 1);
  assert.equal(need[0].subject, '0000:0b:02.0');
  assert.match(need[0].message, /^serial, Serial controller \[0700\]: provides ttyS1, a console the kernel writes to \(console=ttyS1 on its command line\): the host needs it; it cannot leave serial, so group 21 cannot go to a VM/);
  // The real capture's console=ttyS0 is on a platform port: nothing changes there.
  assert.equal(findings(check(fixture('q35-intel'), ['0b:01.0']), 'HOST_NEEDS_CONSOLE').length, 0);
});

test('the USB controller with the only keyboard is a device the host needs', () => {
  const root = fixtureCopy('q35-intel');
  fs.rmSync(path.join(root, 'sys/class/input/input0'));
  const tablet = fs.realpathSync(path.join(root, 'sys/class/input/input2'));
  fs.writeFileSync(path.join(tablet, 'capabilities/key'), '402000002 3803078f800d001 feffffdfffefffff fffffffffffffffe\n');
  const rep = check(root, ['04:00.0']);
  assert.equal(rep.outcome, 'blocked');
  assert.match(findings(rep, 'HOST_NEEDS_KEYBOARD')[0].message, /every keyboard the host has is below it \(input2\): the host needs it/);
  // The real capture: the keyboard is the i8042 one, so the USB controller goes.
  assert.equal(findings(check(fixture('q35-intel'), ['04:00.0']), 'HOST_NEEDS_KEYBOARD').length, 0);
});

test('udev keyboard test and creatable_vgpu_types parsing', () => {
  assert.equal(isKeyboardBitmap('402000002 3803078f800d001 feffffdfffefffff fffffffffffffffe'), true);
  assert.equal(isKeyboardBitmap('70000 0 0 0 0'), false);
  assert.equal(isKeyboardBitmap(''), false);
  assert.deepEqual(parseCreatableVgpuTypes('ID    : vGPU Name\n1428 : NVIDIA H200X-141C\n1414 : NVIDIA H200X-1-18C\n'), [
    { id: 1428, name: 'NVIDIA H200X-141C' },
    { id: 1414, name: 'NVIDIA H200X-1-18C' },
  ]);
});

test('an NVIDIA vGPU VF: no type is a step that writes one, a set type is ready, none creatable blocks', () => {
  const root = fixtureCopy('q35-intel');
  const vf = devDir(root, '0000:04:00.0');
  fs.mkdirSync(path.join(vf, 'nvidia'));
  fs.writeFileSync(path.join(vf, 'nvidia/current_vgpu_type'), '0\n');
  fs.writeFileSync(path.join(vf, 'nvidia/creatable_vgpu_types'), '1428 : NVIDIA H200X-141C\n1414 : NVIDIA H200X-1-18C\n');
  const r = runCli(['check', '04:00.0', '--root', root, '--format', 'table']);
  assert.equal(r.code, 4);
  assert.match(r.stdout, /READY after 1 step/);
  assert.match(r.stdout, /Steps, in this order \(printed, not run\):\n {2}echo 1428 \| sudo tee \/sys\/bus\/pci\/devices\/0000:04:00\.0\/nvidia\/current_vgpu_type > \/dev\/null\n/);
  assert.doesNotMatch(r.stdout, /driver_override/);
  let rep = check(root, ['04:00.0']);
  assert.equal(findings(rep, 'VGPU_TYPE_UNSET')[0].message, "an NVIDIA vGPU VF with no vGPU type set yet: a VM can be given it once it has one; the steps set 1428 (NVIDIA H200X-141C); it could take instead: 1414 (NVIDIA H200X-1-18C) (write that id in the step's place)");
  fs.writeFileSync(path.join(vf, 'nvidia/current_vgpu_type'), '1414\n');
  rep = check(root, ['04:00.0']);
  assert.equal(rep.outcome, 'ready');
  assert.match(findings(rep, 'VGPU_TYPE')[0].message, /^an NVIDIA vGPU VF with type 1414 \(NVIDIA H200X-1-18C\) set/);
  fs.writeFileSync(path.join(vf, 'nvidia/current_vgpu_type'), '0\n');
  fs.writeFileSync(path.join(vf, 'nvidia/creatable_vgpu_types'), '');
  assert.equal(check(root, ['04:00.0']).outcome, 'blocked');
  const listed = JSON.parse(runCli(['list', '--root', root, '--format', 'json']).stdout);
  const dev = listed.groups.flatMap((g) => g.members).find((d) => d.name === '0000:04:00.0');
  assert.deepEqual(dev.pci.nvidiaVgpu, { current: 0, creatable: [] });
});

test('an SR-IOV capable GPU without VFs: check says a VF could go instead', () => {
  const root = fixtureCopy('q35-intel');
  setIds(root, '0000:00:01.0', { vendor: 0x8086, device: 0xa7a0, cls: 0x030000 });
  attr(root, '0000:00:01.0', 'sriov_totalvfs', '7\n');
  attr(root, '0000:00:01.0', 'sriov_numvfs', '0\n');
  const rep = check(root, ['00:01.0']);
  assert.equal(findings(rep, 'SRIOV_GPU')[0].message, "a GPU that can offer up to 7 virtual functions (SR-IOV), none enabled: a VM can be given one VF instead of the whole GPU, and the host keeps the GPU (Intel i915/xe: its driver's max_vfs parameter must allow them, then write the count to sriov_numvfs)");
});

test('a snapshot keeps the console and who holds the nodes, and nothing else of the processes', () => {
  const root = desktopTree();
  const out = path.join(tempDir('iommu-groups-snap-'), 'snap');
  const s = runCli(['snapshot', out, '--root', root]);
  assert.equal(s.code, 0, s.stderr);
  const strip = (r) => r.groups.map((g) => g.findings);
  assert.deepEqual(strip(check(out, ['00:01.0'])), strip(check(root, ['00:01.0'])));
  // Xorg's /dev/tty7 is not a display node: the snapshot does not keep it.
  assert.deepEqual(fs.readdirSync(path.join(out, 'proc/812/fd')), ['5']);
});
