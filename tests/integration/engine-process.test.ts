// The engine in its own process, as the desktop app runs it (Electron's utilityProcess there; here the same
// serveEngine under plain Node through child_process.fork, which is what this test can honestly run):
// calls, events, power hooks and secrets answered from the app's side, across a real process boundary.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ROOT, runCli, tempDir } from '../helpers/cli.ts';
import { waitFor } from '../helpers/agent-process.ts';
import { EngineClient } from '../../src-main/engine-host/engine-client.ts';
import { FileSecretStore } from '../../src-main/core/settings/secret-store.ts';
import { ApiError, type Notice } from '../../src-shared/contract.ts';

describe('engine process (serveEngine across a real process boundary)', () => {
  const tmp = tempDir('lifeboat-engine-');
  const dataDir = path.join(tmp.dir, 'data');
  const db = path.join(tmp.dir, 'office.db');
  const appSecrets = new FileSecretStore(path.join(tmp.dir, 'app-side', 'secrets.json'));
  let child: ChildProcess;
  let client: EngineClient;
  let exit: Promise<number | null>;
  let out = '';
  const notices: Notice[] = [];
  const seen = new Set<string>();

  before(async () => {
    const d = new Database(db);
    d.exec("CREATE TABLE visits (id INTEGER PRIMARY KEY, who TEXT); INSERT INTO visits (who) VALUES ('a'), ('b');");
    d.close();
    assert.equal((await runCli(['source', 'add', '--name', 'office', '--sqlite', db], { dataDir })).code, 0);
    child = fork(path.join(ROOT, 'src-main/engine-host/node-entry.ts'), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    child.stdout!.on('data', (b) => (out += b));
    child.stderr!.on('data', (b) => (out += b));
    exit = new Promise((r) => child.once('exit', (code) => r(code)));
    client = new EngineClient({ post: (m) => child.send(m as object), onMessage: (fn) => child.on('message', fn) }, { secrets: appSecrets, passphrase: async () => 'unused: the repository is not encrypted' });
    child.once('exit', () => client.closed('the engine process ended'));
    client.events.on('notice', (n) => notices.push(n));
    for (const e of ['status', 'progress'] as const) client.events.on(e, () => seen.add(e));
    const started = await client.start({ dataDir, remoteSecrets: true });
    assert.equal(started.pid, child.pid);
  });
  after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    tmp.cleanup();
  });

  test('ENG-01: calls cross the boundary; Backup now sends progress and status events and makes a snapshot', async () => {
    const s = await client.handlers.getStatus({});
    assert.deepEqual(s.sources.map((x) => x.name), ['office']);
    await client.handlers.backupNow({});
    const list = await waitFor('a snapshot', async () => {
      const l = await client.handlers.listSnapshots({});
      return l.length ? l : undefined;
    });
    assert.equal(list[0]!.reason, 'manual');
    await waitFor('progress and status events', () => seen.has('progress') && seen.has('status'));
  });

  test('ENG-02: errors come back as the contract\'s ApiError with their code and fields', async () => {
    await assert.rejects(client.handlers.addSource({ name: 'no good', kind: 'sqlite', path: 'relative' } as never), (e: unknown) => e instanceof ApiError && e.code === 'bad-input' && (e.fields ?? []).some((f) => f.path === 'name'));
    await assert.rejects(client.handlers.restore({ ref: 'ffffffffffff', source: 'office' }), (e: unknown) => e instanceof ApiError && e.code === 'not-found');
  });

  test('ENG-03: an OS "on battery" reading takes an emergency snapshot and sends a power-lost notice; on AC, power-restored', async () => {
    const d = new Database(db);
    d.exec("INSERT INTO visits (who) VALUES ('c')");
    d.close();
    client.pushPowerReading({ source: 'os-power', level: 'on-battery', charge: 80, time: new Date().toISOString() });
    await waitFor('a power-lost notice', () => notices.some((n) => n.kind === 'power-lost'));
    const emergency = await waitFor('the emergency snapshot', async () => (await client.handlers.listSnapshots({})).find((x) => x.reason === 'power'));
    assert.equal(emergency.source, 'office');
    await waitFor('the emergency-backup-done notice', () => notices.some((n) => n.kind === 'emergency-backup-done'));
    client.pushPowerReading({ source: 'os-power', level: 'online', time: new Date().toISOString() });
    await waitFor('a power-restored notice', () => notices.some((n) => n.kind === 'power-restored'));
  });

  test('ENG-04: a shutdown snapshot within a time box; one that cannot finish in time says so and still completes', async () => {
    const d = new Database(db);
    d.exec("INSERT INTO visits (who) VALUES ('d')");
    d.close();
    const r = await client.shutdownSnapshot(30_000);
    assert.deepEqual(r, { ok: true, timedOut: false, snapshots: 1 });
    const before = (await client.handlers.listSnapshots({})).length;
    const d2 = new Database(db);
    d2.exec("INSERT INTO visits (who) VALUES ('e')");
    d2.close();
    assert.deepEqual(await client.shutdownSnapshot(1), { ok: false, timedOut: true, snapshots: 0 });
    await waitFor('the snapshot that outlived its time box', async () => (await client.handlers.listSnapshots({})).length > before);
  });

  test('ENG-05: secrets the engine stores land in the app\'s store (the keychain side), never in settings.json', async () => {
    await client.handlers.saveSettings({ patch: { notifications: { desktop: true } }, smtpPassword: 's3cret-smtp' });
    assert.equal(await appSecrets.get('smtp'), 's3cret-smtp');
    const settings = await client.handlers.getSettings({});
    assert.doesNotMatch(JSON.stringify(settings), /s3cret/);
  });

  test('ENG-06: stop ends the engine cleanly: the process exits 0', async () => {
    await client.stop();
    assert.equal(await exit, 0, out);
  });

  test('ENG-07: when the app goes away in the middle of a call, the engine stops cleanly (exit 0, no unclean marker)', async () => {
    const dir = path.join(tmp.dir, 'data7');
    const big = path.join(tmp.dir, 'big.db');
    const d = new Database(big);
    d.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, b BLOB)');
    const ins = d.prepare('INSERT INTO blobs (b) VALUES (randomblob(65536))');
    d.transaction(() => { for (let i = 0; i < 640; i++) ins.run(); })();
    d.close();
    assert.equal((await runCli(['source', 'add', '--name', 'big', '--sqlite', big], { dataDir: dir })).code, 0);
    assert.equal((await runCli(['backup'], { dataDir: dir })).code, 0);
    const c = fork(path.join(ROOT, 'src-main/engine-host/node-entry.ts'), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let log = '';
    c.stdout!.on('data', (b) => (log += b));
    c.stderr!.on('data', (b) => (log += b));
    const ended = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
    const e = new EngineClient({ post: (m) => c.send(m as object), onMessage: (fn) => c.on('message', fn) }, { passphrase: async () => 'unused' });
    await e.start({ dataDir: dir, remoteSecrets: false });
    const inFlight = e.handlers.verify({ deep: true }).catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 50));
    c.disconnect();
    e.closed('the test went away');
    assert.equal(await ended, 0, log);
    assert.ok(await inFlight, 'the call in flight failed on this side (the channel closed)');
    assert.equal(fs.existsSync(path.join(dir, 'agent.running')), false, 'the agent stopped cleanly');
  });
});
