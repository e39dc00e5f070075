import fs from 'node:fs/promises';
import crypto from 'node:crypto';
import { CorruptError, explainFsError } from '../errors.ts';
import { writeAll } from '../util/durable-file.ts';
import type { Repository } from '../repository/repository.ts';
import type { FileEntry } from '../repository/manifest.ts';

/**
 * Writes a snapshot's file to `dest` (which must not exist), checking every chunk against its id and the
 * whole file against the manifest's SHA-256, then fsyncs it. Throws CorruptError naming what is damaged;
 * on any failure `dest` is removed.
 */
export async function rebuildFile(repo: Repository, entry: FileEntry, dest: string, onBytes?: (n: number) => void): Promise<void> {
  let h: fs.FileHandle;
  try {
    h = await fs.open(dest, 'wx', entry.mode & 0o777 || 0o644);
  } catch (err) {
    throw explainFsError(err, dest);
  }
  try {
    const whole = crypto.createHash('sha256');
    let size = 0;
    let batch: Buffer[] = [];
    let batchBytes = 0;
    for await (const [id, len] of repo.fileChunks(entry)) {
      const plain = await repo.readBlob(id);
      if (plain.length !== len) throw new CorruptError(`chunk ${id.slice(0, 12)}`, `has ${plain.length} bytes, the manifest says ${len}`);
      whole.update(plain);
      batch.push(plain);
      batchBytes += plain.length;
      size += plain.length;
      if (batchBytes >= 4 << 20) {
        await writeAll(h, batch);
        onBytes?.(batchBytes);
        batch = [];
        batchBytes = 0;
      }
    }
    if (batch.length) await writeAll(h, batch);
    onBytes?.(batchBytes);
    if (size !== entry.size) throw new CorruptError(entry.path, `rebuilt ${size} bytes, the manifest says ${entry.size}`);
    if (entry.sha256 && whole.digest('hex') !== entry.sha256) throw new CorruptError(entry.path, 'whole-file checksum mismatch after rebuild');
    await h.sync();
    await h.close();
  } catch (err) {
    await h.close().catch(() => {});
    await fs.rm(dest, { force: true }).catch(() => {});
    throw explainFsError(err, dest);
  }
}
