import crypto from 'node:crypto';
import { CorruptError } from '../errors.ts';
import type { Repository } from '../repository/repository.ts';
import { PACK_MAGIC, type IndexEntry, type PackRecord } from '../repository/pack-writer.ts';

export interface IndexRepair { packs: number; blobs: number; damagedPacks: string[]; replacedIndexFiles: number }

/** The blobs of a damaged pack that still decode and match their ids (by the trailer, or none if that is gone too). */
async function salvage(repo: Repository, id: string): Promise<IndexEntry[]> {
  const entries = await readPackTrailer(repo, id, false).catch(() => [] as IndexEntry[]);
  const data = await repo.target.load({ kind: 'pack', name: id });
  return entries.filter(([blob, , offset, length]) => {
    if (offset + length > data.length) return false;
    try {
      repo.checkBlob(blob, data.subarray(offset, offset + length));
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Rebuilds the index from the packs themselves (each pack ends with a list of its blobs), for when an index
 * file is lost or damaged. Packs whose bytes do not match their name are reported, and their chunks that
 * still match their ids are indexed. Call with
 * the repository's exclusive lock held. The new index is durable before any old index file is removed.
 */
export async function rebuildIndex(repo: Repository): Promise<IndexRepair> {
  await repo.loadIndex();
  const records: PackRecord[] = [];
  const damagedPacks: string[] = [];
  for (const { name: id } of await repo.target.list('pack')) {
    try {
      records.push({ id, blobs: await readPackTrailer(repo, id) });
    } catch (err) {
      if (!(err instanceof CorruptError)) throw err;
      // A damaged pack usually still holds intact chunks: index those (each checked against its id).
      damagedPacks.push(id);
      const intact = await salvage(repo, id);
      if (intact.length) records.push({ id, blobs: intact });
    }
  }
  const old = await repo.listIndexFiles();
  const fresh = await repo.writeIndex(records);
  for (const name of old) if (name !== fresh?.name) await repo.target.remove({ kind: 'index', name });
  return { packs: records.length, blobs: records.reduce((n, r) => n + r.blobs.length, 0), damagedPacks, replacedIndexFiles: old.length };
}

/**
 * The blob list a pack carries at its end. With `checkHash` (default) the pack must also match its name;
 * without, the trailer alone is read (to salvage what a damaged pack still holds).
 */
export async function readPackTrailer(repo: Repository, id: string, checkHash = true): Promise<IndexEntry[]> {
  const what = `pack ${id.slice(0, 12)}`;
  const data = await repo.target.load({ kind: 'pack', name: id });
  if (checkHash && crypto.createHash('sha256').update(data).digest('hex') !== id) throw new CorruptError(what, 'checksum mismatch');
  if (data.length < 8 || !data.subarray(data.length - 4).equals(PACK_MAGIC)) throw new CorruptError(what, 'no pack trailer');
  const len = data.readUInt32LE(data.length - 8);
  const start = data.length - 8 - len;
  if (start < 0) throw new CorruptError(what, 'bad trailer length');
  return JSON.parse(repo.codec.decode(data.subarray(start, data.length - 8), what).toString('utf8')) as IndexEntry[];
}
