import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import { CorruptError, LifeboatError } from '../errors.ts';
import type { Repository } from '../repository/repository.ts';
import type { Manifest } from '../repository/manifest.ts';
import { isNotFound } from '../targets/target.ts';
import { decodeChunkList } from '../repository/chunk-list.ts';
import { removeSqliteFiles, tableCounts } from '../sources/sqlite-source.ts';
import { rebuildFile } from './rebuild.ts';
import { scratchName } from '../util/scratch-files.ts';

export interface SnapshotVerdict { id: string; source: string; time: string; ok: boolean; problems: string[] }
export interface VerifyReport { level: 'quick' | 'deep'; ok: boolean; snapshots: SnapshotVerdict[]; checkedChunks: number; damagedIndexFiles: string[] }

/**
 * Checks snapshots and names exactly which are damaged.
 * quick: every chunk (and chunk list) each snapshot needs is present and matches its checksum and id.
 * deep: also rebuilds every file, compares its whole-file SHA-256, and for SQLite runs integrity_check and
 * compares per-table row counts with the manifest.
 * Each pack is read once however many snapshots share it.
 */
export async function verifySnapshots(repo: Repository, ids: string[], opts: { deep: boolean; tmpDir: string; onProgress?: (done: number, total: number) => void; /** Packs whose whole content was just read back and matched its SHA-256 name (a drive copy): checked for presence and size only. */ trustedPacks?: ReadonlySet<string>; /** Deep checks of a database server's dump (verify by restore into a scratch database); without it, a dump is checked by its checksums only. */ dbCheck?: (m: Manifest, dumpFile: string) => Promise<string[]>; /** Stops between packs and between snapshots (throws the abort reason). */ signal?: AbortSignal }): Promise<VerifyReport> {
  const { damaged: damagedIndexFiles } = await repo.loadIndex();
  const blobProblem = new Map<string, string | null>();
  const verdicts: SnapshotVerdict[] = [];
  const manifests = new Map<string, Manifest>();
  const needs = new Map<string, Set<string>>(); // snapshot -> data chunk ids

  for (const id of ids) {
    const v: SnapshotVerdict = { id, source: '?', time: '?', ok: true, problems: [] };
    verdicts.push(v);
    try {
      const m = await repo.loadManifest(id);
      manifests.set(id, m);
      v.source = m.source.name;
      v.time = m.time;
      const set = new Set<string>();
      for (const f of m.files) {
        for (const [c] of f.chunks ?? []) set.add(c);
        for (const l of f.lists ?? []) {
          const problem = await checkOne(repo, l, blobProblem);
          if (problem) { v.problems.push(problem); continue; }
          for (const [c] of decodeChunkList(await repo.readBlob(l), `chunk list ${l.slice(0, 12)}`)) set.add(c);
        }
      }
      needs.set(id, set);
    } catch (err) {
      v.problems.push(err instanceof Error ? err.message : String(err));
    }
  }

  // Read pack by pack: sequential reads, each pack once.
  const byPack = new Map<string, string[]>();
  for (const set of needs.values()) for (const c of set) {
    if (blobProblem.has(c)) continue;
    const loc = repo.index.get(c);
    if (!loc) { blobProblem.set(c, `chunk ${c.slice(0, 12)} is missing from the index`); continue; }
    const list = byPack.get(loc.pack) ?? [];
    if (list.length === 0) byPack.set(loc.pack, list);
    list.push(c);
    blobProblem.set(c, null);
  }
  let done = 0;
  for (const [pack, blobs] of byPack) {
    opts.signal?.throwIfAborted();
    if (opts.trustedPacks?.has(pack)) {
      const size = await repo.target.stat({ kind: 'pack', name: pack }).then((s) => s.size, () => -1);
      for (const c of blobs) {
        const loc = repo.index.get(c)!;
        if (size < 0) blobProblem.set(c, `chunk ${c.slice(0, 12)}: its pack ${pack.slice(0, 12)} is missing`);
        else if (loc.offset + loc.length > size) blobProblem.set(c, `chunk ${c.slice(0, 12)}: pack ${pack.slice(0, 12)} is truncated`);
      }
      done += blobs.length;
      continue;
    }
    let data: Buffer | undefined;
    try {
      data = await repo.target.load({ kind: 'pack', name: pack });
    } catch (err) {
      // Only a pack that is not there is missing; a read error (EIO, a share gone, a dropped connection) is
      // not damage to record.
      if (!isNotFound(err)) throw new LifeboatError('failed', `cannot read pack ${pack.slice(0, 12)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); nothing was marked damaged`, { cause: err });
      for (const c of blobs) blobProblem.set(c, `chunk ${c.slice(0, 12)}: its pack ${pack.slice(0, 12)} is missing`);
    }
    if (data) {
      const packOk = crypto.createHash('sha256').update(data).digest('hex') === pack;
      for (const c of blobs) {
        const loc = repo.index.get(c)!;
        if (loc.offset + loc.length > data.length) { blobProblem.set(c, `chunk ${c.slice(0, 12)}: pack ${pack.slice(0, 12)} is truncated`); continue; }
        if (packOk) continue; // the whole pack matches its name, so every blob in it is as written
        try {
          repo.checkBlob(c, data.subarray(loc.offset, loc.offset + loc.length));
        } catch (err) {
          blobProblem.set(c, err instanceof Error ? err.message : String(err));
        }
      }
    }
    done += blobs.length;
    opts.onProgress?.(done, blobProblem.size);
  }

  const deepResults = new Map<string, string[]>();
  for (const v of verdicts) {
    const set = needs.get(v.id);
    if (set) {
      const bad = [...set].map((c) => blobProblem.get(c)).filter((p): p is string => !!p);
      if (bad.length) v.problems.push(`${bad.length} damaged or missing chunk(s), e.g. ${bad[0]}`);
    }
    if (opts.deep && v.problems.length === 0) {
      opts.signal?.throwIfAborted();
      // Snapshots of an unchanged source share their content: rebuild and check each distinct content once.
      const m = manifests.get(v.id)!;
      const key = JSON.stringify([m.source.kind, m.sqlite?.tables, m.files.map((f) => [f.path, f.type, f.size, f.sha256, f.chunks, f.lists])]);
      let found = deepResults.get(key);
      if (!found) deepResults.set(key, (found = await deepCheck(repo, m, opts.tmpDir, opts.dbCheck)));
      v.problems.push(...found);
    }
    v.ok = v.problems.length === 0;
  }
  await repo.closeFiles();
  return { level: opts.deep ? 'deep' : 'quick', ok: verdicts.every((v) => v.ok) && damagedIndexFiles.length === 0, snapshots: verdicts, checkedChunks: blobProblem.size, damagedIndexFiles };
}

