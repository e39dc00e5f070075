import { EventEmitter } from 'node:events';

/** Lower runs first: a power cut jumps every queue. */
export const PRIORITY = { emergency: 0, user: 1, schedule: 2 } as const;
export type Priority = keyof typeof PRIORITY;

export interface JobSpec {
  /** Jobs with the same key are the same work: a second request merges into the queued or running one. */
  key: string;
  kind: string;
  source?: string;
  reason: string;
  priority: Priority;
  /** Read-only work (verify, drill) that an emergency may interrupt; it must honour `job.signal`. */
  cancellable?: boolean;
  run: (job: RunningJob) => Promise<unknown>;
}

export interface RunningJob { id: number; spec: JobSpec; signal: AbortSignal; progress(phase: string, done: number, total: number): void }
export interface JobState { id: number; kind: string; source?: string; reason: string; priority: Priority; state: 'queued' | 'running'; phase?: string; done?: number; total?: number; startedAt?: string }
export interface JobOutcome { id: number; kind: string; source?: string; reason: string; ok: boolean; result?: unknown; error?: string; /** The error itself (its code, for callers that pass it on). */ cause?: unknown; durationMs: number }

interface Entry { id: number; spec: JobSpec; state: JobState; waiters: Array<{ resolve: (o: JobOutcome) => void }>; abort?: AbortController }

/**
 * Runs jobs one at a time, highest priority first (FIFO within a priority). Requests for work that is already
 * queued merge into it (taking the higher priority); a request for work that is RUNNING waits for that run,
 * never starting a second snapshot of a source being snapshotted. An emergency job interrupts a running
 * cancellable job (a verify or a drill: read-only, safe to stop) instead of waiting for it. Events: 'change' (the job list changed),
 * 'progress' (JobState), 'done' (JobOutcome). `stop()` lets the running job finish and drops the queue.
 */
export class JobQueue extends EventEmitter {
  private queue: Entry[] = [];
  private running: Entry | undefined;
  private nextId = 1;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();

  /** Adds (or merges) a job; resolves when that work has run. */
  submit(spec: JobSpec): Promise<JobOutcome> {
    if (this.stopped) return Promise.resolve({ id: 0, kind: spec.kind, source: spec.source, reason: spec.reason, ok: false, error: 'shutting down', durationMs: 0 });
    return new Promise((resolve) => {
      if (this.running?.spec.key === spec.key) {
        this.running.waiters.push({ resolve });
        return;
      }
      const queued = this.queue.find((e) => e.spec.key === spec.key);
      if (queued) {
        if (PRIORITY[spec.priority] < PRIORITY[queued.spec.priority]) {
          queued.spec = { ...spec };
          queued.state.priority = spec.priority;
          queued.state.reason = spec.reason;
        }
        queued.waiters.push({ resolve });
        this.sort();
        this.emit('change');
        return;
      }
      const id = this.nextId++;
      this.queue.push({ id, spec, waiters: [{ resolve }], state: { id, kind: spec.kind, source: spec.source, reason: spec.reason, priority: spec.priority, state: 'queued' } });
      this.sort();
      this.emit('change');
      const running = this.running;
      if (spec.priority === 'emergency' && running?.spec.cancellable && running.spec.priority !== 'emergency') {
        running.abort?.abort(new Error(`interrupted for an emergency (${spec.reason})`));
      }
      this.pump();
    });
  }

  private sort(): void {
    this.queue.sort((a, b) => PRIORITY[a.spec.priority] - PRIORITY[b.spec.priority] || a.id - b.id);
  }

  private pump(): void {
    if (this.running || this.stopped) return;
    const entry = this.queue.shift();
    if (!entry) return;
    this.running = entry;
    entry.abort = new AbortController();
    entry.state.state = 'running';
    entry.state.startedAt = new Date().toISOString();
    this.emit('change');
    const started = Date.now();
    const job: RunningJob = {
      id: entry.id,
      spec: entry.spec,
      signal: entry.abort.signal,
      progress: (phase, done, total) => {
        Object.assign(entry.state, { phase, done, total });
        this.emit('progress', { ...entry.state });
      },
    };
    this.idle = entry.spec.run(job).then(
      (result) => ({ ok: true, result }),
      (err: unknown) => ({ ok: false, error: err instanceof Error ? err.message : String(err), cause: err }),
    ).then((r) => {
      const outcome: JobOutcome = { id: entry.id, kind: entry.spec.kind, source: entry.spec.source, reason: entry.spec.reason, durationMs: Date.now() - started, ...r };
      this.running = undefined;
      for (const w of entry.waiters) w.resolve(outcome);
      this.emit('done', outcome);
      this.emit('change');
      this.pump();
    });
  }

  list(): JobState[] {
    return [...(this.running ? [this.running.state] : []), ...this.queue.map((e) => e.state)].map((s) => ({ ...s }));
  }

  get busy(): boolean {
    return this.running !== undefined || this.queue.length > 0;
  }

  /** Stops taking work; the running job finishes (engine operations are crash-safe, but finishing is kinder). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const e of this.queue) for (const w of e.waiters) w.resolve({ id: e.id, kind: e.spec.kind, source: e.spec.source, reason: e.spec.reason, ok: false, error: 'shutting down', durationMs: 0 });
    this.queue = [];
    await this.idle;
  }
}
