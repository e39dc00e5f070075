import fs from 'node:fs/promises';
import path from 'node:path';
import { explainFsError } from '../errors.ts';
import { scratchName } from './scratch-files.ts';

/**
 * Writes `data` to `file` so that the file either does not appear or appears complete, even across a power cut:
 * a temp file in `tmpDir` (same file system), write, check the size, fsync, rename, fsync the folder.
 * Overwrites an existing file atomically. Errors such as a full disk come back as LifeboatErrors, and the temp
 * file is removed. Safe to call twice with the same content.
 */
export async function writeFileDurable(file: string, data: Uint8Array | readonly Uint8Array[], tmpDir = path.dirname(file), mode = 0o644): Promise<void> {
  const tmp = path.join(tmpDir, scratchName(`.${path.basename(file)}`));
  const parts = Array.isArray(data) ? (data as readonly Uint8Array[]) : [data as Uint8Array];
  const expected = parts.reduce((n, p) => n + p.byteLength, 0);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, 'wx', mode);
    if (mode !== 0o644) await handle.chmod(mode); // the umask may have widened or narrowed it
    await writeAll(handle, parts);
    const { size } = await handle.stat();
    if (size !== expected) throw new Error(`short write to ${tmp}: ${size} of ${expected} bytes`);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, file);
    await fsyncDir(path.dirname(file));
  } catch (err) {
    await handle?.close().catch(() => {});
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw explainFsError(err, file);
  }
}

/** fsyncs a directory so that a rename or unlink in it survives a power cut. */
export async function fsyncDir(dir: string): Promise<void> {
  const h = await fs.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Reads a file, or returns undefined when it does not exist. */
export async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Writes every byte of `parts`. A full disk can make writev return a short count without an error; writing
 * the rest then raises the real ENOSPC, which callers turn into a clear message.
 */
export async function writeAll(handle: fs.FileHandle, parts: readonly Uint8Array[]): Promise<void> {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const { bytesWritten } = await handle.writev(parts as Uint8Array[]);
  if (bytesWritten === total) return;
  const rest = Buffer.concat(parts as Uint8Array[]).subarray(bytesWritten);
  let off = 0;
  while (off < rest.length) {
    const { bytesWritten: n } = await handle.write(rest, off, rest.length - off);
    if (n === 0) throw Object.assign(new Error('no progress writing: disk full?'), { code: 'ENOSPC' });
    off += n;
  }
}
