import fs from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import crypto from 'node:crypto';
import { LifeboatError, explainFsError } from '../errors.ts';
import type { Repository } from '../repository/repository.ts';
import type { FileEntry, Manifest } from '../repository/manifest.ts';
import { acquireLock } from '../locks/process-lock.ts';
import { assertSqliteFile, copySqliteConsistent, journalModeOf, pageSizeOf, removeSqliteFiles, sqliteFacts, sqliteFactsInWorker, sqliteFingerprint } from '../sources/sqlite-source.ts';
import { folderFingerprint, walkFolder } from '../sources/folder-source.ts';
import { parseDbUrl } from '../sources/db-url.ts';
import { dumpDatabase } from '../sources/db-dump.ts';
import { chunkStream } from './chunk-stream.ts';
import type { SourceConfig } from '../settings/settings-types.ts';
import { BlobSink, chunkFile } from './chunker.ts';
import { EncodePool } from './encode-pool.ts';
import { decodeChunkList } from '../repository/chunk-list.ts';
import { removeDeadScratch, scratchName } from '../util/scratch-files.ts';

export interface Progress { phase: string; done: number; total: number }

export interface BackupOptions {
  reason: string;
  /** The newest earlier snapshot of this source, to recognise an unchanged source without reading it. */
  previous?: Manifest;
  /** Folder for the temporary consistent copy of a SQLite database (same disk as the data dir). */
  tmpDir: string;
  /** When the source is unchanged since `previous`, write nothing and return null (scheduled and emergency runs). */
  skipUnchanged?: boolean;
  /** Database servers: the password (from the secret store or the environment). */
  dbPassword?: string;
  onProgress?: (p: Progress) => void;
}

// A fingerprint is trusted only when every mtime in it is this much older than the previous snapshot's start:
// a write after that start would then have left a newer mtime.
const RACY_MARGIN_MS = 2000;

/**
 * Takes one snapshot of `source` into `repo` and returns its manifest, which is durable when this returns.
 * Order: chunks into packs (fsync, rename), then the index naming them, then the manifest: a crash at any
 * point leaves no snapshot or a complete one. On failure everything this run wrote is removed.
 * Returns null only with `skipUnchanged`, for a source unchanged since `previous`.
 */
