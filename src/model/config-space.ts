// Decoding of the standard header of a PCI function's `config` attribute.
// Offsets (PCI Local Bus spec): 0x00 vendor (16), 0x02 device (16), 0x08 revision, 0x09 prog-if,
// 0x0a subclass, 0x0b base class, 0x0e header type (bit 7 = multifunction, 6:0 layout:
// 0 normal, 1 PCI-to-PCI bridge, 2 CardBus). Non-root reads get the first 64 bytes only.

export const HEADER_TYPE_OFFSET = 0x0e;
export const REVISION_OFFSET = 0x08;

export interface HeaderFacts {
  headerType: number;
  multifunctionBit: boolean;
  revision: number;
}

/** Null when the buffer is too short or reads all-ones (the device is gone). */
export function parseHeader(config: Buffer): HeaderFacts | null {
  if (config.length < 0x10) return null;
  if (config.readUInt32LE(0) === 0xffffffff) return null;
  const ht = config[HEADER_TYPE_OFFSET]!;
  return { headerType: ht & 0x7f, multifunctionBit: (ht & 0x80) !== 0, revision: config[REVISION_OFFSET]! };
}
