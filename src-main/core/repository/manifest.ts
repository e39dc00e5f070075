import path from 'node:path';
import { CorruptError } from '../errors.ts';
import type { DbFacts } from '../sources/db-dump.ts';

/** One reference in a file's content: a chunk id (hex) and its plain length. */
export type ChunkRef = [id: string, length: number];

/**
 * A file inside a snapshot. Its content is `chunks` inline (small files) or the concatenation of the chunk
 * lists stored in the `lists` blobs (large files); `sha256` is the checksum of the whole plain file.
 */
export interface FileEntry {
  path: string; // relative, '/'-separated, never absolute, never '..'
  type: 'file' | 'dir';
  size: number;
  mode: number;
  mtime: string;
  sha256?: string;
  chunks?: ChunkRef[];
  lists?: string[];
}

export interface SqliteFacts {
  pageSize: number;
  pageCount: number;
  journalMode: string;
  quickCheck: string;
  tables: Record<string, number>;
}

/** The manifest: a snapshot exists when this is durable in `snapshots/<id>`. Every snapshot lists all its chunks. */
export interface Manifest {
  format: 1;
  id: string;
  source: { name: string; kind: 'sqlite' | 'folder' | 'mysql' | 'postgres'; path: string };
  time: string;
  reason: string;
  host: string;
  files: FileEntry[];
  sqlite?: SqliteFacts;
  /** Database servers: versions, rows per table as dumped, and that the dump completed. */
  db?: DbFacts;
  /** What the source looked like (sizes, mtimes) so an unchanged source can be recognised without reading it. */
  fingerprint?: string;
  stats: { size: number; chunks: number; newChunks: number; bytesAdded: number; durationMs: number };
  warnings?: string[];
}

const ID_RE = /^[0-9a-f]{12}$/;
export function isSnapshotId(s: string): boolean {
  return ID_RE.test(s);
}

/**
 * Checks a decoded manifest's shape and, above all, that no path can escape a restore target: a tampered
 * manifest naming '../../etc/passwd' or '/etc/passwd' is refused here, before anything is written.
 */
export function validateManifest(m: unknown, what: string): Manifest {
  const fail = (why: string): never => { throw new CorruptError(what, why); };
  if (typeof m !== 'object' || m === null) fail('not an object');
  const o = m as Manifest;
  if (o.format !== 1) fail(`unknown manifest format ${String(o.format)}`);
  if (typeof o.id !== 'string' || !isSnapshotId(o.id)) fail('bad snapshot id');
  if (!o.source || typeof o.source.name !== 'string' || !['sqlite', 'folder', 'mysql', 'postgres'].includes(o.source.kind)) fail('bad source');
  if (typeof o.time !== 'string' || Number.isNaN(Date.parse(o.time))) fail('bad time');
  if (!Array.isArray(o.files)) fail('no file list');
  for (const f of o.files) {
    if (!isSafeRelativePath(f.path)) fail(`unsafe path in manifest: ${JSON.stringify(f.path)}`);
    if (f.type !== 'file' && f.type !== 'dir') fail(`bad entry type for ${f.path}`);
    if (f.type === 'file') {
      if (!Number.isSafeInteger(f.size) || f.size < 0) fail(`bad size for ${f.path}`);
      const refs = f.chunks ?? [];
      for (const r of refs) if (!Array.isArray(r) || typeof r[0] !== 'string' || !Number.isSafeInteger(r[1])) fail(`bad chunk reference in ${f.path}`);
      for (const l of f.lists ?? []) if (typeof l !== 'string') fail(`bad chunk list in ${f.path}`);
    }
  }
  return o;
}

/** True for a relative '/'-separated path with no '..', '.', empty or absolute component and no NUL or backslash. */
export function isSafeRelativePath(p: unknown): boolean {
  if (typeof p !== 'string' || p.length === 0 || p.length > 4096) return false;
  if (p.includes('\0') || p.includes('\\') || p.startsWith('/') || /^[a-zA-Z]:/.test(p)) return false;
  return p.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

/** Resolves a manifest path inside `root`, throwing if the result would land outside it (belt and braces). */
export function resolveInside(root: string, rel: string): string {
  if (!isSafeRelativePath(rel)) throw new CorruptError('manifest', `unsafe path ${JSON.stringify(rel)}`);
  const abs = path.resolve(root, ...rel.split('/'));
  const rootAbs = path.resolve(root);
  if (abs !== rootAbs && !abs.startsWith(rootAbs + path.sep)) throw new CorruptError('manifest', `path escapes the target: ${rel}`);
  return abs;
}