export async function backupSource(repo: Repository, source: SourceConfig, opts: BackupOptions): Promise<Manifest | null> {
  const started = Date.now();
  const time = new Date(started).toISOString();
  const lock = await acquireLock(path.join(repo.dir, 'locks'), { name: 'repo', kind: 'shared', purpose: `backup of ${source.name}`, waitMs: 10 * 60_000 });
  const writer = repo.newPackWriter();
  let pool: EncodePool | undefined;
  const tmpFiles: string[] = [];
  let indexed = false;
  try {
    // Worker threads pay off only for sources big enough to keep them busy.
    if (await approximateSize(source) >= PARALLEL_FROM_BYTES) pool = new EncodePool(repo.keys);
    const sink = new BlobSink(repo, writer, pool);
    await repo.loadIndex();
    // Debris of runs that were killed: scratch copies here and half-written packs in the repository.
    await removeDeadScratch(opts.tmpDir);
    await removeDeadScratch(path.join(repo.dir, 'tmp'));
    if (source.kind === 'sqlite') await removeDeadScratch(path.dirname(source.path));
    let files: FileEntry[];
    let sqlite: Manifest['sqlite'];
    let db: Manifest['db'];
    let fingerprint: string;
    const warnings: string[] = [];
    let reused = false;

    if (source.kind === 'sqlite') {
      await assertSqliteFile(source.path);
      const fp = await sqliteFingerprint(source.path);
      fingerprint = fp.fingerprint;
      if (await canReuse(opts.previous, fingerprint, fp.newestMtimeMs, repo)) {
        files = opts.previous!.files;
        sqlite = opts.previous!.sqlite;
        reused = true;
      } else {
        const journalMode = journalModeOf(source.path);
        await fs.mkdir(opts.tmpDir, { recursive: true });
        const copy = path.join(opts.tmpDir, scratchName('snapshot', '.db'));
        tmpFiles.push(copy);
        opts.onProgress?.({ phase: 'copying', done: 0, total: 1 });
        await copySqliteConsistent(source.path, copy);
        // quick_check and row counts of the copy run beside the chunking (on another core when there is one).
        const facts = pool ? sqliteFactsInWorker(copy, journalMode) : Promise.resolve(sqliteFacts(copy, journalMode));
        facts.catch(() => {}); // awaited below; this only keeps an early failure from being "unhandled"
        const pageSize = pageSizeOf(copy);
        const chunkSize = Math.max(pageSize, Math.floor(repo.config.chunkSize / pageSize) * pageSize);
        const st = await fs.stat(copy);
        let done = 0;
        const content = await chunkFile(sink, copy, chunkSize, (n) => opts.onProgress?.({ phase: 'storing', done: (done += n), total: st.size }));
        sqlite = await facts;
        if (sqlite.quickCheck !== 'ok') warnings.push(`quick_check of ${source.name} found problems: ${sqlite.quickCheck.slice(0, 500)}`);
        files = [{ path: path.basename(source.path), type: 'file', mode: st.mode & 0o7777, mtime: time, ...content }];
      }
    } else if (source.kind === 'mysql' || source.kind === 'postgres') {
      // A dump is taken every time (a server has no cheap, trustworthy "unchanged" mark); content-defined
      // chunks make an unchanged or slightly changed database cost little in the repository.
      const { location } = parseDbUrl(source.path);
      fingerprint = '';
      opts.onProgress?.({ phase: 'dumping', done: 0, total: 1 });
      const dump = dumpDatabase(location, opts.dbPassword, opts.tmpDir);
      let done = 0;
      const entry = await chunkStream(sink, dump.stream, { path: source.kind === 'mysql' ? 'dump.sql' : 'dump.pgdump', onBytes: (n) => opts.onProgress?.({ phase: 'dumping', done: (done += n), total: 0 }) });
      db = dump.facts;
      files = [{ ...entry, mode: 0o600, mtime: time }];
    } else {
      const walked = await walkFolder(source.path, { include: source.include, exclude: source.exclude });
      const fp = folderFingerprint(walked.items);
      fingerprint = crypto.createHash('sha256').update(fp.fingerprint).digest('hex');
      warnings.push(...walked.skipped.map((s) => `skipped ${s}: not a regular file or folder`));
      if (await canReuse(opts.previous, fingerprint, fp.newestMtimeMs, repo)) {
        files = opts.previous!.files;
        reused = true;
      } else {
        files = [];
        const total = walked.items.reduce((n, i) => n + i.size, 0);
        let done = 0;
        for (const item of walked.items) {
          const base = { path: item.rel, mode: item.mode, mtime: new Date(item.mtimeMs).toISOString() };
          if (item.type === 'dir') {
            files.push({ ...base, type: 'dir', size: 0 });
            continue;
          }
          try {
            const content = await chunkFile(sink, item.abs, repo.config.chunkSize, (n) => opts.onProgress?.({ phase: 'storing', done: (done += n), total }));
            files.push({ ...base, type: 'file', ...content });
          } catch (err) {
            // A file deleted or locked while we walk is reported, not fatal: the rest of the folder still matters.
            if (err instanceof LifeboatError && err.code === 'no-space') throw err;
            // chunkFile explains errors as LifeboatErrors; the file system's own code is in the cause.
            const code = err instanceof LifeboatError ? (err.cause as NodeJS.ErrnoException | undefined)?.code : (err as NodeJS.ErrnoException).code;
            if (code !== 'ENOENT' && code !== 'EACCES' && code !== 'EPERM' && code !== 'EBUSY') throw err;
            warnings.push(`could not read ${item.rel}: ${code}`);
          }
        }
      }
    }

    if (reused && opts.skipUnchanged) return null;
    opts.onProgress?.({ phase: 'saving', done: 0, total: 1 });
    await sink.drain();
    await writer.flush();
    const index = await repo.writeIndex(writer.written);
    // From here the packs are named by an index that a concurrent backup may already dedup against: they
    // are complete, valid data and must stay even if the manifest cannot be written (prune collects them).
    indexed = true;
    const size = files.reduce((n, f) => n + f.size, 0);
    const manifest: Manifest = {
      format: 1,
      id: crypto.randomBytes(6).toString('hex'),
      source: { name: source.name, kind: source.kind, path: source.path },
      time,
      reason: opts.reason,
      host: os.hostname(),
      files,
      ...(sqlite ? { sqlite } : {}),
      ...(db ? { db } : {}),
      fingerprint,
      stats: { size, chunks: reused ? (opts.previous?.stats.chunks ?? 0) : sink.stats.chunks, newChunks: sink.stats.newChunks, bytesAdded: writer.bytesWritten + (index?.bytes ?? 0), durationMs: 0 },
      ...(warnings.length ? { warnings } : {}),
    };
    manifest.stats.durationMs = Date.now() - started;
    // bytesAdded in the stored manifest counts packs and index; the manifest's own size is added here, as
    // the catalog does when it rebuilds from the repository (it cannot be known before encoding).
    manifest.stats.bytesAdded += await repo.saveManifest(manifest);
    return manifest;
  } catch (err) {
    if (!indexed) await writer.abort();
    throw explainFsError(err, repo.dir);
  } finally {
    await pool?.close();
    for (const f of tmpFiles) await removeSqliteFiles(f);
    await repo.closeFiles();
    await lock.release();
  }
}

const PARALLEL_FROM_BYTES = 16 << 20;

async function approximateSize(source: SourceConfig): Promise<number> {
  if (source.kind === 'sqlite') return (await fs.stat(source.path).catch(() => ({ size: 0 }))).size;
  return PARALLEL_FROM_BYTES; // folders: unknown until walked, and often large
}

async function canReuse(previous: Manifest | undefined, fingerprint: string, newestMtimeMs: number, repo: Repository): Promise<boolean> {
  if (!previous || previous.fingerprint !== fingerprint) return false;
  if (Date.parse(previous.time) - newestMtimeMs < RACY_MARGIN_MS) return false;
  // Reuse only what is still in the repository, down to every chunk inside the chunk lists (a damaged or
  // repaired index may have lost some): otherwise read the source again.
  try {
    for (const f of previous.files) {
      if (f.type === 'dir') continue;
      for (const [id] of f.chunks ?? []) if (!repo.index.has(id)) return false;
      for (const l of f.lists ?? []) {
        if (!repo.index.has(l)) return false;
        for (const [id] of decodeChunkList(await repo.readBlob(l), `chunk list ${l.slice(0, 12)}`)) if (!repo.index.has(id)) return false;
      }
    }
    return true;
  } catch {
    return false;
  }
}
