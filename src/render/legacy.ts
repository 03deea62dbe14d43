// The widely pasted output of the classic shell loop (Arch wiki):
//   for g in /sys/kernel/iommu_groups/* (numeric order); echo "IOMMU Group N:";
//   for d in $g/devices/*; echo -e "\t$(lspci -nns ${d##*/})"
// e.g. "\t01:00.0 Ethernet controller [0200]: Intel Corporation 82574L Gigabit Network Connection [8086:10d3]"
// Byte-identical to that loop on the same tree and pci.ids (tested against lspci). Like lspci,
// the domain is printed only when some PCI device on the host has a non-zero domain; a member that
// is not a PCI function prints as an empty line after the tab, as lspci prints nothing for it.
import type { ListView, MemberView } from '../analyse/views/list-view.js';
import { lspciClassText, lspciDeviceText, type PciIds } from '../model/pci-ids.js';
import { hex } from '../model/pci-address.js';
import { visible } from './safe-text.js';

export function renderListLegacy(v: ListView, ids: PciIds | null, showDomains: boolean): string {
  const out: string[] = [];
  for (const g of v.groups) {
    out.push(`IOMMU Group ${g.group.id}:\n`);
    // The loop sees only the group's devices/ links, not devices whose own link alone names it.
    for (const m of g.members) if (m.ref.seenIn !== 'device') out.push(`\t${lspciLine(m, ids, showDomains)}\n`);
  }
  return out.join('');
}

function lspciLine(m: MemberView, ids: PciIds | null, showDomains: boolean): string {
  const p = m.device?.pci;
  if (!p || p.class === null || p.vendor === null || p.device === null) return '';
  const slot = `${showDomains ? hex(p.domain, 4) + ':' : ''}${hex(p.bus, 2)}:${hex(p.slot, 2)}.${p.function}`;
  let line = `${slot} ${lspciClassText(ids, p.class)}: ${lspciDeviceText(ids, p.vendor, p.device)}`;
  if (p.revision) line += ` (rev ${hex(p.revision, 2)})`;
  return visible(line);
}
