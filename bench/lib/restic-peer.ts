// restic as a peer: the same database file backed up into a restic repository (v2: encrypted, compressed).
import fs from 'node:fs';
import path from 'node:path';
import { WORK } from './config.ts';
import { duBytes, run, runOk, settle } from './proc.ts';

export interface Restic { ms: number; cpuMs: number; duAdded: number; dataAdded?: number; finished?: boolean }

export const resticEnv = (): NodeJS.ProcessEnv => ({ ...process.env, RESTIC_PASSWORD: 'x', RESTIC_CACHE_DIR: path.join(WORK, 'restic-cache') });

/** A new, empty restic repository at `repo` (anything there before is removed). */
export async function resticInit(repo: string): Promise<void> {
  fs.rmSync(repo, { recursive: true, force: true });
  await runOk('restic', ['init', '--repo', repo], { env: resticEnv() });
}

/** One timed `restic backup FILE`; a run killed by `timeoutMs` comes back with finished: false. */
export async function resticBackup(repo: string, file: string, timeoutMs = 60 * 60_000): Promise<Restic> {
  const du0 = duBytes(repo);
  settle();
  const r = await run('restic', ['-r', repo, 'backup', file, '--json', '--host', 'bench'], { env: resticEnv(), timeoutMs });
  if (r.timedOut) return { ms: r.ms, cpuMs: r.cpuMs, duAdded: duBytes(repo) - du0, finished: false };
  if (r.code !== 0) throw new Error(`restic backup failed: ${r.stderr.trim().slice(0, 1000)}`);
  const summary = r.stdout.trim().split('\n').map((l) => { try { return JSON.parse(l) as { message_type?: string; data_added?: number }; } catch { return {}; } })
    .find((o) => o.message_type === 'summary');
  return { ms: r.ms, cpuMs: r.cpuMs, duAdded: duBytes(repo) - du0, dataAdded: summary?.data_added, finished: true };
}
