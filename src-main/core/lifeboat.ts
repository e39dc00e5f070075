import fs from 'node:fs/promises';
import crypto from 'node:crypto';
import path from 'node:path';
import { LifeboatError } from './errors.ts';
import { Catalog, type SnapshotRow } from './catalog/catalog.ts';
import { Repository, type PassphraseSource } from './repository/repository.ts';
import { isSnapshotId, type Manifest } from './repository/manifest.ts';
import { acquireLock } from './locks/process-lock.ts';
import { fsyncDir } from './util/durable-file.ts';
import { loadSettings, saveSettings, validateSource } from './settings/settings-store.ts';
import type { Settings, SourceConfig } from './settings/settings-types.ts';
import { assertSqliteFile } from './sources/sqlite-source.ts';
import { createOfficeDb } from './sources/demo-office-db.ts';
import { backupSource, type Progress } from './engine/backup.ts';
import { verifySnapshots, type VerifyReport } from './engine/verify.ts';
import { restoreSnapshot, type RestoreResult } from './engine/restore.ts';
import { collectGarbage, type GcReport } from './engine/garbage.ts';
import { applyPolicy } from './retention/retention-policy.ts';
import { rebuildIndex, type IndexRepair } from './engine/repair-index.ts';
import { settingsTimeZone } from './settings/schedule-settings.ts';
import { FileSecretStore, sourceSecretKey, type SecretStore } from './settings/secret-store.ts';
import { parseDbUrl } from './sources/db-url.ts';
import { checkDbConnection } from './sources/db-dump.ts';
import { load as loadDump, verifyByRestore } from './sources/db-verify.ts';
import { planRestore, rebuildScratch, resolveTables, restoreDb, restoreSqliteTables } from './engine/table-restore.ts';
import type { TablePlan } from './sources/db-restore.ts';
import { Offsite } from './offsite/offsite.ts';

export interface EngineOptions {
  dataDir: string;
  /** Use this repository instead of the one in settings (e.g. a USB drive found in a drawer). */
  repoDir?: string;
  passphrase: PassphraseSource;
  /** Passphrase for a repository created on first use; null or undefined creates an unencrypted one. */
  initPassphrase?: string | null;
  actor?: string;
  onProgress?: (p: Progress & { source?: string }) => void;
  /** Where target credentials live (default: secrets.json, 0600, in the data dir; the app passes safeStorage). */
  secrets?: SecretStore;
}

export interface PruneReport { dryRun: boolean; removed: Array<{ id: string; source: string; time: string; reasons: string[] }>; kept: number; gc: GcReport }

/**
 * The engine's one entry point, used by the CLI, the headless agent and the Electron app alike.
 * Holds the data dir (settings.json, catalog.db, the default repository, tmp/ and locks/).
 * Every operation is recorded in the catalog's history. Call close() when done.
 */
export class Lifeboat {
  readonly dataDir: string;
  settings: Settings;
  readonly catalog: Catalog;
  private repo: Repository | undefined;
  private readonly opts: EngineOptions;
  private offsiteCopies: Offsite | undefined;
  private secretStore: SecretStore | undefined;

  /** The catalog database's file. */
  readonly catalogFile: string;

  private constructor(opts: EngineOptions, settings: Settings, catalog: Catalog, catalogFile: string) {
    this.catalogFile = catalogFile;
    this.opts = opts;
    this.dataDir = opts.dataDir;
    this.settings = settings;
    this.catalog = catalog;
  }

  static async open(opts: EngineOptions): Promise<Lifeboat> {
    const dataDir = path.resolve(opts.dataDir);
    await fs.mkdir(dataDir, { recursive: true });
    const settings = await loadSettings(dataDir);
    // A repository read with --repo (a USB drive, another office's copy) gets its own catalog: its snapshots
    // share ids with ours, and its verify results must never mark our snapshots (or the reverse).
    const catalogFile = opts.repoDir && path.resolve(opts.repoDir) !== path.resolve(settings.repository)
      ? path.join(dataDir, `catalog-${crypto.createHash('sha256').update(path.resolve(opts.repoDir)).digest('hex').slice(0, 16)}.db`)
      : path.join(dataDir, 'catalog.db');
    return new Lifeboat({ ...opts, dataDir }, settings, new Catalog(catalogFile), catalogFile);
  }

