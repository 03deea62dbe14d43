// Findings: what `host` and `check` report, each with a stable code (README "Pre-flight codes").
import type { FindingCode } from './finding-codes.js';
export type Status = 'ok' | 'info' | 'warn' | 'fail' | 'unknown';

export interface Finding {
  code: FindingCode;
  status: Status;
  /** What it is about: a device address, "group 21", "kernel command line". */
  subject: string;
  message: string;
  /** What was read to decide (paths and values). */
  evidence: string[];
}

/** Worst first: a fail outranks an unknown, which outranks a warning. */
export const STATUS_RANK: Record<Status, number> = { fail: 4, unknown: 3, warn: 2, info: 1, ok: 0 };

export function worst(statuses: readonly Status[]): Status {
  let w: Status = 'ok';
  for (const s of statuses) if (STATUS_RANK[s] > STATUS_RANK[w]) w = s;
  return w;
}

export function finding(code: FindingCode, status: Status, subject: string, message: string, evidence: string[] = []): Finding {
  return { code, status, subject, message, evidence };
}

/** "6.1.0-56-amd64" >= 5.19? null when the release is unknown or unparsable. */
export function kernelAtLeast(release: string | null, major: number, minor: number): boolean | null {
  const m = release === null ? null : /^(\d+)\.(\d+)/.exec(release);
  if (!m) return null;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > major || (a === major && b >= minor);
}

/** The value of a kernel parameter on the command line (last one wins), or null. */
export function cmdlineParam(cmdline: string | null, key: string): string | null {
  return cmdlineValues(cmdline, key).at(-1) ?? null;
}

/** Every value a kernel parameter has on the command line, in order (before a "--"). */
export function cmdlineValues(cmdline: string | null, key: string): string[] {
  if (cmdline === null) return [];
  const norm = (k: string) => k.replace(/_/g, '-');
  const values: string[] = [];
  const words = cmdline.split(/\s+/);
  const end = words.indexOf('--');
  for (const w of end === -1 ? words : words.slice(0, end)) {
    const i = w.indexOf('=');
    const k = i === -1 ? w : w.slice(0, i);
    if (norm(k) === norm(key)) values.push(i === -1 ? '' : w.slice(i + 1));
  }
  return values;
}

/** Kernel and module boolean parameters: 1, y, Y, on, true. */
export function truthy(v: string | null | undefined): boolean {
  return v !== null && v !== undefined && /^(1|y|yes|on|true)$/i.test(v);
}
