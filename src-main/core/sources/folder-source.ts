import fs from 'node:fs/promises';
import path from 'node:path';
import { LifeboatError, explainFsError, isErrno } from '../errors.ts';

export interface FolderItem { rel: string; abs: string; type: 'file' | 'dir'; size: number; mode: number; mtimeMs: number }

/**
 * Lists what a folder source holds, sorted, as '/'-separated relative paths. `include` globs (default: all)
 * and `exclude` globs match those relative paths (`**` crosses folders); an excluded folder is not entered.
 * Symbolic links and special files are skipped and reported, never followed: a backup must not wander
 * out of the folder it was given.
 */
export async function walkFolder(root: string, opts: { include?: string[]; exclude?: string[] } = {}): Promise<{ items: FolderItem[]; skipped: string[] }> {
  const st = await fs.stat(root).catch((err: unknown) => {
    if (isErrno(err, 'ENOENT')) throw new LifeboatError('not-found', `${root} does not exist`);
    throw explainFsError(err, root);
  });
  if (!st.isDirectory()) throw new LifeboatError('bad-input', `${root} is not a folder`);
  const include = opts.include?.length ? opts.include : ['**'];
  const exclude = opts.exclude ?? [];
  const items: FolderItem[] = [];
  const skipped: string[] = [];
  const matches = (rel: string, globs: string[]) => globs.some((g) => path.posix.matchesGlob(rel, g) || path.posix.matchesGlob(rel, `${g}/**`));

  async function walk(dirAbs: string, dirRel: string): Promise<void> {
    const entries = await fs.readdir(dirAbs, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const rel = dirRel ? `${dirRel}/${e.name}` : e.name;
      const abs = path.join(dirAbs, e.name);
      if (matches(rel, exclude)) continue;
      if (e.isSymbolicLink() || (!e.isFile() && !e.isDirectory())) {
        skipped.push(rel);
        continue;
      }
      const s = await fs.lstat(abs);
      if (e.isDirectory()) {
        items.push({ rel, abs, type: 'dir', size: 0, mode: s.mode & 0o7777, mtimeMs: s.mtimeMs });
        await walk(abs, rel);
      } else if (matches(rel, include)) {
        items.push({ rel, abs, type: 'file', size: s.size, mode: s.mode & 0o7777, mtimeMs: s.mtimeMs });
      }
    }
  }
  await walk(root, '');
  return { items, skipped };
}

/** The folder's fingerprint: every path, size and mtime. Same rules as sqliteFingerprint. */
export function folderFingerprint(items: FolderItem[]): { fingerprint: string; newestMtimeMs: number } {
  let newest = 0;
  const parts = items.map((i) => {
    if (i.type === 'file') newest = Math.max(newest, i.mtimeMs);
    return `${i.type}:${i.rel}:${i.size}:${i.type === 'file' ? i.mtimeMs : ''}`;
  });
  return { fingerprint: parts.join('\n'), newestMtimeMs: newest };
}
