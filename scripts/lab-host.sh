#!/bin/sh
# Live host and VM-configuration checks in the lab guest
# (../shared/lab-vm/run-tool.sh q35-intel-vfio . OUT -- 'sh scripts/lab-host.sh'): the virtualization
# items virt-host-validate checks (the guest has no /dev/kvm: host must say so), iommufd and VFIO
# cdevs, the boot-loader step, and check --emit, as root and as uid 1000.
T="node --import ./test/trap-fs.mjs bin/iommu-groups.js"
echo "=== host --format plain"
$T host --format plain
echo "=== rc=$?"
echo "=== host (table): boot step and verdict"
$T host --format table --color never | tail -12
echo "=== rc=$?"
for k in libvirt qemu proxmox; do
  echo "=== check 0b:01.0 0b:02.0 --emit $k"
  $T check 0b:01.0 0b:02.0 --emit $k
  echo "=== rc=$?"
done
echo "=== check 00:1f.2 --emit qemu (blocked: nothing on stdout)"
$T check 00:1f.2 --emit qemu
echo "=== rc=$?"
echo "=== dev nodes as the guest has them"
ls -l /dev/kvm /dev/vhost-net /dev/net/tun /dev/iommu 2>&1; ls /dev/vfio /dev/vfio/devices 2>&1
