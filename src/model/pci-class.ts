// Named device classes for --class, by PCI class code (base class 0xBB, subclass 0xSS).
export const CLASS_FILTERS = {
  gpu: { text: 'display controllers (0x03xx: VGA, XGA, 3D, other)', match: (c: number) => c >> 16 === 0x03 },
  net: { text: 'network controllers (0x02xx)', match: (c: number) => c >> 16 === 0x02 },
  storage: { text: 'mass storage controllers (0x01xx: SATA, NVMe, SCSI, ...)', match: (c: number) => c >> 16 === 0x01 },
  usb: { text: 'USB controllers (0x0c03)', match: (c: number) => c >> 8 === 0x0c03 },
  audio: { text: 'audio devices (0x0401, 0x0403)', match: (c: number) => c >> 8 === 0x0403 || c >> 8 === 0x0401 },
  bridge: { text: 'bridges (0x06xx: host, ISA, PCI-to-PCI, ...)', match: (c: number) => c >> 16 === 0x06 },
  serial: { text: 'communication controllers (0x07xx)', match: (c: number) => c >> 16 === 0x07 },
  multimedia: { text: 'multimedia controllers (0x04xx)', match: (c: number) => c >> 16 === 0x04 },
  crypto: { text: 'encryption controllers (0x10xx)', match: (c: number) => c >> 16 === 0x10 },
  accelerator: { text: 'processing accelerators (0x12xx)', match: (c: number) => c >> 16 === 0x12 },
} as const;

export type ClassFilterName = keyof typeof CLASS_FILTERS;

export function isClassFilterName(s: string): s is ClassFilterName {
  return Object.prototype.hasOwnProperty.call(CLASS_FILTERS, s);
}

/** PCI-to-PCI and CardBus bridges: header type 1 or 2, or by class when the header is unknown. */
export function isBridgeClass(cls: number): boolean {
  const sub = cls >> 8;
  return sub === 0x0604 || sub === 0x0607 || sub === 0x0609;
}
