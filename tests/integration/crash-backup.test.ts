// CRASH-01: `lifeboat backup` killed with SIGKILL at random moments must never leave a damaged
// repository, a snapshot that does not restore, or a lock that blocks the next backup.
// A ~20 MB office database gets a few updates before every round, so each backup has real work
// (copy, chunk, store the changed chunks); the kill comes after a random delay between 0 and the
// measured duration of one backup. Rounds alternate WAL and rollback-journal mode. A few more kills
// are aimed at the part of the run that writes (from the moment its scratch copy of the database
// appears, at a random offset within the measured rest of the run), where a uniform delay lands
// only about a third of the time because start-up takes the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { runCli, cliJson } from '../helpers/cli.ts';
import { officeFixture } from '../helpers/lifeboat-fixture.ts';
import { randomDelay, runCliKilledAfter, runCliKilledWhen } from '../helpers/kill-cli.ts';
import { checkOfficeInvariant } from '../../src-main/core/sources/demo-office-db.ts';

const DB_MB = 20;
const KILLS = 20;
const AIMED_KILLS = 6;
// A run that finishes before its kill does not count; give up if that happens this often.
// Generous: on a loaded machine many backups finish before their random kill lands.
const MAX_ROUNDS = 80;
const NEXT_BACKUP_LIMIT_MS = 30_000;

type ListedSnapshot = { id: string; time: string; reason: string; damaged: string | null };
type VerifyReport = { ok: boolean; level: string; snapshots: Array<{ id: string; ok: boolean; problems: string[] }>; damagedIndexFiles: string[] };

/** A few office-like edits, in one transaction, switching the journal mode first. */
function touch(file: string, round: number): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma(`journal_mode = ${round % 2 === 0 ? 'WAL' : 'DELETE'}`);
    const max = db.prepare('SELECT max(id) FROM invoices').pluck().get() as number;
    const upd = db.prepare("UPDATE invoices SET status = 'paid', total_cents = total_cents + ? WHERE id = ?");
    const note = db.prepare('UPDATE customers SET notes = ? WHERE id = ?');
    db.transaction(() => {
      // Spread over the file so that several chunks change.
      for (let i = 0; i < 40; i++) upd.run(round + 1, 1 + Math.floor(Math.random() * max));
      for (let i = 1; i <= 5; i++) note.run(`Round ${round}: called about the renewal.`, i * 97);
    })();
  } finally {
    db.close();
  }
}

// The default repository lives in the data dir.
function snapshotIds(dataDir: string): Set<string> {
  return new Set(fs.readdirSync(path.join(dataDir, 'repository', 'snapshots')));
}

function lockFiles(dataDir: string): string[] {
  const list = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)) : []);
  return [...list(path.join(dataDir, 'locks')), ...list(path.join(dataDir, 'repository', 'locks'))];
}

/** A probe that turns true once a scratch file appears that was not there when it was made. */
function newScratch(dataDir: string): () => boolean {
  const before = new Set(scratchFiles(dataDir));
  return () => scratchFiles(dataDir).some((f) => !before.has(f));
}

/** Files a backup works on and removes when it ends: the consistent copy and packs being written. */
function scratchFiles(dataDir: string): string[] {
  const list = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)) : []);
  return [...list(path.join(dataDir, 'tmp')), ...list(path.join(dataDir, 'repository', 'tmp'))];
}

