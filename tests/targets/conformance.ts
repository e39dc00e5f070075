import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { bufferBody, isNotFound, TargetError, type Body, type Handle, type Target } from '../../src-main/core/targets/target.ts';

/**
 * The contract every Target keeps (restic's backend test suite, Litestream's RunWithReplicaClient): one
 * suite run against each implementation with a fresh, empty target. `makeTarget` may start a real server.
 */
export function targetConformance(name: string, makeTarget: () => Promise<{ target: Target; cleanup(): Promise<void> }>, opts: { largeBytes?: number } = {}): void {
  describe(`Target conformance: ${name}`, () => {
    let t: Target;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ target: t, cleanup } = await makeTarget());
    });
    after(async () => {
      await t?.close();
      await cleanup?.();
    });

    it('saves, stats, lists and loads an object byte for byte', async () => {
      const data = crypto.randomBytes(100_003);
      const h = pack(data);
      await t.save(h, bufferBody(data));
      assert.equal((await t.stat(h)).size, data.length);
      assert.ok(Buffer.from(await t.load(h)).equals(data));
      const listed = await t.list('pack');
      assert.deepEqual(listed.filter((o) => o.name === h.name), [{ name: h.name, size: data.length }]);
    });

    it('loads exact ranges, and refuses a range past the end instead of returning fewer bytes', async () => {
      const data = crypto.randomBytes(70_000);
      const h = pack(data);
      await t.save(h, bufferBody(data));
      assert.ok((await t.load(h, { offset: 0, length: 10 })).equals(data.subarray(0, 10)));
      assert.ok((await t.load(h, { offset: 65_536, length: 4464 })).equals(data.subarray(65_536)));
      assert.ok((await t.load(h, { offset: 12_345, length: 1 })).equals(data.subarray(12_345, 12_346)));
      await assert.rejects(t.load(h, { offset: 69_990, length: 20 }), (err: unknown) => err instanceof TargetError && err.kind !== 'retry');
    });

    it('says "not found" for a missing object on load and stat, and removing one is not an error', async () => {
      const h: Handle = { kind: 'snapshot', name: 'abcdefabcdef' };
      await assert.rejects(t.load(h), (err: unknown) => isNotFound(err));
      await assert.rejects(t.load(h, { offset: 0, length: 4 }), (err: unknown) => isNotFound(err));
      await assert.rejects(t.stat(h), (err: unknown) => isNotFound(err));
      await t.remove(h);
    });

    it('removes an object', async () => {
      const h: Handle = { kind: 'index', name: sha('remove me') };
      await t.save(h, bufferBody(Buffer.from('remove me')));
      await t.remove(h);
      await assert.rejects(t.stat(h), (err: unknown) => isNotFound(err));
      assert.ok(!(await t.list('index')).some((o) => o.name === h.name));
    });

    it('replaces an object saved again under the same name', async () => {
      const h: Handle = { kind: 'snapshot', name: '0123456789ab' };
      await t.save(h, bufferBody(Buffer.from('first version, longer')));
      await t.save(h, bufferBody(Buffer.from('second')));
      assert.equal((await t.load(h)).toString(), 'second');
      assert.equal((await t.stat(h)).size, 6);
    });

    it('keeps kinds apart: each list holds only its own kind, packs from every sub-folder', async () => {
      const a = crypto.randomBytes(1000);
      const b = crypto.randomBytes(1000);
      const packs = [pack(a), pack(b)];
      for (const [i, h] of packs.entries()) await t.save(h, bufferBody([a, b][i]!));
      const snap: Handle = { kind: 'snapshot', name: 'fedcbafedcba' };
      await t.save(snap, bufferBody(Buffer.from('{}')));
      await t.save({ kind: 'config', name: 'lifeboat-repo.json' }, bufferBody(Buffer.from('{"format":"x"}')));
      const packNames = (await t.list('pack')).map((o) => o.name);
      for (const h of packs) assert.ok(packNames.includes(h.name));
      assert.ok(!packNames.includes(snap.name));
      const snaps = (await t.list('snapshot')).map((o) => o.name);
      assert.ok(snaps.includes(snap.name));
      assert.ok(snaps.every((n) => /^[0-9a-f]{12}$/.test(n)));
      assert.deepEqual((await t.list('config')).map((o) => o.name), ['lifeboat-repo.json']);
      assert.ok((await t.list('index')).every((o) => /^[0-9a-f]{64}$/.test(o.name)));
    });

    it('never shows a partial object: a save whose data stops halfway leaves nothing under the name', async () => {
      const data = crypto.randomBytes(600_000);
      const h = pack(data);
      const broken: Body = {
        size: data.length,
        open: () => Readable.from((async function* () {
          yield data.subarray(0, 300_000);
          throw new Error('connection cut by the test');
        })()),
      };
      await assert.rejects(t.save(h, broken));
      await assert.rejects(t.stat(h), (err: unknown) => isNotFound(err));
      assert.ok(!(await t.list('pack')).some((o) => o.name === h.name));
      // And the same object saves fine afterwards.
      await t.save(h, bufferBody(data));
      assert.ok((await t.load(h)).equals(data));
    });

    it('refuses names that are not object names (no path tricks)', async () => {
      for (const bad of ['../escape', 'a/b', '', 'ZZ']) {
        await assert.rejects(t.save({ kind: 'snapshot', name: bad }, bufferBody(Buffer.from('x'))), (err: unknown) => err instanceof TargetError && err.kind === 'permanent');
      }
    });

    it(`stores a large object whole (${Math.round((opts.largeBytes ?? 17 * 1024 * 1024) / 1048576)} MiB: multipart where the protocol has it)`, async () => {
      const data = crypto.randomBytes(opts.largeBytes ?? 17 * 1024 * 1024);
      const h = pack(data);
      await t.save(h, bufferBody(data));
      assert.equal((await t.stat(h)).size, data.length);
      assert.equal(sha(await t.load(h)), h.name);
    });

    it('saves several objects at once', async () => {
      const items = Array.from({ length: 6 }, () => crypto.randomBytes(50_000));
      await Promise.all(items.map((d) => t.save(pack(d), bufferBody(d))));
      const names = new Set((await t.list('pack')).map((o) => o.name));
      for (const d of items) assert.ok(names.has(sha(d)));
    });

    it('reports free space as a number of bytes or says it cannot tell, and works again after close()', async () => {
      const free = await t.freeSpace();
      assert.ok(free === undefined || (Number.isFinite(free) && free >= 0), `freeSpace gave ${free}`);
      await t.close();
      await t.close();
      const data = crypto.randomBytes(1234);
      await t.save(pack(data), bufferBody(data));
      assert.ok((await t.load(pack(data))).equals(data));
    });

    it('never puts a credential in its location', () => {
      assert.ok(!/:[^/@]*@/.test(t.location), `location ${t.location} looks like it holds a password`);
    });
  });
}

export function sha(data: Buffer | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function pack(data: Buffer): Handle {
  return { kind: 'pack', name: sha(data) };
}
