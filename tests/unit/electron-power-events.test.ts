import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OS_POWER_SOURCE, PowerEvents, SHUTDOWN_TIME_BOX_MS, type PowerSink } from '../../src-main/electron/power-events.ts';

/** A sink that records what the agent was asked; shutdownSnapshot resolves when the test says. */
function recorder(snapshot: () => Promise<{ ok: boolean; timedOut: boolean; snapshots: number }> = async () => ({ ok: true, timedOut: false, snapshots: 2 })) {
  const calls: Array<[string, unknown]> = [];
  const sink: PowerSink = {
    pushPowerReading: (r) => void calls.push(['reading', r]),
    shutdownSnapshot: (ms) => {
      calls.push(['shutdownSnapshot', ms]);
      return snapshot();
    },
    catchUp: () => void calls.push(['catchUp', undefined]),
  };
  return { sink, calls };
}

function clock(start = '2026-11-20T13:00:00Z') {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (ms: number) => void (t += ms) };
}

function preventable(reasons?: Array<'shutdown' | 'close-app' | 'critical' | 'logoff'>) {
  const e = { prevented: 0, preventDefault() { e.prevented += 1; }, reasons: reasons ?? ['shutdown'] };
  return e;
}

test('on-battery and on-ac become readings from "os-power", stamped by the clock', () => {
  const { sink, calls } = recorder();
  const c = clock();
  const p = new PowerEvents({ sink, platform: 'win32', quit: () => {}, now: c.now });
  p.onBattery();
  c.advance(90_000);
  p.onAc();
  assert.deepEqual(calls, [
    ['reading', { source: OS_POWER_SOURCE, level: 'on-battery', detail: 'the computer runs on battery', time: '2026-11-20T13:00:00.000Z' }],
    ['reading', { source: OS_POWER_SOURCE, level: 'online', detail: 'the computer runs on mains power', time: '2026-11-20T13:01:30.000Z' }],
  ]);
  assert.equal(p.level, 'online');
});

test('start(): the state at start is pushed on Windows and macOS only (Linux has no such events)', () => {
  for (const [platform, expected] of [['win32', 1], ['darwin', 1], ['linux', 0]] as const) {
    const { sink, calls } = recorder();
    new PowerEvents({ sink, platform, quit: () => {} }).start(true);
    assert.equal(calls.length, expected, platform);
    if (expected) assert.equal((calls[0]![1] as { level: string }).level, 'on-battery');
  }
});

test('shutdown (Linux, macOS): delayed, one quick snapshot in the time box, then quit; repeats share it', async () => {
  const { sink, calls } = recorder();
  let quits = 0;
  const p = new PowerEvents({ sink, platform: 'linux', quit: () => void (quits += 1) });
  const e1 = preventable();
  const e2 = preventable();
  const first = p.onShutdown(e1);
  const second = p.onShutdown(e2);
  assert.equal(first, second, 'one snapshot per process');
  const r = await first;
  assert.equal(e1.prevented, 1);
  assert.equal(e2.prevented, 1, 'each event is held while the snapshot runs');
  assert.deepEqual(calls, [['shutdownSnapshot', SHUTDOWN_TIME_BOX_MS]]);
  assert.equal(SHUTDOWN_TIME_BOX_MS, 20_000);
  assert.deepEqual(r, { ok: true, timedOut: false, snapshots: 2, delayed: true });
  assert.equal(quits, 1, 'an app that delayed the shutdown exits promptly');
});

test('shutdown: quit is called only after the snapshot is over, and even when it fails', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const order: string[] = [];
  const { sink } = recorder(async () => {
    await gate;
    order.push('snapshot done');
    throw new Error('disk full');
  });
  const p = new PowerEvents({ sink, platform: 'darwin', quit: () => void order.push('quit'), timeBoxMs: 5000 });
  const done = p.onShutdown(preventable());
  await Promise.resolve();
  assert.deepEqual(order, [], 'nothing quits while the snapshot runs');
  release();
  const r = await done;
  assert.deepEqual(order, ['snapshot done', 'quit']);
  assert.deepEqual(r, { ok: false, timedOut: false, snapshots: 0, delayed: true, error: 'disk full' });
});

test('Windows: query-session-end is delayed unless critical; session-end cannot be, and shares the snapshot', async () => {
  {
    const { sink, calls } = recorder();
    let quits = 0;
    const p = new PowerEvents({ sink, platform: 'win32', quit: () => void (quits += 1), timeBoxMs: 15_000 });
    const q = preventable(['shutdown']);
    const r = await p.onQuerySessionEnd(q);
    assert.equal(q.prevented, 1);
    assert.equal(r.delayed, true);
    assert.equal(quits, 1);
    const end = preventable(['shutdown']);
    assert.equal(await p.onSessionEnd(end), r, 'session-end after the query reuses the same snapshot');
    assert.equal(end.prevented, 0);
    assert.deepEqual(calls, [['shutdownSnapshot', 15_000]]);
  }
  {
    const { sink, calls } = recorder();
    let quits = 0;
    const p = new PowerEvents({ sink, platform: 'win32', quit: () => void (quits += 1) });
    const critical = preventable(['critical', 'shutdown']);
    const r = await p.onQuerySessionEnd(critical);
    assert.equal(critical.prevented, 0, 'a critical session end cannot be delayed');
    assert.equal(r.delayed, false);
    assert.equal(quits, 0, 'Windows ends us itself');
    assert.equal(calls.length, 1, 'the snapshot still starts (best effort)');
  }
  {
    const { sink, calls } = recorder();
    const p = new PowerEvents({ sink, platform: 'win32', quit: () => assert.fail('no quit') });
    const r = await p.onSessionEnd(preventable(['logoff']));
    assert.equal(r.delayed, false);
    assert.equal(calls.length, 1);
  }
});

test('suspend notes the time; resume asks the agent to catch up and says how long it slept', () => {
  const { sink, calls } = recorder();
  const c = clock();
  const p = new PowerEvents({ sink, platform: 'linux', quit: () => {}, now: c.now });
  p.onSuspend();
  assert.equal(p.sleepingSince?.toISOString(), '2026-11-20T13:00:00.000Z');
  assert.deepEqual(calls, [], 'nothing slow runs while the OS goes to sleep');
  c.advance(3 * 3600_000);
  assert.deepEqual(p.onResume(), { sleptMs: 3 * 3600_000 });
  assert.deepEqual(calls, [['catchUp', undefined]]);
  assert.equal(p.sleepingSince, undefined);
  assert.deepEqual(p.onResume(), { sleptMs: undefined }, 'a resume without a seen suspend still catches up');
  assert.equal(calls.length, 2);
});
