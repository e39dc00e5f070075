// The headless agent as a real child process, for integration tests: start it, read its JSON log lines and
// the status file it publishes, and wait for conditions with a deadline.
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawnCli } from './cli.ts';

/** Polls `fn` every 200 ms until it gives a value (not undefined or false); rejects after `timeoutMs` naming `what`. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts `lifeboat agent [args]` on a data dir; its stdout and stderr are collected in log(). */
export function startAgent(dataDir: string, env?: NodeJS.ProcessEnv, args: string[] = []): { child: ChildProcess; log: () => string; exit: Promise<number | null> } {
  const child = spawnCli(['agent', ...args], { dataDir, ...(env ? { env } : {}) });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  return { child, log: () => out, exit };
}

/** The agent's JSON log lines, parsed. */
export function events(log: string): Array<Record<string, unknown>> {
  return log.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

export type StatusFile = { pid: number; power: Array<{ level: string }>; verdict: { level: string; reasons: Array<{ code: string; text: string; level: string }> }; jobs: Array<{ kind: string; state: string }> };

/** The status the agent with `pid` published (an older agent's file does not count). */
export function agentStatus(dataDir: string, pid?: number): StatusFile | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(dataDir, 'agent-status.json'), 'utf8')) as StatusFile;
    return pid === undefined || s.pid === pid ? s : undefined;
  } catch {
    return undefined;
  }
}
