import { createRequire } from 'node:module';

// cli-progress ships no type declarations: the little used here is typed locally.
interface SingleBar {
  start(total: number, startValue: number, payload?: Record<string, unknown>): void;
  update(value: number, payload?: Record<string, unknown>): void;
  stop(): void;
}
interface CliProgress {
  SingleBar: new (options: Record<string, unknown>, preset?: unknown) => SingleBar;
  Presets: { shades_classic: unknown };
}
const require = createRequire(import.meta.url);

export interface ProgressBar {
  /** Starts the bar at the first call, moves it afterwards; `payload` fills the format's other `{fields}`. */
  update(done: number, total: number, payload?: Record<string, unknown>): void;
  /** Stops the bar if it was started. */
  stop(): void;
}

/** A progress bar on stderr (cli-progress, `format` with `{bar}`, `{percentage}`, `{value}`, `{total}`…), for a terminal only. */
export function progressBar(format: string): ProgressBar {
  const cliProgress = require('cli-progress') as CliProgress;
  const bar = new cliProgress.SingleBar({ format, stream: process.stderr, hideCursor: true, clearOnComplete: false }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(done, total, payload) {
      if (!started) {
        bar.start(total, done, payload);
        started = true;
      } else bar.update(done, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
