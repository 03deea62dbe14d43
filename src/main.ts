// Process glue: wires the CLI to process.*, ends quietly on a closed stdout, and keeps
// `--version` from loading anything it does not need (start-up matters in pipelines).
import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import { EXIT } from './errors.js';

/** Set by the single-file bundle (scripts/bundle.mjs), which has no package.json beside it. */
declare const __IOMMU_GROUPS_VERSION__: string | undefined;

function version(): string {
  if (typeof __IOMMU_GROUPS_VERSION__ === 'string') return __IOMMU_GROUPS_VERSION__;
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * V8 doubles the young generation up to 2 x 16 MiB while the readers build the model (most of
 * what they allocate survives into it): the largest part of peak memory. Kept at its start
 * size, `list --format json` at 4,096 functions peaks at ~85 MiB instead of ~113 on Node 20, and
 * runs no slower (npm run bench). V8 reads this flag each time the space would grow, so setting
 * it after start-up takes effect. Only on the engines known to define it (V8 <= 12: Node 20 and
 * 22; an engine without it would print "unrecognized flag"); later ones keep their default.
 */
function keepYoungGenerationSmall(): void {
  const major = Number(process.versions.v8.split('.')[0]);
  if (major >= 11 && major <= 12) v8.setFlagsFromString('--semi-space-growth-factor=1');
}

const WRITE_ERRORS: Record<string, string> = {
  ENOSPC: ' (no space left on the device)',
  EDQUOT: ' (disk quota exceeded)',
  EIO: ' (input/output error)',
  EFBIG: ' (file too large)',
  EROFS: ' (read-only file system)',
  EBADF: ' (stdout is closed)',
};

/**
 * A pipe's writer learns that its reader left only when it writes. For an idle writer (watch), GNU
 * tail does the looking: `tail -f` on a pipe whose reader closed ends (coreutils 8.28+ polls its
 * stdout). It runs with our stdout, reads /dev/null and writes nothing; when it ends on its own,
 * the reader is gone. Where stdout is no pipe, or there is no such tail, nothing is looked at.
 */
function outputClosed(closed: () => void): () => void {
  let fifo = false;
  try {
    fifo = fs.fstatSync(1).isFIFO();
  } catch {
    return () => {};
  }
  if (!fifo) return () => {};
  let stopping = false;
  let child: import('node:child_process').ChildProcess | null = null;
  void import('node:child_process').then(({ spawn }) => {
    if (stopping) return;
    // --pid: it ends with us too, so it never holds the pipe open after we are gone.
    child = spawn('tail', ['-s', '0.2', `--pid=${process.pid}`, '-f', '/dev/null'], { stdio: ['ignore', 1, 'ignore'] });
    child.on('error', () => {}); // no tail: not detectable here
    // GNU tail raises SIGPIPE on itself when the pipe has no reader; any other end (a tail that does
    // not know these options, as BusyBox's) says nothing about the reader.
    child.on('exit', (_code, signal) => {
      if (!stopping && signal === 'SIGPIPE') closed();
    });
    child.unref();
  });
  return () => {
    stopping = true;
    child?.kill();
  };
}

export async function main(): Promise<void> {
  const argv = process.argv;
  // A reader that went away (`| head -1`) is not an error: stop writing, keep the exit code.
  // Any other failed write (a full disk, EIO) is one line on stderr and exit 2, never a stack.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    try {
      fs.writeSync(2, `iommu-groups: cannot write the output: ${err.code ?? err.message}${WRITE_ERRORS[err.code ?? ''] ?? ''}\n`);
    } catch {
      // stderr is gone too: the exit code says it
    }
    process.exit(EXIT.USAGE);
  });
  if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V')) {
    process.stdout.write(version() + '\n');
    return;
  }
  keepYoungGenerationSmall();
  const { run } = await import('./cli.js');
  try {
    process.exitCode = await run({
      argv,
      env: process.env,
      stdoutIsTTY: process.stdout.isTTY === true,
      ...(process.stdout.isTTY && process.stdout.columns ? { columns: process.stdout.columns } : {}),
      platform: process.platform,
      out: (s) => void process.stdout.write(s),
      err: (s) => void process.stderr.write(s),
      version: version(),
      onOutputClosed: outputClosed,
      onStopSignal: (stop) => {
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
        return () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        };
      },
    });
  } catch (err) {
    // Not an AppError: a bug. Keep the stack so it can be reported.
    process.stderr.write(`iommu-groups: internal error (please report): ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = EXIT.INTERNAL;
  }
}
