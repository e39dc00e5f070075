import fs from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import crypto from 'node:crypto';
import { LifeboatError, explainFsError, isErrno } from '../errors.ts';

/**
 * Locks that a crash cannot leave behind. Each holder writes its own file in `dir` naming its host, pid and
 * the pid's start time; a lock whose process is gone (or whose pid was reused by another process) is stale
 * and removed by the next taker. A lock from another host (a shared USB drive or NAS) counts as stale once it
 * has not been refreshed for `foreignStaleMs`; holders refresh it while they work.
 *
 * Shared locks coexist with each other; an exclusive lock excludes everything. Take the lock, do the work,
 * call release() in a finally. release() may be called twice.
 */
export interface LockInfo { kind: 'shared' | 'exclusive'; purpose: string; host: string; pid: number; pidStart: string; created: string; updated: string }
export interface HeldLock { file: string; release(): Promise<void> }

const FOREIGN_STALE_MS = 30 * 60 * 1000;
// Lock files this process released but could not delete (a drive pulled mid-operation): not ours any more.
const releasedHere = new Set<string>();
const REFRESH_MS = 60 * 1000;

/** The start time of a process (Linux: /proc/PID/stat field 22), to tell a live holder from a reused pid. */
export function processStart(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

export function isProcessAlive(pid: number, pidStart: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (isErrno(err, 'ESRCH')) return false;
  }
  if (pidStart === '') return true;
  const now = processStart(pid);
  return now === '' || now === pidStart;
}

export function isStale(info: LockInfo, nowMs = Date.now(), file?: string): boolean {
  if (file && info.pid === process.pid && releasedHere.has(path.resolve(file))) return true;
  if (info.host === os.hostname()) return !isProcessAlive(info.pid, info.pidStart);
  return nowMs - Date.parse(info.updated) > FOREIGN_STALE_MS;
}

/** Lists the live locks in `dir`, removing stale ones (and unreadable ones older than a minute). */
export async function liveLocks(dir: string): Promise<Array<LockInfo & { file: string }>> {
  const out: Array<LockInfo & { file: string }> = [];
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return out;
    throw err;
  }
  // Temp files of a writer killed between write and rename: at once when their process is gone, else after a
  // minute (a live writer renames its temp file within milliseconds).
  for (const name of names.filter((n) => n.endsWith('.tmp'))) {
    const st = await fs.stat(path.join(dir, name)).catch(() => undefined);
    const pid = Number(/\.(\d+)\.[0-9a-f]+\.lock(?:\.[0-9a-f]+)?\.tmp$/.exec(name)?.[1] ?? NaN);
    const deadOwner = Number.isInteger(pid) && !isProcessAlive(pid, '');
    if (st && (deadOwner || Date.now() - st.mtimeMs > 60_000)) await fs.rm(path.join(dir, name), { force: true }).catch(() => {});
  }
  for (const name of names.filter((n) => n.endsWith('.lock'))) {
    const file = path.join(dir, name);
    let info: LockInfo;
    try {
      info = JSON.parse(await fs.readFile(file, 'utf8')) as LockInfo;
    } catch {
      // A lock being written right now is briefly empty: it counts as held (exclusive, to be safe). One that
      // stays unreadable for a minute is debris from a crash.
      const st = await fs.stat(file).catch(() => undefined);
      if (!st) continue;
      const pid = Number(/\.(\d+)\.[0-9a-f]+\.lock$/.exec(name)?.[1] ?? NaN);
      const deadOwner = Number.isInteger(pid) && !isProcessAlive(pid, '');
      if (deadOwner || Date.now() - st.mtimeMs > 60_000) await fs.rm(file, { force: true }).catch(() => {});
      else out.push({ kind: 'exclusive', purpose: 'a lock being written', host: '?', pid: 0, pidStart: '', created: new Date(st.mtimeMs).toISOString(), updated: new Date(st.mtimeMs).toISOString(), file });
      continue;
    }
    if (isStale(info, Date.now(), file)) await fs.rm(file, { force: true }).catch(() => {});
    else out.push({ ...info, file });
  }
  return out;
}

/**
 * Takes a lock in `dir`, waiting up to `waitMs` for conflicting holders to finish. Throws a 'busy'
 * LifeboatError naming the holder when it cannot. `name` groups locks: only locks with the same name conflict.
 */
export async function acquireLock(dir: string, opts: { name: string; kind: 'shared' | 'exclusive'; purpose: string; waitMs?: number }): Promise<HeldLock> {
  await fs.mkdir(dir, { recursive: true }).catch((err: unknown) => { throw explainFsError(err, dir); });
  const deadline = Date.now() + (opts.waitMs ?? 0);
  const now = new Date().toISOString();
  const info: LockInfo = { kind: opts.kind, purpose: opts.purpose, host: os.hostname(), pid: process.pid, pidStart: processStart(process.pid), created: now, updated: now };
  const file = path.join(dir, `${opts.name}.${opts.kind}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.lock`);
  for (let attempt = 0; ; attempt++) {
    // Written aside and renamed: a reader never sees an empty or half-written lock, even after a kill -9.
    const tmp = `${file}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(info)).then(() => fs.rename(tmp, file)).catch(async (err: unknown) => {
      await fs.rm(tmp, { force: true }).catch(() => {});
      throw explainFsError(err, dir);
    });
    const others = (await liveLocks(dir)).filter((l) => l.file !== file && path.basename(l.file).startsWith(`${opts.name}.`));
    const conflict = others.find((l) => opts.kind === 'exclusive' || l.kind === 'exclusive');
    if (!conflict) break;
    await fs.rm(file, { force: true });
    if (Date.now() >= deadline) {
      throw new LifeboatError('busy', `busy: ${conflict.purpose} (pid ${conflict.pid} on ${conflict.host}, since ${conflict.created}) holds the lock; try again when it has finished`);
    }
    // Two takers that collide both back off; random waits make one of them win the next round.
    await new Promise((r) => setTimeout(r, 50 + Math.random() * Math.min(1000, 50 * 2 ** attempt)));
  }
  const timer = setInterval(() => {
    info.updated = new Date().toISOString();
    // By rename: a reader must never see the lock file empty or half-written.
    const tmp = `${file}.${crypto.randomBytes(3).toString('hex')}.tmp`;
    fs.writeFile(tmp, JSON.stringify(info)).then(() => fs.rename(tmp, file)).catch(() => fs.rm(tmp, { force: true }).catch(() => {}));
  }, REFRESH_MS);
  timer.unref();
  let released = false;
  return {
    file,
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      releasedHere.add(path.resolve(file));
      // A lock on a drive that was pulled cannot be deleted; it is released all the same, and must not hide
      // the error that ended the operation.
      await fs.rm(file, { force: true }).catch(() => {});
    },
  };
}
