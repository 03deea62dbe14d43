// watch's formats: a line when it starts, and a line per change.
import { changeText, type Change } from '../../analyse/views/watch-diff.js';
import { safeJson, visible } from '../safe-text.js';

export interface WatchStart {
  root: string;
  groups: number;
  pciFunctions: number;
  devices: number;
  /** Seconds between readings. */
  every: number;
}

export interface WatchRenderer {
  start(time: string, s: WatchStart): string;
  change(time: string, c: Change): string;
}

export const WATCH_RENDERERS: Record<'plain' | 'json', WatchRenderer> = {
  plain: {
    start: (t, s) => `${t} watching ${visible(s.root)}: ${s.groups} groups, ${s.pciFunctions} PCI functions (${s.devices} devices on all buses; every ${s.every} s; Ctrl-C ends)\n`,
    change: (t, c) => `${t} ${visible(changeText(c))}\n`,
  },
  json: {
    start: (t, s) => safeJson({ time: t, kind: 'start', root: s.root, groups: s.groups, pciFunctions: s.pciFunctions, devices: s.devices }, 0) + '\n',
    change: (t, c) => safeJson({ time: t, ...c }, 0) + '\n',
  },
};