  close(): void {
    this.catalog.close();
  }

  get repoDir(): string {
    return path.resolve(this.opts.repoDir ?? this.settings.repository);
  }

  get tmpDir(): string {
    return path.join(this.dataDir, 'tmp');
  }

  get actor(): string {
    return this.opts.actor ?? 'cli';
  }

  /** Asks for the repository passphrase (the same source the local repository uses). */
  get passphraseSource(): PassphraseSource {
    return this.opts.passphrase;
  }

  /** Offsite targets and their durable outbox. */
  get offsite(): Offsite {
    this.offsiteCopies ??= new Offsite(this);
    return this.offsiteCopies;
  }

  /** Where credentials live (targets, UPS accounts): secrets.json (0600) in the data dir unless the app gave another. */
  get secrets(): SecretStore {
    this.secretStore ??= this.opts.secrets ?? new FileSecretStore(path.join(this.dataDir, 'secrets.json'));
    return this.secretStore;
  }

  /** Opens the repository, creating it on first use (encrypted when an init passphrase is given). */
  async repository(): Promise<Repository> {
    if (this.repo) return this.repo;
    const known = this.settings.repositoryId;
    if (await Repository.exists(this.repoDir)) {
      const repo = await Repository.open(this.repoDir, this.opts.passphrase);
      if (!this.opts.repoDir && known && repo.config.id !== known) {
        throw new LifeboatError('failed', `${this.repoDir} holds a different repository (id ${repo.config.id}) than the one this data dir backs up to (${known}); if the change is intended, remove "repositoryId" from settings.json`);
      }
      this.repo = repo;
    } else if (this.opts.repoDir) {
      throw new LifeboatError('not-found', `no Lifeboat repository at ${this.repoDir}`);
    } else if (known) {
      // It existed before: never replace it silently with a new, empty (perhaps unencrypted) one.
      throw new LifeboatError('not-found', `the repository at ${this.repoDir} is missing (a drive or network share not mounted?); nothing was written`);
    } else {
      this.repo = await Repository.init(this.repoDir, { passphrase: this.opts.initPassphrase ?? null, createParents: false });
    }
    if (!this.opts.repoDir && !known) {
      this.settings.repositoryId = this.repo.config.id;
      await saveSettings(this.dataDir, this.settings);
    }
    return this.repo;
  }

  // ---- sources -------------------------------------------------------------------------------------------

  /**
   * Adds a source. A database server's password (given here, or written into its URL) goes to the secret
   * store, never to settings.json; the server is asked once, so a wrong password or database shows now.
   */
  async addSource(input: SourceConfig, opts: { password?: string } = {}): Promise<SourceConfig> {
    if (this.settings.sources.some((s) => s.name === input.name)) throw new LifeboatError('exists', `a source named ${input.name} already exists`);
    if (input.kind === 'mysql' || input.kind === 'postgres') {
      const parsed = parseDbUrl(input.path);
      const password = opts.password ?? parsed.password;
      const src = validateSource({ ...input, path: parsed.url, ...(password !== undefined ? { storedSecret: true } : {}) });
      await checkDbConnection(parsed.location, password ?? (src.passwordEnv ? process.env[src.passwordEnv] : undefined), this.tmpDir);
      if (password !== undefined) await this.secrets.set(sourceSecretKey(src.name), password);
      return this.saveNewSource(src);
    }
    const src = validateSource({ ...input, path: path.resolve(input.path) });
    if (src.kind === 'sqlite') await assertSqliteFile(src.path);
    else {
      const st = await fs.stat(src.path).catch(() => undefined);
      if (!st) throw new LifeboatError('not-found', `${src.path} does not exist`);
      if (!st.isDirectory()) throw new LifeboatError('bad-input', `${src.path} is not a folder (use --sqlite for a database file)`);
    }
    return this.saveNewSource(src);
  }

  private async saveNewSource(src: SourceConfig): Promise<SourceConfig> {
    this.settings.sources.push(src);
    await saveSettings(this.dataDir, this.settings);
    this.catalog.addHistory({ op: 'source-add', source: src.name, snapshot: null, actor: this.actor, result: 'ok', detail: `${src.kind} ${src.path}`, durationMs: 0 });
    return src;
  }

