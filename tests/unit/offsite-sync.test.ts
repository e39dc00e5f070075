// The outbox and one pass of it (offsite-sync.ts) against an in-memory target wrapped with faults: the logic
// of exactly-once delivery, resume, backoff, stops and per-target retention. The same code against real
// servers is in tests/integration/offsite-*.test.ts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Lifeboat } from '../../src-main/core/lifeboat.ts';
import { Repository } from '../../src-main/core/repository/repository.ts';
import { verifySnapshots } from '../../src-main/core/engine/verify.ts';
import { copySnapshots } from '../../src-main/core/engine/copy-snapshots.ts';
import { createOfficeDb, checkOfficeInvariant } from '../../src-main/core/sources/demo-office-db.ts';
import { MemoryTarget } from '../../src-main/core/targets/memory-target.ts';
import { TargetError, type Target } from '../../src-main/core/targets/target.ts';
import { syncTarget, type SyncDeps } from '../../src-main/core/offsite/offsite-sync.ts';
import type { Manifest } from '../../src-main/core/repository/manifest.ts';
import type { RetentionPolicy } from '../../src-main/core/retention/retention-policy.ts';
import { BrokenTarget, CuttingTarget, RecordingTarget } from '../targets/fault-targets.ts';
import { tempDir } from '../helpers/cli.ts';

const PASS = 'offsite-unit';

