import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scheduler, type SchedulerClock } from '../../src-main/core/schedule/scheduler.ts';

/** A clock the test moves by hand: no sleeping for real minutes. */
function fakeClock(startIso: string) {
  let now = new Date(startIso).getTime();
  const timers = new Map<number, { at: number; fn: () => void }>();
  let seq = 0;
  const clock: SchedulerClock = {
    now: () => new Date(now),
    setTimeout: (fn, ms) => { timers.set(++seq, { at: now + ms, fn }); return seq; },
    clearTimeout: (h) => { timers.delete(h as number); },
  };
  return {
    clock,
    /** Moves time forward, firing timers as their time comes. */
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fn();
      }
      now = end;
    },
    jump(ms: number) { now += ms; }, // the machine slept: no timers ran
  };
}

function memoryStore(initial: Record<string, string> = {}) {
  const m = new Map(Object.entries(initial));
  return { get: (id: string) => m.get(id), set: (id: string, v: string) => void m.set(id, v), m };
}

test('runs every 15 minutes on time, and never overlaps a run still going', async () => {
  const fc = fakeClock('2026-11-20T10:00:30Z');
  const runs: string[] = [];
  let release!: () => void;
  const slow = new Promise<void>((r) => (release = r));
  const s = new Scheduler({
    jobs: [{ id: 'backup', cron: '*/15 * * * *', tz: 'UTC', enabled: true }],
    store: memoryStore(),
    clock: fc.clock,
    run: async (id) => { runs.push(`${id}@${fc.clock.now().toISOString().slice(11, 16)}`); await slow; },
  });
  s.start();
  fc.advance(15 * 60_000);
  assert.deepEqual(runs, ['backup@10:15']);
  fc.advance(15 * 60_000); // the first run is still going at 10:30: no second one
  assert.equal(runs.length, 1);
  release();
  await new Promise((r) => setImmediate(r));
  fc.advance(15 * 60_000);
  assert.deepEqual(runs, ['backup@10:15', 'backup@10:45']);
  s.stop();
});

test('after downtime each missed job runs once at start; a sleeping machine catches up once on wake', async () => {
  const fc = fakeClock('2026-11-20T12:00:00Z');
  const runs: Array<[string, string]> = [];
  const store = memoryStore({ backup: '2026-11-20T08:00:00Z', prune: '2026-11-19T03:30:00Z', 'deep-verify': '2026-11-19T04:30:00Z' });
  const s = new Scheduler({
    jobs: [
      { id: 'backup', cron: '*/15 * * * *', tz: 'UTC', enabled: true },
      { id: 'prune', cron: '30 3 * * *', tz: 'UTC', enabled: true },
      { id: 'deep-verify', cron: '30 4 * * 0', tz: 'UTC', enabled: true },
      { id: 'disabled', cron: '* * * * *', tz: 'UTC', enabled: false },
    ],
    store,
    clock: fc.clock,
    run: async (id, why) => void runs.push([id, why]),
  });
  const missed = s.start();
  assert.deepEqual(missed.map((m) => m.id).sort(), ['backup', 'prune']);
  assert.deepEqual(runs.sort(), [['backup', 'catch-up'], ['prune', 'catch-up']]);
  await new Promise((r) => setImmediate(r));
  runs.length = 0;
  fc.jump(5 * 3600_000); // asleep for five hours: no timer fired
  fc.advance(1000);
  assert.deepEqual(runs, [['backup', 'schedule']], 'twenty missed slots give one run');
  assert.equal(store.m.get('backup'), '2026-11-20T17:00:00.000Z', 'the run is recorded when it started');
  s.stop();
});
