import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { CorruptError, LifeboatError } from '../errors.ts';
import { readIfExists, writeFileDurable } from '../util/durable-file.ts';
import type { WrappedKey } from './keys.ts';
import { HOW_TO_RESTORE } from './how-to-restore.ts';

export const CONFIG_FILE = 'lifeboat-repo.json';
export const DIRS = ['packs', 'index', 'snapshots', 'locks', 'tmp'] as const;

/** `lifeboat-repo.json`: plain JSON at the repository root, the one file needed to start reading the rest. */
export interface RepoConfig {
  format: 'lifeboat-repository';
  version: 1;
  id: string;
  created: string;
  /** Target chunk size in bytes; SQLite chunks are whole pages (rounded to the page size). */
  chunkSize: number;
  /** Packs are closed once they reach this many bytes. */
  packSize: number;
  compression: 'zstd';
  encryption: WrappedKey | null;
}

export const DEFAULT_CHUNK_SIZE = 64 * 1024;
export const DEFAULT_PACK_SIZE = 16 * 1024 * 1024;

export async function readConfig(dir: string): Promise<RepoConfig | undefined> {
  const raw = await readIfExists(path.join(dir, CONFIG_FILE));
  if (!raw) return undefined;
  return parseConfig(raw, path.join(dir, CONFIG_FILE));
}

/** Parses and checks the bytes of a `lifeboat-repo.json` (`where` names it in errors). */
export function parseConfig(raw: Buffer, where: string): RepoConfig {
  let c: RepoConfig;
  try {
    c = JSON.parse(raw.toString('utf8')) as RepoConfig;
  } catch {
    throw new CorruptError(where, 'not valid JSON');
  }
  if (c.format !== 'lifeboat-repository') throw new CorruptError(where, 'not a Lifeboat repository');
  if (c.version !== 1) throw new LifeboatError('failed', `repository format version ${c.version} is newer than this Lifeboat understands: update Lifeboat`);
  if (!Number.isSafeInteger(c.chunkSize) || c.chunkSize < 512 || c.chunkSize > 64 * 1024 * 1024) throw new CorruptError(CONFIG_FILE, 'bad chunkSize');
  return c;
}

/** Creates the repository layout; refuses a folder that already holds one. */
export async function writeNewConfig(dir: string, opts: { chunkSize?: number; packSize?: number; encryption: WrappedKey | null; createParents?: boolean }): Promise<RepoConfig> {
  if (await readIfExists(path.join(dir, CONFIG_FILE))) throw new LifeboatError('exists', `${dir} already holds a Lifeboat repository`);
  // With createParents false the parent must exist: a repository path on a network share or drive that is
  // not mounted must not quietly become a new repository on the system disk.
  if (opts.createParents !== false) await fs.mkdir(path.dirname(dir), { recursive: true });
  await fs.mkdir(dir).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new LifeboatError('not-found', `cannot create a repository at ${dir}: ${path.dirname(dir)} does not exist (a drive or share not mounted?)`);
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  });
  for (const d of DIRS) await fs.mkdir(path.join(dir, d), { recursive: true });
  const config: RepoConfig = {
    format: 'lifeboat-repository',
    version: 1,
    id: crypto.randomUUID(),
    created: new Date().toISOString(),
    chunkSize: opts.chunkSize ?? DEFAULT_CHUNK_SIZE,
    packSize: opts.packSize ?? DEFAULT_PACK_SIZE,
    compression: 'zstd',
    encryption: opts.encryption,
  };
  await writeFileDurable(path.join(dir, 'HOW-TO-RESTORE.txt'), Buffer.from(HOW_TO_RESTORE));
  // The config is written last: a folder without it is not (yet) a repository.
  await writeFileDurable(path.join(dir, CONFIG_FILE), Buffer.from(JSON.stringify(config, null, 2) + '\n'));
  return config;
}
