// The drives this machine copies to, remembered in `<data dir>/drives.json`: which were adopted, where and when
// each was last seen, and how its last copy went. The drive itself carries its id (drive-marker.ts), so a
// drive is recognised whatever letter or mount point it gets, and rotating drives each keep their own record.
import fs from 'node:fs/promises';
import path from 'node:path';
import { LifeboatError, isErrno } from '../errors.ts';
import { acquireLock } from '../locks/process-lock.ts';
import { CONFIG_FILE, readConfig } from '../repository/repo-config.ts';
import { writeFileDurable } from '../util/durable-file.ts';
import { driveRepoDir, ensureDriveMarker, LIFEBOAT_FOLDER, DRIVE_FILE } from './drive-marker.ts';
import { findVolumes, type FinderOptions, type Volume } from './drive-finder.ts';
import type { DrivePolicy } from './drive-policy.ts';

/** How a copy to a drive ended. 'full': the drive ran out of space even after pruning; 'failed': anything else (pulled, I/O error). */
export interface CopyRecord {
  time: string;
  result: 'ok' | 'full' | 'failed';
  /** Snapshots that landed on the drive in this copy (manifest written and verified). */
  copied: number;
  bytes: number;
  durationMs: number;
  message: string;
}

/** One remembered drive. */
export interface DriveRecord {
  id: string;
  label: string;
  /** 'adopted': the admin said yes; 'repository': it already held our repository. */
  how: 'adopted' | 'repository';
  adoptedAt: string;
  lastMount: string | null;
  lastSeenAt: string | null;
  size: number | null;
  free: number | null;
  lastCopy: CopyRecord | null;
  /** This drive's own policy; absent means the default drive policy. */
  policy?: DrivePolicy;
}

/** A drive as `lifeboat drive list` shows it: present now, adopted, or both. */
export interface DriveStatus {
  /** The drive's id (null for a present volume that has none: never adopted). */
  id: string | null;
  label: string;
  /** Where it is mounted now, or where it was last seen. */
  mount: string | null;
  present: boolean;
  adopted: boolean;
  /** Lifeboat copies to it: adopted, or holding our repository. */
  ours: boolean;
  /** The repository id on the drive (present drives only). */
  repoId: string | null;
  fsType: string | null;
  size: number | null;
  free: number | null;
  lastSeenAt: string | null;
  lastCopy: CopyRecord | null;
  problem?: string;
}

interface RegistryFile { version: 1; drives: DriveRecord[]; forgotten: string[] }

export const REGISTRY_FILE = 'drives.json';

/**
 * The registry of drives for one data dir and one repository (`repoId`: the local repository's id; a drive
 * holding a repository with this id is ours without asking). Every change is a read-modify-write of
 * drives.json under an exclusive lock in `<data dir>/locks`, so the CLI and the agent can both use it.
 * Methods throw LifeboatErrors a person can act on (a drive that holds another repository, an unknown id).
 */
export class DriveRegistry {
  readonly dataDir: string;
  readonly repoId: string;
  private readonly find: () => Promise<Volume[]>;

  constructor(opts: { dataDir: string; repoId: string; finder?: FinderOptions; find?: () => Promise<Volume[]> }) {
    this.dataDir = path.resolve(opts.dataDir);
    this.repoId = opts.repoId;
    this.find = opts.find ?? (() => findVolumes(opts.finder));
  }

  private get file(): string {
    return path.join(this.dataDir, REGISTRY_FILE);
  }

