import { EventEmitter } from 'node:events';
import { toReading, unknownState, type PowerReading, type PowerState } from './power-state.ts';
import type { PowerConnection, PowerSource } from './power-source.ts';
import { powerSourceFromUrl } from './power-source-url.ts';

/** How long to wait before reconnecting after the n-th consecutive failure. */
export interface BackoffOptions {
  /** Delay after the first failure (default 500 ms). */
  initialMs: number;
  /** Cap on the delay (default 15 000 ms): a UPS daemon that comes back is noticed within this long. */
  maxMs: number;
  /** Growth per failure (default 2). */
  factor: number;
  /** Fraction of the delay taken off at random, 0-1 (default 0.5), so many agents do not reconnect in step. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 15_000, factor: 2, jitter: 0.5 };

/**
 * The delay before retry number `attempt` (0 for the first): initialMs * factor^attempt, capped at maxMs,
 * then reduced by up to `jitter` of itself. Pure apart from `random` (which must return [0, 1)).
 */
export function backoffDelay(attempt: number, o: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const base = Math.min(o.maxMs, o.initialMs * o.factor ** Math.max(0, attempt));
  return Math.round(base * (1 - o.jitter * random()));
}

export interface UpsMonitorOptions {
  /** Poll every this many ms while the source answers (default 2000). */
  intervalMs?: number;
  /** Limit on connecting and on each request (default 3000 ms); past it the source counts as not answering. */
  timeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** For tests of the jitter; Math.random by default. */
  random?: () => number;
}

/** Events: `reading` after every poll; `change` when the level differs from the previous reading (or on the first). */
export interface UpsMonitorEvents {
  reading: [reading: PowerReading];
  change: [reading: PowerReading, previous: PowerReading | undefined];
}

/** While the daemon answers but does not know yet (a driver starting), ask again this soon. */
const NOT_READY_POLL_MS = 500;

/**
 * Watches one power source over a kept-open connection: polls every `intervalMs`, and when a poll fails
 * (nobody listening, connection lost, no answer, a refusal such as an unknown UPS) reports `unknown` with the
 * reason and reconnects with capped, jittered exponential backoff. A connection found closed at the next poll
 * (the daemon restarted, an idle timeout) gets one immediate reconnect before anything is reported.
 *
 * Emits `reading` for every poll and `change` only when the level changes; the first reading counts as a
 * change from nothing. Listeners run inside the poll: one that throws breaks like any EventEmitter listener.
 * start() and stop() are idempotent; stop() closes the socket and every timer, so the process can exit, and
 * nothing is emitted after it returns. A stopped monitor may be started again.
 */
export class UpsMonitor extends EventEmitter<UpsMonitorEvents> {
  readonly source: PowerSource;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly backoff: BackoffOptions;
  private readonly random: () => number;
  private running = false;
  /** Bumped by stop(), so a poll still in flight from a previous run neither reports nor reschedules. */
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private abort = new AbortController();
  private conn: PowerConnection | undefined;
  private failures = 0;
  private last: PowerReading | undefined;

  /** `source` is a PowerSource or an address (nut://..., apcupsd://...); a bad address throws LifeboatError('bad-input'). */
  constructor(source: PowerSource | string, options: UpsMonitorOptions = {}) {
    super();
    this.source = typeof source === 'string' ? powerSourceFromUrl(source) : source;
    this.intervalMs = options.intervalMs ?? 2000;
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.random = options.random ?? Math.random;
  }

  /** The latest reading, or undefined before the first poll has finished. */
  get current(): PowerReading | undefined {
    return this.last;
  }

  /** Starts polling at once. A no-op while running. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.failures = 0;
    this.schedule(0, this.generation);
  }

  /** Stops polling, closes the connection and waits for a poll in flight to end. Idempotent. */
  async stop(): Promise<void> {
    this.running = false;
    this.generation++;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    this.dropConnection();
    await this.inflight;
  }

  private schedule(ms: number, gen: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const run = this.poll(gen);
      this.inflight = run;
      void run.finally(() => { if (this.inflight === run) this.inflight = undefined; });
    }, ms);
  }

  private async poll(gen: number): Promise<void> {
    let state: PowerState;
    let next: number;
    try {
      state = await this.readOnce(gen);
      this.failures = 0;
      next = state.level === 'unknown' ? Math.min(this.intervalMs, NOT_READY_POLL_MS) : this.intervalMs;
    } catch (err) {
      if (gen === this.generation) this.dropConnection();
      state = unknownState(err instanceof Error ? err.message : String(err));
      next = backoffDelay(this.failures++, this.backoff, this.random);
    }
    if (gen !== this.generation) return; // stop() has closed the connection already
    this.schedule(next, gen);
    this.report(state);
  }

  private async readOnce(gen: number): Promise<PowerState> {
    const kept = this.conn;
    if (kept) {
      try {
        return await kept.read();
      } catch {
        // Possibly only closed while idle: try a fresh connection before declaring the source unknown.
        kept.close();
        if (this.conn === kept) this.conn = undefined;
        if (gen !== this.generation) throw new Error('stopped');
      }
    }
    const conn = await this.source.connect({ timeoutMs: this.timeoutMs, signal: this.abort.signal });
    if (gen !== this.generation) {
      conn.close();
      throw new Error('stopped');
    }
    this.conn = conn;
    return conn.read();
  }

  private dropConnection(): void {
    this.conn?.close();
    this.conn = undefined;
  }

  private report(state: PowerState): void {
    const reading = toReading(state, this.source.name);
    const previous = this.last;
    this.last = reading;
    this.emit('reading', reading);
    if (previous === undefined || previous.level !== reading.level) this.emit('change', reading, previous);
  }
}
