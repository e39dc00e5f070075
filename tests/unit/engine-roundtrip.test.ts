// In-process tests of the engine's main paths on real SQLite files and folders (fast; the CLI and crash
// behaviour are covered by tests/integration).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Lifeboat } from '../../src-main/core/lifeboat.ts';
import { LifeboatError } from '../../src-main/core/errors.ts';
import { createOfficeDb, checkOfficeInvariant } from '../../src-main/core/sources/demo-office-db.ts';
import { tempDir } from '../helpers/cli.ts';

async function open(dataDir: string, passphrase = '') {
  return Lifeboat.open({ dataDir, passphrase: async () => passphrase, initPassphrase: passphrase || null, actor: 'test' });
}

function fileHash(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return JSON.stringify(db.prepare('SELECT id, status, total_cents FROM invoices ORDER BY id').all());
  } finally {
    db.close();
  }
}

test('a SQLite snapshot restores to identical content, and a small change adds little', async () => {
  const t = tempDir();
  try {
    const dbPath = path.join(t.dir, 'office.db');
    createOfficeDb(dbPath, { targetBytes: 4 << 20, seed: 3, journalMode: 'wal' });
    const lb = await open(path.join(t.dir, 'data'));
    await lb.addSource({ name: 'office', kind: 'sqlite', path: dbPath });
    const first = (await lb.backup({ reason: 'test' })).snapshots[0]!;
    assert.ok(first.stats.newChunks > 0 && first.stats.bytesAdded > 0);
    assert.equal(first.sqlite?.quickCheck, 'ok');
    assert.ok((first.sqlite?.tables.invoices ?? 0) > 0);
    const before = fileHash(dbPath);

    const db = new Database(dbPath);
    db.prepare("UPDATE invoices SET total_cents = total_cents + 1 WHERE id = (SELECT max(id) FROM invoices)").run();
    db.close();
    const second = (await lb.backup({ reason: 'test' })).snapshots[0]!;
    assert.ok(second.stats.newChunks >= 1, 'the changed page is stored');
    assert.ok(second.stats.newChunks <= 4, `a one-row change stores few chunks (got ${second.stats.newChunks} of ${second.stats.chunks})`);
    assert.ok(second.stats.bytesAdded < first.stats.bytesAdded / 10);

    const out = path.join(t.dir, 'restored.db');
    await lb.restore({ ref: first.id, to: out });
    assert.equal(fileHash(out), before);
    assert.equal(checkOfficeInvariant(out).ok, true);
    await assert.rejects(lb.restore({ ref: first.id, to: out }), (e: unknown) => e instanceof LifeboatError && e.code === 'exists');
    lb.close();
  } finally {
    t.cleanup();
  }
});

test('an unchanged database reuses the previous content and adds only a manifest', async () => {
  const t = tempDir();
  try {
    const dbPath = path.join(t.dir, 'office.db');
    createOfficeDb(dbPath, { targetBytes: 2 << 20, seed: 4, journalMode: 'delete' });
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(dbPath, old, old);
    const lb = await open(path.join(t.dir, 'data'));
    await lb.addSource({ name: 'office', kind: 'sqlite', path: dbPath });
    const first = (await lb.backup()).snapshots[0]!;
    const second = (await lb.backup()).snapshots[0]!;
    assert.deepEqual(second.files, first.files);
    assert.equal(second.stats.newChunks, 0);
    assert.ok(second.stats.bytesAdded < 64 * 1024, `added ${second.stats.bytesAdded} bytes`);
    // A write afterwards is seen (new mtime), even one that keeps the file size.
    const db = new Database(dbPath);
    db.prepare("UPDATE customers SET notes = 'changed' WHERE id = 1").run();
    db.close();
    const third = (await lb.backup()).snapshots[0]!;
    assert.notEqual(third.files[0]!.sha256, first.files[0]!.sha256);
    lb.close();
  } finally {
    t.cleanup();
  }
});

