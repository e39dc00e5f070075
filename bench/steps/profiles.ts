// CPU profiles of the CLI (node --cpu-prof, one profile per thread) for a first snapshot and a restore,
// kept in bench/results/profile/ and summarised into the results.
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_CHUNK_SIZE } from '../../src-main/core/repository/repo-config.ts';
import { BIN, NODE, RESULTS, ROOT, WORK, log } from '../lib/config.ts';
import { secs } from '../lib/format.ts';
import { copyDb } from '../lib/office.ts';
import { runOk, settle } from '../lib/proc.ts';
import { summarizeProfile } from '../lib/cpuprofile.ts';
import { lbEnv, newLb, type LbCtx } from '../lib/lifeboat-cli.ts';

const STAGES = ['copySqliteConsistent', 'sqliteFacts', 'sqliteFactsInWorker', 'tableCounts', 'chunkFile', 'put', 'dispatch', 'store', 'id', 'encode', 'add', 'flush',
  'drain', 'storeRefs', 'writeIndex', 'saveManifest', 'loadIndex', 'rebuildFile', 'readBlob', 'checkBlob', 'decode', 'checkSqliteCopy', 'writeIntoLive'];

/** Runs the CLI under node --cpu-prof (one profile per thread) and summarises each thread's profile. */
async function profileCli(label: string, ctx: LbCtx, args: string[]): Promise<unknown> {
  const dir = path.join(RESULTS, 'profile', label);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  settle();
  const r = await runOk(NODE, ['--cpu-prof', '--cpu-prof-dir', dir, BIN, '--data-dir', ctx.dataDir, ...args], { env: lbEnv(ctx) });
  // CPU.<date>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main thread, the others are workers.
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort((a, b) => Number(a.split('.')[4]) - Number(b.split('.')[4]));
  const threads = files.map((f) => ({ thread: Number(f.split('.')[4]) === 0 ? 'main' : `worker ${f.split('.')[4]}`, file: path.relative(ROOT, path.join(dir, f)), ...summarizeProfile(path.join(dir, f), STAGES) }));
  for (const t of threads) {
    const idle = t.self.find((e) => e.fn === '(idle)');
    log(`  ${label} ${t.thread}: profiled ${secs(t.totalMs)}, idle ${idle ? `${idle.pct}%` : '-'}; top: ${t.self.filter((e) => e.fn !== '(idle)').slice(0, 4).map((e) => `${e.fn} ${secs(e.ms)}`).join(', ')}`);
  }
  return { label, wallMs: r.ms, cpuMs: r.cpuMs, threads };
}

/** Profiles a first snapshot of a copy of db0, then its restore. */
export async function profiles(db0: string): Promise<unknown> {
  log('profiles: node --cpu-prof of the CLI (first snapshot, then restore)');
  const db = path.join(WORK, 'profile.db');
  copyDb(db0, db);
  const ctx = await newLb(path.join(WORK, 'profile-lb'), db, DEFAULT_CHUNK_SIZE, null);
  const out = [await profileCli('first-snapshot', ctx, ['backup', '--json'])];
  const target = path.join(WORK, 'profile-restored.db');
  out.push(await profileCli('restore', ctx, ['restore', 'latest', '--to', target, '--yes', '--json']));
  fs.rmSync(ctx.dataDir, { recursive: true, force: true });
  for (const f of [db, target]) fs.rmSync(f, { force: true });
  return out;
}
