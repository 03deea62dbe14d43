// `tree` output: an ASCII tree like `lspci -t` (three characters per level, so scripts can read
// the depth), and the same graph as Graphviz DOT with one cluster per group.
import type { ChalkInstance } from 'chalk';
import type { TreeNode, TreeView } from '../analyse/views/tree-view.js';
import { namesOf } from '../analyse/views/list-view.js';
import type { PciIds } from '../model/pci-ids.js';
import { idPair, sriovMark } from './format.js';
import { cutName, plainLength, wrapWords } from './fit.js';
import { visible } from './safe-text.js';

const PALETTE = ['cyan', 'magenta', 'blue', 'green', 'yellow'] as const;

function label(n: TreeNode, ids: PciIds | null): string {
  const names = namesOf(n.device, ids);
  const what = [names.className, [names.vendorName, names.deviceName].filter((x) => x !== null).join(' ')].filter((x) => x).join(': ');
  return `${what ? visible(what) + ' ' : ''}[${idPair(n.device)}]`;
}

export function renderTreeText(v: TreeView, ids: PciIds | null, c: ChalkInstance, width: number | null = null): string {
  const out: string[] = [];
  const line = (n: TreeNode, prefix: string, last: boolean) => {
    const d = n.device;
    const g = d.group;
    const colour = g === null ? c.red : c[PALETTE[g % PALETTE.length]!];
    const tag = g === null ? c.red.bold('NO-GROUP') : colour(`g${g}${n.groupStart ? '*' : ''}`);
    const head = `${prefix}${last ? '\\- ' : '+- '}${d.name}`;
    const iso = n.isolation;
    // Where the kernel's groups overrule the rules, the verdict word says so even when cut short.
    const by = iso?.kernel === 'differs' ? ' by kernel groups' : '';
    const isoText = !iso ? null : iso.result === 'pass' ? `isolates${by} (${iso.why})` : iso.result === 'fail' ? `DOES NOT ISOLATE${by} (${iso.why})` : `isolation unknown (${visible(iso.why)})`;
    const paintIso = (t: string) => (iso?.result === 'fail' ? c.yellow(t) : t);
    const begins = n.groupStart && n.groupMembers.length > 1 ? `<- group ${g} begins: ${n.groupMembers.join(' ')}` : null;
    // SR-IOV: "sriov=pf 2/7" on a PF (VFs enabled / most), "sriov=vf of 0000:01:00.0" on a VF.
    const mark = sriovMark(d);
    const sriov = mark === null ? null : mark.startsWith('vf ') ? `sriov=vf of ${mark.slice(3)}` : `sriov=${mark}`;
    const compose = (lab: string, isoT: string | null, beg: string | null) =>
      [head, tag, lab, `driver=${visible(d.driver ?? '-')}`, ...(sriov === null ? [] : [sriov]), ...(isoT === null ? [] : [paintIso(isoT)]), ...(beg === null ? [] : [colour(beg)])].join('  ');
    const full = label(n, ids);
    let text = compose(full, isoText, begins);
    if (width !== null && plainLength(text) > width) {
      // Fit: the description gives way first (keeping its [id]), then the list of group members,
      // then the reason a bridge does or does not isolate (its verdict word stays).
      const short = begins === null ? null : `<- group ${g} begins`;
      const isoWord = isoText === null ? null : isoText.replace(/ \(.*$/, '');
      // The first that keeps at least the [id] of the description; else the first that fits at all.
      const tries = [[isoText, begins], [isoText, short], [isoWord, short], [isoWord, null], [null, null]] as const;
      const fits = tries.map(([isoT, beg]) => {
        const room = width - plainLength(compose('', isoT, beg));
        return { room, text: compose(room >= 13 ? cutName(full, room) : '', isoT, beg) };
      });
      // The verdict word outranks the description: dropping it is the last resort.
      text = (fits.slice(0, -1).find((f) => f.room >= 13 && plainLength(f.text) <= width) ?? fits.find((f) => plainLength(f.text) <= width) ?? fits.at(-1)!).text;
    }
    out.push(text);
    n.children.forEach((ch, i) => line(ch, prefix + (last ? '   ' : '|  '), i === n.children.length - 1));
  };
  for (const hb of v.hostBridges) {
    out.push(c.bold(`${hb.name} (host bridge, domain ${hb.domain.split(':')[0]})`));
    hb.children.forEach((n, i) => line(n, '', i === hb.children.length - 1));
  }
  const legend = 'g<N>* first device of group N in the tree; NO-GROUP: no IOMMU group (not isolated); "DOES NOT ISOLATE": a bridge or port that fails the kernel\'s ACS test';
  out.push('', ...(width === null ? [legend] : wrapWords(legend, width, 0, 0)));
  return out.join('\n') + '\n';
}

/** A DOT string of one or more lines: controls made visible, backslash and quote escaped. */
function q(...lines: string[]): string {
  return `"${lines.map((l) => visible(l).replace(/\\/g, '\\\\').replace(/"/g, '\\"')).join('\\n')}"`;
}

export function renderTreeDot(v: TreeView, ids: PciIds | null): string {
  const out = ['digraph pci {', '  rankdir=LR;', '  node [shape=box, fontname="monospace", fontsize=10];'];
  const clusters = new Map<number, string[]>();
  const loose: string[] = [];
  const edges: string[] = [];
  const visit = (n: TreeNode, parent: string) => {
    const d = n.device;
    const style = n.isolation?.result === 'fail' ? ', color=orange, penwidth=2' : d.group === null ? ', color=red, penwidth=2' : '';
    const mark = sriovMark(d);
    const lines = [d.name, label(n, ids), `driver=${d.driver ?? '-'}`, ...(mark === null ? [] : [`sriov=${mark}`])];
    if (n.isolation?.result === 'fail') lines.push('DOES NOT ISOLATE');
    if (d.group === null) lines.push('NO GROUP');
    const node = `    ${q(d.name)} [label=${q(...lines)}${style}];`;
    if (d.group === null) loose.push(node);
    else (clusters.get(d.group) ?? clusters.set(d.group, []).get(d.group)!).push(node);
    edges.push(`  ${q(parent)} -> ${q(d.name)};`);
    n.children.forEach((ch) => visit(ch, d.name));
  };
  for (const hb of v.hostBridges) {
    out.push(`  ${q(hb.name)} [shape=ellipse];`);
    hb.children.forEach((n) => visit(n, hb.name));
  }
  for (const [g, nodes] of [...clusters].sort((a, b) => a[0] - b[0])) {
    out.push(`  subgraph cluster_group_${g} {`, `    label=${q(`group ${g}`)};`, '    style=rounded;', ...nodes, '  }');
  }
  out.push(...loose.map((l) => l.slice(2)), ...edges, '}');
  return out.join('\n') + '\n';
}