  /**
   * Makes the drive mounted at `mountPath` ours: creates `<mount>/Lifeboat` with the drive's id file and
   * remembers it. Adopting twice returns the same record. Refuses (code 'exists') a drive holding another
   * Lifeboat repository; a read-only or full drive gives a 'permission' or 'no-space' error. `mountPath` may
   * also be the drive's Lifeboat folder itself.
   */
  async adopt(mountPath: string, opts: { policy?: DrivePolicy } = {}): Promise<DriveRecord> {
    let mount = path.resolve(mountPath);
    if (path.basename(mount) === LIFEBOAT_FOLDER && (await exists(path.join(mount, CONFIG_FILE)) || await exists(path.join(mount, DRIVE_FILE)))) mount = path.dirname(mount);
    const st = await fs.stat(mount).catch((err: unknown) => {
      throw new LifeboatError('not-found', `${mount} is not there: is the drive plugged in and mounted? (${(err as Error).message})`);
    });
    if (!st.isDirectory()) throw new LifeboatError('bad-input', `${mount} is not a folder: give the drive's mount point`);
    const config = await readConfig(driveRepoDir(mount));
    if (config && config.id !== this.repoId) {
      throw new LifeboatError('exists', `${mount} holds another Lifeboat repository (id ${config.id}), not this machine's: not adopting it. Restore from it with --repo, or use another drive`);
    }
    const volume = (await this.find().catch(() => [] as Volume[])).find((v) => v.mount === mount);
    const label = volume?.label ?? path.basename(mount);
    const marker = await ensureDriveMarker(driveRepoDir(mount), label);
    return this.update((reg) => {
      reg.forgotten = reg.forgotten.filter((id) => id !== marker.id);
      const rec = upsert(reg, marker.id, label, 'adopted');
      if (opts.policy) rec.policy = opts.policy;
      seen(rec, mount, volume);
      return rec;
    });
  }

  /**
   * Forgets a drive by id (or a unique prefix of at least 4 characters): Lifeboat stops copying to it, even if
   * it holds our repository, until it is adopted again. Nothing on the drive is touched. Throws 'not-found'.
   */
  async forget(idOrPrefix: string): Promise<DriveRecord> {
    return this.update((reg) => {
      const hits = idOrPrefix.length >= 4 ? reg.drives.filter((d) => d.id.startsWith(idOrPrefix)) : [];
      if (hits.length !== 1) throw new LifeboatError(hits.length ? 'bad-input' : 'not-found', hits.length ? `${idOrPrefix} matches ${hits.length} drives: give more of the id` : `no adopted drive ${idOrPrefix} (see "lifeboat drive list")`);
      const rec = hits[0]!;
      reg.drives = reg.drives.filter((d) => d !== rec);
      if (!reg.forgotten.includes(rec.id)) reg.forgotten.push(rec.id);
      return rec;
    });
  }

  /** The remembered record of a drive, or undefined. */
  async get(id: string): Promise<DriveRecord | undefined> {
    return (await this.read()).drives.find((d) => d.id === id);
  }

  /**
   * Drives seen now (adopted or not) and adopted drives not present, present ones first. Reads only: it does
   * not adopt or record anything. `volumes` defaults to a fresh findVolumes().
   */
  async list(volumes?: Volume[]): Promise<DriveStatus[]> {
    const [reg, vols] = await Promise.all([this.read(), volumes ? Promise.resolve(volumes) : this.find()]);
    const out: DriveStatus[] = [];
    const shown = new Set<string>();
    for (const v of vols) {
      const rec = v.driveId ? reg.drives.find((d) => d.id === v.driveId) : undefined;
      if (rec) shown.add(rec.id);
      const ours = !!rec || (v.repoId === this.repoId && !(v.driveId && reg.forgotten.includes(v.driveId)));
      out.push({ id: v.driveId, label: v.label, mount: v.mount, present: true, adopted: !!rec, ours, repoId: v.repoId, fsType: v.fsType, size: v.size, free: v.free, lastSeenAt: new Date().toISOString(), lastCopy: rec?.lastCopy ?? null, ...(v.problem ? { problem: v.problem } : {}) });
    }
    for (const rec of reg.drives) {
      if (shown.has(rec.id)) continue;
      out.push({ id: rec.id, label: rec.label, mount: rec.lastMount, present: false, adopted: true, ours: true, repoId: null, fsType: null, size: rec.size, free: rec.free, lastSeenAt: rec.lastSeenAt, lastCopy: rec.lastCopy });
    }
    return out;
  }

