import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { isProcessAlive } from '../locks/process-lock.ts';

/**
 * Scratch files carry their owner's pid in the name (`<stem>.lbtmp-<pid>-<random><suffix>`), so that after a
 * kill -9 the next run can tell debris from a file another live process is still writing, and remove it:
 * a crashed backup must not leave a 500 MB copy behind for ever.
 */
export function scratchName(stem: string, suffix = ''): string {
  return `${stem}.lbtmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}${suffix}`;
}

const SCRATCH_RE = /\.lbtmp-(\d+)-[0-9a-f]{8}/;

/** Removes scratch files (and SQLite sidecars, and staged folders) in `dir` whose owner process is gone. */
export async function removeDeadScratch(dir: string): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = SCRATCH_RE.exec(name);
    if (!m || isProcessAlive(Number(m[1]), '')) continue;
    await fs.rm(path.join(dir, name), { recursive: true, force: true }).catch(() => {});
    removed.push(name);
  }
  return removed;
}
