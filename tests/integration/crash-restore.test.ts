// CRASH-02: `lifeboat restore ID --yes` into the live database, killed with SIGKILL at random
// moments, must leave the live database whole: passing integrity_check, keeping the invariant,
// and holding exactly the old content (A) or exactly the snapshot's content (B), never a mix.
// The database is ~40 MB so that the write phase (the backup-API copy into the live file) lasts
// long enough to be hit. Half the kills come at a random time over the whole measured restore; the
// other half are aimed: counted from the moment the live data starts changing (first WAL frame, or
// first page written into the file), at a random offset within 1.5 times the measured length of
// that phase, so they land mid-write, or just after the commit, however loaded the machine is.
// Run in WAL mode and in rollback-journal mode.
//
// CRASH-03: a restore killed in the middle of its write (CRASH-02's "during write" kills) leaves
// the live database with a hot journal, or uncommitted WAL frames, until something opens it
// read-write; so does the office application when it is killed mid-transaction, or a power cut.
// Lifeboat must be able to back the database up, and to run the restore again, in that state:
// nothing guarantees that the application opens the database first. The state is made
// deterministically here, by a writer process that kills itself mid-transaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { runCli, spawnCli } from '../helpers/cli.ts';
import { officeFixture, type OfficeFixture } from '../helpers/lifeboat-fixture.ts';
import { randomDelay, runCliKilledAfter, runCliKilledWhen } from '../helpers/kill-cli.ts';
import { crashImage, officeContent, openLikeTheApp, sidecarSizes, type OfficeContent } from '../helpers/office-content.ts';
import { crashMidTransaction } from '../helpers/crash-mid-transaction.ts';
import { checkOfficeInvariant } from '../../src-main/core/sources/demo-office-db.ts';

const DB_MB = 40;
const KILLS = 10;
// A restore that finishes before its kill does not count; give up after this many rounds.
const MAX_ROUNDS = 20;
// CRASH-03 needs no long write phase.
const CRASH03_DB_MB = 8;

type Journal = 'wal' | 'delete';
type NewSnapshot = { id: string };
type Calibration = { totalMs: number; writeStartMs: number; changeStartMs: number; writeEndMs: number };

function removeSqliteFiles(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
}

/** Puts content A back while nothing has the database open: a plain copy of the pristine file. */
function resetTo(pristine: string, live: string): void {
  removeSqliteFiles(live);
  fs.copyFileSync(pristine, live);
}

/**
 * A probe that turns true once a restore starts changing the live data: the first WAL frame in WAL
 * mode, the first page written into the main file (its mtime moves) in rollback mode, where the
 * journal is filled first and the file is only touched once the journal is safe.
 */
function liveChangeProbe(db: string, journal: Journal): () => boolean {
  const mtime = fs.statSync(db).mtimeMs;
  return journal === 'wal' ? () => sidecarSizes(db).walBytes > 32 : () => fs.statSync(db).mtimeMs !== mtime;
}

/**
 * Runs one restore without killing it and watches the live database's files every 2 ms, to time
 * (from the spawn) the start of the write phase (first journal byte or WAL frame), the moment the
 * live data starts changing (see liveChangeProbe), and the end of the write (the last moment a
 * journal exists or the WAL grows: a WAL keeps its frames after the commit until a checkpoint).
 */
async function calibrate(args: string[], dataDir: string, db: string, journal: Journal): Promise<Calibration> {
  const changed = liveChangeProbe(db, journal);
  const started = performance.now();
  const child = spawnCli(args, { dataDir });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.resume();
  child.stdin!.end();
  let writeStartMs = -1;
  let changeStartMs = -1;
  let writeEndMs = -1;
  let lastWal = 0;
  const poll = setInterval(() => {
    const s = sidecarSizes(db);
    const now = performance.now() - started;
    if (s.journalBytes > 0 || s.walBytes > lastWal) {
      if (writeStartMs < 0) writeStartMs = now;
      writeEndMs = now;
    }
    if (changeStartMs < 0 && changed()) changeStartMs = now;
    lastWal = Math.max(lastWal, s.walBytes);
  }, 2);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(poll);
  const totalMs = performance.now() - started;
  assert.equal(code, 0, `calibration restore exited ${code}: ${stderr}`);
  assert.ok(writeStartMs >= 0 && changeStartMs >= 0, 'the calibration restore was never seen writing into the live database');
  return { totalMs, writeStartMs, changeStartMs, writeEndMs: Math.max(writeEndMs, changeStartMs) };
}

