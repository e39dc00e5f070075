import { renameSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { explainFsError } from '../errors.ts';
import type { Manifest } from '../repository/manifest.ts';

/** A snapshot as the catalog knows it: the summary of its manifest plus what verification found. */
export interface SnapshotRow {
  id: string;
  source: string;
  kind: 'sqlite' | 'folder' | 'mysql' | 'postgres';
  time: string;
  reason: string;
  size: number;
  bytesAdded: number;
  verified: 'quick' | 'deep' | null;
  verifiedAt: string | null;
  damaged: string | null;
}

export interface HistoryRow { id: number; time: string; op: string; source: string | null; snapshot: string | null; actor: string; result: 'ok' | 'failed' | 'warning'; detail: string; durationMs: number }

/**
 * catalog.db in the data dir: an index of the repository's snapshots, the history of every operation, and
 * small job state. It is only an index: `sync` rebuilds the snapshot table from the repository at any time,
 * and deleting the file loses no backup (history starts afresh).
 */
export class Catalog {
  readonly db: Database.Database;
  /** Set when a damaged catalog was moved aside at open (its path), so the caller can say so. */
  readonly replacedDamaged: string | undefined;

  /**
   * Opens (or creates) the catalog. A damaged catalog never locks Lifeboat out: it is moved aside as
   * `catalog.db.damaged-<time>` and a fresh one is made, to be filled from the repository.
   */
  constructor(file: string) {
    let db: Database.Database;
    let replaced: string | undefined;
    try {
      db = Catalog.openChecked(file);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'SQLITE_NOTADB' && code !== 'SQLITE_CORRUPT' && code !== 'CATALOG_DAMAGED') throw explainFsError(err, file);
      replaced = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(file, replaced);
      for (const s of ['-wal', '-shm']) rmSync(file + s, { force: true });
      db = Catalog.openChecked(file);
    }
    this.db = db;
    this.replacedDamaged = replaced;
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS snapshots (
        id TEXT PRIMARY KEY, source TEXT NOT NULL, kind TEXT NOT NULL, time TEXT NOT NULL, reason TEXT NOT NULL,
        size INTEGER NOT NULL, bytes_added INTEGER NOT NULL, verified TEXT, verified_at TEXT, damaged TEXT);
      CREATE INDEX IF NOT EXISTS snapshots_source_time ON snapshots(source, time);
      CREATE TABLE IF NOT EXISTS history (
        id INTEGER PRIMARY KEY, time TEXT NOT NULL, op TEXT NOT NULL, source TEXT, snapshot TEXT, actor TEXT NOT NULL,
        result TEXT NOT NULL, detail TEXT NOT NULL, duration_ms INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
  }

  private static openChecked(file: string): Database.Database {
    const db = new Database(file, { timeout: 30_000 });
    try {
      const qc = db.pragma('quick_check', { simple: true });
      if (qc !== 'ok') throw Object.assign(new Error(`catalog quick_check: ${String(qc)}`), { code: 'CATALOG_DAMAGED' });
      return db;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  close(): void {
    this.db.close();
  }

  upsertSnapshot(m: Manifest, bytesAdded = m.stats.bytesAdded): void {
    this.db.prepare(`INSERT INTO snapshots (id, source, kind, time, reason, size, bytes_added) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET source = excluded.source, time = excluded.time, reason = excluded.reason, size = excluded.size`)
      .run(m.id, m.source.name, m.source.kind, m.time, m.reason, m.stats.size, bytesAdded);
  }

  removeSnapshot(id: string): void {
    this.db.prepare('DELETE FROM snapshots WHERE id = ?').run(id);
  }

  markVerified(id: string, level: 'quick' | 'deep', damaged: string | null): void {
    this.db.prepare('UPDATE snapshots SET verified = ?, verified_at = ?, damaged = ? WHERE id = ?')
      .run(damaged ? null : level, new Date().toISOString(), damaged, id);
  }

  snapshots(source?: string): SnapshotRow[] {
    const rows = this.db.prepare(`SELECT id, source, kind, time, reason, size, bytes_added AS bytesAdded, verified, verified_at AS verifiedAt, damaged
      FROM snapshots ${source ? 'WHERE source = ?' : ''} ORDER BY time DESC, id DESC`).all(...(source ? [source] : [])) as SnapshotRow[];
    return rows;
  }

  snapshotIds(): Set<string> {
    return new Set(this.db.prepare('SELECT id FROM snapshots').pluck().all() as string[]);
  }

  addHistory(h: Omit<HistoryRow, 'id' | 'time'> & { time?: string }): void {
    this.db.prepare('INSERT INTO history (time, op, source, snapshot, actor, result, detail, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(h.time ?? new Date().toISOString(), h.op, h.source, h.snapshot, h.actor, h.result, h.detail, Math.round(h.durationMs));
  }

  history(limit = 100): HistoryRow[] {
    return this.db.prepare('SELECT id, time, op, source, snapshot, actor, result, detail, duration_ms AS durationMs FROM history ORDER BY id DESC LIMIT ?').all(limit) as HistoryRow[];
  }

  get(key: string): string | undefined {
    return this.db.prepare('SELECT value FROM kv WHERE key = ?').pluck().get(key) as string | undefined;
  }

  set(key: string, value: string): void {
    this.db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }
}
