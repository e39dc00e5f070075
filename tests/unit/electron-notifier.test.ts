import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Notice } from '../../src-shared/contract.ts';
import { Notifier, type ShownNotice } from '../../src-main/electron/notifier.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

function clock() {
  let t = Date.parse('2026-11-20T13:00:00Z');
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

function notice(kind: Notice['kind'], over: Partial<Notice> = {}): Notice {
  const level = kind === 'power-lost' || kind === 'emergency-backup-failed' ? 'critical' : kind === 'power-restored' ? 'ok' : 'warning';
  return { kind, level, title: kind, body: `${kind} happened`, time: '2026-11-20T13:00:00Z', ...over };
}

/** Offers one notice per step and collects what would be shown, including summaries that fall due. */
function drive(n: Notifier, c: ReturnType<typeof clock>, steps: number, stepMs: number, make: (i: number) => Notice) {
  const shown: ShownNotice[] = [];
  const summaries: ShownNotice[] = [];
  for (let i = 0; i < steps; i++) {
    summaries.push(...n.due());
    const s = n.offer(make(i));
    if (s) shown.push(s);
    c.advance(stepMs);
  }
  return { shown, summaries };
}

test('an hour of a flapping network gives one notice, not sixty, then one summary', () => {
  const c = clock();
  const n = new Notifier({ now: c.now });
  const { shown, summaries } = drive(n, c, 60, MIN, (i) => notice('health-changed', { key: 'network', title: i % 2 ? 'Network back' : 'Network lost', body: i % 2 ? 'nas answers again' : 'nas does not answer' }));
  assert.equal(shown.length, 1);
  assert.equal(shown[0]!.title, 'Network lost');
  assert.equal(summaries.length, 0, 'no summary before the hour is over');
  const due = n.due();
  assert.equal(due.length, 1);
  assert.equal(due[0]!.summary, true);
  assert.equal(due[0]!.count, 59);
  assert.equal(due[0]!.body, '59 more like this in the last hour. Latest: nas answers again');
});

test('power lost and restored flapping for an hour: the first loss is shown, then one summary that says how it is now', () => {
  const c = clock();
  const n = new Notifier({ now: c.now });
  const { shown } = drive(n, c, 30, 2 * MIN, (i) => notice(i % 2 ? 'power-restored' : 'power-lost'));
  assert.deepEqual(shown.map((s) => [s.kind, s.level]), [['power-lost', 'critical']]);
  const due = n.due();
  assert.equal(due.length, 1);
  assert.equal(due[0]!.title, 'Power unstable');
  assert.equal(due[0]!.body, 'Power lost and back 15 times in the last hour. Power is on now.');
});

test('steady flapping for three hours: one notice, then one summary an hour', () => {
  const c = clock();
  const n = new Notifier({ now: c.now });
  const { shown, summaries } = drive(n, c, 180, MIN, () => notice('backup-failed', { key: 'office' }));
  assert.equal(shown.length, 1);
  assert.equal(summaries.length, 2, 'at 1 h and 2 h');
  assert.equal(n.due().length, 1, 'and at 3 h');
  c.advance(HOUR);
  assert.equal(n.due().length, 0, 'a quiet hour closes the group');
  assert.equal(n.nextDueAt(), undefined);
  assert.ok(n.offer(notice('backup-failed', { key: 'office' })), 'the next one after the quiet is news again');
});

test('different keys are different groups; a window with nothing merged closes quietly', () => {
  const c = clock();
  const n = new Notifier({ now: c.now });
  assert.ok(n.offer(notice('backup-failed', { key: 'office' })));
  assert.ok(n.offer(notice('backup-failed', { key: 'stock' })));
  assert.equal(n.offer(notice('backup-failed', { key: 'office' })), undefined);
  assert.equal(n.nextDueAt(), Date.parse('2026-11-20T14:00:00Z'));
  c.advance(HOUR);
  const due = n.due();
  assert.equal(due.length, 1, 'only office had repeats');
  assert.equal(due[0]!.count, 1);
});

test('a hard cap per hour overall; what is over the cap is told in a summary later, not lost', () => {
  const c = clock();
  const n = new Notifier({ now: c.now, hourlyCap: 3 });
  const shown = [];
  for (let i = 0; i < 8; i++) {
    const s = n.offer(notice('usb-copy-failed', { key: `drive-${i}` }));
    if (s) shown.push(s);
    c.advance(MIN);
  }
  assert.equal(shown.length, 3);
  c.advance(HOUR);
  const due = n.due();
  assert.equal(due.length, 3, 'summaries obey the cap too');
  c.advance(HOUR);
  assert.equal(n.due().length, 2, 'the rest come in the next window');
});

test('critical notices are never dropped: emergency backup failed always shows, a first power loss ignores the cap', () => {
  const c = clock();
  const n = new Notifier({ now: c.now, hourlyCap: 2 });
  assert.ok(n.offer(notice('backup-failed', { key: 'a' })));
  assert.ok(n.offer(notice('backup-failed', { key: 'b' })));
  assert.equal(n.offer(notice('verify-failed')), undefined, 'capped');
  assert.ok(n.offer(notice('power-lost')), 'the first power loss shows even over the cap');
  for (let i = 0; i < 5; i++) {
    const s = n.offer(notice('emergency-backup-failed', { body: `try ${i}` }));
    assert.ok(s, `emergency failure ${i} shown`);
    assert.equal(s.body, `try ${i}`);
  }
});

test('nextDueAt is the earliest open window end', () => {
  const c = clock();
  const n = new Notifier({ now: c.now, windowMs: 10 * MIN });
  assert.equal(n.nextDueAt(), undefined);
  n.offer(notice('verify-failed'));
  c.advance(3 * MIN);
  n.offer(notice('restore-done'));
  assert.equal(n.nextDueAt(), Date.parse('2026-11-20T13:10:00Z'));
  n.offer(notice('verify-failed'));
  c.advance(7 * MIN);
  const due = n.due();
  assert.equal(due.length, 1);
  assert.match(due[0]!.body, /^1 more like this in the last 10 min/);
});
