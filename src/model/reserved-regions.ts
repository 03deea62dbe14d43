// Parser for an IOMMU group's reserved_regions attribute.
// One line per region, "0x%016llx 0x%016llx %s": start, INCLUSIVE end, type. Sample (q35-intel):
//   0x00000000fee00000 0x00000000feefffff msi
// May be empty (no-IOMMU groups). Lines that do not match are reported, never guessed.
import type { ReservedRegion } from './types.js';

const LINE = /^(0x[0-9a-fA-F]+)\s+(0x[0-9a-fA-F]+)\s+(\S+)$/;

export interface ParsedRegions {
  regions: ReservedRegion[];
  /** 1-based numbers of lines that could not be parsed. */
  badLines: number[];
}

export function parseReservedRegions(text: string): ParsedRegions {
  const regions: ReservedRegion[] = [];
  const badLines: number[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const m = LINE.exec(line);
    if (m) regions.push({ start: m[1]!.toLowerCase(), end: m[2]!.toLowerCase(), type: m[3]! });
    else badLines.push(i + 1);
  });
  return { regions, badLines };
}
