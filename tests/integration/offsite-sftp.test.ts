// OFFSITE: the durable outbox against a REAL OpenSSH sftp server (tests/peers/sshd-server.ts), through the
// real CLI and agent processes: disaster recovery on a fresh data dir, connections cut again and again
// (iptables on loopback, as in /work/shared/peers.md), a server away for a long time, kill -9 mid-upload,
// bits flipped on the way back, and a full remote disk.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { createOfficeDb, checkOfficeInvariant } from '../../src-main/core/sources/demo-office-db.ts';
import { Repository } from '../../src-main/core/repository/repository.ts';
import { verifySnapshots } from '../../src-main/core/engine/verify.ts';
import { SftpTarget } from '../../src-main/core/targets/sftp-target.ts';
import { cliJson, runCli, tempDir } from '../helpers/cli.ts';
import { agentStatus, events, startAgent, waitFor } from '../helpers/agent-process.ts';
import { mountTmpfs, tmpfsSkipReason } from '../helpers/tmpfs.ts';
import { sshdSkipReason, startSshd, type SshdServer } from '../peers/sshd-server.ts';
import { BitFlipTarget } from '../targets/fault-targets.ts';

const PASS = 'offsite-sftp-test';
const env = { LIFEBOAT_PASSPHRASE: PASS };
interface Snap { id: string; source: string; reason: string }
interface SyncReport { target: string; state: string; sent: string[]; remaining: number; error?: string; packsResumed: number }

function change(db: string, n: number): void {
  const d = new Database(db);
  d.prepare('UPDATE invoices SET total_cents = total_cents + ? WHERE id % 9 = ?').run(n, n % 9);
  d.close();
}

function iptables(action: '-I' | '-D', port: number, how: 'REJECT' | 'DROP'): void {
  const args = [action, 'INPUT', '-i', 'lo', '-p', 'tcp', '--dport', String(port), '-j', how, ...(how === 'REJECT' ? ['--reject-with', 'tcp-reset'] : [])];
  execFileSync('iptables', args, { stdio: 'pipe' });
}

function removeRules(port: number): void {
  for (const how of ['REJECT', 'DROP'] as const) {
    for (;;) {
      try {
        iptables('-D', port, how);
      } catch {
        break;
      }
    }
  }
}

function remoteSnapshots(dir: string): string[] {
  return fs.existsSync(path.join(dir, 'snapshots')) ? fs.readdirSync(path.join(dir, 'snapshots')).filter((n) => /^[0-9a-f]{12}$/.test(n)).sort() : [];
}

/** A data dir with an encrypted repository, one office database of `mb` MB, and `snapshots` snapshots. */
async function office(dir: string, mb: number, snapshots: number, seed: number): Promise<{ dataDir: string; db: string; snaps: Snap[] }> {
  const db = path.join(dir, 'office.db');
  createOfficeDb(db, { targetBytes: mb << 20, seed, journalMode: 'wal' });
  const dataDir = path.join(dir, 'data');
  await cliJson(['source', 'add', '--name', 'office', '--sqlite', db], { dataDir, env });
  const snaps: Snap[] = [];
  for (let i = 0; i < snapshots; i++) {
    if (i) change(db, i);
    snaps.push(...(await cliJson<Snap[]>(['backup'], { dataDir, env })));
  }
  return { dataDir, db, snaps };
}

