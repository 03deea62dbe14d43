// What list --predict says besides the groups: that they are predicted, what could not be, what
// was assumed, and (with the IOMMU on) where the kernel's groups differ. Plain sentences, for the
// table and for stderr beside the machine formats.
import type { PredictedGroups } from '../analyse/grouping/predicted.js';
import type { ListView } from '../analyse/views/list-view.js';

type Prediction = Omit<PredictedGroups, 'model'>;

/** How to see the prediction, where list says there is no IOMMU. */
export const PREDICT_HINT = 'the groups the kernel will make once the IOMMU is on: iommu-groups list --predict (as root: it reads config space)';

/** The heading: what these groups are. */
export function predictionHeading(v: ListView): string {
  return predictionSummary(v.prediction!, new Set(v.groups.map((g) => g.group.id)).size, v.iommu.evidence);
}

/** What the predicted groups are: `groups` shown; `evidence` why no IOMMU is active (when none is). */
export function predictionSummary(p: Prediction, groups: number, evidence: readonly string[]): string {
  const unknown =
    (p.unknown.length === 0 ? '' : `; ${p.unknown.length} function${p.unknown.length === 1 ? '' : 's'} cannot be predicted`) +
    (p.noGroup.length === 0 ? '' : `; ${p.noGroup.length} function${p.noGroup.length === 1 ? '' : 's'} will get no group`);
  if (p.iommuActive) {
    const d = p.differences.length;
    return `Predicted groups (the kernel's rules on config space, beside the kernel's own groups): ${groups} shown${unknown}; ${d === 0 ? 'they agree with the kernel\'s groups' : `${d} function${d === 1 ? '' : 's'} grouped differently by the kernel`}.`;
  }
  return `Predicted groups, once the IOMMU is on (no active IOMMU now: ${evidence.join('; ')}): ${groups} shown${unknown}, from config space and the kernel's quirks; numbered in the order the kernel would make them${p.unknown.length > 0 ? ' (with functions unknown, only an order: the kernel\'s numbers can differ)' : ''}.`;
}

/** The details: each function that cannot be predicted and why, the assumptions, the differences. */
export function predictionDetails(v: ListView | Prediction): string[] {
  const p = 'prediction' in v ? v.prediction! : (v as Prediction);
  return [
    ...p.unknown.map((u) => `cannot predict ${u.device}: ${u.why}`),
    ...p.noGroup.map((u) => `${u.device} gets no group: ${u.why}`),
    ...p.notes,
    ...p.differences.map((d) => `${d.device}: the kernel grouped it with ${d.kernel.join(', ') || 'nothing'}; the rules predict ${d.predicted.join(', ') || 'nothing'}`),
  ];
}
