// Lists the volumes a Lifeboat drive could be on. It never asks whether a disk is "USB" or "removable":
// lsblk's TRAN=usb / RM=1 are missing for loop devices, many card readers and some enclosures, so a drive is
// any mounted file system that is not the system's own, and ours when it holds a Lifeboat folder.
import fs from 'node:fs/promises';
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { readDriveContents } from './drive-marker.ts';

/** A mounted volume as the system (or a test) reports it, before Lifeboat looks inside. */
export interface RawVolume {
  mount: string;
  /** The device (`/dev/sdb1`, `/dev/loop3`, `E:`), or '' when unknown. */
  device?: string;
  fsType?: string;
  label?: string;
  size?: number;
  free?: number;
}

/** A candidate drive: where it is mounted, what it is, how full, and whether it holds Lifeboat's folder. */
export interface Volume {
  mount: string;
  device: string;
  /** The volume label, or the mount point's last component when the system does not know it. */
  label: string;
  /** The file system type (`ext4`, `exfat`, `vfat`, `ntfs`...; `fuseblk` when nothing better is known). */
  fsType: string;
  size: number;
  /** Bytes available to us. */
  free: number;
  /** Id from `<mount>/Lifeboat/lifeboat-drive.json`, or null. */
  driveId: string | null;
  /** Id of the repository at `<mount>/Lifeboat/lifeboat-repo.json`, or null. */
  repoId: string | null;
  /** Why the Lifeboat folder could not be read, if it could not. */
  problem?: string;
}

export interface FinderOptions {
  /**
   * The system's own list of mounted file systems. Default: systeminformation's fsSize() (df on Unix, WMI on
   * Windows) with labels from blockDevices(). `false` skips the system list (tests, odd systems).
   */
  system?: false | (() => Promise<RawVolume[]>);
  /**
   * Folders whose sub-folders are mount points of removable media (`/media/$USER/*`, `/run/media/$USER/*`,
   * `/Volumes/*`); default defaultMediaRoots(), and on Windows the drive letters D: to Z:. A sub-folder
   * counts only when a file system is mounted on it.
   */
  mediaRoots?: string[];
  /** Extra volumes to consider as they are (a test's, or ones configured by hand). */
  volumes?: RawVolume[] | (() => Promise<RawVolume[]>);
  /** Time limit for each look at a volume or at the system's list, so that a hung network mount cannot stall the finder. Default 5 s. */
  timeoutMs?: number;
  platform?: NodeJS.Platform;
}

const SYSTEM_FS_TYPES = new Set([
  'proc', 'sysfs', 'tmpfs', 'devtmpfs', 'devpts', 'overlay', 'overlayfs', 'squashfs', 'cgroup', 'cgroup2', 'mqueue', 'autofs', 'debugfs',
  'tracefs', 'securityfs', 'pstore', 'bpf', 'configfs', 'fusectl', 'nsfs', 'ramfs', 'hugetlbfs', 'efivarfs', 'binfmt_misc', 'rpc_pipefs',
  'nfsd', 'rootfs', 'aufs', 'zfs', 'devfs', 'fdesc', 'nullfs',
  // Network shares are network targets, not drives to carry away.
  'nfs', 'nfs4', 'cifs', 'smbfs', 'smb3', 'afpfs', 'webdav', 'fuse.sshfs', 'fuse.rclone', 'fuse.s3fs', '9p', 'virtiofs', 'ceph', 'glusterfs',
]);
const SYSTEM_MOUNTS = new Set(['/', '/boot', '/boot/efi', '/efi', '/home', '/usr', '/var', '/opt', '/srv', '/tmp', '/root', '/nix', '/private/var/vm']);
const SYSTEM_PREFIXES = ['/proc/', '/sys/', '/dev/', '/run/', '/snap/', '/boot/', '/var/lib/', '/System/', '/private/', '/usr/', '/nix/'];

/**
 * True for the system's own mounts, which are never drives: the root and its usual partitions, virtual and
 * container file systems, ZFS datasets, snaps, network shares, `/run/*` (except `/run/media/*`), the Windows
 * system drive. Pure.
 */
