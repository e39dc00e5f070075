import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RepoKeys } from '../repository/keys.ts';

/**
 * Compresses and encrypts chunks on worker threads, so that a large first snapshot uses every core: the main
 * thread reads and hashes while workers run zstd. Chunks are sent in batches to keep messaging cheap.
 * `encode` resolves with the same bytes the codec would produce on the main thread. Call close() when done
 * (also after a failure).
 */
export class EncodePool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, { resolve: (out: Uint8Array[]) => void; reject: (e: Error) => void }>();
  private seq = 0;
  private next = 0;
  private failed: Error | undefined;

  // As many workers as cores: measured here, the main thread (copy, hashing, pack writes) waits for the
  // encoders about half the time, so it does not need a core of its own.
  constructor(keys: RepoKeys | null, size = Math.max(1, Math.min(4, os.availableParallelism()))) {
    // Under Node's type stripping this file is .ts; compiled (Electron) it is .js.
    const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    for (let i = 0; i < size; i++) {
      const w = new Worker(new URL(`./encode-worker${ext}`, import.meta.url), { workerData: { keys: keys ? { encKey: keys.encKey, idKey: keys.idKey } : null } });
      w.on('message', (m: { seq: number; out: Uint8Array[] }) => {
        const p = this.waiting.get(m.seq);
        this.waiting.delete(m.seq);
        p?.resolve(m.out);
      });
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => { if (code !== 0) this.fail(new Error(`encoder worker exited with code ${code}`)); });
      this.workers.push(w);
    }
  }

  private fail(e: Error): void {
    this.failed ??= e;
    for (const p of this.waiting.values()) p.reject(e);
    this.waiting.clear();
  }

  get size(): number {
    return this.workers.length;
  }

  /** Encodes a batch; the chunks' memory is transferred to the worker and must not be used afterwards. */
  encode(chunks: Uint8Array[]): Promise<Uint8Array[]> {
    if (this.failed) return Promise.reject(this.failed);
    const seq = this.seq++;
    const w = this.workers[this.next++ % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      w.postMessage({ seq, chunks }, chunks.map((c) => c.buffer as ArrayBuffer));
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
