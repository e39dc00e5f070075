// Regressions for problems a review found: each of these once lost data or told a lie.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createOfficeDb, checkOfficeInvariant } from '../../src-main/core/sources/demo-office-db.ts';
import { cliJson, runCli, tempDir } from '../helpers/cli.ts';

async function setup(t: { dir: string }, mb = 2) {
  const dbPath = path.join(t.dir, 'office.db');
  createOfficeDb(dbPath, { targetBytes: mb << 20, seed: 61 });
  const dataDir = path.join(t.dir, 'data');
  await cliJson(['source', 'add', '--name', 'office', '--sqlite', dbPath], { dataDir });
  const [snap] = await cliJson<Array<{ id: string }>>(['backup'], { dataDir });
  return { dbPath, dataDir, snap: snap!, repo: path.join(dataDir, 'repository') };
}

function invoices(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM invoices').pluck().get() as number;
  } finally {
    db.close();
  }
}

test('REV-01 prune never deletes a pack a snapshot needs just because no index names it', async () => {
  const t = tempDir();
  try {
    const { dataDir, repo } = await setup(t);
    for (const f of fs.readdirSync(path.join(repo, 'index'))) fs.rmSync(path.join(repo, 'index', f));
    const dry = await cliJson<{ gc: { bytesFreed: number } }>(['prune', '--dry-run'], { dataDir });
    assert.equal(dry.gc.bytesFreed, 0);
    await cliJson(['prune'], { dataDir });
    const v = await runCli(['verify', '--all', '--deep'], { dataDir });
    assert.equal(v.code, 0, v.stdout);
  } finally {
    t.cleanup();
  }
});

test('REV-02 verifying a damaged copy with --repo never marks the local snapshots damaged', async () => {
  const t = tempDir();
  try {
    const { dataDir, repo } = await setup(t);
    const copy = path.join(t.dir, 'copy');
    fs.cpSync(repo, copy, { recursive: true });
    const packs = path.join(copy, 'packs');
    for (const sub of fs.readdirSync(packs)) for (const p of fs.readdirSync(path.join(packs, sub))) fs.writeFileSync(path.join(packs, sub, p), 'garbage');
    const bad = await runCli(['--repo', copy, 'verify', '--all'], { dataDir });
    assert.equal(bad.code, 1);
    const local = await cliJson<Array<{ damaged: string | null }>>(['list'], { dataDir });
    assert.ok(local.every((s) => s.damaged === null), JSON.stringify(local));
  } finally {
    t.cleanup();
  }
});

test('REV-03 a repository that went missing (share not mounted) is an error, not a new empty repository', async () => {
  const t = tempDir();
  try {
    const { dataDir, repo } = await setup(t);
    fs.renameSync(repo, `${repo}.away`);
    const r = await runCli(['backup'], { dataDir });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /missing/);
    assert.equal(fs.existsSync(repo), false, 'nothing was created in its place');
  } finally {
    t.cleanup();
  }
});

test('REV-04 a restore by rename removes a stale -wal beside the target, so SQLite cannot replay it', async () => {
  const t = tempDir();
  try {
    const { dataDir, snap, dbPath } = await setup(t);
    const before = invoices(dbPath);
    const out = path.join(t.dir, 'out.db');
    // A WAL of another database lying where the restored file will go.
    const other = path.join(t.dir, 'other.db');
    const db = new Database(other);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE x(a); INSERT INTO x VALUES (1);');
    fs.copyFileSync(`${other}-wal`, `${out}-wal`);
    db.close();
    await cliJson(['restore', snap.id, '--to', out], { dataDir });
    assert.equal(fs.existsSync(`${out}-wal`) && fs.statSync(`${out}-wal`).size > 0, false);
    assert.equal(invoices(out), before);
  } finally {
    t.cleanup();
  }
});

test('REV-05 a folder restore refuses to write through a symbolic link inside the target', async () => {
  const t = tempDir();
  try {
    const docs = path.join(t.dir, 'docs');
    fs.mkdirSync(path.join(docs, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(docs, 'sub', 'file.txt'), 'from the snapshot');
    const dataDir = path.join(t.dir, 'data');
    await cliJson(['source', 'add', '--name', 'docs', '--folder', docs], { dataDir });
    await cliJson(['backup'], { dataDir });
    const outside = path.join(t.dir, 'outside');
    fs.mkdirSync(outside);
    fs.rmSync(path.join(docs, 'sub'), { recursive: true });
    fs.symlinkSync(outside, path.join(docs, 'sub'));
    const r = await runCli(['restore', 'latest', '--yes'], { dataDir });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /symbolic link/);
    assert.deepEqual(fs.readdirSync(outside), [], 'nothing was written outside');
  } finally {
    t.cleanup();
  }
});

test('REV-06 a live database destroyed by garbage is restored in place, the damaged file kept aside', async () => {
  const t = tempDir();
  try {
    const { dataDir, dbPath } = await setup(t);
    fs.writeFileSync(dbPath, Buffer.alloc(4096, 0x41));
    const r = await runCli(['restore', 'latest', '--yes'], { dataDir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(checkOfficeInvariant(dbPath).ok, true);
    assert.ok(fs.readdirSync(t.dir).some((f) => f.startsWith('office.db.damaged-')));
  } finally {
    t.cleanup();
  }
});

test('REV-07 an unreadable file is skipped with a warning; the rest of the folder and other sources are backed up', { skip: process.getuid?.() !== 0 && !process.env.CI ? 'needs root to run the CLI as another user' : false }, async () => {
  const { execFileSync } = await import('node:child_process');
  const t = tempDir();
  try {
    fs.chmodSync(t.dir, 0o777);
    const docs = path.join(t.dir, 'docs');
    fs.mkdirSync(docs, { mode: 0o755 });
    fs.writeFileSync(path.join(docs, 'a.txt'), 'readable', { mode: 0o644 });
    fs.writeFileSync(path.join(docs, 'b.txt'), 'private', { mode: 0o600 });
    const dataDir = path.join(t.dir, 'data');
    // As user nobody, who may not read b.txt (root could read anything).
    const asNobody = (...args: string[]) => execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, path.join(import.meta.dirname, '..', '..', 'bin', 'lifeboat.js'), '--data-dir', dataDir, ...args], { encoding: 'utf8' });
    asNobody('source', 'add', '--name', 'docs', '--folder', docs);
    const out = asNobody('backup');
    assert.match(out, /could not read b\.txt: EACCES/);
    const list = JSON.parse(asNobody('list', '--json')) as Array<{ source: string }>;
    assert.deepEqual(list.map((s) => s.source), ['docs']);
  } finally {
    t.cleanup();
  }
});