export function isSystemMount(mount: string, fsType = '', platform: NodeJS.Platform = process.platform, systemDrive = 'C:'): boolean {
  const type = fsType.toLowerCase();
  if (platform === 'win32') {
    const letter = mount.replace(/[\\/]+$/, '').toUpperCase();
    return letter === systemDrive.toUpperCase() || SYSTEM_FS_TYPES.has(type);
  }
  if (SYSTEM_FS_TYPES.has(type) || type.startsWith('fuse.') && type !== 'fuse.exfat' && type !== 'fuse.ntfs-3g') return true;
  if (SYSTEM_MOUNTS.has(mount)) return true;
  if (mount.startsWith('/run/media/')) return false;
  if (platform === 'darwin' && mount.startsWith('/System/Volumes/')) return true;
  return SYSTEM_PREFIXES.some((p) => mount.startsWith(p));
}

/** The folders where desktops mount removable media on `platform` (they need not exist). Pure. */
export function defaultMediaRoots(platform: NodeJS.Platform = process.platform, user = safeUser()): string[] {
  if (platform === 'darwin') return ['/Volumes'];
  if (platform === 'win32') return [];
  return ['/media', ...(user ? [`/media/${user}`, `/run/media/${user}`] : []), '/mnt'];
}

/**
 * Lists the candidate drives now: the system's mounted file systems that are not its own, plus mounted
 * sub-folders of the media roots, plus `volumes`; one entry per mount point, each with its size, free bytes
 * and what Lifeboat finds in its `Lifeboat/` folder. A volume that does not answer (pulled mid-listing, a
 * dead FUSE mount, a stalled network share) is left out. Throws only when the options themselves are bad;
 * a failing system list is skipped (the media roots still count).
 */
export async function findVolumes(opts: FinderOptions = {}): Promise<Volume[]> {
  const platform = opts.platform ?? process.platform;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const raw = new Map<string, RawVolume>();
  const add = (v: RawVolume) => {
    // path.resolve('E:') would mean "the current folder on E:", not its root.
    const key = /^[A-Za-z]:[\\/]?$/.test(v.mount) ? `${v.mount.slice(0, 2).toUpperCase()}\\` : path.resolve(v.mount);
    raw.set(key, { ...raw.get(key), ...stripUndefined(v), mount: key });
    return key;
  };

  const system = opts.system === undefined ? sharedSystemVolumes : opts.system;
  if (system) {
    const listed = await withTimeout(system(), timeoutMs).catch(() => [] as RawVolume[]);
    for (const v of listed) if (!isSystemMount(v.mount, v.fsType, platform, process.env.SystemDrive)) add(v);
  }
  // Found by looking, not listed by the system: checked against isSystemMount once their type is known.
  const looked = new Set<string>();
  for (const root of opts.mediaRoots ?? defaultMediaRoots(platform)) {
    for (const v of await mountedChildren(path.resolve(root), timeoutMs)) if (!raw.has(v.mount)) looked.add(add(v));
  }
  if (platform === 'win32' && !opts.mediaRoots) {
    for (const v of await driveLetters(timeoutMs)) if (!raw.has(v.mount) && !isSystemMount(v.mount, '', platform, process.env.SystemDrive)) add(v);
  }
  const extra = typeof opts.volumes === 'function' ? await opts.volumes() : (opts.volumes ?? []);
  for (const v of extra) add(v);

  const mounts = platform === 'linux' ? await procMounts() : new Map<string, ProcMount>();
  const out = await Promise.all([...raw.values()].map((v) => withTimeout(describe(v, mounts), timeoutMs).catch(() => undefined)));
  return out
    .filter((v): v is Volume => v !== undefined && !(looked.has(v.mount) && isSystemMount(v.mount, v.fsType, platform, process.env.SystemDrive)))
    .sort((a, b) => a.mount.localeCompare(b.mount));
}

async function describe(v: RawVolume, mounts: Map<string, ProcMount>): Promise<Volume> {
  // statfs both proves the volume answers and gives fresh numbers (a pulled drive throws here).
  const st = await fs.statfs(v.mount);
  const pm = mounts.get(v.mount);
  const device = v.device || pm?.device || '';
  let fsType = v.fsType || pm?.type || '';
  let label = v.label || '';
  if ((!label || fsType === 'fuseblk' || !fsType) && device.startsWith('/dev/')) {
    const probed = await blkid(device);
    label ||= probed.LABEL ?? '';
    if (probed.TYPE && (fsType === 'fuseblk' || !fsType)) fsType = probed.TYPE;
  }
  const contents = await readDriveContents(v.mount);
  return {
    mount: v.mount,
    device,
    label: label || path.basename(v.mount) || v.mount,
    fsType: fsType || 'unknown',
    size: st.blocks * st.bsize,
    free: st.bavail * st.bsize,
    driveId: contents.driveId,
    repoId: contents.repoId,
    ...(contents.problem ? { problem: contents.problem } : {}),
  };
}

