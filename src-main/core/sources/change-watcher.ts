import fs from 'node:fs';
import path from 'node:path';

/**
 * Watch mode for a SQLite source: calls `onQuiet` shortly after the database (or its WAL) changes, once the
 * writes have paused for `quietMs`, and never sooner than `minIntervalMs` after the previous call, so a busy
 * database gets a snapshot every minute or so instead of one per write. fs.watch only wakes us; the backup
 * itself decides whether anything changed. close() stops watching (idempotent).
 */
export class ChangeWatcher {
  private watcher: fs.FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastFired = 0;
  private readonly file: string;
  private readonly opts: { quietMs: number; minIntervalMs: number; onQuiet: () => void; onError?: (err: Error) => void };

  constructor(file: string, opts: { quietMs: number; minIntervalMs: number; onQuiet: () => void; onError?: (err: Error) => void }) {
    this.file = file;
    this.opts = opts;
  }

  start(): void {
    if (this.watcher) return;
    const base = path.basename(this.file);
    // The folder, not the file: SQLite's WAL and journal files come and go beside it.
    this.watcher = fs.watch(path.dirname(this.file), { persistent: false }, (_event, name) => {
      if (name === base || name === `${base}-wal` || name === `${base}-journal`) this.changed();
    });
    this.watcher.on('error', (err) => this.opts.onError?.(err));
  }

  private changed(): void {
    clearTimeout(this.timer);
    const wait = Math.max(this.opts.quietMs, this.lastFired + this.opts.minIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.lastFired = Date.now();
      this.opts.onQuiet();
    }, wait);
    this.timer.unref();
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }
}
