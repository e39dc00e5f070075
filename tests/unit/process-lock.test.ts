import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { acquireLock, liveLocks, type LockInfo } from '../../src-main/core/locks/process-lock.ts';
import { LifeboatError } from '../../src-main/core/errors.ts';
import { tempDir } from '../helpers/cli.ts';

function deadPid(): number {
  // A pid that certainly existed and has exited.
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

function writeLock(dir: string, name: string, info: Partial<LockInfo>) {
  const now = new Date().toISOString();
  const full: LockInfo = { kind: 'exclusive', purpose: 'prune', host: os.hostname(), pid: process.pid, pidStart: '', created: now, updated: now, ...info };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.${full.kind}.${full.pid}.abcd.lock`), JSON.stringify(full));
}

test('a lock left by a dead process is removed and does not block', async () => {
  const t = tempDir();
  try {
    writeLock(t.dir, 'repo', { pid: deadPid() });
    const held = await acquireLock(t.dir, { name: 'repo', kind: 'exclusive', purpose: 'test' });
    assert.equal((await liveLocks(t.dir)).length, 1);
    await held.release();
    await held.release(); // twice is fine
    assert.equal((await liveLocks(t.dir)).length, 0);
  } finally {
    t.cleanup();
  }
});

test('a lock whose pid was reused by another process is stale', async () => {
  const t = tempDir();
  try {
    writeLock(t.dir, 'repo', { pid: process.pid, pidStart: '1' }); // our pid, but a different start time
    const held = await acquireLock(t.dir, { name: 'repo', kind: 'exclusive', purpose: 'test' });
    await held.release();
  } finally {
    t.cleanup();
  }
});

test('shared locks coexist; an exclusive lock excludes and names its holder', async () => {
  const t = tempDir();
  try {
    const a = await acquireLock(t.dir, { name: 'repo', kind: 'shared', purpose: 'backup of a' });
    const b = await acquireLock(t.dir, { name: 'repo', kind: 'shared', purpose: 'backup of b' });
    await assert.rejects(acquireLock(t.dir, { name: 'repo', kind: 'exclusive', purpose: 'prune' }), (e: unknown) => e instanceof LifeboatError && e.code === 'busy' && e.message.includes('backup of'));
    const other = await acquireLock(t.dir, { name: 'source-x', kind: 'exclusive', purpose: 'x' }); // another name: no conflict
    await a.release();
    await b.release();
    const ex = await acquireLock(t.dir, { name: 'repo', kind: 'exclusive', purpose: 'prune', waitMs: 1000 });
    await assert.rejects(acquireLock(t.dir, { name: 'repo', kind: 'shared', purpose: 'backup' }), /busy: prune/);
    await ex.release();
    await other.release();
  } finally {
    t.cleanup();
  }
});

test('a lock from another host is honoured until it goes unrefreshed for 30 minutes', async () => {
  const t = tempDir();
  try {
    writeLock(t.dir, 'repo', { host: 'other-pc', pid: 1 });
    await assert.rejects(acquireLock(t.dir, { name: 'repo', kind: 'exclusive', purpose: 'prune' }), /other-pc/);
    fs.rmSync(t.dir, { recursive: true });
    writeLock(t.dir, 'repo', { host: 'other-pc', pid: 1, updated: new Date(Date.now() - 31 * 60_000).toISOString() });
    const held = await acquireLock(t.dir, { name: 'repo', kind: 'exclusive', purpose: 'prune' });
    await held.release();
  } finally {
    t.cleanup();
  }
});

test('an empty lock file left by a killed process does not block; one of a live process does', async () => {
  const t = tempDir();
  try {
    fs.mkdirSync(t.dir, { recursive: true });
    fs.writeFileSync(path.join(t.dir, `repo.shared.${deadPid()}.abcd1234.lock`), '');
    const held = await acquireLock(t.dir, { name: 'repo', kind: 'exclusive', purpose: 'prune' });
    await held.release();
    fs.writeFileSync(path.join(t.dir, `repo.shared.${process.pid}.abcd1234.lock`), '');
    await assert.rejects(acquireLock(t.dir, { name: 'repo', kind: 'exclusive', purpose: 'prune' }), /busy/);
  } finally {
    t.cleanup();
  }
});

test('temp files of a lock writer killed before its rename go at once when their process is gone (CRASH-01)', async () => {
  const t = tempDir();
  try {
    const dead = deadPid();
    const debris = [`source-office.exclusive.${dead}.f67a827c.lock.tmp`, `repo.shared.${dead}.0badcafe.lock.1a2b3c.tmp`];
    const live = `repo.shared.${process.pid}.12345678.lock.tmp`;
    for (const f of [...debris, live]) fs.writeFileSync(path.join(t.dir, f), '{}');
    await liveLocks(t.dir);
    const left = fs.readdirSync(t.dir);
    for (const f of debris) assert.ok(!left.includes(f), `${f} removed`);
    assert.ok(left.includes(live), 'a live writer\'s temp file is left for it to rename');
  } finally {
    t.cleanup();
  }
});
