// E-mail alerts (src-main/core/alerts) against a real SMTP receiver (tests/peers/smtp-server.ts: smtp-server on
// 127.0.0.1, mail sent by nodemailer over TCP). Verdicts come from the real healthVerdict; the clock of
// EmailAlerts is moved by the test (never waited for), so "an hour later" and "the next day" take no time.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { startSmtpPeer, type SmtpPeer } from '../peers/smtp-server.ts';
import { EmailAlerts, type AlertLogger, type EmailAlertsOptions } from '../../src-main/core/alerts/email-alerts.ts';
import { mailFor, summaryIsDue, withinHourlyLimit } from '../../src-main/core/alerts/alert-policy.ts';
import { summaryFromHistory } from '../../src-main/core/alerts/alert-mail.ts';
import { healthVerdict, type HealthFacts, type Verdict } from '../../src-main/core/health/health-verdict.ts';
import type { EmailSettings } from '../../src-main/core/settings/settings-schema.ts';
import { Catalog } from '../../src-main/core/catalog/catalog.ts';
import { tempDir } from '../helpers/cli.ts';

const TZ = 'Europe/Berlin';
const USER = { user: 'alerts', password: 'correct horse' };

/** A clock the test moves. */
function clock(iso: string): { now: () => Date; set(iso: string): void; add(minutes: number): void } {
  let t = Date.parse(iso);
  return { now: () => new Date(t), set: (s) => { t = Date.parse(s); }, add: (m) => { t += m * 60_000; } };
}

/** The office's verdict at `now`: one source backed up 3 minutes ago, and the power as given. */
function verdictAt(now: Date, power: 'online' | 'on-battery'): Verdict {
  const ago = (min: number) => new Date(now.getTime() - min * 60_000).toISOString();
  const facts: HealthFacts = {
    sources: [{ name: 'office', lastGoodSnapshot: ago(3), addedAt: ago(60 * 24 * 30) }],
    power: { state: power, source: 'office-ups', since: ago(2), upsConfigured: true, ...(power === 'on-battery' ? { emergencyBackup: { state: 'done' as const, at: ago(1) } } : {}) },
  };
  return healthVerdict(facts, now, { timeZone: TZ });
}

function settings(peer: { host: string; port: number }, extra: Partial<EmailSettings> = {}): EmailSettings {
  return { enabled: true, host: peer.host, port: peer.port, user: USER.user, from: 'lifeboat@office.example', to: ['it@office.example'], ...extra };
}

function logger(): AlertLogger & { lines: Array<{ level: string; obj: object; msg: string }> } {
  const lines: Array<{ level: string; obj: object; msg: string }> = [];
  return { lines, info: (obj, msg) => lines.push({ level: 'info', obj, msg }), warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }) };
}

function alerts(opts: Partial<EmailAlertsOptions> & { settings: EmailSettings }): EmailAlerts {
  return new EmailAlerts({ password: async () => USER.password, machine: 'frontdesk', timeZone: TZ, timeoutMs: 15_000, ...opts });
}

