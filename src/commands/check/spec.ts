// `check`: can these devices go to a VM, and what must happen first?
import type { CommandSpec } from '../../cli/spec.js';
import { EMIT_KINDS } from '../../render/emit.js';
import { REPORT_FORMATS } from '../../render/format.js';

export const check: CommandSpec = {
  name: 'check',
  description: 'Can these devices go to a VM, and what must happen first? All targets are one request (a GPU and its audio function together): one answer, and the steps, printed, never run.',
  args: [{ name: '[target...]', help: 'PCI address (0000:01:00.0 or 01:00.0) or vendor:device id (10de:1b80)' }],
  options: [
    { flags: '--group <n>', help: 'check group N as a whole (its endpoints are the targets)' },
    { flags: '--strict', help: 'warnings block too (exit 1)' },
    { flags: '--expect <file>', help: "the targets of a pin file (iommu-groups pin): blocked when a pinned device is another one, moved, or its group's members changed" },
    { flags: '--emit <kind>', help: 'print only the VM configuration for a ready request: libvirt <hostdev> XML, QEMU -device arguments, or a Proxmox qm set line', choices: EMIT_KINDS },
    { flags: '--x-vga', help: "with --emit qemu|proxmox: x-vga for a VGA-class target (the guest's primary GPU)" },
    { flags: '--vmid <id>', help: 'with --emit proxmox: the VM id (default: the word VMID to replace); its etc/pve/qemu-server/ID.conf, where readable, sets free hostpciN indices' },
    { flags: '--domain <name>', help: 'with --emit libvirt: the domain whose etc/libvirt/qemu/NAME.xml, where readable, sets free controller indices' },
  ],
  formats: REPORT_FORMATS,
  about: `Outcomes, per group the targets touch and for the request (the worst of them):
  ready    every other member is already VFIO-safe: libvirt (managed='yes') or
           Proxmox can take the targets now; binding by hand is optional
  steps    other members must leave host drivers first: the steps in order,
           with what the host loses; never a device the host needs
  blocked  driver moves cannot make it work (no IOMMU, a bridge target, a
           member the host needs: chipset, its disk, its default-route NIC);
           says what would change it
  unknown  a fact that decides it could not be read: which, and how to get it
Codes (stable, in JSON and plain output): docs/codes.md.`,
  examples: [
    'iommu-groups check 01:00.0',
    'iommu-groups check 01:00.0 01:00.1     a GPU and its audio function together',
    'iommu-groups check 10de:1b80 --strict',
    "iommu-groups check --group 21 --format json | jq -r '.plan.required[].line'",
    'iommu-groups check 01:00.0 02:00.0 --format plain',
    'iommu-groups check 05:00.0 05:00.1 --emit libvirt      <hostdev> XML for virsh edit',
    'iommu-groups check 05:00.0 05:00.1 --emit proxmox --vmid 101',
    'iommu-groups check --expect /etc/iommu-groups/win11.json   before the VM starts (see docs/fleet.md)',
  ],
  exits: [
    ['ok', 'ready'],
    ['failed', 'blocked (with --strict: or a warning)'],
    ['steps', 'ready after steps'],
    ['unknown', 'unknown: a fact that decides the outcome could not be read'],
  ],
  usageExit: 'usage or environment error (bad option, address, id or device; --root)',
  complete: 'addresses',
  run: async (ctx, args, opts) => (await import('./run.js')).runCheck(ctx, args[0] as string[], opts),
};