test('a folder snapshot honours include/exclude, skips symlinks and restores byte-identically', async () => {
  const t = tempDir();
  try {
    const src = path.join(t.dir, 'docs');
    fs.mkdirSync(path.join(src, 'letters', 'old'), { recursive: true });
    fs.writeFileSync(path.join(src, 'letters', 'a.txt'), 'Dear customer,\n'.repeat(1000));
    fs.writeFileSync(path.join(src, 'letters', 'old', 'b.txt'), 'old letter');
    fs.writeFileSync(path.join(src, 'big.bin'), Buffer.alloc(300_000, 7));
    fs.writeFileSync(path.join(src, 'cache.tmp'), 'junk');
    fs.symlinkSync('/etc/passwd', path.join(src, 'link'));
    const lb = await open(path.join(t.dir, 'data'));
    await lb.addSource({ name: 'docs', kind: 'folder', path: src, exclude: ['**/*.tmp'] });
    const m = (await lb.backup()).snapshots[0]!;
    assert.deepEqual(m.files.map((f) => f.path).sort(), ['big.bin', 'letters', 'letters/a.txt', 'letters/old', 'letters/old/b.txt']);
    assert.ok(m.warnings?.some((w) => w.includes('link')));
    const out = path.join(t.dir, 'out');
    await lb.restore({ ref: 'latest', to: out });
    for (const f of ['letters/a.txt', 'letters/old/b.txt', 'big.bin']) assert.deepEqual(fs.readFileSync(path.join(out, f)), fs.readFileSync(path.join(src, f)));
    assert.equal(fs.existsSync(path.join(out, 'cache.tmp')), false);
    assert.equal(fs.existsSync(path.join(out, 'link')), false);
    lb.close();
  } finally {
    t.cleanup();
  }
});

test('an encrypted repository refuses a wrong passphrase and restores with the right one', async () => {
  const t = tempDir();
  try {
    const dbPath = path.join(t.dir, 'office.db');
    createOfficeDb(dbPath, { targetBytes: 1 << 20, seed: 5 });
    const data = path.join(t.dir, 'data');
    const lb = await open(data, 'correct horse');
    await lb.addSource({ name: 'office', kind: 'sqlite', path: dbPath });
    await lb.backup();
    lb.close();
    // Nothing in the repository reveals the content: no SQLite header in any stored file.
    const repoFiles = fs.readdirSync(path.join(data, 'repository'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    for (const e of repoFiles) assert.equal(fs.readFileSync(path.join(e.parentPath, e.name)).includes('SQLite format 3'), false, e.name);
    const wrong = await open(data, 'wrong');
    await assert.rejects(wrong.list(), (e: unknown) => e instanceof LifeboatError && e.code === 'wrong-passphrase');
    wrong.close();
    const right = await open(data, 'correct horse');
    await right.restore({ ref: 'latest', to: path.join(t.dir, 'out.db') });
    assert.equal(checkOfficeInvariant(path.join(t.dir, 'out.db')).ok, true);
    right.close();
  } finally {
    t.cleanup();
  }
});

test('prune keeps what the policy asks, frees unreferenced packs, and the rest still verifies', async () => {
  const t = tempDir();
  try {
    const dbPath = path.join(t.dir, 'office.db');
    createOfficeDb(dbPath, { targetBytes: 2 << 20, seed: 6 });
    const lb = await open(path.join(t.dir, 'data'));
    await lb.addSource({ name: 'office', kind: 'sqlite', path: dbPath });
    await lb.backup();
    // Rewrite most of the database so the first snapshot's chunks become garbage once it is pruned.
    const db = new Database(dbPath);
    db.exec("UPDATE documents SET body = upper(body); UPDATE customers SET notes = 'x' || notes;");
    db.close();
    await lb.backup();
    lb.settings.retention = { last: 1 };
    const dry = await lb.prune({ dryRun: true });
    assert.equal(dry.removed.length, 1);
    assert.equal((await lb.list()).length, 2, 'a dry run removes nothing');
    const r = await lb.prune();
    assert.equal(r.removed.length, 1);
    assert.ok(r.gc.bytesFreed > 0, 'packs only the removed snapshot needed are deleted');
    assert.equal(r.gc.bytesFreed, dry.gc.bytesFreed, 'the dry run predicted what was freed');
    assert.equal((await lb.list()).length, 1);
    const v = await lb.verify({ all: true, deep: true });
    assert.equal(v.ok, true, JSON.stringify(v.snapshots));
    lb.close();
  } finally {
    t.cleanup();
  }
});

test('a verify stops when its signal aborts (an emergency needs the disk) and records no result', async () => {
  const t = tempDir();
  try {
    const dbPath = path.join(t.dir, 'office.db');
    createOfficeDb(dbPath, { targetBytes: 1 << 20, seed: 8 });
    const lb = await open(path.join(t.dir, 'data'));
    await lb.addSource({ name: 'office', kind: 'sqlite', path: dbPath });
    await lb.backup();
    const ac = new AbortController();
    ac.abort(new Error('interrupted for an emergency (power)'));
    await assert.rejects(lb.verify({ all: true, deep: true, signal: ac.signal }), /interrupted for an emergency/);
    assert.equal((await lb.list())[0]!.verified, null, 'nothing marked verified');
    lb.close();
  } finally {
    t.cleanup();
  }
});
