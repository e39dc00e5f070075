import { EventEmitter } from 'node:events';
import { connectTcp } from '../util/tcp-connect.ts';
import { backoffDelay, type BackoffOptions } from '../power/ups-monitor.ts';

export interface ReachabilityOptions {
  /** Check this often while the target answers (default 60 s). */
  intervalMs?: number;
  timeoutMs?: number;
  /** While it does not answer, retry with this backoff (default 2 s doubling to 5 min, with jitter). */
  backoff?: Partial<BackoffOptions>;
  /** A cheaper or more telling probe than a TCP connect (e.g. the protocol's own request); resolves when reachable. */
  probe?: () => Promise<void>;
}

export interface ReachabilityEvents {
  /** The target answered after not answering (or for the first time). */
  reachable: [];
  unreachable: [reason: string];
}

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 2000, maxMs: 5 * 60_000, factor: 2, jitter: 0.3 };

/**
 * Watches whether one target (its own host and port: never a ping to a public address) can be reached:
 * a TCP connect by default. Emits 'reachable' when it starts answering again, so a queue waiting on it
 * can resume at once, and 'unreachable' with the reason when it stops. `check()` probes now.
 */
export class ReachabilityMonitor extends EventEmitter<ReachabilityEvents> {
  readonly host: string;
  readonly port: number;
  private readonly opts: ReachabilityOptions;
  private state: boolean | undefined;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private checking: Promise<boolean> | undefined;

  constructor(host: string, port: number, opts: ReachabilityOptions = {}) {
    super();
    this.host = host;
    this.port = port;
    this.opts = opts;
  }

  get reachable(): boolean | undefined {
    return this.state;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.tick();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Probes now (joining a probe in flight); resolves with whether the target answered. */
  check(): Promise<boolean> {
    this.checking ??= this.probeOnce().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async probeOnce(): Promise<boolean> {
    let reason = '';
    try {
      if (this.opts.probe) await this.opts.probe();
      else (await connectTcp({ host: this.host, port: this.port, timeoutMs: this.opts.timeoutMs ?? 5000, what: 'target' })).destroy();
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err);
    }
    const ok = reason === '';
    if (ok !== this.state) {
      this.state = ok;
      if (ok) this.emit('reachable');
      else this.emit('unreachable', reason);
    }
    this.failures = ok ? 0 : this.failures + 1;
    return ok;
  }

  private async tick(): Promise<void> {
    const ok = await this.check();
    if (!this.running) return;
    const delay = ok ? (this.opts.intervalMs ?? 60_000) : backoffDelay(this.failures - 1, { ...DEFAULT_BACKOFF, ...this.opts.backoff });
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }
}
