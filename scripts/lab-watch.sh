#!/bin/sh
# watch against a live kernel: the script (not the tool) unbinds a device from vfio-pci and binds it
# back while `watch` runs, then sends SIGTERM. Runs inside the lab VM (not part of npm test):
#   ../shared/lab-vm/run-tool.sh q35-intel-vfio . /tmp/lab -- 'sh scripts/lab-watch.sh'
# As the unprivileged user the sysfs writes are refused, so watch must report nothing.
DEV=0000:02:00.0
W=$(mktemp -d)
node bin/iommu-groups.js watch --interval 0.5 --format json > "$W/out" 2> "$W/err" &
pid=$!
sleep 20
echo "$DEV" > /sys/bus/pci/drivers/vfio-pci/unbind 2>/dev/null; echo "unbind rc=$? at $(cut -d' ' -f1 /proc/uptime)"
sleep 10
echo "$DEV" > /sys/bus/pci/drivers/vfio-pci/bind 2>/dev/null; echo "bind rc=$? at $(cut -d' ' -f1 /proc/uptime)"
sleep 10
kill -TERM $pid; wait $pid; echo "watch rc=$? after SIGTERM"
echo "--- stdout"; cat "$W/out"; echo "--- stderr"; cat "$W/err"
ls -l /dev/vfio
rm -rf "$W"
