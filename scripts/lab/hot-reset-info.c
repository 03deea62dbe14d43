/* Ask the kernel what a VFIO hot reset (bus reset) of a device would reach:
 * VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, as QEMU does before resetting a function with no reset of
 * its own, and VFIO_DEVICE_FLAGS_RESET (whether a function reset worked when vfio-pci opened it).
 * Usage: hot-reset-info GROUP DEVICE (as root, with the group viable). It opens the group, sets a
 * type1 container, gets the device fd and asks; opening the device makes vfio-pci try a function
 * reset (as QEMU's open does); it asks for no hot reset. Lab only: scripts/lab/reset-scope.sh. */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char path[64];
	if (argc != 3) { fprintf(stderr, "usage: %s GROUP DEVICE\n", argv[0]); return 2; }
	int container = open("/dev/vfio/vfio", O_RDWR);
	snprintf(path, sizeof(path), "/dev/vfio/%s", argv[1]);
	int group = open(path, O_RDWR);
	if (container < 0 || group < 0) { printf("open: %s\n", strerror(errno)); return 1; }
	struct vfio_group_status st = { .argsz = sizeof(st) };
	ioctl(group, VFIO_GROUP_GET_STATUS, &st);
	printf("group %s viable=%d\n", argv[1], !!(st.flags & VFIO_GROUP_FLAGS_VIABLE));
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) < 0) { printf("SET_CONTAINER: %s\n", strerror(errno)); return 1; }
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0) { printf("SET_IOMMU: %s\n", strerror(errno)); return 1; }
	int dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, argv[2]);
	if (dev < 0) { printf("GET_DEVICE_FD: %s\n", strerror(errno)); return 1; }
	struct vfio_device_info info = { .argsz = sizeof(info) };
	ioctl(dev, VFIO_DEVICE_GET_INFO, &info);
	printf("%s VFIO_DEVICE_FLAGS_RESET=%d\n", argv[2], !!(info.flags & VFIO_DEVICE_FLAGS_RESET));
	size_t sz = sizeof(struct vfio_pci_hot_reset_info) + 32 * sizeof(struct vfio_pci_dependent_device);
	struct vfio_pci_hot_reset_info *hr = calloc(1, sz);
	hr->argsz = sz;
	if (ioctl(dev, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, hr) < 0) { printf("GET_PCI_HOT_RESET_INFO: %s\n", strerror(errno)); return 1; }
	printf("a hot reset of %s reaches %u devices:\n", argv[2], hr->count);
	for (unsigned i = 0; i < hr->count && i < 32; i++) {
		struct vfio_pci_dependent_device *d = &hr->devices[i];
		printf("  %04x:%02x:%02x.%x group %u\n", d->segment, d->bus, (d->devfn >> 3) & 0x1f, d->devfn & 7, d->group_id);
	}
	return 0;
}
