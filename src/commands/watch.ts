// `watch`: read the root again every --interval seconds and print what changed, as text lines or
// JSON lines. Ends cleanly (exit 0) on SIGINT or SIGTERM (signals come through the Io).
import { changeText, diffModels } from '../analyse/views/watch-diff.js';
import { EXIT, UsageError } from '../errors.js';
import { readModel } from '../read/read-model.js';
import { safeJson, visible } from '../render/safe-text.js';
import type { Io } from '../io.js';
import { resolveRoot, type CommonOptions } from './common.js';

export interface WatchOptions extends Omit<CommonOptions, 'format'> {
  interval: string;
  format?: 'plain' | 'json';
}

export async function runWatch(opts: WatchOptions, io: Io): Promise<number> {
  const secs = Number(opts.interval);
  if (!/^[0-9]*\.?[0-9]+$/.test(opts.interval) || !(secs >= 0.05) || secs > 86400) {
    throw new UsageError(`--interval ${opts.interval}: not a number of seconds from 0.05 to 86400`, 'e.g. --interval 2 or --interval 0.5');
  }
  const root = resolveRoot(opts as CommonOptions, io);
  const json = opts.format === 'json';
  let prev = readModel(root);
  const stamp = () => new Date().toISOString();
  const pci = prev.devices.filter((d) => d.pci !== null).length;

  // The stop signal is taken before the first line is printed: a Ctrl-C the moment that line
  // shows ends the watch cleanly too (after it, a signal could land before the handler did).
  let timer: NodeJS.Timeout | null = null;
  let finish: (code: number) => void = () => {};
  const ended = new Promise<number>((resolve) => (finish = resolve));
  let off = () => {};
  let unwatch = () => {};
  const end = () => {
    if (timer !== null) clearInterval(timer);
    off();
    unwatch();
    finish(EXIT.OK);
  };
  off = io.onStopSignal?.(end) ?? off;
  // `watch | head -1`: the reader gone while nothing changes ends the watch too, at once.
  unwatch = io.onOutputClosed?.(end) ?? unwatch;

  if (json) io.out(safeJson({ time: stamp(), kind: 'start', root, groups: prev.groups.length, pciFunctions: pci, devices: prev.devices.length }, 0) + '\n');
  else io.out(`${stamp()} watching ${visible(root)}: ${prev.groups.length} groups, ${pci} PCI functions (${prev.devices.length} devices on all buses; every ${secs} s; Ctrl-C ends)\n`);
  timer = setInterval(() => {
    const next = readModel(root);
    const t = stamp();
    for (const c of diffModels(prev, next)) io.out(json ? safeJson({ time: t, ...c }, 0) + '\n' : `${t} ${visible(changeText(c))}\n`);
    prev = next;
  }, secs * 1000);
  return ended;
}
