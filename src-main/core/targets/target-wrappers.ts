import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { TargetError, type Body, type Handle, type ObjectInfo, type ObjectKind, type Target } from './target.ts';
import { currentLimit, type Bandwidth } from './bandwidth.ts';

/**
 * Wrappers around a Target (restic's retry and logger backends): each adds one behaviour and passes the rest
 * through, so targets stay small and behaviours are tested once. Compose them: withRetry(withBandwidth(t, ...)).
 */
export abstract class TargetWrapper implements Target {
  protected readonly inner: Target;
  constructor(inner: Target) {
    this.inner = inner;
  }
  get location(): string { return this.inner.location; }
  get endpoint(): Target['endpoint'] { return this.inner.endpoint; }
  save(h: Handle, body: Body): Promise<void> { return this.inner.save(h, body); }
  load(h: Handle, range?: { offset: number; length: number }): Promise<Buffer> { return this.inner.load(h, range); }
  stat(h: Handle): Promise<ObjectInfo> { return this.inner.stat(h); }
  list(kind: ObjectKind): Promise<ObjectInfo[]> { return this.inner.list(kind); }
  remove(h: Handle): Promise<void> { return this.inner.remove(h); }
  freeSpace(): Promise<number | undefined> { return this.inner.freeSpace(); }
  close(): Promise<void> { return this.inner.close(); }
  /** The target under every wrapper. */
  get base(): Target { return this.inner instanceof TargetWrapper ? this.inner.base : this.inner; }
}

export interface RetryOptions {
  /** Tries per operation, the first included (default 4). */
  attempts?: number;
  /** First pause; doubles each time, with ±30% jitter, up to maxMs (defaults 500 ms and 10 s). */
  baseMs?: number;
  maxMs?: number;
  /** Called before each pause (for logs and progress). */
  onRetry?: (err: TargetError, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

/**
 * Retries operations that failed with a 'retry' error (a blip: a reset connection, a 503), a few times with
 * short pauses, so one dropped packet does not abort a long copy. 'not-found' and 'permanent' errors pass
 * at once. Longer outages are the outbox's business (it waits for minutes to hours between attempts).
 */
export class RetryTarget extends TargetWrapper {
  private readonly opts: RetryOptions;
  constructor(inner: Target, opts: RetryOptions = {}) {
    super(inner);
    this.opts = opts;
  }
  override save(h: Handle, body: Body): Promise<void> { return this.retry(() => this.inner.save(h, body)); }
  override load(h: Handle, range?: { offset: number; length: number }): Promise<Buffer> { return this.retry(() => this.inner.load(h, range)); }
  override stat(h: Handle): Promise<ObjectInfo> { return this.retry(() => this.inner.stat(h)); }
  override list(kind: ObjectKind): Promise<ObjectInfo[]> { return this.retry(() => this.inner.list(kind)); }
  override remove(h: Handle): Promise<void> { return this.retry(() => this.inner.remove(h)); }

  private async retry<T>(op: () => Promise<T>): Promise<T> {
    const attempts = this.opts.attempts ?? 4;
    for (let attempt = 1; ; attempt++) {
      try {
        return await op();
      } catch (err) {
        if (!(err instanceof TargetError) || err.kind !== 'retry' || attempt >= attempts || this.opts.signal?.aborted) throw err;
        const base = Math.min(this.opts.maxMs ?? 10_000, (this.opts.baseMs ?? 500) * 2 ** (attempt - 1));
        const delay = Math.round(base * (0.7 + Math.random() * 0.6));
        this.opts.onRetry?.(err, attempt, delay);
        // A dropped connection is best re-made from scratch.
        await this.inner.close().catch(() => {});
        await sleep(delay, undefined, { signal: this.opts.signal });
      }
    }
  }
}

/**
 * Limits the upload rate (a small office's upload is often its only line out): saves are read through a
 * throttle of `bandwidth` bytes per second while its time window applies. Loads are not limited.
 */
export class BandwidthTarget extends TargetWrapper {
  private readonly bandwidth: Bandwidth;
  private readonly timeZone: string | undefined;
  /** When the line is free again: shared by every save at once, so parallel uploads share the limit. */
  private nextFree = 0;
  constructor(inner: Target, bandwidth: Bandwidth, timeZone?: string) {
    super(inner);
    this.bandwidth = bandwidth;
    this.timeZone = timeZone;
  }
  override save(h: Handle, body: Body): Promise<void> {
    return this.inner.save(h, { size: body.size, open: () => Readable.from(this.throttle(body.open())) });
  }

  /** Passes chunks through in pieces of about 1/8 s each, each waiting for its turn on the shared line. */
  private async *throttle(src: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
    for await (const raw of src) {
      const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as Uint8Array);
      const rate = currentLimit(this.bandwidth, new Date(), this.timeZone);
      if (rate === undefined) {
        yield chunk;
        continue;
      }
      const piece = Math.max(1024, Math.floor(rate / 8));
      for (let i = 0; i < chunk.length; i += piece) {
        const part = chunk.subarray(i, Math.min(chunk.length, i + piece));
        const now = Date.now();
        // A line idle for a while does not bank a burst: it starts from now.
        const startAt = Math.max(now, this.nextFree);
        this.nextFree = startAt + (part.length / rate) * 1000;
        const wait = this.nextFree - now;
        if (wait > 0) await sleep(wait);
        yield part;
      }
    }
  }
}

export interface TargetLog {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Logs each operation (kind, name, bytes, milliseconds) and each error. The location never holds a credential. */
export class LoggingTarget extends TargetWrapper {
  private readonly log: TargetLog;
  constructor(inner: Target, log: TargetLog) {
    super(inner);
    this.log = log;
  }
  override save(h: Handle, body: Body): Promise<void> { return this.logged('save', h, () => this.inner.save(h, body), body.size); }
  override load(h: Handle, range?: { offset: number; length: number }): Promise<Buffer> { return this.logged('load', h, () => this.inner.load(h, range), range?.length); }
  override remove(h: Handle): Promise<void> { return this.logged('remove', h, () => this.inner.remove(h)); }

  private async logged<T>(op: string, h: Handle, run: () => Promise<T>, bytes?: number): Promise<T> {
    const t0 = performance.now();
    try {
      const r = await run();
      this.log.debug({ target: this.location, op, kind: h.kind, name: h.name.slice(0, 16), bytes, ms: Math.round(performance.now() - t0) }, `target ${op}`);
      return r;
    } catch (err) {
      this.log.warn({ target: this.location, op, kind: h.kind, name: h.name.slice(0, 16), error: (err as Error).message }, `target ${op} failed`);
      throw err;
    }
  }
}