/** Sub-folders of `root` on which another file system is mounted. */
async function mountedChildren(root: string, timeoutMs: number): Promise<RawVolume[]> {
  let rootStat: import('node:fs').Stats;
  let names: string[];
  try {
    rootStat = await fs.stat(root);
    names = await fs.readdir(root);
  } catch {
    return [];
  }
  const found: RawVolume[] = [];
  await Promise.all(names.map(async (name) => {
    const dir = path.join(root, name);
    const st = await withTimeout(fs.stat(dir), timeoutMs).catch(() => undefined);
    if (st?.isDirectory() && st.dev !== rootStat.dev) found.push({ mount: dir });
  }));
  return found;
}

/** Windows drive letters D: to Z: that answer (C: and A:/B: are never a backup stick). */
async function driveLetters(timeoutMs: number): Promise<RawVolume[]> {
  const letters = 'DEFGHIJKLMNOPQRSTUVWXYZ'.split('').map((l) => `${l}:\\`);
  const found = await Promise.all(letters.map((m) => withTimeout(fs.stat(m), timeoutMs).then(() => m, () => undefined)));
  return found.filter((m): m is string => m !== undefined).map((mount) => ({ mount }));
}

let systemPending: Promise<RawVolume[]> | undefined;

/**
 * systemVolumes(), but never two at once: df can hang on a dead network mount, and a poll every few seconds
 * must not pile up hung df processes; it waits for the one already running instead.
 */
function sharedSystemVolumes(): Promise<RawVolume[]> {
  systemPending ??= systemVolumes().finally(() => { systemPending = undefined; });
  return systemPending;
}

/** systeminformation's view: df-backed sizes, blockDevices() labels. Loaded lazily (it is large). */
async function systemVolumes(): Promise<RawVolume[]> {
  const si = (await import('systeminformation')).default;
  const [sizes, blocks] = await Promise.all([si.fsSize(), si.blockDevices().catch(() => [])]);
  const labels = new Map(blocks.filter((b) => b.mount && b.label).map((b) => [b.mount, b.label]));
  return sizes.map((f) => ({ mount: f.mount, device: f.fs, fsType: f.type, label: labels.get(f.mount) ?? '', size: f.size, free: f.available }));
}

interface ProcMount { device: string; type: string }

/** Linux mount table (device and type per mount point); empty when unreadable. */
async function procMounts(): Promise<Map<string, ProcMount>> {
  const out = new Map<string, ProcMount>();
  const text = await fs.readFile('/proc/self/mounts', 'utf8').catch(() => '');
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
  for (const line of text.split('\n')) {
    const [device, mount, type] = line.split(' ');
    if (device && mount && type) out.set(unescape(mount), { device: unescape(device), type });
  }
  return out;
}

const blkidCache = new Map<string, Promise<Record<string, string>>>();

/**
 * Label and type straight from the device (blkid reads the superblock; needs read access to the device, so
 * root or the disk group). Cached per device path for the process: a poll every few seconds must not probe
 * again; a device reused for another drive is rare and only costs a stale label.
 */
function blkid(device: string): Promise<Record<string, string>> {
  let p = blkidCache.get(device);
  if (!p) {
    p = new Promise((resolve) => {
      execFile('blkid', ['-c', '/dev/null', '-o', 'export', device], { timeout: 3000 }, (err, stdout) => {
        if (err) { blkidCache.delete(device); return resolve({}); }
        resolve(Object.fromEntries(stdout.split('\n').map((l) => l.split('=')).filter((kv) => kv.length >= 2).map(([k, ...v]) => [k!, v.join('=')])));
      });
    });
    blkidCache.set(device, p);
  }
  return p;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_r, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); timer.unref(); })]).finally(() => clearTimeout(timer));
}

function stripUndefined(v: RawVolume): Partial<RawVolume> {
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined && x !== '')) as Partial<RawVolume>;
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? '';
  }
}
