// MSI isolation decides check's outcome: VFIO type1/iommufd refuse a group whose MSIs are not
// isolated (kernel/irq/msi.c msi_device_has_isolated_msi). Trees derived from q35-intel-vfio (group
// 14: the NVMe 02:00.0 alone, on vfio-pci: READY on the real capture), with the IOMMU unit, the ACPI
// tables and /proc/interrupts changed to what each platform's kernel writes.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { TEST_IDS, fixtureCopy } from './helpers.mjs';
import { runInProcess } from './mutate.mjs';

const HEAD = '           CPU0       CPU1\n';
const X86_IR = `${HEAD}  0:         45          0   IR-IO-APIC    2-edge      timer\n 25:          0          0   PCI-MSI 4096-edge      AMD-Vi\n 26:          0        120   IR-PCI-MSIX-0000:02:00.0    0-edge      nvme0q0\n`;
const X86_NOIR = `${HEAD}  0:         45          0   IO-APIC    2-edge      timer\n 24:          0          0   PCI-MSI 16384-edge      PCIe PME\n`;
const ARM_ITS = `${HEAD} 11:      91512      88212     GICv3  27 Level     arch_timer\n 37:         17          0   ITS-MSI 524288 Edge      nvme0q0\n`;
const ARM_V2M = `${HEAD} 11:      91512      88212     GICv3  27 Level     arch_timer\n 40:          0          0   MSI 0 Edge      nvme0q0\n`;