  /** A database source's password: from its environment variable, else the secret store, else none. */
  private async dbPassword(src: SourceConfig): Promise<string | undefined> {
    if (src.passwordEnv) {
      const v = process.env[src.passwordEnv];
      if (v === undefined) throw new LifeboatError('bad-input', `source ${src.name} takes its password from the environment variable ${src.passwordEnv}, which is not set`);
      return v;
    }
    return src.storedSecret ? this.secrets.get(sourceSecretKey(src.name)) : undefined;
  }

  async removeSource(name: string): Promise<void> {
    const before = this.settings.sources.length;
    this.settings.sources = this.settings.sources.filter((s) => s.name !== name);
    if (this.settings.sources.length === before) throw new LifeboatError('not-found', `no source named ${name}`);
    await saveSettings(this.dataDir, this.settings);
    this.catalog.addHistory({ op: 'source-remove', source: name, snapshot: null, actor: this.actor, result: 'ok', detail: 'its snapshots are kept until pruned', durationMs: 0 });
  }

  source(name: string): SourceConfig {
    const s = this.settings.sources.find((x) => x.name === name);
    if (!s) throw new LifeboatError('not-found', `no source named ${name} (see "lifeboat source list")`);
    return s;
  }

  /** With nothing configured, protects a small sample office database so a first start has something real to show. */
  async ensureDemo(): Promise<SourceConfig | undefined> {
    if (this.settings.sources.length > 0) return undefined;
    const file = path.join(this.dataDir, 'demo', 'office.db');
    await fs.mkdir(path.dirname(file), { recursive: true });
    if (!(await fs.stat(file).catch(() => undefined))) createOfficeDb(file, { targetBytes: 2 * 1024 * 1024, seed: 1, journalMode: 'wal' });
    return this.addSource({ name: 'demo-office', kind: 'sqlite', path: file });
  }

  // ---- operations ----------------------------------------------------------------------------------------

  /** Snapshots one source or all; each source's snapshot is independent (one failing does not stop the rest). */
  async backup(opts: { source?: string; reason?: string; skipUnchanged?: boolean } = {}): Promise<{ snapshots: Manifest[]; skipped: string[]; errors: Array<{ source: string; error: string }> }> {
    const sources = opts.source ? [this.source(opts.source)] : this.settings.sources;
    if (sources.length === 0) throw new LifeboatError('bad-input', 'no sources configured: add one with "lifeboat source add"');
    await this.repository(); // a wrong passphrase is one error, not one per source
    const snapshots: Manifest[] = [];
    const skipped: string[] = [];
    const errors: Array<{ source: string; error: string }> = [];
    for (const src of sources) {
      try {
        const m = await this.backupOne(src, opts.reason ?? 'manual', true, !!opts.skipUnchanged);
        if (m) snapshots.push(m);
        else skipped.push(src.name);
      } catch (err) {
        // Per-source problems (a missing file) do not stop the others; repository-wide ones stop everything.
        // ('unreadable', a source we may not read, is that source's problem; 'permission' writing the repository is everyone's.)
        if (!(err instanceof LifeboatError) || sources.length === 1 || ['no-space', 'permission', 'wrong-passphrase', 'corrupt'].includes(err.code)) throw err;
        errors.push({ source: src.name, error: err.message });
      }
    }
    return { snapshots, skipped, errors };
  }

