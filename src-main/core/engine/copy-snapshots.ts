import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { LifeboatError, explainFsError } from '../errors.ts';
import { Repository } from '../repository/repository.ts';
import { DIRS } from '../repository/repo-config.ts';
import { HOW_TO_RESTORE } from '../repository/how-to-restore.ts';
import type { PackRecord } from '../repository/pack-writer.ts';
import { decodeChunkList } from '../repository/chunk-list.ts';
import { acquireLock, type HeldLock } from '../locks/process-lock.ts';
import { FileTarget } from '../targets/file-target.ts';
import { bufferBody, CONFIG_HANDLE, HOWTO_HANDLE, isNotFound, TargetError, type Target } from '../targets/target.ts';

export interface CopyReport {
  copied: string[];
  alreadyThere: string[];
  packsCopied: number;
  /** Packs the destination already held whole (an interrupted copy resuming): not sent again. */
  packsResumed: number;
  bytesCopied: number;
  verifiedBytes: number;
  /** Packs written and read back (checked against their SHA-256 names) by this call. */
  packs: string[];
}

export interface CopyOptions {
  onProgress?: (done: number, total: number) => void;
  /** Called after each pack with the bytes sent so far (progress of long uploads). */
  onBytes?: (sent: number, total: number) => void;
  /** Read every pack back from the destination and check it against its name (drives: a flaky stick shows up now). Default: true for a folder, false for a remote (where it would double the traffic; remote verify does it). */
  readBack?: boolean;
  signal?: AbortSignal;
  /** Packs sent at once to a remote (default 3; a folder always gets one at a time). */
  parallel?: number;
  /** Make the destination a twin when it holds no repository (default true). False for a target that was set up before: a repository gone from it (a share not mounted, a folder deleted) is an error, never quietly replaced. */
  create?: boolean;
}

/**
 * A failure on the source side of a copy (a pack missing or damaged in the repository being copied from):
 * that snapshot cannot be copied, whatever the destination does. Its `cause` says what.
 */
export class SourceError extends LifeboatError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('corrupt', message, options);
    this.name = 'SourceError';
  }
}

/**
 * Copies snapshots from `src` into a destination repository (a folder path: USB drive, network folder; or a
 * Target: SFTP, WebDAV, S3, rclone), creating it as a twin of `src` (same id and key: nothing is re-encrypted)
 * if it holds none. Order: missing packs, then an index naming them, then the manifests, so the destination
 * never shows a snapshot whose chunks are not all there; a copy cut at any moment leaves it consistent and
 * the next call completes it without sending again the packs that arrived whole. Every pack is checked
 * against its SHA-256 name before it leaves (local damage is never spread). Refuses a destination that
 * holds a different repository.
 */
export async function copySnapshots(src: Repository, destination: string | Target, ids: string[], opts: CopyOptions = {}): Promise<CopyReport> {
  const target = typeof destination === 'string' ? new FileTarget(destination, { createRoot: false }) : destination;
  const local = target instanceof FileTarget;
  const readBack = opts.readBack ?? local;
  await ensureTwin(src, target, opts.create ?? true);
  const dest = await Repository.openTarget(target, { keys: src.keys });
  // A folder destination is a repository other processes may use (the drive's own prune): lock it. A remote
  // has one writer, this machine's outbox worker, which serialises itself per target.
  let lock: HeldLock | undefined;
  if (local) lock = await acquireLock(path.join(target.root, 'locks'), { name: 'repo', kind: 'shared', purpose: 'copy of snapshots', waitMs: 10 * 60_000 });
  const report: CopyReport = { copied: [], alreadyThere: [], packsCopied: 0, packsResumed: 0, bytesCopied: 0, verifiedBytes: 0, packs: [] };
  try {
    if (local) await target.removeDebris();
    await src.loadIndex();
    await dest.loadIndex();
    const present = new Set(await dest.listSnapshotIds());
    const todo: string[] = [];
    for (const id of ids) {
      // A manifest counts as there only if it reads back whole (an earlier save may have been damaged).
      if (present.has(id) && (await dest.loadManifest(id).then(() => true, () => false))) report.alreadyThere.push(id);
      else todo.push(id);
    }
    const packs = await onSource(() => missingPacks(src, dest, todo));

    const records = await packRecords(src, packs);
    const sizes = new Map<string, number>();
    for (const id of packs) sizes.set(id, (await onSource(() => src.target.stat({ kind: 'pack', name: id }))).size);
    const totalBytes = [...sizes.values()].reduce((a, b) => a + b, 0);
    let done = 0;
    let sent = 0;
    const copyPack = async (id: string): Promise<void> => {
      opts.signal?.throwIfAborted();
      const h = { kind: 'pack' as const, name: id };
      // Saves are atomic, so a pack under its final name with the right size arrived whole before a cut.
      const there = await target.stat(h).catch((err: unknown) => { if (isNotFound(err)) return undefined; throw err; });
      if (there && there.size === sizes.get(id)) {
        report.packsResumed++;
      } else {
        const data = await onSource(() => src.target.load(h));
        if (sha256(data) !== id) throw new SourceError(`pack ${id.slice(0, 12)} in ${src.dir} does not match its checksum: run "lifeboat verify --all" (nothing damaged was copied)`);
        await target.save(h, bufferBody(data));
        if (readBack) {
          const back = await target.load(h);
          if (sha256(back) !== id) {
            // Not left under its name: the next copy would take it for a pack that arrived whole.
            await target.remove(h).catch(() => {});
            throw new LifeboatError('corrupt', `pack ${id.slice(0, 12)} read back from ${target.location} does not match: the drive may be failing`);
          }
          report.verifiedBytes += back.length;
          report.packs.push(id);
        } else {
          const st = await target.stat(h);
          if (st.size !== data.length) throw new LifeboatError('failed', `pack ${id.slice(0, 12)} on ${target.location} has ${st.size} bytes, expected ${data.length}`);
        }
        report.bytesCopied += data.length;
        report.packsCopied++;
      }
      sent += sizes.get(id) ?? 0;
      opts.onProgress?.(++done, packs.size);
      opts.onBytes?.(sent, totalBytes);
    };
    // A drive gets one pack at a time (sticks like sequential writes); a remote a few at once, which hides
    // the round trips and the per-request costs of its protocol (measured: 2-3x slower than rclone serially).
    await inParallel([...packs], local ? 1 : (opts.parallel ?? 3), copyPack);
    await dest.writeIndex(records);
    for (const id of todo) {
      opts.signal?.throwIfAborted();
      await target.save({ kind: 'snapshot', name: id }, bufferBody(await onSource(() => src.loadManifestRaw(id))));
      // Read the manifest back from the destination: it must decode and name itself. One that does not is
      // removed, so no reader (and no later copy) takes it for a snapshot.
      try {
        await dest.loadManifest(id);
      } catch (err) {
        await target.remove({ kind: 'snapshot', name: id }).catch(() => {});
        throw err;
      }
      report.copied.push(id);
    }
    return report;
  } catch (err) {
    throw local ? explainFsError(err, target.root) : err;
  } finally {
    await src.closeFiles();
    // A target passed in belongs to the caller (it may copy more over the same connection).
    if (typeof destination === 'string') await dest.closeFiles();
    await lock?.release();
  }
}

