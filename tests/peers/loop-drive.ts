// "USB drives" for tests (see /work/shared/peers.md, "A USB drive"): an image file on a loop device, formatted
// ext4 (kernel) or exFAT (FUSE, like most sticks), mounted under a temp media root. yank() pulls an exFAT drive
// mid-write by kill -9 of its own mount.exfat-fuse process. Needs root, losetup, mkfs.ext4, mkfs.exfat,
// mount.exfat-fuse and /dev/fuse. Every drive made here is remembered, so destroyAllLoopDrives() in an
// after() hook frees the loop devices even when a test failed half-way.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export type DriveFs = 'ext4' | 'exfat';

export interface LoopDrive {
  fs: DriveFs;
  label: string;
  image: string;
  /** /dev/loopN, or '' once detached. */
  device: string;
  mount: string;
  mounted: boolean;
}

const TOOLS: Record<DriveFs, string[]> = {
  ext4: ['losetup', 'mkfs.ext4', 'mount', 'umount'],
  exfat: ['losetup', 'mkfs.exfat', 'mount.exfat-fuse', 'umount'],
};

const made = new Set<LoopDrive>();

/**
 * Why loop drives cannot be made here, or false when they can. Under CI (CI set) this is always false:
 * a missing tool or privilege must fail the tests there, not skip them.
 */
export function loopDriveSkipReason(kinds: DriveFs[] = ['ext4', 'exfat']): string | false {
  if (process.env.CI) return false;
  if (process.getuid?.() !== 0) return 'needs root for loop devices and mounts (set CI=true to make this a failure instead of a skip)';
  const missing = [...new Set(kinds.flatMap((k) => TOOLS[k]))].filter((t) => !which(t));
  if (kinds.includes('exfat') && !fs.existsSync('/dev/fuse')) missing.push('/dev/fuse');
  if (missing.length) return `missing ${missing.join(', ')} (apt-get install dosfstools e2fsprogs exfat-fuse exfatprogs fuse3)`;
  return false;
}

/** Creates a `sizeMb` image in `dir`, attaches it, formats it with `label` and mounts it at `<mediaRoot>/<label>`. */
export function createLoopDrive(opts: { dir: string; mediaRoot: string; label: string; sizeMb: number; fs: DriveFs }): LoopDrive {
  const image = path.join(opts.dir, `${opts.label}.img`);
  fs.writeFileSync(image, '');
  fs.truncateSync(image, opts.sizeMb * 1024 * 1024);
  const drive: LoopDrive = { fs: opts.fs, label: opts.label, image, device: '', mount: path.join(opts.mediaRoot, opts.label), mounted: false };
  made.add(drive);
  drive.device = run('losetup', ['--find', '--show', image]).trim();
  // -m 0: no blocks reserved for root, so "full" means full for the tests (which run as root).
  if (opts.fs === 'ext4') run('mkfs.ext4', ['-q', '-m', '0', '-L', opts.label, drive.device]);
  else run('mkfs.exfat', ['-L', opts.label, drive.device]);
  mountDrive(drive);
  return drive;
}

/** Mounts (again) the drive's file system at its mount point: "plugging it in". */
export function mountDrive(d: LoopDrive): void {
  fs.mkdirSync(d.mount, { recursive: true });
  if (d.fs === 'ext4') run('mount', [d.device, d.mount]);
  else run('mount.exfat-fuse', [d.device, d.mount]);
  d.mounted = true;
}

/** Unmounts cleanly: "safely remove". Falls back to a lazy unmount if busy. */
export function unmountDrive(d: LoopDrive): void {
  if (!d.mounted) return;
  try {
    run('umount', [d.mount]);
  } catch {
    run('umount', ['-l', d.mount]);
  }
  d.mounted = false;
}

/** The pid of the mount.exfat-fuse process serving this drive (found by its exact command line), or undefined. */
export function fusePid(d: LoopDrive): number | undefined {
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let argv: string[];
    try {
      argv = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue;
    }
    if (argv.length === 3 && path.basename(argv[0]!) === 'mount.exfat-fuse' && argv[1] === d.device && argv[2] === d.mount) return Number(name);
  }
  return undefined;
}

/**
 * Pulls an exFAT drive without warning: kill -9 of its FUSE process (every access then fails with ENOTCONN),
 * then a lazy unmount, as the desktop does after a stick vanishes. The loop device stays attached, so
 * mountDrive() "plugs it in again". Throws for ext4 (the kernel cannot be made to drop it like that here).
 */
export function yank(d: LoopDrive): void {
  if (d.fs !== 'exfat') throw new Error('yank() needs an exFAT (FUSE) drive');
  const pid = fusePid(d);
  if (pid === undefined) throw new Error(`no mount.exfat-fuse process serves ${d.mount}`);
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 100 && fs.existsSync(`/proc/${pid}`); i++) execFileSync('sleep', ['0.02']);
  try { run('umount', ['-l', d.mount]); } catch { /* already gone */ }
  d.mounted = false;
}

/** Unmounts (lazily), detaches the loop device and deletes the image. Never throws: safe in cleanup. */
export function destroyLoopDrive(d: LoopDrive): void {
  try {
    run('umount', [d.mount]);
  } catch {
    try { run('umount', ['-l', d.mount]); } catch { /* not mounted */ }
  }
  d.mounted = false;
  if (d.device) {
    try { run('losetup', ['-d', d.device]); } catch { /* already detached */ }
    d.device = '';
  }
  fs.rmSync(d.image, { force: true });
  made.delete(d);
}

/** destroyLoopDrive() for every drive this process made and has not destroyed. For after() hooks. */
export function destroyAllLoopDrives(): void {
  for (const d of [...made]) destroyLoopDrive(d);
}

/** Bytes free on the drive, as its file system reports them. */
export function driveFree(d: LoopDrive): number {
  const s = fs.statfsSync(d.mount);
  return s.bavail * s.bsize;
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` } });
}

function which(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin']).some((dir) => dir && fs.existsSync(path.join(dir, cmd)));
}

// A test process that dies without its after() hooks still gives its loop devices back.
process.once('exit', destroyAllLoopDrives);
