// `snapshot OUT`: what the tool reads from a root, copied for a bug report or another machine.
import type { Context } from '../../cli/context.js';
import type { Result } from '../../cli/exit.js';
import { visible } from '../../render/safe-text.js';
import { isTarball, takeSnapshot } from '../../snapshot/write-snapshot.js';

export async function runSnapshot(ctx: Context, out: string): Promise<Result> {
  const root = ctx.root();
  const r = await takeSnapshot(root, out);
  ctx.out(
    `snapshot: ${r.entries} entries (${r.files} files with content) from ${visible(root)} in ${visible(r.out)}` +
      `${r.unreadable.length ? `; ${r.unreadable.length} unreadable, listed in snapshot-meta/unreadable.txt and read as such from the snapshot` : ''}` +
      `${r.standIns.length ? `; ${r.standIns.length} device nodes stood in by empty files` : ''}\n` +
      `read it with: iommu-groups list --root ${isTarball(r.out) ? 'DIR (after: mkdir DIR && tar xzf ' + visible(r.out) + ' -C DIR)' : visible(r.out)}\n`,
  );
  return 'ok';
}
