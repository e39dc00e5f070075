import { nextRuns } from './cron-schedule.ts';
import { dueAfterDowntime } from './schedule-plan.ts';

export interface SchedulerJob { id: string; cron: string; tz: string; enabled: boolean }
export interface SchedulerClock { now(): Date; setTimeout(fn: () => void, ms: number): unknown; clearTimeout(handle: unknown): void }
export interface LastRunStore { get(id: string): string | undefined; set(id: string, iso: string): void }
export type FireReason = 'schedule' | 'catch-up';

const realClock: SchedulerClock = {
  now: () => new Date(),
  setTimeout: (fn, ms) => { const t = setTimeout(fn, ms); t.unref?.(); return t; },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * Runs jobs at the times their cron expressions give, computed with the same code that shows "next runs" to
 * people (node-cron 4.6 skips or shifts runs around daylight-saving changes; see schedule/README.md). A tick
 * at most every 30 s compares the wall clock with each job's next time, so a machine that slept or whose
 * clock jumped still runs what fell due, once. At start, jobs missed while the machine was off are caught up
 * once each. A job still running when its next time comes is not started again (no overlap).
 */
export class Scheduler {
  private readonly jobs: SchedulerJob[];
  private readonly run: (id: string, why: FireReason) => Promise<unknown>;
  private readonly store: LastRunStore;
  private readonly clock: SchedulerClock;
  private readonly running = new Set<string>();
  private next = new Map<string, Date>();
  private timer: unknown;
  private stopped = true;

  constructor(opts: { jobs: SchedulerJob[]; run: (id: string, why: FireReason) => Promise<unknown>; store: LastRunStore; clock?: SchedulerClock }) {
    this.jobs = opts.jobs.filter((j) => j.enabled);
    this.run = opts.run;
    this.store = opts.store;
    this.clock = opts.clock ?? realClock;
  }

  /** Starts ticking; first catches up what was missed since `lastSeenAlive` (or each job's last run). */
  start(lastSeenAlive?: Date): Array<{ id: string; missedAt: Date }> {
    this.stopped = false;
    const now = this.clock.now();
    const missed = dueAfterDowntime(this.jobs.map((j) => ({ id: j.id, cron: j.cron, tz: j.tz, lastRun: this.store.get(j.id) })), now, lastSeenAlive);
    for (const m of missed) this.fire(m.id, 'catch-up');
    for (const j of this.jobs) this.next.set(j.id, nextRuns(j.cron, j.tz, now, 1)[0]!);
    this.arm();
    return missed;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Each enabled job's next run. */
  upcoming(): Array<{ id: string; next: Date }> {
    return [...this.next].map(([id, next]) => ({ id, next }));
  }

  /** Runs what is due now; called by the timer (and by tests with an injected clock). */
  tick(): void {
    const now = this.clock.now();
    for (const j of this.jobs) {
      const due = this.next.get(j.id);
      if (!due || due > now) continue;
      this.next.set(j.id, nextRuns(j.cron, j.tz, now, 1)[0]!);
      this.fire(j.id, 'schedule');
    }
    this.arm();
  }

  private fire(id: string, why: FireReason): void {
    if (this.running.has(id)) return; // still running from last time: no overlap
    this.running.add(id);
    this.store.set(id, this.clock.now().toISOString());
    void this.run(id, why).catch(() => {}).finally(() => this.running.delete(id));
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    const now = this.clock.now().getTime();
    const soonest = Math.min(...[...this.next.values()].map((d) => d.getTime()), now + 30_000);
    this.timer = this.clock.setTimeout(() => this.tick(), Math.max(0, Math.min(30_000, soonest - now)));
  }
}