  private async backupOne(src: SourceConfig, reason: string, holdLock = true, skipUnchanged = false): Promise<Manifest | null> {
    const repo = await this.repository();
    await this.syncCatalog();
    const started = Date.now();
    const lock = holdLock ? await this.sourceLock(src.name, `backup of ${src.name}`) : undefined;
    try {
      const prevRow = this.catalog.snapshots(src.name).find((r) => !r.damaged);
      const previous = prevRow ? await repo.loadManifest(prevRow.id).catch(() => undefined) : undefined;
      const dbPassword = src.kind === 'mysql' || src.kind === 'postgres' ? await this.dbPassword(src) : undefined;
      const m = await backupSource(repo, src, { reason, previous, skipUnchanged, tmpDir: this.tmpDir, dbPassword, onProgress: (p) => this.opts.onProgress?.({ ...p, source: src.name }) });
      if (!m) return null;
      // One transaction: a snapshot the catalog knows is also queued for every offsite target. (Only in our
      // own repository: a snapshot written into one opened with --repo is not this office's to send.)
      this.catalog.db.transaction(() => {
        this.catalog.upsertSnapshot(m);
        if (!this.opts.repoDir) this.offsite.enqueue(m);
      })();
      this.catalog.addHistory({ op: 'backup', source: src.name, snapshot: m.id, actor: this.actor, result: m.warnings?.length ? 'warning' : 'ok', detail: `${reason}; ${m.stats.size} bytes, ${m.stats.bytesAdded} added${m.warnings?.length ? '; ' + m.warnings.join('; ') : ''}`, durationMs: Date.now() - started });
      return m;
    } catch (err) {
      this.catalog.addHistory({ op: 'backup', source: src.name, snapshot: null, actor: this.actor, result: 'failed', detail: (err as Error).message, durationMs: Date.now() - started });
      throw err;
    } finally {
      await lock?.release();
    }
  }

  private sourceLock(name: string, purpose: string) {
    return acquireLock(path.join(this.dataDir, 'locks'), { name: `source-${name}`, kind: 'exclusive', purpose, waitMs: 5 * 60_000 });
  }

  /**
   * Brings the catalog's snapshot table in line with the repository: adds manifests it lacks, drops rows whose
   * manifest is gone. `full` forgets the table first (what `repair` does). Returns how many rows changed.
   */
  async syncCatalog(full = false): Promise<{ added: number; removed: number; unreadable: string[] }> {
    const repo = await this.repository();
    if (full) this.catalog.db.exec('DELETE FROM snapshots');
    const inRepo = new Set(await repo.listSnapshotIds());
    const known = this.catalog.snapshotIds();
    let added = 0;
    let removed = 0;
    const unreadable: string[] = [];
    for (const id of inRepo) {
      if (known.has(id)) continue;
      try {
        const m = await repo.loadManifest(id);
        this.catalog.upsertSnapshot(m, m.stats.bytesAdded + (await repo.manifestSize(id)));
        added++;
      } catch (err) {
        unreadable.push(`${id}: ${(err as Error).message}`);
      }
    }
    for (const id of known) if (!inRepo.has(id)) { this.catalog.removeSnapshot(id); removed++; }
    return { added, removed, unreadable };
  }

  async list(source?: string): Promise<SnapshotRow[]> {
    await this.syncCatalog();
    return this.catalog.snapshots(source);
  }

  /** Resolves 'latest' (per source) or an id or unique id prefix (at least 4 characters). */
  async resolveSnapshot(ref: string, source?: string): Promise<SnapshotRow> {
    const rows = await this.list(source);
    if (ref === 'latest') {
      const sources = new Set(rows.map((r) => r.source));
      if (!source && sources.size > 1) throw new LifeboatError('bad-input', `several sources have snapshots (${[...sources].join(', ')}): say which with --source`);
      // A pre-restore safety snapshot is the data a restore replaced: "latest" means the newest real backup,
      // so that restoring latest twice does not undo the first restore.
      const row = rows.find((r) => !r.damaged && r.reason !== 'pre-restore') ?? rows.find((r) => !r.damaged);
      if (!row) throw new LifeboatError('not-found', source ? `no snapshots of ${source} yet` : 'no snapshots yet');
      return row;
    }
    if (!/^[0-9a-f]{4,12}$/.test(ref)) throw new LifeboatError('bad-input', `${JSON.stringify(ref)} is not a snapshot id (12 hex digits, or "latest")`);
    const hits = rows.filter((r) => r.id.startsWith(ref));
    if (hits.length === 0) throw new LifeboatError('not-found', `no snapshot ${ref}${source ? ` of ${source}` : ''} (see "lifeboat list")`);
    if (hits.length > 1) throw new LifeboatError('bad-input', `${ref} matches ${hits.length} snapshots: give more digits`);
    return hits[0]!;
  }

