// The small error hierarchy: known conditions carry a message, a hint and an exit code and are
// printed as one line without a stack. Anything else is a bug and keeps its stack.

/** Exit codes, documented in README.md "Exit codes". */
export const EXIT = {
  OK: 0,
  /** A filter (--device, --group, ...) matched nothing. */
  NO_MATCH: 1,
  /** host: an item fails; check: blocked. */
  FAILED: 1,
  /** Bad usage or environment: unknown option, bad address, missing --root, unreadable --pci-ids. */
  USAGE: 2,
  /** No active IOMMU on the host (list, buses). */
  NO_IOMMU: 3,
  /** check: ready after steps (other group members must leave host drivers first). */
  STEPS: 4,
  /** check: a fact that decides the outcome could not be read. */
  UNKNOWN: 5,
  /** An internal error: a bug, reported with its stack. */
  INTERNAL: 70,
} as const;

export class AppError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: number;
  constructor(message: string, options: { hint?: string; exitCode?: number } = {}) {
    super(message);
    this.name = 'AppError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? EXIT.USAGE;
  }
}

export class UsageError extends AppError {
  constructor(message: string, hint?: string) {
    super(message, { hint, exitCode: EXIT.USAGE });
    this.name = 'UsageError';
  }
}
