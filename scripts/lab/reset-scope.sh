# Lab VM only (needs root in the guest): what the tool says about resets vs what the kernel says.
# gcc -static -O2 -o .tmp/hot-reset-info scripts/lab/hot-reset-info.c
# ../shared/lab-vm/run-tool.sh q35-intel-vfio . OUT -- "sh scripts/lab/reset-scope.sh"
set -u
H=/opt/tool/.tmp/hot-reset-info
bind() { for d in "$@"; do echo vfio-pci > /sys/bus/pci/devices/$d/driver_override; [ -e /sys/bus/pci/devices/$d/driver ] && echo $d > /sys/bus/pci/devices/$d/driver/unbind; echo $d > /sys/bus/pci/drivers_probe; echo "$d -> $(basename $(readlink /sys/bus/pci/devices/$d/driver))"; done; }
echo "=== before: tool's reset lines"
for a in 0000:0b:01.0 0000:02:00.0 0000:05:00.1; do node bin/iommu-groups.js check $a --format table 2>&1 | grep -E "RESET|reset"; done
for d in 0000:0b:01.0 0000:0b:02.0 0000:02:00.0 0000:05:00.0 0000:05:00.1; do echo "$d reset_method=$(cat /sys/bus/pci/devices/$d/reset_method 2>&1)"; done
if [ "$(id -u)" = 0 ]; then
  bind 0000:0b:02.0 0000:05:00.1 0000:05:00.0
  echo "=== kernel: group 21"
  $H 21 0000:0b:01.0
  $H 21 0000:0b:02.0
  echo "=== kernel: group 14"
  $H 14 0000:02:00.0
  echo "=== kernel: group 17"
  $H 17 0000:05:00.1
  $H 17 0000:05:00.0
  echo "=== after binding: tool"
  for a in 0000:0b:01.0 0000:05:00.1; do node bin/iommu-groups.js check $a --format table 2>&1 | grep -E "RESET|reset|READY|BLOCK"; done
fi