  /**
   * The present volumes Lifeboat should copy to, with their records: adopted drives, and drives holding our
   * repository (remembered here, with an id file written on the drive if it had none, unless they were
   * forgotten). A drive whose id file cannot be written (read-only) is left out.
   */
  async ours(volumes?: Volume[]): Promise<Array<{ volume: Volume; record: DriveRecord }>> {
    const vols = volumes ?? (await this.find());
    const reg = await this.read();
    const out: Array<{ volume: Volume; record: DriveRecord }> = [];
    for (const v of vols) {
      const known = v.driveId ? reg.drives.find((d) => d.id === v.driveId) : undefined;
      if (known) { out.push({ volume: v, record: known }); continue; }
      if (v.repoId !== this.repoId || (v.driveId && reg.forgotten.includes(v.driveId))) continue;
      try {
        const marker = await ensureDriveMarker(driveRepoDir(v.mount), v.label);
        const record = await this.update((r) => {
          const rec = upsert(r, marker.id, v.label, 'repository');
          seen(rec, v.mount, v);
          return rec;
        });
        out.push({ volume: { ...v, driveId: marker.id }, record });
      } catch {
        // A read-only drive holding our repository can still be restored from; it just is not a copy target.
      }
    }
    return out;
  }

  /** Remembers how a copy to drive `id` went, and where and how full the drive was. Unknown ids are ignored. */
  async recordCopy(id: string, copy: CopyRecord, volume?: Pick<Volume, 'mount' | 'size' | 'free' | 'label'>): Promise<void> {
    await this.update((reg) => {
      const rec = reg.drives.find((d) => d.id === id);
      if (!rec) return;
      rec.lastCopy = copy;
      if (volume) seen(rec, volume.mount, volume);
    });
  }

  private async read(): Promise<RegistryFile> {
    let raw: string;
    try {
      raw = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return { version: 1, drives: [], forgotten: [] };
      throw err;
    }
    try {
      const reg = JSON.parse(raw) as RegistryFile;
      if (reg.version !== 1 || !Array.isArray(reg.drives)) throw new Error('bad shape');
      return { version: 1, drives: reg.drives, forgotten: Array.isArray(reg.forgotten) ? reg.forgotten : [] };
    } catch {
      throw new LifeboatError('corrupt', `${this.file} is damaged: delete it and adopt the drives again (drives holding the repository are recognised by themselves)`);
    }
  }

  private async update<T>(change: (reg: RegistryFile) => T): Promise<T> {
    const lock = await acquireLock(path.join(this.dataDir, 'locks'), { name: 'drives', kind: 'exclusive', purpose: 'update of the drive list', waitMs: 30_000 });
    try {
      const reg = await this.read();
      const result = change(reg);
      await writeFileDurable(this.file, Buffer.from(JSON.stringify(reg, null, 2) + '\n'));
      return result;
    } finally {
      await lock.release();
    }
  }
}

function upsert(reg: RegistryFile, id: string, label: string, how: DriveRecord['how']): DriveRecord {
  let rec = reg.drives.find((d) => d.id === id);
  if (!rec) {
    rec = { id, label, how, adoptedAt: new Date().toISOString(), lastMount: null, lastSeenAt: null, size: null, free: null, lastCopy: null };
    reg.drives.push(rec);
  } else if (how === 'adopted') {
    rec.how = 'adopted';
  }
  return rec;
}

function seen(rec: DriveRecord, mount: string, v?: Pick<Volume, 'size' | 'free' | 'label'>): void {
  rec.lastMount = mount;
  rec.lastSeenAt = new Date().toISOString();
  if (v) {
    rec.size = v.size;
    rec.free = v.free;
    if (v.label) rec.label = v.label;
  }
}

async function exists(file: string): Promise<boolean> {
  return (await fs.stat(file).catch(() => undefined)) !== undefined;
}