  async verify(opts: { ids?: string[]; all?: boolean; deep?: boolean; signal?: AbortSignal }): Promise<VerifyReport> {
    const repo = await this.repository();
    const started = Date.now();
    let ids: string[];
    if (opts.all || !opts.ids?.length) ids = await repo.listSnapshotIds();
    else ids = await Promise.all(opts.ids.map(async (r) => (await this.resolveSnapshot(r)).id));
    await this.syncCatalog();
    // Shared: a prune (exclusive) waits, so it cannot delete what is being checked and make it look damaged.
    const repoLock = await acquireLock(path.join(repo.dir, 'locks'), { name: 'repo', kind: 'shared', purpose: 'verify', waitMs: 10 * 60_000 });
    let report: VerifyReport;
    try {
      report = await verifySnapshots(repo, ids, { deep: !!opts.deep, tmpDir: this.tmpDir, signal: opts.signal, dbCheck: (m, file) => this.verifyDump(m, file) });
    } finally {
      await repoLock.release();
    }
    for (const v of report.snapshots) if (isSnapshotId(v.id)) this.catalog.markVerified(v.id, report.level, v.ok ? null : v.problems.join('; '));
    const bad = report.snapshots.filter((v) => !v.ok);
    this.catalog.addHistory({ op: `verify-${report.level}`, source: null, snapshot: null, actor: this.actor, result: report.ok ? 'ok' : 'failed', detail: report.ok ? `${ids.length} snapshot(s) ok` : `damaged: ${bad.map((b) => b.id).join(', ')}`, durationMs: Date.now() - started });
    return report;
  }

  /** Verify by restore of a database dump, on the source's own server (when the source is configured here). */
  private async verifyDump(m: Manifest, file: string): Promise<string[]> {
    const src = this.settings.sources.find((s) => s.name === m.source.name && s.kind === m.source.kind);
    if (!src || !m.db) return [];
    try {
      return await verifyByRestore(parseDbUrl(src.path).location, await this.dbPassword(src), this.tmpDir, file, m.db.tables);
    } catch (err) {
      // The server not answering says nothing about the snapshot: not damage, but the check did not happen.
      if (err instanceof LifeboatError && (err.code === 'unreachable' || err.code === 'auth' || err.code === 'not-found')) throw err;
      return [`restoring the dump into a scratch database failed: ${(err as Error).message}`];
    }
  }

  /**
   * Restores a snapshot: into the live source (to undefined) or as a copy at `to`. A live restore takes a
   * 'pre-restore' safety snapshot first and rolls back to it on failure.
   */
  async restore(opts: { ref: string; source?: string; to?: string; overwrite?: boolean; tables?: string[] }): Promise<RestoreResult> {
    const repo = await this.repository();
    const started = Date.now();
    const row = await this.resolveSnapshot(opts.ref, opts.source);
    const m = await repo.loadManifest(row.id);
    const src = this.settings.sources.find((s) => s.name === m.source.name);
    const isDb = m.source.kind === 'mysql' || m.source.kind === 'postgres';
    if (opts.tables && opts.to !== undefined) throw new LifeboatError('bad-input', '--tables restores into the live database; it does not go with --to');
    if (opts.tables && m.source.kind === 'folder') throw new LifeboatError('bad-input', `${m.source.name} is a folder: --tables is for databases`);
    // With --to, a database server's snapshot comes back as its dump file (dump.sql or dump.pgdump) in that
    // folder; without, it goes into the live server (all of it, or --tables).
    if ((isDb && opts.to === undefined) || opts.tables) {
      if (!src) throw new LifeboatError('bad-input', `source ${m.source.name} is not configured here: restore a copy with --to PATH`);
      if (!opts.overwrite) throw new LifeboatError('exists', `restoring into the live ${m.source.kind} data of ${m.source.name} needs --yes (a safety snapshot is taken first)`);
      return this.restoreTablesLive(repo, m, src, opts.tables, started);
    }
    // "--to" naming the live source itself is a live restore (safety snapshot, backup API), not a copy.
    const real = (p: string) => fs.realpath(p).catch(() => path.resolve(p));
    const live = opts.to === undefined || (src !== undefined && (await real(opts.to)) === (await real(src.path)));
    if (live && opts.to !== undefined && !opts.overwrite) throw new LifeboatError('exists', `${opts.to} is the live data of source ${m.source.name}; add --yes to restore into it (a safety snapshot is taken first)`);
    if (live && !src) throw new LifeboatError('bad-input', `source ${m.source.name} is not configured here: restore a copy with --to PATH`);
    const target = live ? src!.path : path.resolve(opts.to!);
    const lock = live ? await this.sourceLock(m.source.name, `restore of ${m.source.name}`) : undefined;
    const repoLock = await acquireLock(path.join(repo.dir, 'locks'), { name: 'repo', kind: 'shared', purpose: `restore of ${m.source.name}`, waitMs: 10 * 60_000 });
    try {
      const result = await restoreSnapshot(repo, m, {
        target, live, overwrite: !!opts.overwrite,
        takeSafety: live ? async () => (await this.backupOne(src!, 'pre-restore', false)) ?? undefined : undefined,
        onProgress: (phase, done, total) => this.opts.onProgress?.({ phase, done, total, source: m.source.name }),
      });
      this.catalog.addHistory({ op: 'restore', source: m.source.name, snapshot: m.id, actor: this.actor, result: 'ok', detail: `${live ? 'into the live data' : 'copy'} at ${target}${result.safetySnapshot ? `; safety snapshot ${result.safetySnapshot}` : ''}`, durationMs: Date.now() - started });
      return result;
    } catch (err) {
      this.catalog.addHistory({ op: 'restore', source: m.source.name, snapshot: m.id, actor: this.actor, result: 'failed', detail: (err as Error).message, durationMs: Date.now() - started });
      throw err;
    } finally {
      await repoLock.release();
      await lock?.release();
    }
  }

