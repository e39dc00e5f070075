// Reads a repository folder directly (not through the engine's Repository class) to know, independently of
// the code under test, which snapshots a given piece of damage must break, and to craft tampered manifests.
// Format (see src-main/core/repository): index/<sha256 of file> = encoded JSON [{id: pack, blobs: [[blob, type,
// offset, length, plainLength]]}]; packs/<2 hex>/<pack> holds encoded blobs at those offsets; snapshots/<id> =
// encoded JSON manifest; a chunk list blob is 36-byte entries (32-byte id, u32 LE length).
import fs from 'node:fs';
import path from 'node:path';
import { makeCodec, type Codec } from '../../src-main/core/repository/blob-codec.ts';
import { unwrapKeys } from '../../src-main/core/repository/keys.ts';
import type { Manifest } from '../../src-main/core/repository/manifest.ts';

export interface BlobLocation { pack: string; offset: number; length: number; type: 'data' | 'list'; indexFile: string }

export interface RepoMap {
  codec: Codec;
  blobs: Map<string, BlobLocation>;
  /** index file name -> the blob ids it names */
  indexFiles: Map<string, string[]>;
  manifests: Map<string, Manifest>;
  /** snapshot id -> every blob it needs (data chunks and chunk lists) */
  needs: Map<string, Set<string>>;
}

/** The repository's codec, unlocked with `passphrase` when it is encrypted. */
export function repoCodec(repoDir: string, passphrase?: string): Codec {
  const config = JSON.parse(fs.readFileSync(path.join(repoDir, 'lifeboat-repo.json'), 'utf8'));
  if (!config.encryption) return makeCodec(null);
  if (!passphrase) throw new Error(`${repoDir} is encrypted: a passphrase is needed to read it`);
  return makeCodec(unwrapKeys(config.encryption, passphrase));
}

export function packFile(repoDir: string, pack: string): string {
  return path.join(repoDir, 'packs', pack.slice(0, 2), pack);
}

export function readManifestFile(repoDir: string, id: string, codec: Codec): Manifest {
  return JSON.parse(codec.decode(fs.readFileSync(path.join(repoDir, 'snapshots', id)), `manifest ${id}`).toString('utf8')) as Manifest;
}

/** Encodes `m` and writes it over snapshots/<m.id>, as a tamperer with the key (or with none, unencrypted) could. */
export function writeManifestFile(repoDir: string, m: Manifest, codec: Codec): void {
  fs.writeFileSync(path.join(repoDir, 'snapshots', m.id), codec.encode(Buffer.from(JSON.stringify(m))));
}

/** Maps every blob, index file and snapshot of an undamaged repository. */
export function mapRepository(repoDir: string, passphrase?: string): RepoMap {
  const codec = repoCodec(repoDir, passphrase);
  const blobs = new Map<string, BlobLocation>();
  const indexFiles = new Map<string, string[]>();
  for (const name of fs.readdirSync(path.join(repoDir, 'index'))) {
    const packs = JSON.parse(codec.decode(fs.readFileSync(path.join(repoDir, 'index', name)), `index ${name}`).toString('utf8')) as Array<{ id: string; blobs: Array<[string, 'data' | 'list', number, number, number]> }>;
    const ids: string[] = [];
    for (const p of packs) for (const [id, type, offset, length] of p.blobs) {
      ids.push(id);
      if (!blobs.has(id)) blobs.set(id, { pack: p.id, offset, length, type, indexFile: name });
    }
    indexFiles.set(name, ids);
  }
  const readBlob = (id: string): Buffer => {
    const loc = blobs.get(id);
    if (!loc) throw new Error(`blob ${id} is in no index`);
    const fd = fs.openSync(packFile(repoDir, loc.pack), 'r');
    try {
      const buf = Buffer.alloc(loc.length);
      fs.readSync(fd, buf, 0, loc.length, loc.offset);
      return codec.decode(buf, `blob ${id}`);
    } finally {
      fs.closeSync(fd);
    }
  };
  const manifests = new Map<string, Manifest>();
  const needs = new Map<string, Set<string>>();
  for (const id of fs.readdirSync(path.join(repoDir, 'snapshots')).filter((n) => /^[0-9a-f]{12}$/.test(n))) {
    const m = readManifestFile(repoDir, id, codec);
    manifests.set(id, m);
    const set = new Set<string>();
    for (const f of m.files) {
      for (const [c] of f.chunks ?? []) set.add(c);
      for (const l of f.lists ?? []) {
        set.add(l);
        const list = readBlob(l);
        for (let o = 0; o < list.length; o += 36) set.add(list.toString('hex', o, o + 32));
      }
    }
    needs.set(id, set);
  }
  return { codec, blobs, indexFiles, manifests, needs };
}

/** Snapshots that need at least one of `blobIds`, sorted. */
export function snapshotsNeeding(map: RepoMap, blobIds: Iterable<string>): string[] {
  const hit = new Set(blobIds);
  return [...map.needs].filter(([, set]) => [...set].some((b) => hit.has(b))).map(([id]) => id).sort();
}

/** Blobs stored in `pack` that overlap the byte range [start, end). */
export function blobsInRange(map: RepoMap, pack: string, start: number, end: number): string[] {
  return [...map.blobs].filter(([, l]) => l.pack === pack && l.offset < end && l.offset + l.length > start).map(([id]) => id);
}

/** Blobs named only by index file `name` (lost from every reader's view when it is deleted). */
export function blobsOnlyIn(map: RepoMap, name: string): string[] {
  const elsewhere = new Set([...map.indexFiles].filter(([n]) => n !== name).flatMap(([, ids]) => ids));
  return (map.indexFiles.get(name) ?? []).filter((id) => !elsewhere.has(id));
}
