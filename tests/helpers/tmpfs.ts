// Small tmpfs mounts for disk-full tests (see /work/shared/peers.md, "Disk full"): ENOSPC past `size`
// bytes, or at the `nrInodes`-th file or folder. Needs root.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Why these tests cannot run here, or false when they can. Without root they are skipped with that reason,
 * except under CI (CI set), where they must run: there a missing privilege is a failure, not a skip.
 */
export function tmpfsSkipReason(): string | false {
  if (process.getuid?.() === 0 || process.env.CI) return false;
  return 'needs root to mount a tmpfs (run as root, or set CI=true to make this a failure instead of a skip)';
}

export interface TmpfsOptions { size?: string; nrInodes?: number }

function options(o: TmpfsOptions): string[] {
  return [...(o.size ? [`size=${o.size}`] : []), ...(o.nrInodes !== undefined ? [`nr_inodes=${o.nrInodes}`] : [])];
}

/** Mounts a fresh tmpfs on `dir` (created if needed). Call unmountTmpfs in an after() hook. */
export function mountTmpfs(dir: string, o: TmpfsOptions): void {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', ['mode=755', ...options(o)].join(','), 'lifeboat-test-tmpfs', dir], { stdio: 'pipe' });
}

/** Changes the limits of a mounted tmpfs in place; the files on it stay. */
export function remountTmpfs(dir: string, o: TmpfsOptions): void {
  execFileSync('mount', ['-o', ['remount', ...options(o)].join(','), dir], { stdio: 'pipe' });
}

/** Unmounts (lazily if busy); never throws, so it is safe in cleanup. */
export function unmountTmpfs(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    try { execFileSync('umount', ['-l', dir], { stdio: 'pipe' }); } catch { /* not mounted */ }
  }
}

/** Inodes (files and folders) in use on the file system holding `dir`. */
export function inodesUsed(dir: string): number {
  const s = fs.statfsSync(dir);
  return s.files - s.ffree;
}
