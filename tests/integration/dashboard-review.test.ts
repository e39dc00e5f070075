// Regressions for the defects a review of the dashboard, the API and the engine process found (REV-01..10).
// Each failed before its fix, against a real agent process with a real SQLite source.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { runCli, tempDir } from '../helpers/cli.ts';
import { startDashboardAgent, type DashboardAgent } from '../helpers/dashboard-agent.ts';
import { startSmtpPeer } from '../peers/smtp-server.ts';

/** Sends raw bytes and returns the status line's code (or 0 when the connection closed without one). */
function rawStatus(port: number, request: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(request));
    let got = '';
    sock.on('data', (d) => (got += d));
    sock.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(got)?.[1] ?? 0)));
    sock.on('error', reject);
    sock.setTimeout(5000, () => sock.destroy());
  });
}

describe('dashboard review regressions (real agent)', () => {
  const tmp = tempDir('lifeboat-rev-');
  const dataDir = path.join(tmp.dir, 'data');
  const db = path.join(tmp.dir, 'office.db');
  let agent: DashboardAgent;
  let port: number;

  before(async () => {
    const d = new Database(db);
    d.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t (v) VALUES ('x');");
    d.close();
    assert.equal((await runCli(['source', 'add', '--name', 'office', '--sqlite', db], { dataDir })).code, 0);
    agent = await startDashboardAgent(dataDir);
    port = Number(new URL(agent.base).port);
  });
  after(async () => {
    await agent?.stop();
    tmp.cleanup();
  });

  test('REV-01: a malformed path or an absolute-form request is answered, and the agent lives on', async () => {
    const host = `Host: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`;
    assert.equal(await rawStatus(port, `GET /%E0%A4%A HTTP/1.1\r\n${host}`), 404);
    assert.equal(await rawStatus(port, `GET http://x:99999/ HTTP/1.1\r\n${host}`), 400);
    assert.equal((await agent.call('getStatus')).status, 200, 'still answering');
  });

  test('REV-02: Send test never sends the stored SMTP password to another server', async () => {
    const saved = await startSmtpPeer({ auth: { user: 'office', password: 'stored-pass' } });
    const other = await startSmtpPeer();
    try {
      const email = { enabled: false, host: saved.host, port: saved.port, user: 'office', from: 'a@office.example', to: ['b@office.example'] };
      assert.equal((await agent.call('saveSettings', { patch: { notifications: { email } }, smtpPassword: 'stored-pass' })).status, 200);
      const same = await agent.call<{ ok: boolean; message: string }>('testEmail', {});
      assert.equal(same.body.ok, true, same.body.message);
      const elsewhere = await agent.call<{ ok: boolean; message: string }>('testEmail', { email: { ...email, port: other.port } });
      assert.equal(elsewhere.body.ok, false);
      assert.match(elsewhere.body.message, /type the SMTP password/);
      assert.equal(other.received.length, 0, 'nothing reached the other server');
    } finally {
      await saved.stop();
      await other.stop();
    }
  });

  test('REV-03: a UPS address with a password is saved without it (the password goes to the secret store)', async () => {
    const r = await agent.call('saveSettings', { patch: { ups: ['nut://monuser:S3cretUpsPw@127.0.0.1:1/myups'] } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.doesNotMatch(fs.readFileSync(path.join(dataDir, 'settings.json'), 'utf8'), /S3cretUpsPw/);
    assert.doesNotMatch(JSON.stringify((await agent.call('getSettings')).body), /S3cretUpsPw/);
    assert.match(fs.readFileSync(path.join(dataDir, 'secrets.json'), 'utf8'), /S3cretUpsPw/);
    assert.equal((await agent.call('saveSettings', { patch: { ups: [] } })).status, 200);
    assert.doesNotMatch(fs.readFileSync(path.join(dataDir, 'secrets.json'), 'utf8'), /S3cretUpsPw/, 'a removed UPS takes its password with it');
  });

  test('REV-04: settings saved at the same moment are all kept; a second e-mail save keeps the stored password flag', async () => {
    const results = await Promise.all([
      agent.call('saveSettings', { patch: { retention: { last: 9 } } }),
      agent.call('saveSettings', { patch: { watchTiming: { quietSeconds: 99 } } }),
      agent.call('saveSettings', { patch: { osBattery: false } }),
    ]);
    assert.deepEqual(results.map((r) => r.status), [200, 200, 200]);
    const s = JSON.parse(fs.readFileSync(path.join(dataDir, 'settings.json'), 'utf8'));
    assert.equal(s.retention.last, 9);
    assert.equal(s.watchTiming.quietSeconds, 99);
    assert.equal(s.osBattery, false);
    const email = s.notifications.email;
    assert.equal(email.storedSecret, true);
    assert.equal((await agent.call('saveSettings', { patch: { notifications: { email: { ...email, storedSecret: undefined, summary: 'daily' } } } })).status, 200);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dataDir, 'settings.json'), 'utf8')).notifications.email.storedSecret, true);
  });

  test('REV-05: saves racing each other leave one UPS monitor, not one per save', async () => {
    let active = 0;
    let peak = 0;
    const fake = net.createServer((sock) => {
      active++;
      peak = Math.max(peak, active);
      sock.on('close', () => active--);
      sock.on('error', () => {});
      sock.resume(); // read, or the peer's close is never seen
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    const upsPort = (fake.address() as net.AddressInfo).port;
    try {
      await Promise.all(Array.from({ length: 10 }, () => agent.call('saveSettings', { patch: { ups: [`nut://127.0.0.1:${upsPort}/myups`] } })));
      await new Promise((r) => setTimeout(r, 1500));
      assert.ok(active <= 1, `open monitor connections: ${active} (peak ${peak})`);
    } finally {
      await agent.call('saveSettings', { patch: { ups: [] } });
      fake.close();
    }
  });

  test('REV-06: guesses sent in parallel cannot get past the PIN lockout', async () => {
    assert.equal((await agent.call('setPin', { next: '0042' })).status, 200);
    const tries = await Promise.all(Array.from({ length: 10 }, (_, i) => agent.call<{ code?: string; message?: string }>('saveSettings', { patch: { osBattery: true }, pin: `11${i}1` })));
    const checked = tries.filter((t) => /^wrong PIN/.test(t.body.message ?? '')).length;
    assert.equal(checked, 5, `only 5 guesses are checked before the lock (${tries.map((t) => t.body.message).join(' | ')})`);
    const right = await agent.call<{ code?: string; message?: string }>('saveSettings', { patch: { osBattery: true }, pin: '0042' });
    assert.equal(right.status, 403, 'the right PIN waits out the lock too');
    assert.match(right.body.message ?? '', /too many wrong PINs/);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dataDir, 'settings.json'), 'utf8')).osBattery, false, 'nothing was saved');
  });

  test('REV-07: a pause until resumed needs the PIN; an hour does not', async () => {
    const open = await agent.call<{ code: string }>('pause', {});
    assert.equal(open.body.code, 'pin-required');
    assert.equal((await agent.call('pause', { minutes: 60 })).status, 200);
    assert.equal((await agent.call('resume', {})).status, 200);
  });

  test('REV-08: Backup now answers at once with the job\'s id, also when the same backup is already queued', async () => {
    const [a, b] = await Promise.all([agent.call<{ jobId: number }>('backupNow', {}), agent.call<{ jobId: number }>('backupNow', {})]);
    assert.ok(a.body.jobId > 0);
    assert.equal(b.body.jobId, a.body.jobId, 'the second request joined the first');
  });

  test('REV-09: a copy to a relative path or into a missing folder is refused at the field, not a 500', async () => {
    const rel = await agent.call<{ code: string; fields: Array<{ path: string }> }>('restore', { ref: 'latest', source: 'office', to: 'relative.db' });
    assert.equal(rel.status, 400);
    assert.equal(rel.body.fields[0]!.path, 'to');
    const missing = await agent.call<{ code: string }>('restore', { ref: 'latest', source: 'office', to: path.join(tmp.dir, 'no', 'such', 'copy.db') });
    assert.equal(missing.status, 400);
    fs.writeFileSync(path.join(tmp.dir, 'afile'), 'x');
    const underFile = await agent.call<{ code: string }>('restore', { ref: 'latest', source: 'office', to: path.join(tmp.dir, 'afile', 'x.db') });
    assert.equal(underFile.status, 400);
  });
});
