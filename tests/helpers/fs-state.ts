// What a folder holds, for "nothing changed" and "restored byte for byte" assertions.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

/** Every regular file under `dir` as '/'-separated relative paths, sorted; [] when `dir` does not exist. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    out.push(path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
  }
  return out.sort();
}

/** Every directory under `dir` (relative, sorted). */
export function listDirs(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isDirectory()) out.push(path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
  }
  return out.sort();
}

/** `relative path -> sha256` of every file under `dir`: equal maps mean nothing was added, removed or changed. */
export function fileDigests(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of listFiles(dir)) out[rel] = crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, rel))).digest('hex');
  return out;
}

/** The content of a folder tree: files with their bytes, and every directory (so empty ones count too). */
export interface TreeContent { files: Map<string, Buffer>; dirs: string[] }

export function readTree(dir: string): TreeContent {
  return { files: new Map(listFiles(dir).map((rel) => [rel, fs.readFileSync(path.join(dir, rel))])), dirs: listDirs(dir) };
}

/** Differences between two trees in words (empty when identical), short enough for an assertion message. */
export function diffTrees(expected: TreeContent, actual: TreeContent): string[] {
  const problems: string[] = [];
  for (const [rel, bytes] of expected.files) {
    const got = actual.files.get(rel);
    if (!got) problems.push(`missing file ${rel}`);
    else if (!got.equals(bytes)) problems.push(`file ${rel} differs (${got.length} bytes, expected ${bytes.length})`);
  }
  for (const rel of actual.files.keys()) if (!expected.files.has(rel)) problems.push(`unexpected file ${rel}`);
  const want = new Set(expected.dirs);
  for (const d of expected.dirs) if (!actual.dirs.includes(d)) problems.push(`missing folder ${d}`);
  for (const d of actual.dirs) if (!want.has(d)) problems.push(`unexpected folder ${d}`);
  return problems;
}
