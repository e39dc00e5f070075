// Prune must be safe against a crash mid-way and against a backup running at the same time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createOfficeDb, checkOfficeInvariant } from '../../src-main/core/sources/demo-office-db.ts';
import { cliJson, runCli, spawnCli, tempDir } from '../helpers/cli.ts';

function touch(dbPath: string, round: number) {
  const db = new Database(dbPath);
  db.prepare('UPDATE documents SET body = ? || substr(body, 8) WHERE id % 7 = ?').run(`r${String(round).padStart(6, '0')}`, round % 7);
  db.close();
}

function setRetention(dataDir: string, retention: object) {
  const file = path.join(dataDir, 'settings.json');
  const s = JSON.parse(fs.readFileSync(file, 'utf8'));
  s.retention = retention;
  fs.writeFileSync(file, JSON.stringify(s));
}

async function assertAllGood(dataDir: string, out: string) {
  const v = await runCli(['verify', '--all', '--json'], { dataDir });
  assert.equal(v.code, 0, `verify after the kill: ${v.stdout} ${v.stderr}`);
  const rows = await cliJson<Array<{ id: string }>>(['list'], { dataDir });
  assert.ok(rows.length >= 2, 'the snapshots the policy keeps are still there');
  fs.rmSync(out, { force: true });
  await cliJson(['restore', rows[rows.length - 1]!.id, '--to', out], { dataDir });
  assert.equal(checkOfficeInvariant(out).ok, true);
}

test('kill -9 during prune, again and again: every remaining snapshot verifies and restores', async () => {
  const t = tempDir();
  try {
    const dbPath = path.join(t.dir, 'office.db');
    createOfficeDb(dbPath, { targetBytes: 12 << 20, seed: 11 });
    const template = path.join(t.dir, 'template');
    await cliJson(['source', 'add', '--name', 'office', '--sqlite', dbPath], { dataDir: template });
    for (let i = 0; i < 6; i++) {
      touch(dbPath, i);
      await cliJson(['backup'], { dataDir: template });
    }
    setRetention(template, { last: 2 });
    const t0 = performance.now();
    const dry = path.join(t.dir, 'timing');
    fs.cpSync(template, dry, { recursive: true });
    const timed = await runCli(['prune'], { dataDir: dry });
    assert.equal(timed.code, 0, timed.stderr);
    const pruneMs = performance.now() - t0;

    let killedMidway = 0;
    for (let round = 0; round < 10; round++) {
      const dataDir = path.join(t.dir, `round-${round}`);
      fs.cpSync(template, dataDir, { recursive: true });
      const child = spawnCli(['prune'], { dataDir });
      const closed = new Promise((r) => child.once('close', r)); // listen now: it may finish before the kill
      const delay = Math.random() * pruneMs;
      await new Promise((r) => setTimeout(r, delay));
      const finished = child.exitCode !== null;
      child.kill('SIGKILL');
      await closed;
      if (!finished) killedMidway++;
      await assertAllGood(dataDir, path.join(t.dir, 'out.db'));
      // A second prune completes what the killed one started and frees the garbage.
      const again = await runCli(['prune', '--json'], { dataDir });
      assert.equal(again.code, 0, again.stderr);
      await assertAllGood(dataDir, path.join(t.dir, 'out.db'));
      assert.equal((await cliJson<unknown[]>(['list'], { dataDir })).length, 2);
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    assert.ok(killedMidway >= 3, `at least some kills landed while prune ran (${killedMidway})`);
  } finally {
    t.cleanup();
  }
});

test('prune while a backup runs: it waits for the backup, and both snapshots survive', async () => {
  const t = tempDir();
  try {
    const dbPath = path.join(t.dir, 'office.db');
    createOfficeDb(dbPath, { targetBytes: 40 << 20, seed: 12 });
    const dataDir = path.join(t.dir, 'data');
    await cliJson(['source', 'add', '--name', 'office', '--sqlite', dbPath], { dataDir });
    await cliJson(['backup'], { dataDir });
    setRetention(dataDir, { last: 5 });
    touch(dbPath, 1);
    const backup = runCli(['backup', '--json'], { dataDir });
    await new Promise((r) => setTimeout(r, 150));
    const prune = runCli(['prune', '--json'], { dataDir });
    const [b, p] = await Promise.all([backup, prune]);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(p.code, 0, p.stderr);
    assert.equal((await cliJson<unknown[]>(['list'], { dataDir })).length, 2);
    const v = await runCli(['verify', '--all', '--deep', '--json'], { dataDir });
    assert.equal(v.code, 0, v.stdout);
  } finally {
    t.cleanup();
  }
});
