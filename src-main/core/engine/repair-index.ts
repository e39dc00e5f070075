import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { CorruptError } from '../errors.ts';
import type { Repository } from '../repository/repository.ts';
import { PACK_MAGIC, packPath, type IndexEntry, type PackRecord } from '../repository/pack-writer.ts';

export interface IndexRepair { packs: number; blobs: number; damagedPacks: string[]; replacedIndexFiles: number }

/**
 * Rebuilds the index from the packs themselves (each pack ends with a list of its blobs), for when an index
 * file is lost or damaged. Packs whose bytes do not match their name are left out and reported. Call with
 * the repository's exclusive lock held. The new index is durable before any old index file is removed.
 */
export async function rebuildIndex(repo: Repository): Promise<IndexRepair> {
  await repo.loadIndex();
  const records: PackRecord[] = [];
  const damagedPacks: string[] = [];
  for (const sub of await fs.readdir(path.join(repo.dir, 'packs')).catch(() => [] as string[])) {
    for (const id of await fs.readdir(path.join(repo.dir, 'packs', sub)).catch(() => [] as string[])) {
      try {
        records.push({ id, blobs: await readTrailer(repo, id) });
      } catch (err) {
        if (!(err instanceof CorruptError)) throw err;
        damagedPacks.push(id);
      }
    }
  }
  const old = await repo.listIndexFiles();
  const fresh = await repo.writeIndex(records);
  for (const name of old) if (name !== fresh?.name) await fs.rm(path.join(repo.dir, 'index', name), { force: true });
  return { packs: records.length, blobs: records.reduce((n, r) => n + r.blobs.length, 0), damagedPacks, replacedIndexFiles: old.length };
}

async function readTrailer(repo: Repository, id: string): Promise<IndexEntry[]> {
  const what = `pack ${id.slice(0, 12)}`;
  const data = await fs.readFile(packPath(repo.dir, id));
  if (crypto.createHash('sha256').update(data).digest('hex') !== id) throw new CorruptError(what, 'checksum mismatch');
  if (data.length < 8 || !data.subarray(data.length - 4).equals(PACK_MAGIC)) throw new CorruptError(what, 'no pack trailer');
  const len = data.readUInt32LE(data.length - 8);
  const start = data.length - 8 - len;
  if (start < 0) throw new CorruptError(what, 'bad trailer length');
  return JSON.parse(repo.codec.decode(data.subarray(start, data.length - 8), what).toString('utf8')) as IndexEntry[];
}
