// `watch`: read the root again every --interval seconds and print what changed, as text lines or
// JSON lines. Ends cleanly (exit 0) on SIGINT or SIGTERM (signals come through the Io).
import { diffModels } from '../../analyse/views/watch-diff.js';
import type { Context } from '../../cli/context.js';
import type { Result } from '../../cli/exit.js';
import { UsageError } from '../../errors.js';
import { readModel } from '../../read/read-model.js';
import { WATCH_RENDERERS } from '../../render/views/watch.js';

export interface WatchOptions {
  interval: string;
  format?: 'plain' | 'json';
}

export async function runWatch(ctx: Context, opts: WatchOptions): Promise<Result> {
  const io = ctx.io;
  const secs = Number(opts.interval);
  if (!/^[0-9]*\.?[0-9]+$/.test(opts.interval) || !(secs >= 0.05) || secs > 86400) {
    throw new UsageError(`--interval ${opts.interval}: not a number of seconds from 0.05 to 86400`, 'e.g. --interval 2 or --interval 0.5');
  }
  const root = ctx.root();
  const r = WATCH_RENDERERS[opts.format ?? 'plain'];
  let prev = readModel(root);
  const stamp = () => new Date().toISOString();
  const pci = prev.devices.filter((d) => d.pci !== null).length;

  // The stop signal is taken before the first line is printed: a Ctrl-C the moment that line
  // shows ends the watch cleanly too (after it, a signal could land before the handler did).
  let timer: NodeJS.Timeout | null = null;
  let finish: (r: Result) => void = () => {};
  const ended = new Promise<Result>((resolve) => (finish = resolve));
  let off = () => {};
  let unwatch = () => {};
  const end = () => {
    if (timer !== null) clearInterval(timer);
    off();
    unwatch();
    finish('ok');
  };
  off = io.onStopSignal?.(end) ?? off;
  // `watch | head -1`: the reader gone while nothing changes ends the watch too, at once.
  unwatch = io.onOutputClosed?.(end) ?? unwatch;

  io.out(r.start(stamp(), { root, groups: prev.groups.length, pciFunctions: pci, devices: prev.devices.length, every: secs }));
  timer = setInterval(() => {
    const next = readModel(root);
    const t = stamp();
    for (const c of diffModels(prev, next)) io.out(r.change(t, c));
    prev = next;
  }, secs * 1000);
  return ended;
}
