// Lifeboat's benchmark: `npm run bench` (BENCH_MB=50 for a quick run). Measures the real CLI, one process
// per command, side by side with what a careful admin would do by hand (sqlite3 .backup + zstd) and with
// restic, plus the triggers (a power cut on a real upsd with the agent running; the copy to a USB drive),
// a MariaDB source against mariadb-dump | zstd,
// prints a table with ratios against the goals, and writes bench/results/latest.json. See bench/README.md.
//
// Environment:
//   BENCH_MB=500          size of the office database (built once, cached in bench/.cache/)
//   BENCH_RUNS=N          force N runs of every repeated step (default: 3, or 1 for steps over BENCH_LONG_S)
//   BENCH_LONG_S=30       a step slower than this runs once
//   BENCH_SKIP=a,b        skip parts: rollback, encrypted, chunks, phases, profile, compiled, power, usb, offsite, db, main-thread
//   BENCH_KEEP=1          keep the work folder (bench/.cache/run-*) for inspection
//
// Honesty rules: nothing here is hard-coded; every time is performance.now() around whole commands
// (process start included); the page cache cannot be dropped here, so every number is warm-cache.
//
// This file only orchestrates: each step is in bench/steps/, the table and the results file in report.ts.
import fs from 'node:fs';
import path from 'node:path';
import { CACHE, KEEP, MB, SKIP, WORK, log } from './lib/config.ts';
import { median, secs } from './lib/format.ts';
import { cachedOfficeDb, copyDb } from './lib/office.ts';
import { describeRun } from './lib/environment.ts';
import { makeSuites, type SuiteResult } from './steps/suite.ts';
import { startupCosts } from './steps/startup-costs.ts';
import { stepA } from './steps/first-snapshot.ts';
import { stepB, stopWriters, type BResult } from './steps/under-writer.ts';
import { stepC } from './steps/changed-rows.ts';
import { stepD } from './steps/unchanged.ts';
import { stepE } from './steps/restore.ts';
import { stepF } from './steps/deep-verify.ts';
import { phasesStep } from './steps/phases.ts';
import { profiles } from './steps/profiles.ts';
import { powerStep, type PowerResult } from './steps/power-cut.ts';
import { usbStep, type UsbResult } from './steps/usb-copy.ts';
import { offsiteStep, type OffsiteResult } from './steps/offsite.ts';
import { dbStep, type DbResult } from './steps/db-dump.ts';
import { mainThreadStep } from './steps/main-thread.ts';
import { report } from './report.ts';

async function main(): Promise<void> {
  const env = await describeRun();
  const base = cachedOfficeDb(CACHE, MB, log);
  const db0 = path.join(WORK, 'base.db');
  copyDb(base.path, db0);
  const pages = fs.statSync(db0).size / 4096;

  const startup = await startupCosts();
  log(`process start: ${Object.entries(startup).map(([k, v]) => `${k} ${secs(median(v))}`).join(', ')}`);

  const suites = makeSuites();
  const perSuite: Record<string, SuiteResult> = {};
  const b: BResult[] = [];
  let phases: unknown;
  let profile: unknown;
  let power: PowerResult | undefined;
  let usb: UsbResult | undefined;
  let offsite: OffsiteResult | undefined;
  let db: DbResult | undefined;

  try {
    for (const s of suites) {
      const a = await stepA(s, db0);
      const c = { random: await stepC(s, 'random'), recent: await stepC(s, 'recent') };
      const rec: SuiteResult = { a, c, chunkSize: s.chunkSize, encrypted: !!s.passphrase };
      if (s.steps.has('d')) rec.d = await stepD(s);
      if (s.steps.has('e')) rec.e = await stepE(s);
      if (s.steps.has('f')) rec.f = await stepF(s);
      perSuite[s.name] = rec;
      for (const d of [s.ctx?.dataDir, s.single?.dataDir, s.resticRepo]) if (d) fs.rmSync(d, { recursive: true, force: true });
      for (const f of ['', '-wal', '-shm']) fs.rmSync(s.db + f, { force: true });
      if (s.main) {
        const aMs = median(a.map((r) => r.lb.ms));
        b.push(await stepB(db0, 'wal', aMs));
        if (!SKIP.has('rollback')) b.push(await stepB(db0, 'delete', aMs));
        if (!SKIP.has('phases')) phases = await phasesStep(db0);
        if (!SKIP.has('profile')) profile = await profiles(db0);
      }
    }
    // The triggers come last: each one reports its own failure in the table instead of ending the run.
    if (!SKIP.has('power')) power = await powerStep(db0);
    if (!SKIP.has('usb')) usb = await usbStep();
    if (!SKIP.has('offsite')) offsite = await offsiteStep(db0);
    if (!SKIP.has('db')) db = await dbStep();
    // Writes its own results file (bench/results/main-thread-<MB>MiB.json) and log lines.
    if (!SKIP.has('main-thread')) await mainThreadStep(db0);
  } finally {
    await stopWriters();
  }

  report({ env, base, pages, startup, suites, perSuite, b, phases, profile, power, usb, offsite, db });
}

try {
  await main();
} catch (err) {
  console.error(`bench: ${(err as Error).message}`);
  if (process.env.BENCH_DEBUG) console.error((err as Error).stack);
  process.exitCode = 1;
} finally {
  if (!KEEP) fs.rmSync(WORK, { recursive: true, force: true });
  else console.log(`kept ${WORK}`);
}
