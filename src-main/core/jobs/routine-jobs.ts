import fs from 'node:fs/promises';
import path from 'node:path';
import type { Lifeboat } from '../lifeboat.ts';
import type { Manifest } from '../repository/manifest.ts';
import { openLiveReadonly, removeSqliteFiles, sqliteFactsInWorker } from '../sources/sqlite-source.ts';
import { scratchName } from '../util/scratch-files.ts';

/** Results the health verdict reads later, kept in the catalog's kv table as JSON. */
export const KV = {
  quickVerify: 'verify.quick.last',
  deepVerify: 'verify.deep.last',
  drill: 'drill.last',
  sourceError: (name: string) => `source.${name}.lastError`,
  sourceUnchanged: (name: string) => `source.${name}.lastUnchangedAt`,
  installedAt: 'installedAt',
  lastSeenAlive: 'agent.lastSeenAlive',
  schedule: (id: string) => `schedule.${id}.lastRun`,
} as const;

export function kvJson<T>(lb: Lifeboat, key: string): T | undefined {
  const v = lb.catalog.get(key);
  return v === undefined ? undefined : (JSON.parse(v) as T);
}

/**
 * Backs up every source that changed (skipping unchanged ones), source by source; records per-source errors
 * and "unchanged" times for the health verdict. Never throws for one source's problem.
 */
export async function backupChanged(lb: Lifeboat, reason: string, only?: string[]): Promise<{ snapshots: Manifest[]; skipped: string[]; errors: Array<{ source: string; error: string }> }> {
  const out = { snapshots: [] as Manifest[], skipped: [] as string[], errors: [] as Array<{ source: string; error: string }> };
  for (const src of lb.settings.sources.filter((s) => !only || only.includes(s.name))) {
    try {
      const r = await lb.backup({ source: src.name, reason, skipUnchanged: true });
      out.snapshots.push(...r.snapshots);
      if (r.skipped.length) lb.catalog.set(KV.sourceUnchanged(src.name), JSON.stringify(new Date().toISOString()));
      out.skipped.push(...r.skipped);
      lb.catalog.set(KV.sourceError(src.name), 'null');
    } catch (err) {
      const message = (err as Error).message;
      out.errors.push({ source: src.name, error: message });
      lb.catalog.set(KV.sourceError(src.name), JSON.stringify({ time: new Date().toISOString(), message }));
    }
  }
  return out;
}

/** Quick or deep verify of every snapshot, with the result kept for the health verdict. */
export async function verifyAll(lb: Lifeboat, deep: boolean, signal?: AbortSignal): Promise<{ ok: boolean; damaged: string[] }> {
  const time = new Date().toISOString();
  try {
    const r = await lb.verify({ all: true, deep, signal });
    const damaged = r.snapshots.filter((s) => !s.ok).map((s) => s.id);
    lb.catalog.set(deep ? KV.deepVerify : KV.quickVerify, JSON.stringify({ time, ok: r.ok, damaged }));
    return { ok: r.ok, damaged };
  } catch (err) {
    // An interrupted check found nothing wrong: it is simply not done, and the last result stands.
    if (!signal?.aborted) lb.catalog.set(deep ? KV.deepVerify : KV.quickVerify, JSON.stringify({ time, ok: false, error: (err as Error).message }));
    throw err;
  }
}

/**
 * The weekly restore drill: restores the latest snapshot of each source to a scratch file, checks it (the
 * restore itself checks every chunk, the whole-file checksum, quick_check and row counts), and removes it.
 */
export async function restoreDrill(lb: Lifeboat, signal?: AbortSignal): Promise<{ ok: boolean; results: Array<{ source: string; ok: boolean; error?: string }> }> {
  const results: Array<{ source: string; ok: boolean; error?: string }> = [];
  const dir = path.join(lb.dataDir, 'tmp');
  await fs.mkdir(dir, { recursive: true });
  for (const src of lb.settings.sources) {
    signal?.throwIfAborted();
    const target = path.join(dir, scratchName(`drill-${src.name}`));
    try {
      if (src.kind === 'mysql' || src.kind === 'postgres') {
        // A dump is drilled by restoring it into a scratch database on its server (verify by restore).
        const latest = await lb.resolveSnapshot('latest', src.name);
        const report = await lb.verify({ ids: [latest.id], deep: true, signal });
        if (!report.ok) throw new Error(report.snapshots.flatMap((v) => v.problems).join('; ') || 'verify by restore failed');
      } else {
        await lb.restore({ ref: 'latest', source: src.name, to: target });
      }
      results.push({ source: src.name, ok: true });
    } catch (err) {
      results.push({ source: src.name, ok: false, error: (err as Error).message });
    } finally {
      if (src.kind === 'sqlite') await removeSqliteFiles(target);
      else await fs.rm(target, { recursive: true, force: true });
    }
  }
  const ok = results.every((r) => r.ok);
  const failed = results.filter((r) => !r.ok);
  lb.catalog.set(KV.drill, JSON.stringify({ time: new Date().toISOString(), ok, ...(ok ? {} : { error: failed.map((f) => `${f.source}: ${f.error}`).join('; ') }) }));
  return { ok, results };
}

/**
 * quick_check of every live SQLite source (after an unclean shutdown, or when power comes back), on a
 * worker thread: a 500 MB check takes about a second, and the agent's UPS polls must not wait for it.
 */
export async function checkSources(lb: Lifeboat): Promise<Array<{ source: string; ok: boolean; message: string }>> {
  const out: Array<{ source: string; ok: boolean; message: string }> = [];
  for (const s of lb.settings.sources.filter((x) => x.kind === 'sqlite')) {
    try {
      openLiveReadonly(s.path, 10_000).close(); // rolls back a hot journal left by a crashed writer, if any
      const facts = await sqliteFactsInWorker(s.path, 'live');
      out.push({ source: s.name, ok: facts.quickCheck === 'ok', message: facts.quickCheck === 'ok' ? 'quick_check ok' : facts.quickCheck.slice(0, 300) });
    } catch (err) {
      out.push({ source: s.name, ok: false, message: (err as Error).message });
    }
  }
  return out;
}
