// The careful admin as a peer: `sqlite3 .backup` then `zstd -3` of the copy, and back with `zstd -d` plus
// `PRAGMA quick_check`. What Lifeboat's first snapshot and restore are held against.
import fs from 'node:fs';
import { secs } from './format.ts';
import { run, runOk, settle } from './proc.ts';

export interface Peer { ms: number; cpuMs?: number; parts: Record<string, number>; bytes?: number; finished?: boolean; note?: string }

/**
 * sqlite3 ".backup COPY" then zstd -3 of the copy. With `timeoutMs` (under a writer), a run that is killed or
 * fails comes back with finished: false and a note; without it a failure throws.
 */
export async function peerBackup(db: string, copy: string, timeoutMs?: number): Promise<Peer> {
  for (const f of [copy, `${copy}.zst`]) fs.rmSync(f, { force: true });
  settle();
  const b = await run('sqlite3', [db, `.backup ${copy}`], { timeoutMs });
  if (b.timedOut) return { ms: b.ms, parts: { 'sqlite3 .backup': b.ms }, finished: false, note: `killed after ${secs(b.ms)}` };
  if (b.code !== 0) {
    // Under a writer the sqlite3 shell can give up (rollback mode: "database is locked"): that is a result.
    if (timeoutMs !== undefined) return { ms: b.ms, parts: { 'sqlite3 .backup': b.ms }, finished: false, note: `failed after ${secs(b.ms)}: ${b.stderr.trim().split('\n')[0]}` };
    throw new Error(`sqlite3 .backup failed: ${b.stderr}`);
  }
  const z = await runOk('zstd', ['-3', '-q', '-f', copy, '-o', `${copy}.zst`]);
  return { ms: b.ms + z.ms, cpuMs: b.cpuMs + z.cpuMs, parts: { 'sqlite3 .backup': b.ms, 'zstd -3': z.ms }, bytes: fs.statSync(`${copy}.zst`).size, finished: true };
}

/** zstd -d of the compressed copy, then PRAGMA quick_check; throws unless the check says ok. */
export async function peerRestore(zst: string, out: string): Promise<Peer> {
  fs.rmSync(out, { force: true });
  settle();
  const d = await runOk('zstd', ['-d', '-q', '-f', zst, '-o', out]);
  const q = await runOk('sqlite3', [out, 'PRAGMA quick_check']);
  if (q.stdout.trim() !== 'ok') throw new Error(`quick_check of the peer's restored copy: ${q.stdout.trim().slice(0, 300)}`);
  return { ms: d.ms + q.ms, cpuMs: d.cpuMs + q.cpuMs, parts: { 'zstd -d': d.ms, 'sqlite3 quick_check': q.ms } };
}
