#!/bin/bash
# The classic IOMMU-group listing loop (Arch wiki), pointed at a root: the reference that
# `iommu-groups list --format legacy` must match byte for byte. Usage: classic-loop.sh ROOT [PCI_IDS]
# Runs one lspci per device, each rescanning the bus: cost grows with the square of the devices.
root=${1:?usage: classic-loop.sh ROOT [PCI_IDS]}
ids=${2:+-i $2}
shopt -s nullglob
export LC_ALL=C
for g in $(find "$root/sys/kernel/iommu_groups/" -mindepth 1 -maxdepth 1 -type d | sort -V); do
    echo "IOMMU Group ${g##*/}:"
    for d in "$g"/devices/*; do
        echo -e "\t$(lspci -A linux-sysfs -O sysfs.path="$root/sys/bus/pci" -O hwdb.disable=1 $ids -nns "${d##*/}" 2>/dev/null)"
    done
done
