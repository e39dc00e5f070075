// Runs the real CLI and kill -9s it after a chosen delay, for crash tests.
import { spawnCli } from './cli.ts';

export type KilledRun = {
  /** True when SIGKILL ended the process; false when it exited on its own before the kill. */
  killed: boolean;
  code: number | null;
  elapsedMs: number;
  stdout: string;
  stderr: string;
};

/**
 * Spawns `lifeboat ARGS`, sends SIGKILL `delayMs` after the spawn (if it is still running) and
 * resolves once it has exited, with what actually happened: a process that finished first is
 * reported as not killed, judged by its exit signal rather than by whether the kill was sent.
 */
export function runCliKilledAfter(args: string[], delayMs: number, opts: { dataDir: string }): Promise<KilledRun> {
  const started = performance.now();
  const child = spawnCli(args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdin!.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', code, elapsedMs: performance.now() - started, stdout, stderr });
    });
  });
}

/** A uniformly random delay in [lo, hi) milliseconds. */
export function randomDelay(lo: number, hi: number): number {
  return lo + Math.random() * (hi - lo);
}

/**
 * Spawns `lifeboat ARGS`, polls `when()` every millisecond or so while it runs, and sends SIGKILL
 * `afterMs` after `when()` first returns true: for kills that must land in one phase of a run
 * however fast or slow the machine is today. `triggeredAtMs` is when `when()` first held (after
 * the spawn), undefined if it never did; with `afterMs` Infinity it only measures that moment.
 */
export function runCliKilledWhen(args: string[], opts: { dataDir: string; when: () => boolean; afterMs: number }): Promise<KilledRun & { triggeredAtMs: number | undefined }> {
  const started = performance.now();
  const child = spawnCli(args, { dataDir: opts.dataDir });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdin!.end();
  let triggeredAtMs: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const poll = setInterval(() => {
    if (!opts.when()) return;
    clearInterval(poll);
    triggeredAtMs = performance.now() - started;
    if (Number.isFinite(opts.afterMs)) timer = setTimeout(() => child.kill('SIGKILL'), opts.afterMs);
  }, 1);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', triggeredAtMs, code, elapsedMs: performance.now() - started, stdout, stderr });
    });
  });
}
