// Where does a first snapshot's time go? Runs each stage of backupSource (sources/sqlite-source.ts,
// engine/chunker.ts, repository/*) on its own, in this process, with the engine's own functions, so the
// stages can be compared with each other and with the end-to-end run. Warm page cache, like everything here.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { copySqliteConsistent, sqliteFacts, tableCounts, removeSqliteFiles } from '../../src-main/core/sources/sqlite-source.ts';
import { Repository } from '../../src-main/core/repository/repository.ts';
import { backupSource } from '../../src-main/core/engine/backup.ts';
import type { SourceConfig } from '../../src-main/core/settings/settings-types.ts';

export interface Phases {
  bytes: number;
  chunkSize: number;
  encrypted: boolean;
  ms: Record<string, number>;
  note: string;
}

function timed<T>(ms: Record<string, number>, name: string, fn: () => T): T {
  const t0 = performance.now();
  const r = fn();
  ms[name] = (ms[name] ?? 0) + performance.now() - t0;
  return r;
}

async function timedAsync<T>(ms: Record<string, number>, name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  ms[name] = (ms[name] ?? 0) + performance.now() - t0;
  return r;
}

/**
 * Measures the stages of a first snapshot of `db` with `chunkSize` chunks, then the whole backupSource()
 * end to end (engine only, no CLI process), in `work` (removed afterwards).
 */
export async function measurePhases(db: string, work: string, chunkSize: number, passphrase: string | null): Promise<Phases> {
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const ms: Record<string, number> = {};
  const copy = path.join(work, 'copy.db');
  try {
    await timedAsync(ms, 'copy (backup API, one step)', () => copySqliteConsistent(db, copy));
    const h = new Database(copy, { readonly: true, fileMustExist: true });
    try {
      timed(ms, 'quick_check', () => h.pragma('quick_check'));
      timed(ms, 'row counts', () => tableCounts(h));
    } finally {
      h.close();
    }
    // An alternative to the scratch file: sqlite3_serialize of the live database (one read transaction, in memory).
    const live = new Database(db, { readonly: true, fileMustExist: true });
    try {
      timed(ms, 'alternative: serialize() to memory instead of copying', () => live.serialize().length);
    } finally {
      live.close();
    }
    timed(ms, 'sqliteFacts (quick_check + row counts, as the engine calls it)', () => sqliteFacts(copy, 'wal'));
    const data = timed(ms, 'read copy', () => fs.readFileSync(copy));
    const repo = await Repository.init(path.join(work, 'repo'), { chunkSize, passphrase });
    await repo.loadIndex();
    const chunks: Buffer[] = [];
    for (let o = 0; o < data.length; o += chunkSize) chunks.push(data.subarray(o, Math.min(o + chunkSize, data.length)));
    timed(ms, `chunk ids (${passphrase ? 'HMAC-SHA256' : 'SHA-256'} per chunk)`, () => { for (const c of chunks) repo.codec.id(c); });
    timed(ms, 'whole-file SHA-256', () => crypto.createHash('sha256').update(data).digest());
    const zopts = { params: { [zlib.constants.ZSTD_c_compressionLevel]: 3 } };
    const compressed = timed(ms, 'zstd -3 per chunk (zstdCompressSync only)', () => chunks.map((c) => zlib.zstdCompressSync(c, zopts)));
    const z1opts = { params: { [zlib.constants.ZSTD_c_compressionLevel]: 1 } };
    const z1 = timed(ms, 'alternative: zstd -1 per chunk', () => chunks.map((c) => zlib.zstdCompressSync(c, z1opts)));
    const encoded = timed(ms, `encode per chunk (zstd + ${passphrase ? 'AES-GCM' : 'crc32'} + framing)`, () => chunks.map((c) => repo.codec.encode(c)));
    const writer = repo.newPackWriter();
    await timedAsync(ms, 'pack writing (16 MiB packs, fsync each)', async () => {
      let i = 0;
      for (const e of encoded) await writer.add(String(i++).padStart(64, '0'), 'data', e, chunkSize);
      await writer.flush();
    });
    const stored = encoded.reduce((n, e) => n + e.length, 0);
    const zBytes = compressed.reduce((n, e) => n + e.length, 0);
    ms['(stored bytes)'] = stored;
    ms['(zstd bytes)'] = zBytes;
    ms['(zstd -1 bytes)'] = z1.reduce((n, e) => n + e.length, 0);
    fs.rmSync(path.join(work, 'repo'), { recursive: true, force: true });

    // The real thing, end to end, for comparison with the sum of the stages.
    const repo2 = await Repository.init(path.join(work, 'repo2'), { chunkSize, passphrase });
    const source: SourceConfig = { name: 'office', kind: 'sqlite', path: db };
    await timedAsync(ms, 'backupSource() end to end (engine, in process)', () => backupSource(repo2, source, { reason: 'bench', tmpDir: path.join(work, 'tmp') }));
    return {
      bytes: data.length, chunkSize, encrypted: !!passphrase, ms,
      note: 'each stage timed alone on one thread (warm page cache); the engine overlaps some of them (compression on worker threads, quick_check in a worker), so the stages add up to more than the end-to-end time',
    };
  } finally {
    await removeSqliteFiles(copy);
    fs.rmSync(work, { recursive: true, force: true });
  }
}