/** q35-intel-vfio with its IOMMU unit replaced by UNIT and its ACPI tables by TABLES. */
function platform({ unit = null, tables = null, interrupts = null, dmarFlags = null } = {}) {
  const root = fixtureCopy('q35-intel-vfio');
  if (unit !== null) {
    fs.rmSync(path.join(root, 'sys/class/iommu/dmar0'));
    fs.mkdirSync(path.join(root, 'sys/class/iommu', unit), { recursive: true });
  }
  if (tables !== null) {
    const dir = path.join(root, 'sys/firmware/acpi/tables');
    fs.rmSync(dir, { recursive: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const t of tables) fs.writeFileSync(path.join(dir, t), t);
  }
  if (interrupts !== null) fs.writeFileSync(path.join(root, 'proc/interrupts'), interrupts);
  if (dmarFlags !== null) {
    const f = path.join(root, 'sys/firmware/acpi/tables/DMAR');
    const b = fs.readFileSync(f);
    b[37] = dmarFlags;
    fs.writeFileSync(f, b);
  }
  return root;
}

async function check(root, args = ['02:00.0']) {
  const r = await runInProcess(['check', ...args, '--root', root, '--format', 'json', '--pci-ids', TEST_IDS]);
  const doc = JSON.parse(r.out);
  const msi = doc.groups[0].findings.find((f) => f.code === 'NO_INTERRUPT_REMAPPING' || f.code === 'MSI_ISOLATION_UNKNOWN') ?? null;
  return { outcome: doc.outcome, code: r.code, msi: msi && [msi.code, msi.status, msi.effect, msi.message] };
}

const REFUSES = 'VFIO refuses devices without it unless allow_unsafe_interrupts is set (unsafe)';
const RISK = 'vfio_iommu_type1.allow_unsafe_interrupts=1 (iommufd.allow_unsafe_interrupts=1) lets VFIO go ahead anyway, and then a device in the VM can raise any interrupt on the host (MSI attacks): only where the VM is trusted';

test('the real capture stays READY: VT-d with the ecap IR bit and the DMAR INTR_REMAP flag', async () => {
  assert.deepEqual(await check(platform()), { outcome: 'ready', code: 0, msi: null });
  assert.deepEqual(await check(platform({ interrupts: X86_IR })), { outcome: 'ready', code: 0, msi: null });
});

test('VT-d without interrupt remapping (QEMU intremap=off: DMAR flags 0, no IR- chip) is BLOCKED', async () => {
  const fix = 'enable interrupt remapping in the firmware (x2APIC / VT-d / IOMMU options) and do not boot with intremap=off';
  assert.deepEqual(await check(platform({ dmarFlags: 0 })), {
    outcome: 'blocked',
    code: 1,
    msi: ['NO_INTERRUPT_REMAPPING', 'fail', 'block', `not offered by the firmware: the DMAR table's INTR_REMAP flag is clear; ${REFUSES}; what would change it: ${fix}; or ${RISK}`],
  });
  assert.deepEqual(await check(platform({ interrupts: X86_NOIR })), {
    outcome: 'blocked',
    code: 1,
    msi: ['NO_INTERRUPT_REMAPPING', 'fail', 'block', `not enabled: PCI MSIs go through PCI-MSI, which does not isolate them (no IR- or ITS- chip in /proc/interrupts); ${REFUSES}; what would change it: ${fix}; or ${RISK}`],
  });
});

test('virtio-iommu on x86 gives no interrupt remapping: BLOCKED, with or without /proc/interrupts', async () => {
  const tables = ['APIC', 'DSDT', 'FACP', 'FACS', 'HPET', 'MCFG', 'VIOT'];
  const fix = 'an IOMMU with interrupt remapping (virtio-iommu gives none on x86; in a VM: QEMU -device intel-iommu,intremap=on with -machine kernel-irqchip=split)';
  assert.deepEqual(await check(platform({ unit: 'virtio1', tables })), {
    outcome: 'blocked',
    code: 1,
    msi: ['NO_INTERRUPT_REMAPPING', 'fail', 'block', `not available: this IOMMU (virtio-iommu) does not remap interrupts on x86, and firmware has no DMAR or IVRS table for an IOMMU that would; ${REFUSES}; what would change it: ${fix}; or ${RISK}`],
  });
  assert.equal((await check(platform({ unit: 'virtio1', tables, interrupts: X86_NOIR }))).outcome, 'blocked');
  // allow_unsafe_interrupts lets VFIO go ahead: READY, the risk named.
  const unsafe = platform({ unit: 'virtio1', tables });
  fs.writeFileSync(path.join(unsafe, 'proc/cmdline'), 'console=ttyS0 vfio_iommu_type1.allow_unsafe_interrupts=1\n');
  const r = await check(unsafe);
  assert.deepEqual([r.outcome, r.msi[0], r.msi[2]], ['ready', 'NO_INTERRUPT_REMAPPING', 'none']);
});

test('Arm SMMUv3: a GIC ITS isolates MSIs, a GICv2m does not, no /proc/interrupts is UNKNOWN', async () => {
  const arm = { unit: 'smmu3.0x0000000009050000', tables: ['APIC', 'DSDT', 'FACP', 'GTDT', 'IORT', 'MCFG', 'SPCR'] };
  assert.deepEqual(await check(platform({ ...arm, interrupts: ARM_ITS })), { outcome: 'ready', code: 0, msi: null });
  const v2m = await check(platform({ ...arm, interrupts: ARM_V2M }));
  assert.deepEqual([v2m.outcome, v2m.msi[0]], ['blocked', 'NO_INTERRUPT_REMAPPING']);
  assert.match(v2m.msi[3], /^not enabled: PCI MSIs go through MSI, which does not isolate them .* what would change it: an interrupt controller with a GICv3 ITS \(GICv2m does not isolate MSIs\)/);
  assert.deepEqual(await check(platform(arm)), {
    outcome: 'unknown',
    code: 5,
    msi: ['MSI_ISOLATION_UNKNOWN', 'unknown', 'unknown', 'cannot tell whether a GIC ITS isolates MSIs: /proc/interrupts is not readable here; VFIO refuses the group if MSIs are not isolated (run on the host, or take a snapshot there)'],
  });
});

test('AMD-Vi: remapping shows only in /proc/interrupts (its own AMD-Vi interrupt is never remapped)', async () => {
  const amd = { unit: 'ivhd0', tables: ['APIC', 'DSDT', 'FACP', 'HPET', 'IVRS', 'MCFG'] };
  assert.deepEqual(await check(platform({ ...amd, interrupts: X86_IR })), { outcome: 'ready', code: 0, msi: null });
  const none = await check(platform(amd));
  assert.deepEqual(none.msi, ['MSI_ISOLATION_UNKNOWN', 'unknown', 'unknown', 'cannot tell whether interrupt remapping is on (AMD-Vi does not show it in sysfs): /proc/interrupts is not readable here; VFIO refuses the group if MSIs are not isolated (run on the host, or take a snapshot there)']);
  assert.equal(none.outcome, 'unknown');
});

test('host says the same, and POWER (sPAPR TCE) does not need it', async () => {
  const host = async (root) => JSON.parse((await runInProcess(['host', '--root', root, '--format', 'json'])).out).findings.find((f) => f.code === 'INTERRUPT_REMAPPING');
  assert.equal((await host(platform({ unit: 'virtio1', tables: ['APIC', 'HPET', 'VIOT'] }))).status, 'warn');
  const power = platform();
  fs.rmSync(path.join(power, 'sys/firmware/acpi'), { recursive: true });
  fs.mkdirSync(path.join(power, 'proc/device-tree/ibm,opal'), { recursive: true });
  fs.rmSync(path.join(power, 'sys/class/iommu/dmar0'));
  const p = await host(power);
  assert.deepEqual([p.status, p.message], ['ok', 'not needed: VFIO on POWER uses the sPAPR TCE IOMMU, which does not refuse groups for MSI isolation']);
});

test('inside a virtual machine host and check talk about the hypervisor, not the firmware setup', async () => {
  const root = fixtureCopy('q35-noiommu');
  fs.writeFileSync(path.join(root, 'proc/cpuinfo'), 'processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sse sse2 hypervisor lahf_lm\n');
  fs.mkdirSync(path.join(root, 'sys/devices/virtual/dmi/id'), { recursive: true });
  fs.writeFileSync(path.join(root, 'sys/devices/virtual/dmi/id/sys_vendor'), 'QEMU\n');
  fs.writeFileSync(path.join(root, 'sys/devices/virtual/dmi/id/product_name'), 'Standard PC (Q35 + ICH9, 2009)\n');
  fs.mkdirSync(path.join(root, 'sys/class/dmi'), { recursive: true });
  fs.symlinkSync('../../devices/virtual/dmi/id', path.join(root, 'sys/class/dmi/id'));
  const f = JSON.parse((await runInProcess(['host', '--root', root, '--format', 'json'])).out).findings;
  const viommu = "the hypervisor must give this VM a virtual IOMMU with interrupt remapping: QEMU -device intel-iommu,intremap=on,caching-mode=on with -machine q35,kernel-irqchip=split (libvirt: <iommu model='intel'><driver intremap='on' caching_mode='on'/></iommu> and <ioapic driver='qemu'/> in <features>); a cloud VM may offer no vIOMMU at all";
  const fw = f.find((x) => x.code === 'IOMMU_FIRMWARE');
  assert.deepEqual([fw.status, fw.message, fw.evidence], ['fail', `firmware describes no IOMMU (no DMAR, IVRS, IORT or VIOT ACPI table), and this is a virtual machine (QEMU/KVM): ${viommu}`, ['sys/firmware/acpi/tables', 'proc/cpuinfo: flags hypervisor', 'sys/class/dmi/id/sys_vendor = QEMU']]);
  assert.equal(f.find((x) => x.code === 'CPU_VIRT').message, 'no vmx or svm flag in /proc/cpuinfo, and this is a virtual machine (QEMU/KVM): the hypervisor must expose hardware virtualization to this VM (nested virtualization: QEMU -cpu host, with kvm_intel nested=1 or kvm_amd nested=1 on its host); a cloud VM may not offer it');
  assert.ok(!JSON.stringify(f).includes('firmware setup'));
  const c = JSON.parse((await runInProcess(['check', '01:00.0', '--root', root, '--format', 'json'])).out);
  assert.ok(c.groups[0].findings.find((x) => x.code === 'IOMMU_FIX').message.endsWith(`this is a virtual machine (QEMU/KVM): ${viommu}`));
  // Without those facts (the real capture) nothing is claimed about a hypervisor.
  const plain = JSON.parse((await runInProcess(['host', '--root', fixtureCopy('q35-noiommu'), '--format', 'json'])).out).findings;
  assert.match(plain.find((x) => x.code === 'IOMMU_FIRMWARE').message, /enable it in the firmware setup/);
});
