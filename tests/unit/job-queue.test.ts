import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobQueue, type JobSpec } from '../../src-main/core/jobs/job-queue.ts';

function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
}

test('emergency jobs jump the queue; equal priorities run in order', async () => {
  const q = new JobQueue();
  const order: string[] = [];
  const g = gate();
  const job = (key: string, priority: JobSpec['priority'], wait?: Promise<void>): JobSpec => ({ key, kind: 'backup', reason: key, priority, run: async () => { order.push(key); await wait; } });
  const first = q.submit(job('first', 'schedule', g.p));
  const a = q.submit(job('a', 'schedule'));
  const b = q.submit(job('b', 'schedule'));
  const e = q.submit(job('power', 'emergency'));
  assert.deepEqual(q.list().map((j) => j.reason), ['first', 'power', 'a', 'b']);
  g.open();
  await Promise.all([first, a, b, e]);
  assert.deepEqual(order, ['first', 'power', 'a', 'b']);
});

test('a request for work already queued or running merges instead of running twice', async () => {
  const q = new JobQueue();
  let runs = 0;
  const g = gate();
  const spec = (priority: JobSpec['priority'], reason: string): JobSpec => ({ key: 'backup:office', kind: 'backup', source: 'office', reason, priority, run: async () => { runs++; await g.p; return runs; } });
  const r1 = q.submit(spec('schedule', 'schedule'));
  const r2 = q.submit(spec('emergency', 'power')); // the same source is being snapshotted: wait for that run
  g.open();
  const [o1, o2] = await Promise.all([r1, r2]);
  assert.equal(runs, 1);
  assert.equal(o1.id, o2.id);

  // Queued behind something else, a merge upgrades the priority and reason.
  const g2 = gate();
  const blocker = q.submit({ key: 'other', kind: 'prune', reason: 'schedule', priority: 'schedule', run: () => g2.p });
  const s1 = q.submit({ ...spec('schedule', 'schedule'), run: async () => 'ran' });
  const s2 = q.submit({ ...spec('emergency', 'power'), run: async () => 'ran' });
  assert.equal(q.list().find((j) => j.source === 'office')?.priority, 'emergency');
  assert.equal(q.list().find((j) => j.source === 'office')?.reason, 'power');
  g2.open();
  await blocker;
  assert.equal((await s1).id, (await s2).id);
});

test('a failing job reports its error and the queue goes on', async () => {
  const q = new JobQueue();
  const bad = q.submit({ key: 'x', kind: 'verify', reason: 'r', priority: 'user', run: async () => { throw new Error('disk on fire'); } });
  const good = q.submit({ key: 'y', kind: 'verify', reason: 'r', priority: 'user', run: async () => 42 });
  assert.deepEqual([(await bad).ok, (await bad).error], [false, 'disk on fire']);
  assert.deepEqual([(await good).ok, (await good).result], [true, 42]);
});

test('stop lets the running job finish and drops the queue', async () => {
  const q = new JobQueue();
  const g = gate();
  let finished = false;
  const running = q.submit({ key: 'a', kind: 'backup', reason: 'r', priority: 'user', run: async () => { await g.p; finished = true; } });
  const queued = q.submit({ key: 'b', kind: 'backup', reason: 'r', priority: 'user', run: async () => {} });
  const stopping = q.stop();
  g.open();
  await stopping;
  assert.equal(finished, true);
  assert.equal((await running).ok, true);
  assert.equal((await queued).error, 'shutting down');
  assert.equal((await q.submit({ key: 'c', kind: 'x', reason: 'r', priority: 'user', run: async () => {} })).ok, false);
});

test('an emergency interrupts a running check (cancellable) but never a running backup', async () => {
  const q = new JobQueue();
  const check = q.submit({ key: 'deep-verify', kind: 'deep-verify', reason: 'schedule', priority: 'schedule', cancellable: true, run: (job) => new Promise((_, reject) => job.signal.addEventListener('abort', () => reject(job.signal.reason))) });
  const emergency = await q.submit({ key: 'emergency', kind: 'emergency-backup', reason: 'power', priority: 'emergency', run: async () => 'saved' });
  assert.equal(emergency.result, 'saved');
  const interrupted = await check;
  assert.equal(interrupted.ok, false);
  assert.match(interrupted.error ?? '', /interrupted for an emergency \(power\)/);

  let release!: () => void;
  let backupDone = false;
  const backup = q.submit({ key: 'backup', kind: 'backup', reason: 'schedule', priority: 'schedule', run: async (job) => { await new Promise<void>((r) => (release = r)); backupDone = !job.signal.aborted; } });
  const second = q.submit({ key: 'emergency2', kind: 'emergency-backup', reason: 'power', priority: 'emergency', run: async () => backupDone });
  release();
  assert.equal((await backup).ok, true);
  assert.equal((await second).result, true, 'the emergency ran after the backup finished, untouched');
});
