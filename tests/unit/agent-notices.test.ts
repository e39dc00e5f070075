import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emergencyNotice, healthNotice, outcomeNotice, powerNotice } from '../../src-main/agent/agent-notices.ts';
import { NoticeSchema } from '../../src-shared/contract.ts';

const verdict = (level: 'ok' | 'working' | 'warning' | 'critical', text = 'x') => ({ level, reasons: [{ level, code: 'last-backup' as const, text }] });

test('power: lost only on the first step onto battery, restored only from battery', () => {
  const cases: Array<[string, string, string | undefined]> = [
    ['online', 'on-battery', 'power-lost'],
    ['unknown', 'low-battery', 'power-lost'],
    ['on-battery', 'low-battery', undefined],
    ['low-battery', 'online', 'power-restored'],
    ['on-battery', 'online', 'power-restored'],
    ['unknown', 'online', undefined],
    ['online', 'unknown', undefined],
  ];
  for (const [prev, now, kind] of cases) assert.equal(powerNotice(prev as never, { level: now as never })?.kind, kind, `${prev} -> ${now}`);
  assert.match(powerNotice('online', { level: 'on-battery', runtimeSeconds: 1800, source: 'nut://h/ups' } as never)!.body, /nut:\/\/h\/ups is on battery \(about 30 min left\)/);
});

test('health: a change into or out of warning/critical, never the first verdict or ok <-> working', () => {
  assert.equal(healthNotice(undefined, verdict('critical')), undefined);
  assert.equal(healthNotice(verdict('ok'), verdict('working')), undefined);
  assert.equal(healthNotice(verdict('warning'), verdict('warning')), undefined);
  assert.equal(healthNotice(verdict('ok'), verdict('critical', 'On battery'))?.title, 'Lifeboat: critical');
  assert.equal(healthNotice(verdict('ok'), verdict('critical', 'On battery'))?.body, 'On battery');
  assert.equal(healthNotice(verdict('critical'), verdict('working'))?.title, 'All well again');
});

test('job outcomes: failed backups and checks (also a check that finished and found damage); nothing else', () => {
  const base = { id: 1, reason: 'schedule', durationMs: 1 };
  assert.equal(outcomeNotice({ ...base, kind: 'backup', ok: false, error: 'disk full' })?.body, 'disk full');
  assert.equal(outcomeNotice({ ...base, kind: 'backup', ok: true, result: { errors: [{ source: 'office', error: 'locked' }] } })?.body, 'office: locked');
  assert.equal(outcomeNotice({ ...base, kind: 'backup', ok: true, result: { errors: [] } }), undefined);
  assert.equal(outcomeNotice({ ...base, kind: 'quick-verify', ok: true, result: { ok: false, damaged: ['abc'] } })?.body, 'damaged: abc');
  assert.equal(outcomeNotice({ ...base, kind: 'restore-drill', ok: false, error: 'boom' })?.title, 'Restore drill failed');
  assert.equal(outcomeNotice({ ...base, kind: 'prune', ok: false, error: 'boom' }), undefined);
});

test('every notice fits the contract', () => {
  const drafts = [powerNotice('online', { level: 'on-battery' }), emergencyNotice({ snapshots: [1], skipped: [] }, undefined), emergencyNotice(undefined, 'no space'), healthNotice(verdict('ok'), verdict('warning')), outcomeNotice({ id: 1, kind: 'backup', reason: 'x', ok: false, durationMs: 0 })];
  for (const d of drafts) NoticeSchema.parse({ ...d, time: new Date().toISOString() });
  assert.equal(emergencyNotice(undefined, 'no space').level, 'critical');
});