type Prepared = { fx: OfficeFixture; pristine: string; A: OfficeContent; B: OfficeContent; restoreArgs: string[] };

/**
 * A configured office database of about `mb` MB holding content A (a pristine copy kept aside),
 * and snapshots of A and of B (half the invoices deleted with their lines, no VACUUM, so the same
 * page count); `restoreArgs` restore B into the live database.
 */
async function prepare(journal: Journal, mb: number, t: { after(fn: () => void): void }): Promise<Prepared> {
  const fx = await officeFixture({ mb, journal });
  t.after(() => fx.cleanup());
  const pristine = path.join(fx.dir, 'content-a.db');
  fs.copyFileSync(fx.db, pristine);
  const A = officeContent(fx.db);
  // Snapshot A as well, so every safety snapshot the restores take only deduplicates.
  const a = await runCli(['backup', '--reason', 'content-a', '--json'], { dataDir: fx.dataDir });
  assert.equal(a.code, 0, a.stderr);

  const w = new Database(fx.db, { fileMustExist: true });
  w.transaction(() => {
    w.exec('DELETE FROM invoice_lines WHERE invoice_id % 2 = 0; DELETE FROM invoices WHERE id % 2 = 0;');
  })();
  w.close();
  const B = officeContent(fx.db);
  assert.ok(B.invoices < A.invoices * 0.6 && B.hash !== A.hash);
  const b = await runCli(['backup', '--reason', 'content-b', '--json'], { dataDir: fx.dataDir });
  assert.equal(b.code, 0, b.stderr);
  const restoreArgs = ['restore', (JSON.parse(b.stdout) as NewSnapshot[])[0]!.id, '--yes', '--json'];

  resetTo(pristine, fx.db);
  return { fx, pristine, A, B, restoreArgs };
}

