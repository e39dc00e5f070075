// rclone 1.60 from Debian (package rclone), configured per test in its own config file.
import { execFileSync } from 'node:child_process';

/** Why rclone tests cannot run here, or false (always false under CI, where a missing rclone must fail). */
export function rcloneSkipReason(): string | false {
  if (process.env.CI) return false;
  try {
    execFileSync('rclone', ['version'], { stdio: 'pipe' });
    return false;
  } catch {
    return 'needs rclone: apt-get install rclone';
  }
}

/** `rclone config create NAME TYPE k=v...` into `file`. */
export function rcloneConfig(file: string, name: string, type: string, opts: Record<string, string>): void {
  execFileSync('rclone', ['config', 'create', name, type, ...Object.entries(opts).map(([k, v]) => `${k}=${v}`)], { env: { ...process.env, RCLONE_CONFIG: file }, stdio: 'pipe' });
}

/** rclone's reversible obscuring of a password, as its config files want it. */
export function obscure(secret: string): string {
  return execFileSync('rclone', ['obscure', secret], { encoding: 'utf8' }).trim();
}
