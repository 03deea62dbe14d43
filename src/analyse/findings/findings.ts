// Findings: what `host` and `check` report, each with a stable code (docs/codes.md).
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