async function checkOne(repo: Repository, id: string, cache: Map<string, string | null>): Promise<string | null> {
  if (!cache.has(id)) {
    try {
      await repo.readBlob(id);
      cache.set(id, null);
    } catch (err) {
      cache.set(id, err instanceof Error ? err.message : String(err));
    }
  }
  return cache.get(id) ?? null;
}

/** Rebuilds each file of a snapshot into tmpDir and checks it; returns the problems found. */
async function deepCheck(repo: Repository, m: Manifest, tmpDir: string, dbCheck?: (m: Manifest, dumpFile: string) => Promise<string[]>): Promise<string[]> {
  const problems: string[] = [];
  await fs.mkdir(tmpDir, { recursive: true });
  for (const f of m.files.filter((e) => e.type === 'file')) {
    const tmp = path.join(tmpDir, scratchName('verify', '.db'));
    try {
      await rebuildFile(repo, f, tmp);
      if (m.source.kind === 'sqlite' && m.sqlite) problems.push(...checkSqliteCopy(tmp, m));
      if ((m.source.kind === 'mysql' || m.source.kind === 'postgres') && dbCheck) problems.push(...(await dbCheck(m, tmp)));
    } catch (err) {
      // A database server that cannot be reached or refuses us says nothing about the snapshot: the check
      // fails, nothing is marked damaged.
      if (err instanceof LifeboatError && (err.code === 'unreachable' || err.code === 'auth' || err.code === 'bad-input')) throw err;
      problems.push(err instanceof CorruptError ? err.message : `${f.path}: ${(err as Error).message}`);
    } finally {
      await removeSqliteFiles(tmp);
    }
  }
  return problems;
}

/** integrity_check and row counts of a rebuilt database against its manifest. */
export function checkSqliteCopy(file: string, m: Manifest, check: 'integrity_check' | 'quick_check' = 'integrity_check'): string[] {
  const problems: string[] = [];
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const res = (db.pragma(check) as Array<Record<string, string>>).map((r) => Object.values(r)[0]).join('; ');
    if (res !== 'ok' && m.sqlite?.quickCheck === 'ok') problems.push(`${check} of the rebuilt database: ${res.slice(0, 300)}`);
    const counts = tableCounts(db);
    for (const [t, n] of Object.entries(m.sqlite?.tables ?? {})) {
      if (counts[t] !== n) problems.push(`table ${t} has ${counts[t] ?? 'no'} rows, the manifest says ${n}`);
    }
  } catch (err) {
    problems.push(`the rebuilt database cannot be read: ${(err as Error).message}`);
  } finally {
    db.close();
  }
  return problems;
}
