// Regression tests for the review of the offsite copies (OFFREV-01 ... ): each one failed before its fix.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Lifeboat } from '../../src-main/core/lifeboat.ts';
import { Repository } from '../../src-main/core/repository/repository.ts';
import { verifySnapshots } from '../../src-main/core/engine/verify.ts';
import { copySnapshots } from '../../src-main/core/engine/copy-snapshots.ts';
import { createOfficeDb } from '../../src-main/core/sources/demo-office-db.ts';
import { MemoryTarget } from '../../src-main/core/targets/memory-target.ts';
import { FileTarget } from '../../src-main/core/targets/file-target.ts';
import { RcloneTarget } from '../../src-main/core/targets/rclone-target.ts';
import { TargetWrapper } from '../../src-main/core/targets/target-wrappers.ts';
import { TargetError, type Body, type Handle } from '../../src-main/core/targets/target.ts';
import { parseTargetUrl, redactUrl } from '../../src-main/core/offsite/target-url.ts';
import { syncTarget, type SyncDeps } from '../../src-main/core/offsite/offsite-sync.ts';
import { readBody, bufferBody } from '../../src-main/core/targets/target.ts';
import type { Manifest } from '../../src-main/core/repository/manifest.ts';
import { BitFlipTarget } from '../targets/fault-targets.ts';
import { restoreFrom } from '../../src-main/core/offsite/restore-from.ts';
import { tempDir } from '../helpers/cli.ts';

/** Stores the first manifest it is given with one byte changed (a save damaged on the way). */
class DamageFirstManifest extends TargetWrapper {
  damaged = 0;
  override async save(h: Handle, body: Body): Promise<void> {
    if (h.kind !== 'snapshot' || this.damaged > 0) return this.inner.save(h, body);
    this.damaged++;
    const bytes = Buffer.from(await readBody(body));
    bytes[bytes.length >> 1]! ^= 0xff;
    return this.inner.save(h, bufferBody(bytes));
  }
}