describe('offsite sync over an in-memory target', () => {
  let t: ReturnType<typeof tempDir>;
  let lb: Lifeboat;
  let dbPath: string;
  const snaps: Manifest[] = [];

  /** Changes some rows and takes a snapshot (each one adds new chunks). */
  async function change(n: number, reason = 'manual'): Promise<Manifest> {
    const db = new Database(dbPath);
    db.prepare("UPDATE customers SET name = name || ? WHERE id % 7 = ?").run(`-${n}`, n % 7);
    db.close();
    const m = (await lb.backup({ reason })).snapshots[0]!;
    snaps.push(m);
    return m;
  }

  function deps(name: string, target: Target, retention: RetentionPolicy = { last: 100 }): SyncDeps {
    return { repo: undefined as unknown as Repository, outbox: lb.offsite.outbox, catalog: lb.catalog, name, target, retention, actor: 'test', backoff: { initialMs: 60_000, maxMs: 60_000, factor: 1, jitter: 0 } };
  }

  async function withRepo(d: SyncDeps): Promise<SyncDeps> {
    return { ...d, repo: await lb.repository() };
  }

  before(async () => {
    t = tempDir('lifeboat-offsite-unit-');
    dbPath = path.join(t.dir, 'office.db');
    createOfficeDb(dbPath, { targetBytes: 3 << 20, seed: 7 });
    lb = await Lifeboat.open({ dataDir: path.join(t.dir, 'data'), passphrase: async () => PASS, initPassphrase: PASS });
    await lb.addSource({ name: 'office', kind: 'sqlite', path: dbPath });
    for (let i = 0; i < 3; i++) await change(i);
  });
  after(() => {
    lb.close();
    t.cleanup();
  });

  it('sends each snapshot with its chunks first and its manifest last; the remote restores on its own', async () => {
    const mem = new MemoryTarget('mem-a');
    const rec = new RecordingTarget(mem);
    for (const m of snaps) lb.offsite.outbox.enqueue('a', m);
    const r = await syncTarget(await withRepo(deps('a', rec)));
    assert.equal(r.state, 'done');
    assert.deepEqual(r.sent, snaps.map((m) => m.id));
    assert.equal(r.remaining, 0);
    // Every snapshot's manifest comes after every pack and index saved before it.
    for (const m of snaps) {
      const at = rec.saved.findIndex((h) => h.kind === 'snapshot' && h.name === m.id);
      assert.ok(at > 0);
      assert.ok(rec.saved.slice(0, at).some((h) => h.kind === 'index'));
      assert.ok(!rec.saved.slice(at + 1).some((h) => h.kind === 'snapshot' && h.name === m.id), 'a manifest is saved once');
    }
    // The remote alone, with only the passphrase: verify deep, then restore into a fresh folder.
    const remote = await Repository.openTarget(mem, { passphrase: async () => PASS });
    const report = await verifySnapshots(remote, snaps.map((m) => m.id), { deep: true, tmpDir: path.join(t.dir, 'tmp') });
    assert.equal(report.ok, true, JSON.stringify(report.snapshots.map((s) => s.problems)));
    await copySnapshots(remote, path.join(t.dir, 'pulled'), [snaps.at(-1)!.id]);
    const fresh = await Lifeboat.open({ dataDir: path.join(t.dir, 'fresh'), repoDir: path.join(t.dir, 'pulled'), passphrase: async () => PASS });
    await fresh.restore({ ref: 'latest', to: path.join(t.dir, 'restored.db') });
    fresh.close();
    assert.equal(checkOfficeInvariant(path.join(t.dir, 'restored.db')).ok, true);
    // A second pass finds nothing to do and sends nothing.
    const before = mem.bytesSaved;
    lb.offsite.outbox.enqueue('a', snaps[0]!);
    const again = await syncTarget(await withRepo(deps('a', mem)));
    assert.equal(again.state, 'done');
    assert.equal(mem.bytesSaved - before, 0, 'a snapshot already there is not sent again');
  });

  it('a connection cut again and again: every snapshot arrives exactly once, and no pack that arrived is sent twice', async () => {
    const mem = new MemoryTarget('mem-b');
    const arrived = new RecordingTarget(mem);
    const cutting = new CuttingTarget(arrived, { every: 3 });
    for (const m of snaps) lb.offsite.outbox.enqueue('b', m);
    let passes = 0;
    let resumed = 0;
    for (;;) {
      const r = await syncTarget(await withRepo(deps('b', cutting)), { force: true });
      passes++;
      resumed += r.packsResumed;
      if (r.state === 'done') break;
      assert.equal(r.state, 'retrying', r.error);
      assert.ok(r.retryAt && Date.parse(r.retryAt) > Date.now(), 'a transient error sets a backoff');
      assert.ok(passes < 60, 'the queue drains');
    }
    assert.ok(cutting.cuts >= 2, `the test cut the connection (${cutting.cuts} times)`);
    const remoteIds = (await mem.list('snapshot')).map((o) => o.name).sort();
    assert.deepEqual(remoteIds, snaps.map((m) => m.id).sort());
    const packSaves = arrived.saved.filter((h) => h.kind === 'pack').map((h) => h.name);
    assert.equal(new Set(packSaves).size, packSaves.length, 'each pack arrived once: nothing that arrived was sent again');
    assert.ok(resumed > 0, "packs that arrived before a cut of the index save are found and not sent again");
    const remote = await Repository.openTarget(mem, { passphrase: async () => PASS });
    const report = await verifySnapshots(remote, remoteIds, { deep: true, tmpDir: path.join(t.dir, 'tmp') });
    assert.equal(report.ok, true);
    assert.equal(lb.offsite.outbox.state('b').failures, 0, 'a success clears the failure count');
  });

  it('a permanent error stops the target with the reason; it waits for a person, and `force` resumes it', async () => {
    const mem = new MemoryTarget('mem-c');
    const broken = new BrokenTarget(mem, () => new TargetError('permanent', 'auth', 'mem-c refused our credentials'));
    lb.offsite.outbox.enqueue('c', snaps[0]!);
    const r = await syncTarget(await withRepo(deps('c', broken)));
    assert.equal(r.state, 'stopped');
    assert.match(r.error!, /refused our credentials/);
    const facts = lb.offsite.outbox.facts('c');
    assert.equal(facts.backlogCount, 1);
    assert.match(facts.permanentError!.message, /credentials/);
    // Not retried in a loop: the next automatic pass does nothing.
    const waiting = await syncTarget(await withRepo(deps('c', mem)));
    assert.equal(waiting.state, 'waiting');
    assert.equal(mem.bytesSaved, 0);
    const forced = await syncTarget(await withRepo(deps('c', mem)), { force: true });
    assert.equal(forced.state, 'done');
    assert.equal(lb.offsite.outbox.facts('c').permanentError, undefined);
  });

  it('a transient error backs off: the next automatic pass waits, a forced one goes', async () => {
    const mem = new MemoryTarget('mem-d');
    lb.offsite.outbox.enqueue('d', snaps[0]!);
    const r = await syncTarget(await withRepo(deps('d', new BrokenTarget(mem, () => new TargetError('retry', 'unreachable', 'no route to mem-d')))));
    assert.equal(r.state, 'retrying');
    assert.equal(lb.offsite.outbox.facts('d').lastError?.message, r.error);
    assert.equal((await syncTarget(await withRepo(deps('d', mem)))).state, 'waiting');
    assert.equal((await syncTarget(await withRepo(deps('d', mem)), { force: true })).state, 'done');
  });

  it('after an outage only what the target keeps is sent, emergency snapshots first, and old remote snapshots are pruned', async () => {
    const mem = new MemoryTarget('mem-e');
    const rec = new RecordingTarget(mem);
    const policy = { last: 2 };
    lb.offsite.outbox.enqueue('e', snaps[0]!);
    assert.equal((await syncTarget(await withRepo(deps('e', rec, policy)))).state, 'done');
    // The outage: three more snapshots queue up, the newest an emergency one in the middle of them.
    const later = [await change(10), await change(11, 'power'), await change(12)];
    for (const m of later) lb.offsite.outbox.enqueue('e', { id: m.id, time: m.time, emergency: m.reason === 'power' });
    const r = await syncTarget(await withRepo(deps('e', rec, policy)));
    assert.equal(r.state, 'done');
    assert.deepEqual(r.dropped.map((d) => d.id), [later[0]!.id], 'the snapshot retention would drop is not sent');
    assert.deepEqual(r.sent, [later[1]!.id, later[2]!.id], 'emergency first');
    assert.deepEqual(r.removedRemote, [snaps[0]!.id]);
    assert.deepEqual((await mem.list('snapshot')).map((o) => o.name).sort(), [later[1]!.id, later[2]!.id].sort());
    const remote = await Repository.openTarget(mem, { passphrase: async () => PASS });
    assert.equal((await verifySnapshots(remote, await remote.listSnapshotIds(), { deep: false, tmpDir: path.join(t.dir, 'tmp') })).ok, true);
  });

  it('a snapshot pruned here before it could be sent leaves the queue instead of blocking it', async () => {
    const mem = new MemoryTarget('mem-f');
    lb.offsite.outbox.enqueue('f', { id: 'abcdef012345', time: new Date().toISOString() });
    lb.offsite.outbox.enqueue('f', snaps[0]!);
    const r = await syncTarget(await withRepo(deps('f', mem)));
    assert.equal(r.state, 'done');
    assert.deepEqual(r.dropped, [{ id: 'abcdef012345', why: 'no longer in the local repository' }]);
    assert.deepEqual(r.sent, [snaps[0]!.id]);
  });
});
