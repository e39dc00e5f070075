// Worker side of EncodePool: compresses (and encrypts) batches of chunks off the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { makeCodec } from '../repository/blob-codec.ts';

const keys = workerData.keys as { encKey: Uint8Array; idKey: Uint8Array } | null;
const codec = makeCodec(keys ? { encKey: Buffer.from(keys.encKey), idKey: Buffer.from(keys.idKey) } : null);

parentPort!.on('message', (msg: { seq: number; chunks: Uint8Array[] }) => {
  const out = msg.chunks.map((c) => {
    const enc = codec.encode(c);
    // A fresh ArrayBuffer per result, so it can be transferred rather than copied.
    const copy = new Uint8Array(enc.length);
    copy.set(enc);
    return copy;
  });
  parentPort!.postMessage({ seq: msg.seq, out }, out.map((o) => o.buffer));
});
