import { Readable } from 'node:stream';
import { TargetWrapper } from '../../src-main/core/targets/target-wrappers.ts';
import { TargetError, type Body, type Handle, type Target } from '../../src-main/core/targets/target.ts';

/**
 * Fault injection by wrapping, never by patching (restic's appendOnlyBackend, Litestream's failing clients).
 */

/** Cuts the connection (a 'retry' error) after `cutAfterBytes` bytes of saves, then again every `every` saves. */
export class CuttingTarget extends TargetWrapper {
  saves = 0;
  cuts = 0;
  private readonly every: number;
  constructor(inner: Target, opts: { every: number }) {
    super(inner);
    this.every = opts.every;
  }
  override save(h: Handle, body: Body): Promise<void> {
    this.saves++;
    if (this.saves % this.every !== 0) return this.inner.save(h, body);
    this.cuts++;
    // Half the data arrives, then the line drops: the inner target sees a stream that fails midway.
    const half = Math.floor(body.size / 2);
    return this.inner.save(h, { size: body.size, open: () => Readable.from(cutAt(body.open(), half)) });
  }
}

async function* cutAt(src: AsyncIterable<unknown>, at: number): AsyncGenerator<Buffer> {
  let n = 0;
  for await (const raw of src) {
    const c = raw as Buffer;
    if (n + c.length >= at) {
      yield c.subarray(0, at - n);
      throw new TargetError('retry', 'unreachable', 'connection cut by the test');
    }
    n += c.length;
    yield c;
  }
}

/** Flips one bit in every `every`-th load result (a disk or a proxy damaging data on the way back). */
export class BitFlipTarget extends TargetWrapper {
  flips = 0;
  private loads = 0;
  private readonly every: number;
  private readonly kinds: ReadonlySet<string>;
  constructor(inner: Target, opts: { every?: number; kinds?: string[] } = {}) {
    super(inner);
    this.every = opts.every ?? 1;
    this.kinds = new Set(opts.kinds ?? ['pack']);
  }
  override async load(h: Handle, range?: { offset: number; length: number }): Promise<Buffer> {
    const data = await this.inner.load(h, range);
    if (!this.kinds.has(h.kind) || ++this.loads % this.every !== 0 || data.length === 0) return data;
    const out = Buffer.from(data);
    out[Math.floor(out.length / 2)]! ^= 0x10;
    this.flips++;
    return out;
  }
}

/** Records the order in which objects are saved. */
export class RecordingTarget extends TargetWrapper {
  readonly saved: Handle[] = [];
  override async save(h: Handle, body: Body): Promise<void> {
    await this.inner.save(h, body);
    this.saved.push(h);
  }
}

/** Fails every operation with the given error (a target whose credentials were revoked, a deleted bucket). */
export class BrokenTarget extends TargetWrapper {
  private readonly error: () => TargetError;
  constructor(inner: Target, error: () => TargetError) {
    super(inner);
    this.error = error;
  }
  override async save(): Promise<void> { throw this.error(); }
  override async load(): Promise<Buffer> { throw this.error(); }
  override async stat(): Promise<never> { throw this.error(); }
  override async list(): Promise<never> { throw this.error(); }
}