describe('offsite review regressions', () => {
  let t: ReturnType<typeof tempDir>;
  let lb: Lifeboat;
  let db: string;
  const snaps: Manifest[] = [];

  async function snap(n: number, source = 'office'): Promise<Manifest> {
    if (source === 'office') {
      const d = new Database(db);
      d.prepare('UPDATE customers SET name = name || ? WHERE id % 5 = ?').run(`+${n}`, n % 5);
      d.close();
    } else {
      fs.writeFileSync(path.join(t.dir, 'docs', `note-${n}.txt`), `note ${n}\n`.repeat(2000));
    }
    const m = (await lb.backup({ source })).snapshots[0]!;
    snaps.push(m);
    return m;
  }

  async function deps(name: string, target: SyncDeps['target']): Promise<SyncDeps> {
    return { repo: await lb.repository(), outbox: lb.offsite.outbox, catalog: lb.catalog, name, target, retention: { last: 100 }, actor: 'test', backoff: { initialMs: 60_000, maxMs: 60_000, factor: 1, jitter: 0 } };
  }

  before(async () => {
    t = tempDir('lifeboat-offrev-');
    db = path.join(t.dir, 'office.db');
    createOfficeDb(db, { targetBytes: 2 << 20, seed: 3 });
    fs.mkdirSync(path.join(t.dir, 'docs'));
    lb = await Lifeboat.open({ dataDir: path.join(t.dir, 'data'), passphrase: async () => '' });
    await lb.addSource({ name: 'office', kind: 'sqlite', path: db });
    await lb.addSource({ name: 'docs', kind: 'folder', path: path.join(t.dir, 'docs') });
    await snap(1);
    await snap(1, 'docs');
  });
  after(() => {
    lb.close();
    t.cleanup();
  });

  it('OFFREV-01 a network folder whose share is not mounted is never recreated on the system disk', async () => {
    const share = path.join(t.dir, 'share');
    fs.mkdirSync(share);
    await lb.offsite.add({ name: 'nas', url: `file://${share}/lifeboat` });
    const [first] = await lb.offsite.sync({ name: 'nas' });
    assert.equal(first!.state, 'done', first!.error);
    // "Unmount": the share's content goes away, the mount point stays.
    fs.renameSync(share, `${share}.away`);
    fs.mkdirSync(share);
    await snap(2);
    const [r] = await lb.offsite.sync({ name: 'nas' });
    assert.equal(r!.state, 'stopped');
    assert.match(r!.error!, /not there|not mounted|gone/);
    assert.deepEqual(fs.readdirSync(share), [], 'nothing was written where the share should be');
    assert.equal(lb.offsite.outbox.facts('nas').backlogCount, 1, 'the snapshot still waits');
    // Mounted again: a person's sync sends it.
    fs.rmdirSync(share);
    fs.renameSync(`${share}.away`, share);
    const [back] = await lb.offsite.sync({ name: 'nas', force: true });
    assert.equal(back!.state, 'done', back!.error);
    assert.equal(lb.offsite.outbox.facts('nas').backlogCount, 0);
    await lb.offsite.remove('nas');
  });

  it('OFFREV-02 a manifest damaged on its way to the target is sent again, never counted as there', async () => {
    const mem = new MemoryTarget();
    const damaging = new DamageFirstManifest(mem);
    lb.offsite.outbox.enqueue('m2', snaps[0]!);
    const first = await syncTarget(await deps('m2', damaging));
    assert.equal(first.state, 'retrying');
    assert.equal((await mem.list('snapshot')).length, 0, 'the damaged manifest was removed');
    const second = await syncTarget(await deps('m2', damaging), { force: true });
    assert.equal(second.state, 'done');
    const remote = await Repository.openTarget(mem, {});
    assert.equal((await verifySnapshots(remote, await remote.listSnapshotIds(), { deep: true, tmpDir: path.join(t.dir, 'tmp') })).ok, true);
  });

  it('OFFREV-03 a pack that fails its read-back on a drive is not left there to be taken for complete', async () => {
    const drive = path.join(t.dir, 'drive');
    fs.mkdirSync(drive);
    const repo = await lb.repository();
    const flaky = new BitFlipTarget(new FileTarget(path.join(drive, 'Lifeboat')), { every: 1 });
    await assert.rejects(copySnapshots(repo, flaky, [snaps[0]!.id], { readBack: true }), /does not match/);
    const again = await copySnapshots(repo, new FileTarget(path.join(drive, 'Lifeboat')), [snaps[0]!.id], { readBack: true });
    assert.equal(again.packsResumed, 0, 'the pack that failed read-back was sent again');
    const twin = await Repository.open(path.join(drive, 'Lifeboat'), async () => '');
    assert.equal((await verifySnapshots(twin, [snaps[0]!.id], { deep: false, tmpDir: path.join(t.dir, 'tmp') })).ok, true);
  });

  it('OFFREV-04 a snapshot damaged here does not hold up the others, and the target is not blamed', async () => {
    const mem = new MemoryTarget();
    const repo = await lb.repository();
    await repo.loadIndex();
    // Damage the office snapshot locally: remove a pack only it uses.
    const bad = snaps[0]!;
    const docs = snaps[1]!;
    const loc = repo.index.get(bad.files[0]!.lists?.[0] ?? bad.files[0]!.chunks![0]![0])!;
    const packFile = path.join(repo.dir, 'packs', loc.pack.slice(0, 2), loc.pack);
    fs.renameSync(packFile, `${packFile}.aside`);
    try {
      lb.offsite.outbox.enqueue('m4', bad);
      lb.offsite.outbox.enqueue('m4', { id: docs.id, time: new Date(Date.parse(bad.time) + 1000).toISOString() });
      const r = await syncTarget(await deps('m4', mem));
      assert.deepEqual(r.sent, [docs.id], 'the healthy snapshot behind it went');
      assert.equal(r.state, 'done');
      assert.equal(lb.offsite.outbox.facts('m4').lastError, undefined, 'not recorded as the target\'s error');
      for (let i = 0; i < 3; i++) await syncTarget(await deps('m4', mem));
      assert.equal(lb.offsite.outbox.facts('m4').backlogCount, 0, 'dropped after a few tries');
      assert.ok(lb.catalog.history(20).some((h) => h.op === 'offsite-upload' && h.result === 'failed' && h.snapshot === bad.id));
    } finally {
      fs.renameSync(`${packFile}.aside`, packFile);
    }
  });

  it('OFFREV-05 rclone: a hex object name holding "507" or "401" is not read as a full disk or a refusal', async () => {
    const fake = path.join(t.dir, 'fake-rclone');
    fs.writeFileSync(fake, '#!/bin/sh\necho "2026/11/22 ERROR : packs/50/5074010403ab5074010403ab5074010403ab: couldn\'t connect: dial tcp 127.0.0.1:22: connect: connection refused" >&2\nexit 1\n', { mode: 0o755 });
    const target = new RcloneTarget({ remote: 'nas:/srv/507/401', bin: fake });
    await assert.rejects(target.stat({ kind: 'pack', name: '5074010403ab5074010403ab5074010403ab5074010403ab5074010403ab5074' }), (err: unknown) => err instanceof TargetError && err.kind === 'retry');
  });

  it('OFFREV-06 a target that cannot even be opened is stopped with the reason, and the other targets still sync', async () => {
    fs.mkdirSync(path.join(t.dir, 'other-share'));
    await lb.offsite.add({ name: 'aaa-needs-env', url: 'webdav://u@127.0.0.1:9/dav', passwordEnv: 'LIFEBOAT_TEST_UNSET_VAR' });
    await lb.offsite.add({ name: 'zzz-nas', url: `file://${path.join(t.dir, 'other-share')}/repo` });
    const reports = await lb.offsite.sync();
    const broken = reports.find((r) => r.target === 'aaa-needs-env')!;
    assert.equal(broken.state, 'stopped');
    assert.match(broken.error!, /LIFEBOAT_TEST_UNSET_VAR/);
    assert.match(lb.offsite.outbox.facts('aaa-needs-env').permanentError!.message, /LIFEBOAT_TEST_UNSET_VAR/);
    assert.equal(reports.find((r) => r.target === 'zzz-nas')!.state, 'done');
    await lb.offsite.remove('aaa-needs-env');
    await lb.offsite.remove('zzz-nas');
  });

  it('OFFREV-07 a remote prune that fails does not make successful uploads look failed', async () => {
    const mem = new MemoryTarget();
    lb.offsite.outbox.enqueue('m7', snaps[0]!);
    assert.equal((await syncTarget(await deps('m7', mem))).state, 'done');
    // Damage the remote index, then send a newer snapshot with a policy that removes the old one.
    for (const o of await mem.list('index')) mem.objects.set(`index/${o.name}`, Buffer.from('damaged'));
    const m = await snap(7);
    lb.offsite.outbox.enqueue('m7', m);
    const r = await syncTarget({ ...(await deps('m7', mem)), retention: { last: 1 } });
    assert.equal(r.state, 'done');
    assert.deepEqual(r.sent, [m.id]);
    assert.match(r.pruneError ?? '', /damaged/);
    assert.doesNotMatch(r.pruneError ?? '', /repair --index/, 'no advice that only mends the local repository');
    assert.equal(lb.offsite.outbox.facts('m7').lastError, undefined);
  });

  it('OFFREV-09 restore --from into a data dir that backs up to another repository goes through a cache, then tidies it', async () => {
    const share = path.join(t.dir, 'share9');
    fs.mkdirSync(share);
    await lb.offsite.add({ name: 'nas9', url: `file://${share}/repo` });
    assert.equal((await lb.offsite.sync({ name: 'nas9' }))[0]!.state, 'done');
    const other = await Lifeboat.open({ dataDir: path.join(t.dir, 'other-office'), passphrase: async () => '' });
    try {
      createOfficeDb(path.join(t.dir, 'other.db'), { targetBytes: 1 << 20, seed: 9 });
      await other.addSource({ name: 'other', kind: 'sqlite', path: path.join(t.dir, 'other.db') });
      await other.backup();
      const r = await restoreFrom(other, `file://${share}/repo`, { ref: 'latest', source: 'office', to: path.join(t.dir, 'from-nas.db') });
      assert.equal(r.source, 'office');
      assert.ok(fs.existsSync(path.join(t.dir, 'from-nas.db')));
      assert.ok(!fs.existsSync(path.join(t.dir, 'other-office', 'restore-cache')), 'the cache is gone');
      assert.equal((await other.list()).every((row) => row.source === 'other'), true, "the office's own repository is untouched");
    } finally {
      other.close();
      await lb.offsite.remove('nas9');
    }
  });

  it('OFFREV-08 credentials: none in an S3 endpoint, and a password with "/" is still hidden', () => {
    assert.throws(() => parseTargetUrl('s3://bucket/p?endpoint=https://AKID:TOPSECRET@s3.example.com'), (err: Error) => /must not hold credentials/.test(err.message) && !err.message.includes('TOPSECRET'));
    assert.equal(redactUrl('sftp://me:S3cr/et@host/srv'), 'sftp://me:***@host/srv');
  });
});
