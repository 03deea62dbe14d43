// slots' formats.
import type { SlotsView } from '../../analyse/views/slots-view.js';
import type { ReportFormat } from '../format.js';
import type { Renderers } from '../renderer.js';
import { field, safeJson, visible } from '../safe-text.js';
import { SCHEMA_VERSION } from '../json.js';
import { wrapWords } from '../fit.js';

const heading = (v: SlotsView) => (v.predicted ? 'Physical slots, with the groups predicted for when the IOMMU is on (it is off):' : 'Physical slots and the groups cards in them get:');

export const SLOTS_RENDERERS: Renderers<ReportFormat, SlotsView> = {
  table: {
    inlineIssues: false,
    // Its heading says the IOMMU is off (the groups are then predicted).
    saysNoIommu: true,
    render: async (v, env) => {
      const c = await env.chalk();
      if (v.slots === null) return { out: 'sys/bus/pci/slots is unreadable: the physical slots are not known\n' };
      if (v.slots.length === 0) return { out: 'No physical slots in sys/bus/pci/slots (the firmware or the hotplug driver names none)\n' };
      const lines = v.slots.map((s) => {
        const word = s.verdict.padEnd(7);
        const mark = s.verdict === 'own' ? c.green(word) : c.yellow(word);
        const head = `  ${visible(s.slot.name).padEnd(6)} ${(s.slot.address ?? '?').padEnd(12)} below ${(s.slot.bridge ?? '?').padEnd(12)} `;
        // The text wraps under a hanging indent on a terminal; in full otherwise.
        const text = env.width === null ? [visible(s.text)] : wrapWords(visible(s.text), env.width, head.length + word.length + 1, 4);
        return `${c.bold(head)}${mark} ${text.join('\n')}`;
      });
      const title = env.width === null ? heading(v) : wrapWords(heading(v), env.width, 0, 2).join('\n');
      return { out: `${c.bold(title)}\n${lines.join('\n')}\n` };
    },
  },
  json: {
    inlineIssues: true,
    render: (v, env) => ({
      out:
        safeJson({
          schemaVersion: SCHEMA_VERSION,
          command: 'slots',
          root: env.root,
          predicted: v.predicted,
          slots: v.slots?.map((s) => ({ name: s.slot.name, address: s.slot.address, bridge: s.slot.bridge, functions: s.functions, group: s.group, verdict: s.verdict, text: s.text, errors: s.slot.errors })) ?? null,
        }) + '\n',
    }),
  },
  plain: {
    inlineIssues: false,
    render: (v) => ({ out: (v.slots ?? []).map((s) => [field(s.slot.name), field(s.slot.address), field(s.slot.bridge), s.functions.join(',') || '-', s.group === null ? '-' : String(s.group), s.verdict, field(s.text)].join('\t') + '\n').join('') }),
  },
};