test(`CRASH-01: ${KILLS + AIMED_KILLS} kill -9s of a backup leave a repository that verifies, restores and takes the next backup at once`, async (t) => {
  const fx = await officeFixture({ mb: DB_MB, journal: 'wal' });
  t.after(() => fx.cleanup());
  const backupArgs = ['backup', '--source', fx.source, '--json'];

  // Two uninterrupted backups: the first stores everything, the second is a typical one after a few
  // updates, and its duration is the window the kills are spread over.
  const first = await runCli(backupArgs, { dataDir: fx.dataDir });
  assert.equal(first.code, 0, first.stderr);
  touch(fx.db, 0);
  const typical = await runCliKilledWhen(backupArgs, { dataDir: fx.dataDir, when: newScratch(fx.dataDir), afterMs: Infinity });
  assert.equal(typical.code, 0, typical.stderr);
  assert.ok(typical.triggeredAtMs !== undefined, 'the backup was never seen making its scratch copy');
  let backupMs = typical.elapsedMs;
  const workMs = typical.elapsedMs - typical.triggeredAtMs;
  t.diagnostic(`one backup after a few updates takes ${Math.round(backupMs)} ms, the last ${Math.round(workMs)} ms after its scratch copy appears`);

  let kills = 0;
  let aimedKills = 0;
  let finishedFirst = 0;
  // Where the kills landed, as far as the files tell: before the copy (start-up, catalog, locks),
  // while copying or storing (a scratch file was left), or after the manifest was written.
  const landed = { beforeCopy: 0, copyingOrStoring: 0, afterManifest: 0 };
  const delays: string[] = [];
  for (let round = 1; (kills < KILLS || aimedKills < AIMED_KILLS) && round <= MAX_ROUNDS; round++) {
    touch(fx.db, round);
    const before = snapshotIds(fx.dataDir);
    const scratchBefore = new Set(scratchFiles(fx.dataDir));
    const aimed = kills >= KILLS;
    const delay = aimed ? randomDelay(0, workMs) : randomDelay(0, backupMs);
    const run = aimed
      ? await runCliKilledWhen(backupArgs, { dataDir: fx.dataDir, when: newScratch(fx.dataDir), afterMs: delay })
      : await runCliKilledAfter(backupArgs, delay, { dataDir: fx.dataDir });
    if (!run.killed) {
      assert.equal(run.code, 0, `round ${round}: a backup that was not killed exited ${run.code}: ${run.stderr}`);
      finishedFirst++;
      // The machine is faster than when measured: spread later kills over the time it took now.
      if (!aimed) backupMs = run.elapsedMs;
      continue;
    }
    if (aimed) aimedKills++;
    else kills++;
    delays.push(`${aimed ? 'copy+' : ''}${Math.round(delay)}`);
    if ([...snapshotIds(fx.dataDir)].some((id) => !before.has(id))) landed.afterManifest++;
    else if (scratchFiles(fx.dataDir).some((f) => !scratchBefore.has(f))) landed.copyingOrStoring++;
    else landed.beforeCopy++;
  }
  t.diagnostic(`${kills} + ${aimedKills} aimed kills ${JSON.stringify(landed)}, ${finishedFirst} backups finished before their kill; delays ${delays.join(' ')} ms`);
  assert.ok(kills >= KILLS && aimedKills >= AIMED_KILLS, `only ${kills} + ${aimedKills} of ${MAX_ROUNDS} rounds killed a running backup`);

  const debris = scratchFiles(fx.dataDir);
  const debrisBytes = debris.reduce((n, f) => n + fs.statSync(f).size, 0);
  t.diagnostic(`scratch files left by the kills: ${debris.length}, ${(debrisBytes / 1024 / 1024).toFixed(1)} MB; lock files: ${lockFiles(fx.dataDir).length}`);

  const verify = await runCli(['verify', '--all', '--json'], { dataDir: fx.dataDir });
  assert.equal(verify.code, 0, `verify --all exited ${verify.code}: ${verify.stdout} ${verify.stderr}`);
  const report = JSON.parse(verify.stdout) as VerifyReport;
  assert.equal(report.ok, true);
  assert.deepEqual(report.damagedIndexFiles, []);
  assert.deepEqual(report.snapshots.filter((s) => !s.ok), []);

  const listed = await cliJson<ListedSnapshot[]>(['list'], { dataDir: fx.dataDir });
  assert.deepEqual(listed.filter((s) => s.damaged !== null), [], 'list shows damaged snapshots');
  assert.deepEqual(new Set(listed.map((s) => s.id)), snapshotIds(fx.dataDir), 'list and the repository disagree');
  const newest = [...listed].sort((a, b) => b.time.localeCompare(a.time))[0]!;
  const copy = path.join(fx.dir, 'newest.db');
  const restore = await runCli(['restore', newest.id, '--to', copy, '--json'], { dataDir: fx.dataDir });
  assert.equal(restore.code, 0, `restore of the newest snapshot ${newest.id} exited ${restore.code}: ${restore.stderr}`);
  const inv = checkOfficeInvariant(copy);
  assert.equal(inv.integrity, 'ok');
  assert.equal(inv.badInvoices, 0);
  assert.equal(inv.invoices, fx.invoices);

  // A lock left by a killed process must not make the next backup wait (the engine would wait up to
  // five minutes for a live holder).
  touch(fx.db, MAX_ROUNDS + 1);
  const started = performance.now();
  const after = await runCli(backupArgs, { dataDir: fx.dataDir, timeoutMs: NEXT_BACKUP_LIMIT_MS });
  const afterMs = performance.now() - started;
  t.diagnostic(`the backup after the kills took ${Math.round(afterMs)} ms`);
  assert.equal(after.signal, null, `the backup after the kills did not finish within ${NEXT_BACKUP_LIMIT_MS / 1000} s`);
  assert.equal(after.code, 0, after.stderr);
  assert.ok(afterMs < typical.elapsedMs + 5000, `the backup after the kills took ${Math.round(afterMs)} ms, a normal one ${Math.round(typical.elapsedMs)} ms`);
  assert.equal((JSON.parse(after.stdout) as unknown[]).length, 1);
  // Scratch files of killed runs (a full-size copy of the database each) are removed by the next run.
  assert.deepEqual(scratchFiles(fx.dataDir), [], 'scratch files of killed backups are still there after the next backup');
  // ... and so are the locks of the killed processes.
  assert.deepEqual(lockFiles(fx.dataDir), [], 'lock files of killed backups are still there after the next backup');
});
