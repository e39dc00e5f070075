import type Database from 'better-sqlite3';
import type { ErrorFact, OffsiteFacts } from '../health/health-facts.ts';

/** One snapshot waiting to go to one target. */
export interface OutboxEntry {
  id: number;
  target: string;
  snapshot: string;
  /** 1 for emergency snapshots (power failing): sent first. */
  priority: number;
  /** The snapshot's own time (oldest first within a priority). */
  snapshotTime: string;
  enqueuedAt: string;
  attempts: number;
}

/** What the outbox knows of a target between runs. */
export interface TargetState {
  target: string;
  lastSuccessAt?: string;
  lastError?: ErrorFact;
  /** A permanent error: no automatic retries until a person acts (settings change, `target test`, `sync`). */
  stopped?: ErrorFact;
  /** Consecutive failed attempts (for the backoff). */
  failures: number;
  /** Not before this time (ISO); absent: now. */
  retryAt?: string;
  /** The repository id the target was set up with (at its first copy); afterwards a missing repository there is an error. */
  repoId?: string;
}

/**
 * The durable queue of offsite copies, in the catalog database: one entry per snapshot and target, written in
 * the same transaction-safe file as the catalog, so it survives crashes, kill -9 and restarts. An entry
 * leaves the queue only when its snapshot's manifest is on the target (or the snapshot no longer exists
 * here, or the target's retention would not keep it).
 */
export class Outbox {
  private readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS outbox (
        id INTEGER PRIMARY KEY, target TEXT NOT NULL, snapshot TEXT NOT NULL, priority INTEGER NOT NULL,
        snapshot_time TEXT NOT NULL, enqueued_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        UNIQUE (target, snapshot));
      CREATE TABLE IF NOT EXISTS target_state (
        target TEXT PRIMARY KEY, last_success_at TEXT, last_error TEXT, last_error_at TEXT,
        stopped TEXT, stopped_at TEXT, failures INTEGER NOT NULL DEFAULT 0, retry_at TEXT, repo_id TEXT);
    `);
  }

  /** Queues a snapshot for a target; queuing it twice is a no-op (an emergency raises the priority). */
  enqueue(target: string, snapshot: { id: string; time: string; emergency?: boolean }, now = new Date()): void {
    this.db.prepare(`INSERT INTO outbox (target, snapshot, priority, snapshot_time, enqueued_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (target, snapshot) DO UPDATE SET priority = max(priority, excluded.priority)`)
      .run(target, snapshot.id, snapshot.emergency ? 1 : 0, snapshot.time, now.toISOString());
  }

  /** Waiting entries of a target in sending order: emergency first, then oldest snapshot first. */
  pending(target: string): OutboxEntry[] {
    return this.db.prepare(`SELECT id, target, snapshot, priority, snapshot_time AS snapshotTime, enqueued_at AS enqueuedAt, attempts
      FROM outbox WHERE target = ? ORDER BY priority DESC, snapshot_time ASC, id ASC`).all(target) as OutboxEntry[];
  }

  /** Removes an entry (sent, or no longer wanted). */
  done(entryId: number): void {
    this.db.prepare('DELETE FROM outbox WHERE id = ?').run(entryId);
  }

  attempted(entryId: number): void {
    this.db.prepare('UPDATE outbox SET attempts = attempts + 1 WHERE id = ?').run(entryId);
  }

  /** Forgets a target's entries and state (the target was removed from settings). */
  dropTarget(target: string): number {
    const n = this.db.prepare('DELETE FROM outbox WHERE target = ?').run(target).changes;
    this.db.prepare('DELETE FROM target_state WHERE target = ?').run(target);
    return n;
  }

  state(target: string): TargetState {
    const r = this.db.prepare('SELECT * FROM target_state WHERE target = ?').get(target) as
      { last_success_at: string | null; last_error: string | null; last_error_at: string | null; stopped: string | null; stopped_at: string | null; failures: number; retry_at: string | null; repo_id: string | null } | undefined;
    if (!r) return { target, failures: 0 };
    return {
      target,
      failures: r.failures,
      ...(r.last_success_at ? { lastSuccessAt: r.last_success_at } : {}),
      ...(r.last_error && r.last_error_at ? { lastError: { time: r.last_error_at, message: r.last_error } } : {}),
      ...(r.stopped && r.stopped_at ? { stopped: { time: r.stopped_at, message: r.stopped } } : {}),
      ...(r.retry_at ? { retryAt: r.retry_at } : {}),
      ...(r.repo_id ? { repoId: r.repo_id } : {}),
    };
  }

  recordSuccess(target: string, now = new Date()): void {
    this.upsertState(target);
    this.db.prepare('UPDATE target_state SET last_success_at = ?, failures = 0, retry_at = NULL, stopped = NULL, stopped_at = NULL WHERE target = ?').run(now.toISOString(), target);
  }

  /** Remembers that the target holds this repository (set at its first copy). */
  recordRepository(target: string, repoId: string): void {
    this.upsertState(target);
    this.db.prepare('UPDATE target_state SET repo_id = ? WHERE target = ?').run(repoId, target);
  }

  /** A transient failure: try again at `retryAt`. */
  recordRetry(target: string, message: string, retryAt: Date, now = new Date()): void {
    this.upsertState(target);
    this.db.prepare('UPDATE target_state SET last_error = ?, last_error_at = ?, failures = failures + 1, retry_at = ? WHERE target = ?').run(message, now.toISOString(), retryAt.toISOString(), target);
  }

  /** A permanent failure: stop until a person acts. */
  recordStopped(target: string, message: string, now = new Date()): void {
    this.upsertState(target);
    this.db.prepare('UPDATE target_state SET last_error = ?, last_error_at = ?, stopped = ?, stopped_at = ?, failures = failures + 1 WHERE target = ?').run(message, now.toISOString(), message, now.toISOString(), target);
  }

  /** Ends a backoff early (the target answers again); a stop stays until a person acts. */
  resumeBackoff(target: string): void {
    this.db.prepare('UPDATE target_state SET retry_at = NULL WHERE target = ?').run(target);
  }

  /** Clears a stop and any backoff (a person changed something, or asked to sync now). */
  resume(target: string): void {
    this.db.prepare('UPDATE target_state SET stopped = NULL, stopped_at = NULL, retry_at = NULL WHERE target = ?').run(target);
  }

  /** The health facts of a target: backlog size and age, last success, last error. */
  facts(target: string, warnAfterHours?: number): OffsiteFacts {
    const agg = this.db.prepare('SELECT count(*) AS n, min(enqueued_at) AS oldest FROM outbox WHERE target = ?').get(target) as { n: number; oldest: string | null };
    const st = this.state(target);
    return {
      name: target,
      backlogCount: agg.n,
      ...(agg.oldest ? { oldestPendingAt: agg.oldest } : {}),
      ...(st.lastSuccessAt ? { lastSuccessAt: st.lastSuccessAt } : {}),
      ...(st.lastError ? { lastError: st.lastError } : {}),
      ...(st.stopped ? { permanentError: st.stopped } : {}),
      ...(warnAfterHours !== undefined ? { warnAfterHours } : {}),
    };
  }

  private upsertState(target: string): void {
    this.db.prepare('INSERT INTO target_state (target) VALUES (?) ON CONFLICT (target) DO NOTHING').run(target);
  }
}