  /** A live database restore (a server's whole database or some tables, or some tables of a SQLite file), with a safety snapshot first. */
  private async restoreTablesLive(repo: Repository, m: Manifest, src: SourceConfig, tables: string[] | undefined, started: number): Promise<RestoreResult> {
    // Checked before anything happens (no safety snapshot for a typo).
    const known = m.sqlite?.tables ?? m.db?.tables ?? {};
    const unknown = (resolveTables(tables, known) ?? []).filter((t) => !(t in known));
    if (unknown.length) throw new LifeboatError('bad-input', `the snapshot has no table ${unknown.join(', ')} (it has ${Object.keys(known).join(', ') || 'none'})`);
    tables = resolveTables(tables, known);
    const lock = await this.sourceLock(src.name, `restore of ${src.name}`);
    const repoLock = await acquireLock(path.join(repo.dir, 'locks'), { name: 'repo', kind: 'shared', purpose: `restore of ${src.name}`, waitMs: 10 * 60_000 });
    const scratch = await rebuildScratch(repo, m, this.tmpDir);
    try {
      const safety = (await this.backupOne(src, 'pre-restore', false)) ?? undefined;
      let checks: string[];
      if (src.kind === 'sqlite') {
        checks = restoreSqliteTables(src.path, scratch.file, tables!, m.sqlite?.tables ?? {});
      } else {
        const loc = parseDbUrl(src.path).location;
        const password = await this.dbPassword(src);
        const rollback = async () => {
          if (!safety) return;
          const back = await rebuildScratch(repo, safety, this.tmpDir);
          try {
            await loadDump(loc, password, this.tmpDir, loc.database, back.file);
          } finally {
            await back.dispose();
          }
        };
        checks = await restoreDb(loc, password, this.tmpDir, scratch.file, m.db?.tables ?? {}, { tables, rollback });
      }
      this.catalog.addHistory({ op: 'restore', source: src.name, snapshot: m.id, actor: this.actor, result: 'ok', detail: `into the live data${tables ? ` (tables ${tables.join(', ')})` : ''}${safety ? `; safety snapshot ${safety.id}` : ''}`, durationMs: Date.now() - started });
      return { snapshot: m.id, source: src.name, target: src.path, live: true, checks, ...(safety ? { safetySnapshot: safety.id } : {}) };
    } catch (err) {
      this.catalog.addHistory({ op: 'restore', source: src.name, snapshot: m.id, actor: this.actor, result: 'failed', detail: (err as Error).message, durationMs: Date.now() - started });
      throw err;
    } finally {
      await scratch.dispose();
      await repoLock.release();
      await lock.release();
    }
  }

