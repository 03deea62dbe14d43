// `watch`: read the root again every --interval seconds and print what changed, as text lines or
// JSON lines. Ends cleanly (exit 0) on SIGINT or SIGTERM (signals come through the Io).
import { changeText, diffModels } from '../analyse/watch-diff.js';
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
  if (json) io.out(safeJson({ time: stamp(), kind: 'start', root, groups: prev.groups.length, pciFunctions: pci, devices: prev.devices.length }, 0) + '\n');
  else io.out(`${stamp()} watching ${visible(root)}: ${prev.groups.length} groups, ${pci} PCI functions (${prev.devices.length} devices on all buses; every ${secs} s; Ctrl-C ends)\n`);

  return new Promise<number>((resolve) => {
    const timer = setInterval(() => {
      const next = readModel(root);
      const t = stamp();
      for (const c of diffModels(prev, next)) io.out(json ? safeJson({ time: t, ...c }, 0) + '\n' : `${t} ${visible(changeText(c))}\n`);
      prev = next;
    }, secs * 1000);
    let off = () => {};
    const stop = () => {
      clearInterval(timer);
      off();
      resolve(EXIT.OK);
    };
    off = io.onStopSignal?.(stop) ?? off;
  });
}