/** Runs `fn` over `items` with at most `n` at once; the first failure is thrown once all running ones ended. */
async function inParallel<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
  if (failure) throw failure.err;
}

/** Runs a read of the source repository; any failure there becomes a SourceError. */
async function onSource<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof SourceError) throw err;
    throw new SourceError(`cannot read the source repository: ${(err as Error).message}`, { cause: err });
  }
}

/** The packs holding chunks that the snapshots `ids` need and the destination's index lacks. */
async function missingPacks(src: Repository, dest: Repository, ids: string[]): Promise<Set<string>> {
  const packs = new Set<string>();
  for (const id of ids) {
    const m = await src.loadManifest(id);
    for (const f of m.files) {
      const need = [...(f.chunks ?? []).map((c) => c[0]), ...(f.lists ?? [])];
      for (const l of f.lists ?? []) for (const [c] of decodeChunkList(await src.readBlob(l), `chunk list ${l.slice(0, 12)}`)) need.push(c);
      for (const c of need) {
        if (dest.index.has(c)) continue;
        const loc = src.index.get(c);
        if (!loc) throw new LifeboatError('corrupt', `snapshot ${id} needs chunk ${c.slice(0, 12)}, which the source repository lacks: run "lifeboat verify"`);
        packs.add(loc.pack);
      }
    }
  }
  return packs;
}

/** Makes `target` a twin of `src` when it holds no repository; refuses one that holds another. */
async function ensureTwin(src: Repository, target: Target, create: boolean): Promise<void> {
  const existing = await Repository.targetConfig(target);
  if (existing) {
    if (existing.id !== src.config.id) throw new LifeboatError('exists', `${target.location} holds a different Lifeboat repository (id ${existing.id}); not writing into it`);
    return;
  }
  if (!create) throw new TargetError('permanent', 'not-found', `the Lifeboat repository on ${target.location} is gone (a share or drive not mounted, or the folder deleted?); nothing was written. If it was removed on purpose, remove the target and add it again`);
  if (target instanceof FileTarget) {
    const destDir = target.root;
    try {
      // Not recursive: if the drive is gone, its mount point's parent may still exist, and a whole repository
      // must not quietly land on the system disk instead. The folder's parent (the drive) must be there.
      await fs.mkdir(destDir).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new LifeboatError('not-found', `${path.dirname(destDir)} is not there (drive removed?)`);
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      });
      for (const d of DIRS) await fs.mkdir(path.join(destDir, d), { recursive: true });
    } catch (err) {
      throw explainFsError(err, destDir);
    }
  }
  await target.save(HOWTO_HANDLE, bufferBody(Buffer.from(HOW_TO_RESTORE)));
  // The config last: a place without it is not (yet) a repository.
  await target.save(CONFIG_HANDLE, bufferBody(Buffer.from(JSON.stringify(src.config, null, 2) + '\n')));
}

/** The full blob lists of `packs`, from the source's index files (a destination index must name every blob of a pack it holds). */
async function packRecords(src: Repository, packs: Set<string>): Promise<PackRecord[]> {
  const out = new Map<string, PackRecord>();
  for (const name of await src.listIndexFiles()) {
    for (const p of await src.readIndexFile(name)) if (packs.has(p.id) && !out.has(p.id)) out.set(p.id, p);
  }
  const missing = [...packs].filter((p) => !out.has(p));
  if (missing.length) throw new LifeboatError('corrupt', `pack ${missing[0]!.slice(0, 12)} is in use but named by no index file: run "lifeboat repair --index"`);
  return [...out.values()];
}

function sha256(data: Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}