  /** A dry run of a restore: per table, rows now and in the snapshot, and what would be replaced. */
  async planRestore(opts: { ref: string; source?: string; tables?: string[] }): Promise<{ snapshot: string; source: string; tables: TablePlan[] }> {
    const repo = await this.repository();
    const row = await this.resolveSnapshot(opts.ref, opts.source);
    const m = await repo.loadManifest(row.id);
    const src = this.settings.sources.find((s) => s.name === m.source.name);
    if (!src) throw new LifeboatError('bad-input', `source ${m.source.name} is not configured here: nothing to compare with`);
    const live = src.kind === 'sqlite' ? { sqlitePath: src.path } : src.kind === 'folder' ? {} : { db: parseDbUrl(src.path).location, password: await this.dbPassword(src) };
    return { snapshot: m.id, source: src.name, tables: await planRestore(m, live, this.tmpDir, opts.tables) };
  }

  /** Rebuilds the catalog from the repository and, with `index`, the repository's index from its packs. */
  async repair(opts: { index?: boolean } = {}): Promise<{ catalog: Awaited<ReturnType<Lifeboat['syncCatalog']>>; index?: IndexRepair }> {
    const repo = await this.repository();
    const started = Date.now();
    let index: IndexRepair | undefined;
    if (opts.index) {
      const lock = await acquireLock(path.join(repo.dir, 'locks'), { name: 'repo', kind: 'exclusive', purpose: 'repair of the index', waitMs: 10 * 60_000 });
      try {
        index = await rebuildIndex(repo);
      } finally {
        await lock.release();
      }
    }
    const catalog = await this.syncCatalog(true);
    this.catalog.addHistory({ op: 'repair', source: null, snapshot: null, actor: this.actor, result: catalog.unreadable.length || index?.damagedPacks.length ? 'warning' : 'ok', detail: `catalog: ${catalog.added} snapshot(s)${index ? `; index: ${index.packs} pack(s), ${index.damagedPacks.length} damaged` : ''}`, durationMs: Date.now() - started });
    return { catalog, ...(index ? { index } : {}) };
  }

  /** Applies the retention policy per source, deletes the snapshots it drops, then the packs nothing needs. */
  async prune(opts: { dryRun?: boolean } = {}): Promise<PruneReport> {
    const repo = await this.repository();
    const started = Date.now();
    const lock = await acquireLock(path.join(repo.dir, 'locks'), { name: 'repo', kind: 'exclusive', purpose: 'prune', waitMs: 10 * 60_000 });
    try {
      await this.syncCatalog();
      // Damaged snapshots are left out of the policy and never deleted automatically: a damage flag can come
      // from a passing read error, and what is left of a damaged snapshot may be all there is. A person decides.
      const rows = this.catalog.snapshots().filter((r) => r.damaged === null);
      const decision = applyPolicy(rows.map((r) => ({ id: r.id, source: r.source, time: r.time, verified: r.verified !== null })), this.settings.retention, { timeZone: settingsTimeZone(this.settings) });
      const removed = decision.remove.map((s) => ({ id: s.id, source: s.source, time: s.time, reasons: decision.reasons[s.id] ?? [] }));
      if (!opts.dryRun) {
        for (const r of removed) {
          await repo.deleteManifest(r.id);
          this.catalog.removeSnapshot(r.id);
        }
        // The deletions must be durable before any pack they referenced goes: otherwise a power cut could
        // bring a manifest back whose chunks are gone (file systems without a journal: exFAT sticks).
        if (removed.length) await fsyncDir(path.join(repo.dir, 'snapshots'));
      }
      const gc = await collectGarbage(repo, { dryRun: !!opts.dryRun, ignoreSnapshots: new Set(removed.map((r) => r.id)) });
      if (!opts.dryRun) this.catalog.addHistory({ op: 'prune', source: null, snapshot: null, actor: this.actor, result: 'ok', detail: `${removed.length} snapshot(s) removed, ${gc.packsRemoved} pack(s), ${gc.bytesFreed} bytes freed`, durationMs: Date.now() - started });
      return { dryRun: !!opts.dryRun, removed, kept: decision.keep.length, gc };
    } finally {
      await lock.release();
    }
  }
}
