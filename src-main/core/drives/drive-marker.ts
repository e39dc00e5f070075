// What makes a drive Lifeboat's, as stored on the drive itself: the `Lifeboat/` folder at its root, which is
// the drive's repository (a twin of the local one), plus a small `lifeboat-drive.json` naming the drive.
import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { LifeboatError, explainFsError, isErrno } from '../errors.ts';
import { readConfig } from '../repository/repo-config.ts';
import { writeFileDurable } from '../util/durable-file.ts';

/** The folder at a drive's root that holds its Lifeboat repository. */
export const LIFEBOAT_FOLDER = 'Lifeboat';
/** Inside LIFEBOAT_FOLDER: the drive's identity. The repository format ignores files it does not know. */
export const DRIVE_FILE = 'lifeboat-drive.json';

/** `Lifeboat/lifeboat-drive.json`: a stable id for the drive, whatever its mount point or label. */
export interface DriveMarker {
  format: 'lifeboat-drive';
  version: 1;
  /** 12 lowercase hex digits. */
  id: string;
  created: string;
  /** The label the drive had when adopted (for people; the id is what counts). */
  label: string;
}

/** What a volume holds, as far as Lifeboat is concerned. */
export interface DriveContents {
  /** The drive's marker id, or null when it has none (not adopted, or only a repository). */
  driveId: string | null;
  /** The id of the repository in `<mount>/Lifeboat`, or null when there is none. */
  repoId: string | null;
  /** Why the marker or repository could not be read (a damaged file), if so. */
  problem?: string;
}

/** `<mount>/Lifeboat`. */
export function driveRepoDir(mount: string): string {
  return path.join(mount, LIFEBOAT_FOLDER);
}

/**
 * Reads the marker and repository config of the drive mounted at `mount`. Never throws: a volume that
 * cannot be read (pulled, a dead FUSE mount) reads as holding nothing, with the reason in `problem`.
 */
export async function readDriveContents(mount: string): Promise<DriveContents> {
  const out: DriveContents = { driveId: null, repoId: null };
  const dir = driveRepoDir(mount);
  try {
    out.driveId = (await readDriveMarker(dir))?.id ?? null;
  } catch (err) {
    out.problem = (err as Error).message;
  }
  try {
    out.repoId = (await readConfig(dir))?.id ?? null;
  } catch (err) {
    out.problem = (err as Error).message;
  }
  return out;
}

/** Reads `<repoDir>/lifeboat-drive.json`; undefined when absent; throws a LifeboatError when unreadable. */
export async function readDriveMarker(repoDir: string): Promise<DriveMarker | undefined> {
  let raw: string;
  try {
    raw = await fs.readFile(path.join(repoDir, DRIVE_FILE), 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
    throw new LifeboatError('failed', `cannot read ${path.join(repoDir, DRIVE_FILE)}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const m = JSON.parse(raw) as DriveMarker;
    if (m.format === 'lifeboat-drive' && /^[0-9a-f]{12}$/.test(m.id)) return m;
  } catch {
    // fall through
  }
  throw new LifeboatError('corrupt', `${path.join(repoDir, DRIVE_FILE)} is not a Lifeboat drive marker`);
}

/**
 * Returns the drive's marker, creating `<repoDir>` and a marker with a fresh id if there is none. Idempotent:
 * a drive keeps its id for ever. Throws a LifeboatError on a read-only or full drive.
 */
export async function ensureDriveMarker(repoDir: string, label: string): Promise<DriveMarker> {
  const existing = await readDriveMarker(repoDir);
  if (existing) return existing;
  const marker: DriveMarker = { format: 'lifeboat-drive', version: 1, id: crypto.randomBytes(6).toString('hex'), created: new Date().toISOString(), label };
  try {
    await fs.mkdir(repoDir, { recursive: true });
    await writeFileDurable(path.join(repoDir, DRIVE_FILE), Buffer.from(JSON.stringify(marker, null, 2) + '\n'));
  } catch (err) {
    throw explainFsError(err, repoDir);
  }
  return marker;
}
