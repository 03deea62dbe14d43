# MSI isolation, live: the tool's check and the kernel's answer (vfio-probe) for group of 0000:02:00.0.
d=/sys/bus/pci/devices/0000:02:00.0
modprobe vfio_iommu_type1 2>/dev/null; modprobe vfio-pci 2>/dev/null
if [ "$(id -u)" = 0 ] && [ "$(basename "$(readlink $d/driver)")" != vfio-pci ]; then
  echo vfio-pci > $d/driver_override; [ -e $d/driver ] && echo 0000:02:00.0 > $d/driver/unbind
  echo 0000:02:00.0 > /sys/bus/pci/drivers_probe
fi
g=$(basename "$(readlink $d/iommu_group)")
echo "=== /proc/interrupts MSI chips:"; grep -oE '(IR-)?PCI-MSI[A-Z]*|DMAR-MSI|IR-IO-APIC' /proc/interrupts | sort | uniq -c
echo "=== check 02:00.0"; node /opt/tool/bin/iommu-groups.js check 02:00.0 --format table --wide; echo "rc=$?"
echo "=== host (interrupt remapping)"; node /opt/tool/bin/iommu-groups.js host --format plain | grep -E 'INTERRUPT|UNSAFE'
echo "=== vfio-probe $g"; /opt/tool/.tmp/vfio-probe $g 0000:02:00.0; echo "rc=$?"
dmesg | grep -i "interrupt remapping" | tail -3
