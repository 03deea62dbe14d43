// list --format ids|addresses: text for pasting, printed only when it is safe to paste.
import type { ListView } from '../../analyse/views/list-view.js';
import { guardPaste, idsSafe } from '../../analyse/vfio/paste-guard.js';
import type { Context } from '../../cli/context.js';
import type { Result } from '../../cli/exit.js';
import type { Model } from '../../model/types.js';
import { shownEndpoints } from '../../render/ids.js';
import type { ListRenderer } from '../../render/views/list.js';
import { afterOutput } from './run.js';

/**
 * ids and addresses are pasted (vfio-pci.ids=, driverctl, scripts): an id another device shares is
 * never printed, and a selected device the host needs is named on stderr, both with exit 1.
 */
export function pasteOutput(ctx: Context, model: Model, view: ListView, r: Extract<ListRenderer, { scope: 'paste' }>, text: string): Result {
  const g = guardPaste(model, shownEndpoints(view), r.paste);
  const say = (s: string) => ctx.say(s);
  let code: Result = 'ok';
  if (r.paste === 'ids' && !idsSafe(g)) {
    for (const s of g.shared) say(`not printing ids: ${s.id} is also the id of ${s.others.join(', ')}, outside the selection; vfio-pci.ids=${s.id} would take ${s.others.length === 1 ? 'it' : 'them'} too at the next boot`);
    if (g.othersUnreadable.length > 0) say(`not printing ids: the id of ${g.othersUnreadable.join(', ')} is unreadable, so whether vfio-pci.ids= would take ${g.othersUnreadable.length === 1 ? 'it' : 'them'} too cannot be told`);
    const addrs = shownEndpoints(view).map((d) => d.name);
    say(`bind by address instead, which moves single devices: ${addrs.map((a) => `sudo driverctl set-override ${a} vfio-pci`).join('; ')} (or write vfio-pci to each device's driver_override); iommu-groups check ${addrs.join(' ')} prints the whole plan`);
    code = 'failed';
  } else {
    ctx.out(text);
    if (g.selectedUnreadable.length > 0) say(`left out: the id of ${g.selectedUnreadable.join(', ')} is unreadable`);
  }
  for (const n of g.needed) say(`${n.device} is a device the host needs: ${n.reasons.join('; ')}`);
  for (const n of g.unknown) say(`${n.device}: ${n.reasons.join('; ')}`);
  if (g.needed.length > 0) code = 'failed';
  if (text === '' && view.iommu.active) {
    // An empty id list pasted into vfio-pci.ids= would bind nothing and say nothing: say it here.
    say('no endpoint among the devices shown (bridges are left out of ids and addresses)');
    return 'no-match';
  }
  const after = afterOutput(ctx, model, view, r);
  return after !== 'ok' ? after : code;
}