/** A port on 127.0.0.1 with nothing listening (taken from the kernel, then released). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('e-mail alerts: the decisions (pure)', () => {
  test('which mail a level change calls for', () => {
    const table: Array<[string, string, string[], boolean, string | undefined]> = [
      ['ok', 'critical', ['warning', 'critical'], true, 'alert'],
      ['ok', 'warning', ['warning', 'critical'], true, 'alert'],
      ['ok', 'warning', ['critical'], true, undefined],
      ['warning', 'critical', ['warning', 'critical'], true, 'alert'],
      ['critical', 'warning', ['warning', 'critical'], true, 'alert'],
      ['critical', 'critical', ['warning', 'critical'], true, undefined],
      ['critical', 'ok', ['warning', 'critical'], true, 'recovery'],
      ['critical', 'working', ['warning', 'critical'], true, 'recovery'],
      ['critical', 'ok', ['warning', 'critical'], false, undefined],
      ['ok', 'working', ['warning', 'critical'], true, undefined],
      ['ok', 'ok', ['warning', 'critical'], true, undefined],
    ];
    for (const [mailed, next, levels, recovery, want] of table) {
      assert.equal(mailFor(mailed as 'ok', next as 'ok', levels as ['warning'], recovery), want, `${mailed} -> ${next} (${levels.join(',')}, recovery ${recovery})`);
    }
  });

  test('the hourly limit counts only the last hour', () => {
    const h = 3_600_000;
    assert.equal(withinHourlyLimit([], 10 * h, 1), true);
    assert.equal(withinHourlyLimit([10 * h - 1000], 10 * h, 1), false);
    assert.equal(withinHourlyLimit([9 * h], 10 * h, 1), true, 'exactly an hour ago no longer counts');
    assert.equal(withinHourlyLimit([9.5 * h, 9.6 * h], 10 * h, 3), true);
    assert.equal(withinHourlyLimit([9.5 * h, 9.6 * h, 9.7 * h], 10 * h, 3), false);
  });

  test('when a summary is due (local time, Europe/Berlin)', () => {
    const d = (s: string) => new Date(s);
    const table: Array<[string, 'off' | 'daily' | 'weekly', string, string | undefined, boolean]> = [
      ['off', 'off', '2026-11-23T10:00:00+01:00', undefined, false],
      ['daily, never sent, before 08:00', 'daily', '2026-11-23T07:59:00+01:00', undefined, false],
      ['daily, never sent, 08:00', 'daily', '2026-11-23T08:00:00+01:00', undefined, true],
      ['daily, sent today', 'daily', '2026-11-23T23:59:00+01:00', '2026-11-23T08:01:00+01:00', false],
      ['daily, sent yesterday evening', 'daily', '2026-11-24T08:30:00+01:00', '2026-11-23T22:00:00+01:00', true],
      ['daily, sent yesterday, next morning before 08:00', 'daily', '2026-11-24T07:00:00+01:00', '2026-11-23T08:00:00+01:00', false],
      ['daily: the local day, not UTC (00:30 in Berlin is the day before in UTC)', 'daily', '2026-11-24T08:00:00+01:00', '2026-11-24T00:30:00+01:00', false],
      ['weekly, sent last Monday, Monday 08:00', 'weekly', '2026-11-30T08:00:00+01:00', '2026-11-23T08:00:00+01:00', true],
      ['weekly, sent last Monday, Sunday', 'weekly', '2026-11-29T20:00:00+01:00', '2026-11-23T08:00:00+01:00', false],
      ['weekly, Monday 07:00', 'weekly', '2026-11-30T07:00:00+01:00', '2026-11-23T08:00:00+01:00', false],
      ['weekly, machine off on Monday: Tuesday 06:00', 'weekly', '2026-12-01T06:00:00+01:00', '2026-11-23T08:00:00+01:00', true],
    ];
    for (const [what, kind, now, last, want] of table) assert.equal(summaryIsDue(kind, d(now), last ? d(last) : undefined, TZ), want, what);
  });
});

describe('e-mail alerts over SMTP (smtp-server on 127.0.0.1)', () => {
  let peer: SmtpPeer;
  before(async () => {
    peer = await startSmtpPeer({ auth: USER, rejectRecipients: ['nobody@office.example'] });
  });
  after(async () => {
    await peer?.stop();
  });

  test('EMAIL-01 the verdict turns critical: one mail with the level and first reason in the subject and every reason in the body; "All well again" when it recovers', async () => {
    const start = peer.received.length;
    const c = clock('2026-11-23T14:02:00+01:00');
    const log = logger();
    const a = alerts({ settings: settings(peer), now: c.now, log });
    const ok = verdictAt(c.now(), 'online');
    assert.equal(ok.level, 'ok');
    assert.deepEqual(await a.onVerdict(undefined, ok), { mail: undefined, held: false }, 'all well at start: nothing to say');

    c.add(1);
    const critical = verdictAt(c.now(), 'on-battery');
    assert.equal(critical.level, 'critical');
    const r = await a.onVerdict(ok, critical);
    assert.equal(r.mail, 'alert');
    assert.deepEqual(r.result, { ok: true, message: 'sent to it@office.example' });
    const [mail] = (await peer.waitFor(start + 1)).slice(start);
    assert.ok(mail);
    assert.equal(mail.from, 'lifeboat@office.example');
    assert.deepEqual(mail.to, ['it@office.example']);
    assert.equal(mail.user, USER.user, 'logged in with the stored password');
    assert.equal(mail.subject, `Lifeboat: CRITICAL: ${critical.reasons[0]!.text}`);
    assert.match(mail.subject, /^Lifeboat: CRITICAL: On battery/);
    for (const reason of critical.reasons) assert.ok(mail.text.includes(reason.text), `the body lists "${reason.text}":\n${mail.text}`);
    assert.match(mail.text, /What Lifeboat on frontdesk sees at 23\/11\/2026, 14:03 \(Europe\/Berlin\)/);
    assert.ok(log.lines.some((l) => l.level === 'info' && (l.obj as { event?: string }).event === 'email-sent'));

    // Still critical a minute later (the texts' ages moved): no second mail.
    c.add(1);
    const stillCritical = verdictAt(c.now(), 'on-battery');
    assert.deepEqual(await a.onVerdict(critical, stillCritical), { mail: undefined, held: false });

    c.add(5);
    const back = verdictAt(c.now(), 'online');
    const rec = await a.onVerdict(stillCritical, back);
    assert.equal(rec.mail, 'recovery');
    const [again] = (await peer.waitFor(start + 2)).slice(start + 1);
    assert.equal(again!.subject, 'Lifeboat: All well again');
    assert.match(again!.text, /All well again on frontdesk at 23\/11\/2026, 14:09 \(Europe\/Berlin\) \(it was CRITICAL\)/);
    assert.equal(peer.received.length, start + 2, 'exactly two mails');
  });

  test('EMAIL-02 a flapping verdict sends at most the hourly limit; an hour later the state then is mailed, saying how many changes were held', async () => {
    const start = peer.received.length;
    const c = clock('2026-11-23T09:00:00+01:00');
    const log = logger();
    const a = alerts({ settings: settings(peer), now: c.now, log, maxPerHour: 3 });
    let prev: Verdict | undefined;
    const results = [];
    for (let i = 0; i < 10; i++) {
      c.add(1);
      const v = verdictAt(c.now(), i % 2 === 0 ? 'on-battery' : 'online');
      results.push(await a.onVerdict(prev, v));
      prev = v;
    }
    // Held: a mail is owed. '-': the flap came back to the level last mailed, so nothing is owed.
    assert.deepEqual(results.map((r) => r.mail ?? (r.held ? 'held' : '-')), ['alert', 'recovery', 'alert', 'held', '-', 'held', '-', 'held', '-', 'held']);
    await peer.waitFor(start + 3);
    assert.equal(peer.received.length, start + 3, 'three mails for ten changes');
    assert.equal(log.lines.filter((l) => (l.obj as { event?: string }).event === 'email-held').length, 4);

    // While the mail is owed, every new verdict asks again (no new log line); still no room within the hour.
    assert.deepEqual(await a.onVerdict(prev, prev!), { mail: undefined, held: true });
    assert.equal(log.lines.filter((l) => (l.obj as { event?: string }).event === 'email-held').length, 4);
    assert.equal(peer.received.length, start + 3);

    // The last verdict was ok, but the admin last heard "critical": an hour after the first mail there is room,
    // and the next verdict (unchanged) brings the word that all is well again.
    c.add(55);
    const last = verdictAt(c.now(), 'online');
    const r = await a.onVerdict(prev, last);
    assert.equal(r.mail, 'recovery');
    const mails = (await peer.waitFor(start + 4)).slice(start);
    assert.deepEqual(mails.map((m) => m.subject.replace(/: On battery.*/, '')), ['Lifeboat: CRITICAL', 'Lifeboat: All well again', 'Lifeboat: CRITICAL', 'Lifeboat: All well again']);
    assert.match(mails[3]!.text, /The level changed 7 times since the last e-mail; not every change was mailed/);
    assert.doesNotMatch(mails[1]!.text, /The level changed/, 'a mail sent on its change says nothing of the kind');
    assert.equal(a.lastMailedLevel, 'ok');
    assert.deepEqual(await a.onVerdict(last, last), { mail: undefined, held: false }, 'nothing held any more');
  });

  test('EMAIL-03 a wrong port: test() says the server cannot be reached, and an alert to it never throws', async () => {
    const port = await deadPort();
    const log = logger();
    const a = alerts({ settings: settings({ host: '127.0.0.1', port }), log });
    const r = await a.test();
    assert.equal(r.ok, false);
    assert.equal(r.message, `cannot reach the SMTP server 127.0.0.1:${port} (connection refused: nothing listens there)`);
    const c = clock('2026-11-23T10:00:00+01:00');
    const b = alerts({ settings: settings({ host: '127.0.0.1', port }), now: c.now, log });
    const v = await b.onVerdict(undefined, verdictAt(c.now(), 'on-battery'));
    assert.equal(v.held, true);
    assert.equal(v.result?.ok, false);
    assert.ok(log.lines.some((l) => l.level === 'warn' && l.msg.includes(`cannot reach the SMTP server 127.0.0.1:${port}`)));
  });

  test('EMAIL-04 a wrong password: the server refused the user name or password (and the password is in no message)', async () => {
    const start = peer.received.length;
    const a = alerts({ settings: settings(peer), password: async () => 'wrong horse' });
    const r = await a.test();
    assert.equal(r.ok, false);
    assert.match(r.message, /^the SMTP server refused the user name or password \(535 /);
    assert.ok(!r.message.includes('horse'));
    const none = alerts({ settings: settings(peer), password: async () => undefined });
    assert.deepEqual(await none.test(), { ok: false, message: 'no SMTP password is stored for alerts: enter it in the e-mail settings' });
    const anonymous = alerts({ settings: settings(peer, { user: undefined }) });
    assert.match((await anonymous.test()).message, /^the SMTP server wants a user name and password before it takes mail \(530 /);
    assert.equal(peer.received.length, start, 'nothing delivered');
  });

  test('EMAIL-05 a rejected recipient is named; with another recipient the mail still goes to that one', async () => {
    const start = peer.received.length;
    const only = await alerts({ settings: settings(peer, { to: ['nobody@office.example'] }) }).test();
    assert.equal(only.ok, false);
    assert.match(only.message, /^the server refused the recipient nobody@office\.example \(550 /);
    const both = await alerts({ settings: settings(peer, { to: ['nobody@office.example', 'it@office.example'] }) }).test();
    assert.deepEqual(both, { ok: false, message: 'the server refused the recipient nobody@office.example; sent to it@office.example' });
    const [mail] = (await peer.waitFor(start + 1)).slice(start);
    assert.deepEqual(mail!.to, ['it@office.example']);
    assert.equal(mail!.subject, 'Lifeboat: test e-mail');
    assert.match(mail!.text, /This is a test e-mail from Lifeboat on frontdesk/);
  });

  test('EMAIL-06 TLS problems: "secure" against a plain port, and a self-signed certificate', async () => {
    const plain = await alerts({ settings: settings(peer, { secure: true }) }).test();
    assert.equal(plain.ok, false);
    assert.match(plain.message, new RegExp(`^TLS with the SMTP server 127\\.0\\.0\\.1:${peer.port} failed: it does not speak TLS from the first byte on this port; turn off "secure"`));
    const tlsPeer = await startSmtpPeer({ secure: true });
    try {
      const selfSigned = await alerts({ settings: settings(tlsPeer, { secure: true, user: undefined }) }).test();
      assert.deepEqual(selfSigned, { ok: false, message: `TLS with the SMTP server 127.0.0.1:${tlsPeer.port} failed: its certificate is self-signed` });
      assert.equal(tlsPeer.received.length, 0);
      // Plain SMTP against the TLS port: the client waits for a greeting that never comes in plain text.
      const plainToTls = await alerts({ settings: settings({ host: '127.0.0.1', port: tlsPeer.port }, { user: undefined }), timeoutMs: 1500 }).test();
      assert.equal(plainToTls.ok, false);
      assert.match(plainToTls.message, new RegExp(`^cannot reach the SMTP server 127\\.0\\.0\\.1:${tlsPeer.port} \\(no answer in time`));
    } finally {
      await tlsPeer.stop();
    }
  });

  test('EMAIL-07 the daily summary goes once a day, with what was backed up, what failed and the verdict, from the catalog history', async () => {
    const start = peer.received.length;
    const t = tempDir();
    const catalog = new Catalog(path.join(t.dir, 'catalog.db'));
    try {
      const row = (time: string, op: string, source: string | null, result: 'ok' | 'failed' | 'warning', detail: string) =>
        catalog.addHistory({ time: new Date(time).toISOString(), op, source, snapshot: null, actor: 'agent', result, detail, durationMs: 5 });
      row('2026-11-22T09:00:00+01:00', 'backup', 'office', 'ok', 'schedule; 4096 bytes, 2048 added');
      row('2026-11-22T09:15:00+01:00', 'backup', 'office', 'ok', 'schedule; 4096 bytes, 1000 added');
      row('2026-11-22T10:00:00+01:00', 'backup', 'documents', 'failed', 'permission denied reading /srv/docs/locked.pdf');
      row('2026-11-22T11:00:00+01:00', 'offsite-upload', null, 'warning', 'nas: retrying in 30 s');
      row('2026-11-21T09:00:00+01:00', 'backup', 'office', 'ok', 'before the period; 1 bytes, 1 added');

      const c = clock('2026-11-23T07:30:00+01:00');
      const a = alerts({ settings: settings(peer, { summary: 'daily' }), now: c.now });
      let lastSent: Date | undefined = new Date('2026-11-22T08:00:00+01:00');
      let sent = 0;
      // Every 30 minutes from 07:30 on the 23rd to 10:00 on the 24th, as an agent's timer would ask.
      for (; c.now() < new Date('2026-11-24T10:00:00+01:00'); c.add(30)) {
        if (!a.summaryDue(c.now(), lastSent)) continue;
        const facts = summaryFromHistory(catalog.history(1000), { from: lastSent, to: c.now() }, verdictAt(c.now(), 'online'), ['office', 'documents']);
        const r = await a.sendSummary(facts);
        assert.equal(r.ok, true, r.message);
        lastSent = c.now();
        sent++;
      }
      assert.equal(sent, 2, 'one on the 23rd, one on the 24th');
      const mails = (await peer.waitFor(start + 2)).slice(start);
      assert.equal(peer.received.length, start + 2);
      const [first, second] = mails;
      assert.equal(first!.subject, 'Lifeboat: daily summary: OK, 2 snapshots, 1 failed');
      assert.match(first!.text, /^Daily summary of Lifeboat on frontdesk, 22\/11\/2026, 08:00 to 23\/11\/2026, 08:00\./);
      assert.match(first!.text, /office: 2 snapshots, last 22\/11\/2026, 09:15, 3\.0 KB added/);
      assert.match(first!.text, /documents: 0 snapshots/);
      assert.match(first!.text, /Problems \(2\):\n {2}22\/11\/2026, 10:00 {2}FAILED {3}backup documents: permission denied reading \/srv\/docs\/locked\.pdf\n {2}22\/11\/2026, 11:00 {2}WARNING {2}offsite-upload: nas: retrying in 30 s/);
      assert.match(first!.text, /Now: OK: /);
      assert.equal(second!.subject, 'Lifeboat: daily summary: OK, 0 snapshots, 0 failed');
      assert.match(second!.text, /Problems: none\./);
    } finally {
      catalog.close();
      t.cleanup();
    }
  });

  test('EMAIL-08 a summary that cannot be sent is retried after 30 minutes, not at every check', async () => {
    const port = await deadPort();
    const c = clock('2026-11-23T08:00:00+01:00');
    const a = alerts({ settings: settings({ host: '127.0.0.1', port }, { summary: 'weekly' }), now: c.now });
    assert.equal(a.summaryDue(c.now(), undefined), true);
    const r = await a.sendSummary(summaryFromHistory([], { from: new Date('2026-11-16T08:00:00+01:00'), to: c.now() }, verdictAt(c.now(), 'online')));
    assert.equal(r.ok, false);
    assert.match(r.message, /^cannot reach the SMTP server/);
    c.add(29);
    assert.equal(a.summaryDue(c.now(), undefined), false);
    c.add(1);
    assert.equal(a.summaryDue(c.now(), undefined), true);
  });

  test('EMAIL-09 e-mail turned off: no alert, no summary (the test mail still goes, for the settings form)', async () => {
    const start = peer.received.length;
    const c = clock('2026-11-23T09:00:00+01:00');
    const a = alerts({ settings: settings(peer, { enabled: false, summary: 'daily' }), now: c.now });
    assert.deepEqual(await a.onVerdict(undefined, verdictAt(c.now(), 'on-battery')), { mail: undefined, held: false });
    assert.equal(a.summaryDue(c.now(), undefined), false);
    assert.equal(peer.received.length, start);
    assert.equal((await a.test()).ok, true);
    await peer.waitFor(start + 1);
  });
});
