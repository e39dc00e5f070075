import { EventEmitter } from 'node:events';
import type { Lifeboat } from '../lifeboat.ts';
import { ReachabilityMonitor } from '../network/reachability.ts';
import type { RunningJob } from '../health/health-facts.ts';
import type { SyncDeps, SyncReport } from './offsite-sync.ts';

export interface OutboxWorkerOptions {
  /** How often to look for due work without a wake-up (default 15 s): backoffs ending, entries queued by other processes. */
  tickMs?: number;
  /** Passed to every pass (tests shorten the backoff). */
  deps?: Partial<SyncDeps>;
  /** Reachability checks of targets with a host and port (default every 60 s while reachable). */
  reachabilityMs?: number;
}

export interface OutboxWorkerEvents {
  report: [SyncReport];
  error: [Error];
}

/**
 * Sends the outbox in the background (the agent and the app): a pass per target whenever there is work and
 * the target is due, woken at once by a new snapshot (`kick`) or by the target answering again after an
 * outage (its own host and port, watched by a ReachabilityMonitor). One pass at a time; never in the job
 * queue, so a slow upload never delays a local backup. `stop()` interrupts a pass between packs.
 */
export class OutboxWorker extends EventEmitter<OutboxWorkerEvents> {
  private readonly lb: Lifeboat;
  private readonly opts: OutboxWorkerOptions;
  private timer: NodeJS.Timeout | undefined;
  private monitors = new Map<string, ReachabilityMonitor>();
  private running: Promise<void> | undefined;
  private again = false;
  private abort = new AbortController();
  private progress: RunningJob | undefined;

  constructor(lb: Lifeboat, opts: OutboxWorkerOptions = {}) {
    super();
    this.lb = lb;
    this.opts = opts;
  }

  start(): void {
    for (const t of this.lb.offsite.targets()) {
      void this.lb.offsite.open(t.name).then((target) => {
        const ep = target.endpoint;
        if (!ep || this.abort.signal.aborted) return;
        const m = new ReachabilityMonitor(ep.host, ep.port, { intervalMs: this.opts.reachabilityMs ?? 60_000 });
        m.on('reachable', () => {
          // Back after an outage: do not wait out the backoff.
          this.lb.offsite.outbox.resumeBackoff(t.name);
          this.kick();
        });
        m.start();
        this.monitors.set(t.name, m);
      }).catch((err: unknown) => this.emit('error', err as Error));
    }
    this.timer = setInterval(() => this.kick(), this.opts.tickMs ?? 15_000);
    this.kick();
  }

  /** Runs a pass soon (now, or right after the one running). */
  kick(): void {
    if (this.abort.signal.aborted) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** The upload in progress, as a job for the health facts. */
  current(): RunningJob | undefined {
    return this.progress;
  }

  async stop(): Promise<void> {
    this.abort.abort(new Error('Lifeboat is stopping'));
    if (this.timer) clearInterval(this.timer);
    for (const m of this.monitors.values()) void m.stop();
    await this.running?.catch(() => {});
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      const due = this.lb.offsite.targets().filter((t) => this.lb.offsite.outbox.pending(t.name).length > 0);
      for (const t of due) {
        if (this.abort.signal.aborted) return;
        try {
          const [report] = await this.lb.offsite.sync({
            name: t.name, signal: this.abort.signal, lockWaitMs: 0, deps: this.opts.deps,
            onProgress: (p) => { this.progress = { kind: 'offsite-upload', source: p.target, phase: `snapshot ${p.snapshot}`, done: p.bytes, total: p.totalBytes }; },
          });
          if (report && report.state !== 'waiting') this.emit('report', report);
        } catch (err) {
          this.emit('error', err as Error);
        } finally {
          this.progress = undefined;
        }
      }
    } while (this.again && !this.abort.signal.aborted);
  }
}
