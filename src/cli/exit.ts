// The one place where what a command found becomes an exit code (README "Exit codes"), and the
// "Exit codes:" block of each command's --help, written from the same table.
import { EXIT } from '../errors.js';

/** What a command ends with. */
export type Result = 'ok' | 'no-match' | 'failed' | 'usage' | 'no-iommu' | 'steps' | 'unknown';

const CODE: Record<Result, number> = {
  ok: EXIT.OK,
  'no-match': EXIT.NO_MATCH,
  failed: EXIT.FAILED,
  usage: EXIT.USAGE,
  'no-iommu': EXIT.NO_IOMMU,
  steps: EXIT.STEPS,
  unknown: EXIT.UNKNOWN,
};

export function exitCode(r: Result): number {
  return CODE[r];
}

/** check's request outcome as a result: ready 0, blocked 1, steps 4, unknown 5. */
export function outcomeResult(outcome: 'ready' | 'blocked' | 'steps' | 'unknown'): Result {
  return outcome === 'ready' ? 'ok' : outcome === 'blocked' ? 'failed' : outcome;
}

/** A row of a command's exit-code help: the result, or a code with no result of its own (70). */
export type ExitRow = readonly [Result | 'internal', string];

export const NO_IOMMU_EXIT: ExitRow = ['no-iommu', 'no active IOMMU (what can be shown is still printed)'];
export const NO_MATCH_EXIT: ExitRow = ['no-match', 'the filters together matched nothing (a value naming nothing: 2)'];
const USAGE_TEXT = 'usage or environment error (bad option, address, id or group; --root without sys/)';
const INTERNAL_EXIT: ExitRow = ['internal', 'internal error (a bug: please report it with the stack trace)'];

/** The "Exit codes:" block: a command's own rows, then 2 (in its own words, if it has them) and 70, which every command has. */
export function exitHelp(own: readonly ExitRow[], usage: string = USAGE_TEXT): string {
  const code = (r: ExitRow[0]) => (r === 'internal' ? EXIT.INTERNAL : CODE[r]);
  const rows: ExitRow[] = [...own, ['usage', usage], INTERNAL_EXIT];
  return `\nExit codes:\n${rows
    .map(([r, t]) => [code(r), t] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([c, t]) => `  ${String(c).padEnd(3)} ${t}`)
    .join('\n')}`;
}
