// What a command may touch of the process: argv, environment, stdout/stderr, signals. main.ts
// fills it from `process`; tests fill it themselves. Commands import it from here, not from cli.ts.
export interface Io {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdoutIsTTY: boolean;
  /** Columns of the terminal stdout is (process.stdout.columns); undefined when not a terminal. */
  columns?: number;
  platform: NodeJS.Platform;
  out(s: string): void;
  err(s: string): void;
  version: string;
  /** Call `stop` on SIGINT or SIGTERM (for watch); returns a function that removes the handlers. */
  onStopSignal?(stop: () => void): () => void;
  /**
   * Call `closed` when the reader of stdout goes away while nothing is being written (watch, which
   * may print nothing for hours); returns a function that stops looking. Absent: not detectable.
   */
  onOutputClosed?(closed: () => void): () => void;
}