for (const journal of ['wal', 'delete'] as const) {
  test(`CRASH-02 ${journal}: ${KILLS} kill -9s of a live restore leave exactly the old or the new content`, async (t) => {
    const { fx, pristine, A, B, restoreArgs } = await prepare(journal, DB_MB, t);
    const cal = await calibrate(restoreArgs, fx.dataDir, fx.db, journal);
    assert.equal(officeContent(fx.db).hash, B.hash, 'the calibration restore did not produce content B');
    resetTo(pristine, fx.db);
    let totalMs = cal.totalMs;
    // Aimed kills come at most this long after the live data starts changing: about two thirds
    // of them before the commit, the rest between the commit and the end of the restore.
    const changeMs = (cal.writeEndMs - cal.changeStartMs) * 1.5 + 20;
    t.diagnostic(`${journal}: a restore takes ${Math.round(cal.totalMs)} ms; writing from ${Math.round(cal.writeStartMs)} ms, live data changing from ${Math.round(cal.changeStartMs)} to ${Math.round(cal.writeEndMs)} ms`);
    // Where the kills landed: before the write (no journal, no WAL frames); while a rollback journal
    // was being filled (a journal SQLite does not need to roll back); mid-write (SQLite finds a hot
    // journal, or uncommitted WAL frames); or after the commit (content B).
    const landed = { beforeWrite: 0, fillingJournal: 0, midWrite: 0, afterCommit: 0 };
    const outcomes: string[] = [];
    const image = path.join(fx.dir, 'image');
    let kills = 0;
    // Go on (with aimed kills) until at least one kill has landed mid-write: otherwise the rounds
    // did not test what they are for.
    for (let round = 1; (kills < KILLS || landed.midWrite === 0) && round <= MAX_ROUNDS; round++) {
      const aimed = round % 2 === 0 || kills >= KILLS;
      const delay = aimed ? randomDelay(0, changeMs) : randomDelay(0, totalMs);
      const run = aimed
        ? await runCliKilledWhen(restoreArgs, { dataDir: fx.dataDir, when: liveChangeProbe(fx.db, journal), afterMs: delay })
        : await runCliKilledAfter(restoreArgs, delay, { dataDir: fx.dataDir });
      const label = `${aimed ? 'change+' : ''}${Math.round(delay)}ms`;
      const at = `round ${round} (kill at ${label})`;
      if (!run.killed) {
        assert.equal(run.code, 0, `${at}: a restore that was not killed exited ${run.code}: ${run.stderr}`);
        // The machine is faster than at calibration: spread later kills over the time it took now.
        if (!aimed) totalMs = run.elapsedMs;
      } else {
        kills++;
      }

      // Look at a copy first: opening the database itself rolls a hot journal back.
      const sidecars = sidecarSizes(fx.db);
      const crash = crashImage(fx.db, image);
      openLikeTheApp(fx.db);
      const inv = checkOfficeInvariant(fx.db);
      assert.equal(inv.integrity, 'ok', `${at}: integrity_check says ${inv.integrity}`);
      assert.equal(inv.badInvoices, 0, `${at}: ${inv.badInvoices} invoices without exactly 3 lines`);
      const now = officeContent(fx.db);
      const which = now.hash === A.hash ? 'A' : now.hash === B.hash ? 'B' : 'MIX';
      assert.notEqual(which, 'MIX', `${at}: the live database holds neither A nor B: ${JSON.stringify(now)}`);
      assert.equal(crash.invoices, now.invoices, `${at}: a copy of the files recovered differently from the database itself`);
      if (run.killed) {
        landed[which === 'B' ? 'afterCommit' : crash.hotJournal || sidecars.walBytes > 32 ? 'midWrite' : sidecars.journalBytes > 0 ? 'fillingJournal' : 'beforeWrite']++;
      }
      outcomes.push(`${label}:${run.killed ? '' : 'finished,'}${which}`);
      if (which !== 'A') resetTo(pristine, fx.db);
    }
    t.diagnostic(`${journal}: ${kills} kills landed ${JSON.stringify(landed)}; rounds ${outcomes.join(' ')}`);
    assert.ok(kills >= KILLS, `only ${kills} of ${MAX_ROUNDS} restores were still running at their kill`);
    assert.ok(landed.midWrite > 0, `no kill in ${MAX_ROUNDS} rounds landed while the restore was writing into the live database`);

    // Afterwards the repository is sound, and an uninterrupted restore works at once and removes
    // what the killed ones left beside the live database.
    const verify = await runCli(['verify', '--all', '--json'], { dataDir: fx.dataDir });
    assert.equal(verify.code, 0, `verify --all exited ${verify.code}: ${verify.stdout} ${verify.stderr}`);
    resetTo(pristine, fx.db);
    const final = await runCli(restoreArgs, { dataDir: fx.dataDir, timeoutMs: 30_000 });
    assert.equal(final.code, 0, `the restore after the kills exited ${final.code}: ${final.stderr}`);
    assert.equal(officeContent(fx.db).hash, B.hash);
    assert.deepEqual(fs.readdirSync(fx.dir).filter((f) => f.startsWith(`.${path.basename(fx.db)}.`)), []);
  });

  test(`CRASH-03 ${journal}: with the live database left mid-write by a crash, backup and restore work before anything else opens it`, async (t) => {
    const { fx, A, B, restoreArgs } = await prepare(journal, CRASH03_DB_MB, t);
    await crashMidTransaction(fx.db);
    const crash = crashImage(fx.db, path.join(fx.dir, 'image'));
    t.diagnostic(`${journal}: left by the crash: ${JSON.stringify({ ...sidecarSizes(fx.db), ...crash })}`);
    assert.equal(crash.invoices, A.invoices);
    if (journal === 'delete') assert.equal(crash.hotJournal, true, 'the crashed writer left no hot journal');
    else assert.ok(sidecarSizes(fx.db).walBytes > 32, 'the crashed writer left no WAL frames');

    // What an unattended agent does next: back the source up (the check after an unclean shutdown).
    await t.test('backup succeeds and its snapshot holds the old content', async () => {
      const backup = await runCli(['backup', '--reason', 'after-crash', '--json'], { dataDir: fx.dataDir });
      assert.equal(backup.code, 0, `backup exited ${backup.code}: ${backup.stderr.trim()}`);
      const copy = path.join(fx.dir, 'after-crash.db');
      const id = (JSON.parse(backup.stdout) as NewSnapshot[])[0]!.id;
      const r = await runCli(['restore', id, '--to', copy, '--json'], { dataDir: fx.dataDir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(checkOfficeInvariant(copy).ok, true);
      assert.equal(officeContent(copy).hash, A.hash, 'the snapshot taken after the crash does not hold content A');
    });
    // What a person does next: run the same restore again.
    await t.test('the same restore run again succeeds', async () => {
      const again = await runCli(restoreArgs, { dataDir: fx.dataDir });
      assert.equal(again.code, 0, `the restore run again exited ${again.code}: ${again.stderr.trim()}`);
      assert.equal(checkOfficeInvariant(fx.db).ok, true);
      assert.equal(officeContent(fx.db).hash, B.hash);
    });
  });
}
