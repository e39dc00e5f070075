// A stream (as a database dump would arrive from a child process) chunked into a real repository rebuilds
// byte-identically through the normal restore path, and a small edit to it stores only a few new chunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Repository } from '../../src-main/core/repository/repository.ts';
import { BlobSink } from '../../src-main/core/engine/chunker.ts';
import { EncodePool } from '../../src-main/core/engine/encode-pool.ts';
import { chunkStream } from '../../src-main/core/engine/chunk-stream.ts';
import { rebuildFile } from '../../src-main/core/engine/rebuild.ts';
import type { FileEntry } from '../../src-main/core/repository/manifest.ts';
import { tempDir } from '../helpers/cli.ts';

/** A dump-like text of about `bytes` bytes: INSERT lines with pseudo-random values, reproducible per seed. */
function fakeDump(bytes: number, seed: number): Buffer {
  const lines: string[] = ['-- dump of shop\nCREATE TABLE orders (id int, customer text, total int, note text);\n'];
  let x = seed >>> 0 || 1;
  const next = (): number => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
  let size = lines[0]!.length;
  for (let id = 1; size < bytes; id++) {
    const line = `INSERT INTO orders VALUES (${id}, 'customer ${next() % 5000}', ${next() % 100000}, '${next().toString(36)}${next().toString(36)}');\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join(''));
}

/** Yields `data` in pieces of pseudo-random sizes, as a pipe would (and reuses no buffer). */
async function* asPipe(data: Buffer, seed: number): AsyncGenerator<Buffer> {
  let x = seed;
  for (let at = 0; at < data.length;) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const len = 1 + (x % 100_000);
    yield Buffer.from(data.subarray(at, at + len));
    at += len;
  }
}

/** Chunks one stream into `repo` as backup.ts would: sink, pack writer, then the index naming the packs. */
async function storeStream(repo: Repository, input: AsyncIterable<Buffer>, pool?: EncodePool): Promise<{ entry: FileEntry; sink: BlobSink; progress: number }> {
  const writer = repo.newPackWriter();
  const sink = new BlobSink(repo, writer, pool);
  let progress = 0;
  const entry = await chunkStream(sink, input, { path: 'shop.sql', onBytes: (n) => (progress += n) });
  await sink.drain();
  await writer.flush();
  await repo.writeIndex(writer.written);
  return { entry, sink, progress };
}

const sha256 = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');

test('a streamed dump rebuilds byte-identically, and a small edit adds only a few chunks', async () => {
  const t = tempDir();
  try {
    const repo = await Repository.init(path.join(t.dir, 'repo'));
    await repo.loadIndex();
    const dump = fakeDump(12 << 20, 1);
    const first = await storeStream(repo, asPipe(dump, 7));
    assert.equal(first.entry.size, dump.length);
    assert.equal(first.entry.sha256, sha256(dump));
    assert.equal(first.progress, dump.length);
    assert.ok(first.entry.lists && !first.entry.chunks, 'a big stream keeps its chunk references in list blobs');
    assert.ok(first.sink.stats.newChunks > 100, `${first.sink.stats.newChunks} chunks`);

    const out = path.join(t.dir, 'restored.sql');
    await rebuildFile(repo, first.entry, out);
    assert.ok(fs.readFileSync(out).equals(dump));

    // A row inserted near the start and one changed in the middle: everything else is already stored.
    const row = Buffer.from("INSERT INTO orders VALUES (0, 'a late order', 4200, 'x');\n");
    const mid = dump.indexOf('\n', dump.length >> 1) + 1;
    const edited = Buffer.concat([dump.subarray(0, 200), row, dump.subarray(200, mid), Buffer.from('-- changed\n'), dump.subarray(mid)]);
    const second = await storeStream(repo, asPipe(edited, 8));
    assert.ok(second.sink.stats.newChunks <= 6, `${second.sink.stats.newChunks} new of ${second.sink.stats.chunks} chunks`);
    const out2 = path.join(t.dir, 'restored2.sql');
    await rebuildFile(repo, second.entry, out2);
    assert.ok(fs.readFileSync(out2).equals(edited));
    await repo.closeFiles();
  } finally {
    t.cleanup();
  }
});

test('small and empty streams keep their chunks inline, also with an encrypted repository and worker encoders', async () => {
  const t = tempDir();
  const repo = await Repository.init(path.join(t.dir, 'repo'), { passphrase: 'pw' });
  const pool = new EncodePool(repo.keys, 2);
  try {
    await repo.loadIndex();
    const dump = fakeDump(600 << 10, 2);
    // Tiny pieces: almost every chunk is gathered across buffers, and the pool encodes it after we moved on.
    async function* tiny(): AsyncGenerator<Buffer> { for (let at = 0; at < dump.length; at += 999) yield dump.subarray(at, at + 999); }
    const { entry } = await storeStream(repo, tiny(), pool);
    assert.ok(entry.chunks && entry.chunks.length > 1 && !entry.lists);
    assert.equal(entry.mode, 0o600);
    await rebuildFile(repo, entry, path.join(t.dir, 'small.sql'));
    assert.ok(fs.readFileSync(path.join(t.dir, 'small.sql')).equals(dump));

    async function* nothing(): AsyncGenerator<Buffer> { yield Buffer.alloc(0); }
    const empty = await storeStream(repo, nothing(), pool);
    assert.deepEqual({ size: empty.entry.size, chunks: empty.entry.chunks, sha256: empty.entry.sha256 }, { size: 0, chunks: [], sha256: sha256(Buffer.alloc(0)) });
    await rebuildFile(repo, empty.entry, path.join(t.dir, 'empty.sql'));
    assert.equal(fs.statSync(path.join(t.dir, 'empty.sql')).size, 0);
  } finally {
    await pool.close();
    await repo.closeFiles();
    t.cleanup();
  }
});

test('a failing producer (the dump process dies) fails the call', async () => {
  const t = tempDir();
  try {
    const repo = await Repository.init(path.join(t.dir, 'repo'));
    await repo.loadIndex();
    const writer = repo.newPackWriter();
    async function* dies(): AsyncGenerator<Buffer> {
      yield fakeDump(300 << 10, 3);
      throw new Error('mysqldump exited with code 2');
    }
    await assert.rejects(chunkStream(new BlobSink(repo, writer), dies(), { path: 'shop.sql' }), /exited with code 2/);
    await writer.abort();
  } finally {
    t.cleanup();
  }
});
