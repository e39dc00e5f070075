// The dashboard's HTTP API against a real `lifeboat agent --dashboard` process on a real SQLite database:
// the calls, their validation, the events, and the guards (token, Host, Origin, failed attempts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { runCli, tempDir } from '../helpers/cli.ts';
import { agentStatus, waitFor } from '../helpers/agent-process.ts';
import { startDashboardAgent, type DashboardAgent } from '../helpers/dashboard-agent.ts';
import { startSmtpPeer } from '../peers/smtp-server.ts';

type Status = { verdict: { level: string; reasons: Array<{ code: string; text: string }> }; paused: unknown; sources: Array<{ name: string; lastSnapshot: { id: string } | null }>; nextRuns: Array<{ id: string; next: string }> };
type Snapshot = { id: string; time: string; reason: string };

describe('dashboard API over HTTP (real agent, real SQLite)', () => {
  const tmp = tempDir('lifeboat-dash-');
  const dataDir = path.join(tmp.dir, 'data');
  const db = path.join(tmp.dir, 'office.db');
  let agent: DashboardAgent;

  before(async () => {
    const d = new Database(db);
    d.exec("CREATE TABLE pupils (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO pupils (name) VALUES ('Ada'), ('Grace');");
    d.close();
    const r = await runCli(['source', 'add', '--name', 'office', '--sqlite', db], { dataDir });
    assert.equal(r.code, 0, r.stderr);
    agent = await startDashboardAgent(dataDir);
  });
  after(async () => {
    await agent?.stop();
    tmp.cleanup();
  });

  test('DASH-01: status names the source; Backup now queues a job, sends progress and status events, and the snapshot appears', async () => {
    const s = await agent.call<Status>('getStatus');
    assert.equal(s.status, 200);
    assert.deepEqual(s.body.sources.map((x) => x.name), ['office']);

    const ctrl = new AbortController();
    const res = await fetch(`${agent.base}api/events`, { headers: { Authorization: `Bearer ${agent.token}` }, signal: ctrl.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const seen: string[] = [];
    const reading = (async () => {
      const reader = res.body!.getReader();
      let text = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
          for (const m of text.matchAll(/^event: (\w+)$/gm)) seen.push(m[1]!);
          text = text.slice(text.lastIndexOf('\n\n') + 2);
        }
      } catch { /* aborted */ }
    })();

    const before = (await agent.call<Snapshot[]>('listSnapshots', {})).body.length;
    const b = await agent.call<{ jobId: number }>('backupNow', { source: 'office' });
    assert.equal(b.status, 200);
    assert.ok(b.body.jobId > 0);
    const list = await waitFor('the new snapshot', async () => {
      const l = (await agent.call<Snapshot[]>('listSnapshots', { source: 'office' })).body;
      return l.length > before ? l : undefined;
    });
    assert.equal(list[0]!.reason, 'manual');
    await waitFor('progress and status events', () => seen.includes('progress') && seen.filter((e) => e === 'status').length >= 2);
    ctrl.abort();
    await reading;
    const cli = await runCli(['list', '--json'], { dataDir });
    assert.ok((JSON.parse(cli.stdout) as Snapshot[]).some((x) => x.id === list[0]!.id), 'the CLI sees the same snapshot');
  });

  test('DASH-02: an invalid cron is refused at its field and nothing is saved; a valid one is saved and moves the next run', async () => {
    const file = path.join(dataDir, 'settings.json');
    const saved = fs.readFileSync(file);
    const bad = await agent.call<{ code: string; fields: Array<{ path: string; message: string }> }>('saveSettings', { patch: { schedules: { backup: { cron: '61 * * * *' } } } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'bad-input');
    assert.equal(bad.body.fields[0]!.path, 'patch.schedules.backup.cron');
    assert.match(bad.body.fields[0]!.message, /61/);
    assert.deepEqual(fs.readFileSync(file), saved, 'settings.json is unchanged');

    const check = await agent.call<{ valid: boolean; human: string; next: string[] }>('checkSchedule', { cron: '17 3 * * *' });
    assert.equal(check.body.valid, true);
    assert.equal(check.body.next.length, 3);
    const ok = await agent.call('saveSettings', { patch: { schedules: { backup: { cron: '17 3 * * *' } } } });
    assert.equal(ok.status, 200);
    const next = (await agent.call<Status>('getStatus')).body.nextRuns.find((r) => r.id === 'backup')!.next;
    assert.equal(next, check.body.next[0]);
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).schedules.backup.cron, '17 3 * * *');
    await waitFor('the agent status file with the new next run', () => (agentStatus(dataDir, agent.pid) as unknown as Status | undefined)?.nextRuns.find((r) => r.id === 'backup')?.next === next);
  });

  test('DASH-03: malformed arguments and unknown calls are refused before any handler runs', async () => {
    const r = await agent.call<{ code: string; fields: Array<{ path: string }> }>('addSource', { name: 'bad name', kind: 'sqlite', path: '' });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.fields.map((f) => f.path).sort(), ['name', 'path']);
    const extra = await agent.call<{ code: string }>('backupNow', { source: 'office', rm: '-rf' });
    assert.equal(extra.status, 400);
    const unknown = await agent.call<{ code: string }>('dropEverything', {});
    assert.equal(unknown.status, 404);
    const missing = await agent.call<{ code: string; message: string }>('backupNow', { source: 'nosuch' });
    assert.equal(missing.status, 404);
    assert.doesNotMatch(missing.body.message, /\n\s+at /, 'no stack trace');
  });

  test('DASH-04: a restore through the API puts the snapshot back into the live database (checked with SQLite)', async () => {
    const snap = (await agent.call<Snapshot[]>('listSnapshots', { source: 'office' })).body[0]!;
    const d = new Database(db);
    d.exec("INSERT INTO pupils (name) VALUES ('Mallory')");
    d.close();
    const r = await agent.call<{ snapshot: string; safetySnapshot: string; checks: string[] }>('restore', { ref: snap.id, source: 'office' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.snapshot, snap.id);
    assert.ok(r.body.safetySnapshot, 'a safety snapshot was taken first');
    const after = new Database(db, { readonly: true });
    assert.deepEqual(after.prepare('SELECT name FROM pupils ORDER BY id').all().map((x) => (x as { name: string }).name), ['Ada', 'Grace']);
    after.close();
  });

  test('DASH-05: pause shows in the status and the verdict; resume lifts it', async () => {
    assert.equal((await agent.call('pause', { minutes: 60 })).status, 200);
    const paused = await waitFor('a paused status', async () => {
      const s = (await agent.call<Status>('getStatus')).body;
      return s.paused ? s : undefined;
    });
    assert.ok(paused.verdict.reasons.some((r) => r.code === 'paused'));
    assert.equal((await agent.call('resume', {})).status, 200);
    const s = (await agent.call<Status>('getStatus')).body;
    assert.equal(s.paused, null);
    assert.ok(!s.verdict.reasons.some((r) => r.code === 'paused'));
  });

  test('DASH-07: with an admin PIN set, settings and live restores need it; a copy elsewhere does not', async () => {
    assert.equal((await agent.call('setPin', { next: '4821' })).status, 200);
    const status = (await agent.call<{ agent: { pinSet: boolean } }>('getStatus')).body;
    assert.equal(status.agent.pinSet, true);
    const noPin = await agent.call<{ code: string }>('saveSettings', { patch: { osBattery: false } });
    assert.equal(noPin.status, 403);
    assert.equal(noPin.body.code, 'pin-required');
    const wrong = await agent.call<{ code: string }>('saveSettings', { patch: { osBattery: false }, pin: '0000' });
    assert.equal(wrong.body.code, 'pin-required');
    assert.equal((await agent.call('saveSettings', { patch: { osBattery: false }, pin: '4821' })).status, 200);
    const live = await agent.call<{ code: string }>('restore', { ref: 'latest', source: 'office' });
    assert.equal(live.body.code, 'pin-required');
    const copy = await agent.call<{ to: string }>('restore', { ref: 'latest', source: 'office', to: path.join(tmp.dir, 'copy.db') });
    assert.equal(copy.status, 200, JSON.stringify(copy.body));
    assert.ok(fs.existsSync(path.join(tmp.dir, 'copy.db')));
    const secrets = fs.readFileSync(path.join(dataDir, 'secrets.json'), 'utf8');
    assert.doesNotMatch(secrets, /4821/, 'only a salted hash of the PIN is stored');
    assert.equal((await agent.call('setPin', { current: '4821', next: '' })).status, 200);
    assert.equal((await agent.call('saveSettings', { patch: { osBattery: true } })).status, 200);
  });

  test('DASH-08: e-mail alerts: "Send test" reports a bad password clearly; saved settings mail a verdict change to a real SMTP server', async () => {
    const smtp = await startSmtpPeer({ auth: { user: 'office', password: 'right-pass' } });
    try {
      const email = { enabled: true, host: smtp.host, port: smtp.port, user: 'office', from: 'lifeboat@office.example', to: ['admin@office.example'], levels: ['warning', 'critical'] };
      const wrong = await agent.call<{ ok: boolean; message: string }>('testEmail', { email, smtpPassword: 'wrong-pass' });
      assert.equal(wrong.body.ok, false);
      assert.match(wrong.body.message, /user name or password/);
      const ok = await agent.call<{ ok: boolean; message: string }>('testEmail', { email, smtpPassword: 'right-pass' });
      assert.equal(ok.body.ok, true, ok.body.message);
      await smtp.waitFor(1);
      const saved = await agent.call('saveSettings', { patch: { notifications: { email } }, smtpPassword: 'right-pass' });
      assert.equal(saved.status, 200, JSON.stringify(saved.body));
      assert.doesNotMatch(fs.readFileSync(path.join(dataDir, 'settings.json'), 'utf8'), /right-pass/, 'the SMTP password is in the secret store, not in settings');
      await agent.call('pause', {});
      const mails = await smtp.waitFor(2);
      assert.match(mails[1]!.subject, /WARNING/);
      assert.match(mails[1]!.text, /paused/i);
      assert.deepEqual(mails[1]!.to, ['admin@office.example']);
      await agent.call('resume', {});
      await agent.call('saveSettings', { patch: { notifications: { email: { ...email, enabled: false } } } });
    } finally {
      await smtp.stop();
    }
  });

  test('DASH-06: the token, Host and Origin are checked; wrong tokens are limited, the right one never; no cookies', async () => {
    const noToken = await fetch(`${agent.base}api/getStatus`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(noToken.status, 401);
    assert.equal(noToken.headers.get('set-cookie'), null);
    const foreign = await agent.call('getStatus', {}, { Origin: 'http://evil.example' });
    assert.equal(foreign.status, 403);
    const port = new URL(agent.base).port;
    const wrongHost = await new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/', headers: { Host: `rebind.example:${port}` } }, (res) => { res.resume(); resolve(res.statusCode!); }).on('error', reject);
    });
    assert.equal(wrongHost, 421);
    const traversal = await fetch(`${agent.base}..%2f..%2fsettings.json`);
    assert.equal(traversal.status, 404);
    assert.equal(fs.statSync(path.join(dataDir, 'dashboard-token')).mode & 0o777, 0o600);
    let last = 0;
    for (let i = 0; i < 11; i++) last = (await fetch(`${agent.base}api/getStatus`, { method: 'POST', headers: { Authorization: 'Bearer wrong', 'Content-Type': 'application/json' }, body: '{}' })).status;
    assert.equal(last, 429, 'wrong tokens are limited');
    const right = await agent.call('getStatus');
    assert.equal(right.status, 200, 'the right token is never locked out (a page elsewhere must not lock the office out)');
  });
});