describe('offsite copies over real sftp', { skip: sshdSkipReason() }, () => {
  const t = tempDir('lifeboat-offsite-sftp-');
  let sshd: SshdServer;
  const url = (sub: string) => `sftp://${sshd.user}@127.0.0.1:${sshd.port}${sshd.dataDir}/${sub}`;

  before(async () => {
    sshd = await startSshd();
  });
  after(async () => {
    if (sshd) removeRules(sshd.port);
    await sshd?.dispose();
    t.cleanup();
  });

  it('OFF-01 disaster recovery: back up, lose the data dir, restore --from the target on a fresh one: byte-identical', async () => {
    const dir = path.join(t.dir, 'dr');
    fs.mkdirSync(dir);
    const o = await office(dir, 4, 2, 11);
    await cliJson(['target', 'add', 'offsite', url('dr'), '--key', sshd.clientKeyFile], { dataDir: o.dataDir, env });
    const [report] = await cliJson<SyncReport[]>(['sync'], { dataDir: o.dataDir, env });
    assert.equal(report!.state, 'done', report!.error);
    // A target added later starts from each source's newest snapshot (older ones stay local only).
    assert.deepEqual(report!.sent, [o.snaps[1]!.id]);
    const hostKeys = fs.readFileSync(path.join(o.dataDir, 'known_hosts'), 'utf8');
    assert.match(hostKeys, new RegExp(`\\[127\\.0\\.0\\.1\\]:${sshd.port} `), 'the host key was pinned on first use');
    // What the snapshot holds, restored from the local repository before the loss.
    const expected = path.join(dir, 'expected.db');
    await cliJson(['restore', o.snaps[1]!.id, '--to', expected], { dataDir: o.dataDir, env });

    fs.rmSync(o.dataDir, { recursive: true, force: true });
    const fresh = path.join(dir, 'new-pc');
    const back = path.join(dir, 'back.db');
    const r = await runCli(['restore', '--from', url('dr'), '--key', sshd.clientKeyFile, '--to', back], { dataDir: fresh, env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`restored snapshot ${o.snaps[1]!.id}`));
    assert.ok(fs.readFileSync(back).equals(fs.readFileSync(expected)), 'byte-identical to the snapshot');
    assert.equal(checkOfficeInvariant(back).ok, true);
    // The new machine's repository is the office's repository again: it lists the snapshot and verifies.
    const list = await cliJson<Snap[]>(['list'], { dataDir: fresh, env });
    assert.ok(list.some((s) => s.id === o.snaps[1]!.id));
    assert.equal((await runCli(['verify', '--all'], { dataDir: fresh, env })).code, 0);
    // A wrong passphrase on a new machine is one clear line.
    const wrong = await runCli(['restore', '--from', url('dr'), '--key', sshd.clientKeyFile, '--to', path.join(dir, 'x.db')], { dataDir: path.join(dir, 'other-pc'), env: { LIFEBOAT_PASSPHRASE: 'not it' } });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /passphrase/i);
    assert.doesNotMatch(wrong.stderr, /\n\s+at /);
  });

  it('OFF-02 the connection reset again and again mid-upload: syncs until everything arrives, each snapshot once, all restorable', async () => {
    const dir = path.join(t.dir, 'cuts');
    fs.mkdirSync(dir);
    const o = await office(dir, 10, 3, 12);
    // A slow line (2 MB/s): a pack of several MB takes longer than the gap between two cuts, so it gets
    // through quickly only because each try resumes where the last one was cut.
    await cliJson(['target', 'add', 'offsite', url('cuts'), '--key', sshd.clientKeyFile, '--bandwidth', '2MB/s'], { dataDir: o.dataDir, env });
    // Three snapshots waiting (as after an outage), not only the newest.
    for (let i = 1; i <= 2; i++) {
      change(o.db, 50 + i);
      o.snaps.push(...(await cliJson<Snap[]>(['backup'], { dataDir: o.dataDir, env })));
    }
    o.snaps.splice(0, 2);
    let cuts = 0;
    let cutting = true;
    // Six resets, 1.5 s apart, while the syncs run; then the line holds and the queue must drain.
    const toggler = (async () => {
      while (cutting && cuts < 6) {
        await new Promise((r) => setTimeout(r, 1200));
        if (!cutting) break;
        iptables('-I', sshd.port, 'REJECT');
        cuts++;
        await new Promise((r) => setTimeout(r, 300));
        removeRules(sshd.port);
      }
    })();
    let syncs = 0;
    let failed = 0;
    let resumed = 0;
    try {
      for (;;) {
        const r = await runCli(['sync', '--json'], { dataDir: o.dataDir, env, timeoutMs: 180_000 });
        syncs++;
        resumed += (JSON.parse(r.stdout || '[]') as Array<{ bytesResumed: number }>).reduce((n, x) => n + x.bytesResumed, 0);
        if (r.code === 0) break;
        failed++;
        assert.equal(r.code, 1, r.stderr);
        assert.ok(syncs < 40, 'the queue drains');
      }
    } finally {
      cutting = false;
      await toggler;
      removeRules(sshd.port);
    }
    assert.ok(cuts >= 3, `connections were cut while syncing (${cuts} cuts, ${syncs} syncs, ${failed} failed)`);
    assert.ok(resumed > 0, `cut uploads resumed where they stopped (${resumed} bytes not sent again)`);
    const remoteDir = path.join(sshd.dataDir, 'cuts');
    assert.deepEqual(remoteSnapshots(remoteDir), o.snaps.map((s) => s.id).sort(), 'every snapshot is there, once');
    // No partial object was taken for complete: a deep verify of the remote reads every pack back.
    const v = await runCli(['target', 'verify', 'offsite', '--deep'], { dataDir: o.dataDir, env });
    assert.equal(v.code, 0, v.stdout + v.stderr);
    const targets = await cliJson<Array<{ backlogCount: number }>>(['target', 'list'], { dataDir: o.dataDir, env });
    assert.equal(targets[0]!.backlogCount, 0);
  });

  it('OFF-03 a silent stall (DROP) fails within the keepalive time instead of hanging, and the upload completes afterwards', async () => {
    const dir = path.join(t.dir, 'stall');
    const target = new SftpTarget({ host: '127.0.0.1', port: sshd.port, user: sshd.user, path: path.join(sshd.dataDir, 'stall'), privateKey: sshd.clientKey, knownHostsFile: path.join(t.dir, 'stall-known_hosts'), keepaliveMs: 1000, connectTimeoutMs: 3000 });
    fs.mkdirSync(dir);
    fs.mkdirSync(path.join(sshd.dataDir, 'stall'));
    const data = crypto.randomBytes(24 << 20);
    const h = { kind: 'pack' as const, name: crypto.createHash('sha256').update(data).digest('hex') };
    await target.list('snapshot'); // connected before the stall
    const started = Date.now();
    const saving = target.save(h, { size: data.length, open: () => (async function* () {
      for (let i = 0; i < data.length; i += 1 << 20) {
        if (i === 4 << 20) iptables('-I', sshd.port, 'DROP');
        yield data.subarray(i, i + (1 << 20));
      }
    })() as unknown as import('node:stream').Readable });
    try {
      await assert.rejects(saving, (err: { kind?: string }) => err.kind === 'retry');
    } finally {
      removeRules(sshd.port);
    }
    assert.ok(Date.now() - started < 30_000, `gave up after ${Date.now() - started} ms`);
    await assert.rejects(target.stat(h), (err: { kind?: string }) => err.kind === 'not-found', 'nothing partial under the name');
    await target.save(h, { size: data.length, open: () => (async function* () { yield data; })() as unknown as import('node:stream').Readable });
    assert.equal((await target.stat(h)).size, data.length);
    await target.close();
  });

  it('OFF-04 the server away for a long time: the backlog grows, health warns past its threshold, and everything drains when it returns', async () => {
    const dir = path.join(t.dir, 'outage');
    fs.mkdirSync(dir);
    const o = await office(dir, 2, 1, 13);
    await cliJson(['target', 'add', 'offsite', url('outage'), '--key', sshd.clientKeyFile], { dataDir: o.dataDir, env });
    const settingsFile = path.join(o.dataDir, 'settings.json');
    const settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as { targets: Array<{ warnAfterHours?: number }>; outbox?: object };
    settings.targets[0]!.warnAfterHours = 3 / 3600; // 3 s, so the test need not wait a day
    settings.outbox = { tickSeconds: 1, retryMinSeconds: 1, retryMaxSeconds: 2 };
    fs.writeFileSync(settingsFile, JSON.stringify(settings));
    await sshd.stop();
    const agent = startAgent(o.dataDir, env);
    try {
      for (let i = 1; i <= 3; i++) {
        change(o.db, 100 + i);
        o.snaps.push(...(await cliJson<Snap[]>(['backup'], { dataDir: o.dataDir, env })));
      }
      // The warning may come while the third backup is still running (3 waiting): wait for all four.
      const behind = await waitFor('the health verdict to warn that offsite is behind with 4 waiting', () => {
        const s = agentStatus(o.dataDir, agent.child.pid);
        return s?.verdict.reasons.find((r) => r.code === 'offsite-behind' && /4 waiting/.test(r.text));
      }, 30_000);
      assert.equal(behind.level, 'warning');
      assert.ok(events(agent.log()).some((e) => e.event === 'offsite' && e.state === 'retrying'), 'the agent kept trying');
      await sshd.start();
      await waitFor('the backlog to drain', () => remoteSnapshots(path.join(sshd.dataDir, 'outage')).length === o.snaps.length, 60_000);
      const ok = await waitFor('the verdict to say offsite is up to date', () => agentStatus(o.dataDir, agent.child.pid)?.verdict.reasons.find((r) => r.code === 'offsite-ok'), 30_000);
      assert.match(ok.text, /up to date/);
    } finally {
      agent.child.kill('SIGTERM');
      await agent.exit;
      if (!sshd.pid) await sshd.start();
    }
  });

  it('OFF-05 the agent killed with -9 mid-upload resumes after a restart without sending the packs that arrived', async () => {
    const dir = path.join(t.dir, 'kill');
    fs.mkdirSync(dir);
    const o = await office(dir, 40, 1, 14);
    await cliJson(['target', 'add', 'offsite', url('kill'), '--key', sshd.clientKeyFile, '--bandwidth', '4MB/s'], { dataDir: o.dataDir, env });
    const remoteDir = path.join(sshd.dataDir, 'kill');
    const first = startAgent(o.dataDir, env);
    // Killed in the middle of a pack (its .part file well under way), so the kill cannot come after the end.
    const partBytes = () => {
      const tmp = path.join(remoteDir, 'tmp');
      return fs.existsSync(tmp) ? fs.readdirSync(tmp).filter((f) => f.endsWith('.part')).reduce((n, f) => n + fs.statSync(path.join(tmp, f)).size, 0) : 0;
    };
    await waitFor('a pack to be half-way up', () => partBytes() >= 2 << 20, 60_000);
    first.child.kill('SIGKILL');
    await first.exit;
    assert.deepEqual(remoteSnapshots(remoteDir), [], 'killed before the manifest: no snapshot shows');
    const second = startAgent(o.dataDir, env);
    try {
      const done = await waitFor('the upload to finish', () => events(second.log()).find((e) => e.event === 'offsite' && e.state === 'done' && (e.sent as string[]).length > 0), 120_000);
      // What had arrived is not sent again: whole packs found by name and size (or already in the remote
      // index), and the cut pack continued from its .part file (bytesResumed).
      const localPacks = path.join(o.dataDir, 'repository', 'packs');
      const total = fs.readdirSync(localPacks).flatMap((sub) => fs.readdirSync(path.join(localPacks, sub)).map((f) => fs.statSync(path.join(localPacks, sub, f)).size)).reduce((a, b) => a + b, 0);
      const notSentAgain = total - (done.bytes as number) + (done.bytesResumed as number);
      assert.ok(notSentAgain >= 1 << 20, `${notSentAgain} bytes not sent again (sent ${String(done.bytes)} of ${total}, ${String(done.bytesResumed)} resumed inside a pack, ${String(done.packsResumed)} whole pack(s) found)`);
      assert.deepEqual(remoteSnapshots(remoteDir), o.snaps.map((s) => s.id));
    } finally {
      second.child.kill('SIGTERM');
      await second.exit;
    }
    const remote = await Repository.openTarget(new SftpTarget({ host: '127.0.0.1', port: sshd.port, user: sshd.user, path: remoteDir, privateKey: sshd.clientKey, knownHostsFile: path.join(o.dataDir, 'known_hosts') }), { passphrase: async () => PASS });
    const v = await verifySnapshots(remote, await remote.listSnapshotIds(), { deep: true, tmpDir: path.join(dir, 'tmp') });
    await remote.closeFiles();
    assert.equal(v.ok, true, JSON.stringify(v.snapshots.map((s) => s.problems)));
  });

  it('OFF-06 bits flipped on the way back from the server: remote verify names the damage', async () => {
    const remoteDir = path.join(sshd.dataDir, 'dr');
    const sftp = new SftpTarget({ host: '127.0.0.1', port: sshd.port, user: sshd.user, path: remoteDir, privateKey: sshd.clientKey, knownHostsFile: path.join(t.dir, 'flip-known_hosts') });
    const clean = await Repository.openTarget(sftp, { passphrase: async () => PASS });
    const ids = await clean.listSnapshotIds();
    assert.equal((await verifySnapshots(clean, ids, { deep: false, tmpDir: path.join(t.dir, 'tmp') })).ok, true);
    const flipping = new BitFlipTarget(sftp, { kinds: ['pack'] });
    const damaged = await Repository.openTarget(flipping, { passphrase: async () => PASS });
    const report = await verifySnapshots(damaged, ids, { deep: false, tmpDir: path.join(t.dir, 'tmp') });
    await sftp.close();
    assert.ok(flipping.flips > 0);
    assert.equal(report.ok, false);
    assert.ok(report.snapshots.every((s) => !s.ok && s.problems.some((p) => /damaged|does not match/.test(p))), JSON.stringify(report.snapshots));
  });

  it('OFF-07 a full remote disk is a permanent error with a clear message: the target stops instead of looping', { skip: tmpfsSkipReason() }, async () => {
    const dir = path.join(t.dir, 'full');
    fs.mkdirSync(dir);
    const o = await office(dir, 6, 1, 15);
    const small = path.join(sshd.dataDir, 'small');
    mountTmpfs(small, { size: '1m' });
    try {
      await cliJson(['target', 'add', 'offsite', url('small/repo'), '--key', sshd.clientKeyFile], { dataDir: o.dataDir, env });
      const r = await runCli(['sync', '--json'], { dataDir: o.dataDir, env });
      assert.equal(r.code, 1);
      const [report] = JSON.parse(r.stdout) as SyncReport[];
      assert.equal(report!.state, 'stopped');
      assert.match(report!.error!, /space|full/i);
      assert.deepEqual(remoteSnapshots(path.join(small, 'repo')), []);
      const list = await runCli(['target', 'list'], { dataDir: o.dataDir, env });
      assert.match(list.stdout, /STOPPED/);
      const status = await cliJson<{ verdict: { reasons: Array<{ code: string; text: string }> } }>(['status'], { dataDir: o.dataDir, env });
      assert.ok(status.verdict.reasons.some((x) => x.code === 'offsite-needs-attention' && /space|full/i.test(x.text)), JSON.stringify(status.verdict));
    } finally {
      execFileSync('umount', ['-l', small]);
    }
  });
});
