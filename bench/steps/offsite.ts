// Offsite: `lifeboat sync` to a real OpenSSH sftp server (tests/peers/sshd-server.ts) on this machine, held
// against (1) what a perfect incremental would send after 1% of the invoices changed (the changed pages,
// zstd -3) and (2) `rclone copy` of the very same files to the same server: the new pack/index/manifest files
// the second sync added, and the whole local repository for the first, full sync.
//
// Each run: a fresh copy of the database, a first snapshot (not timed here), a target on a fresh remote
// folder, a first full sync (timed), the 1% random edit (step c's helper and seeds), a backup, a second sync
// (timed: its bytesSent is the number). Runs follow the bench's rules (runsFor / BENCH_RUNS).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { sshdSkipReason, startSshd, type SshdServer } from '../../tests/peers/sshd-server.ts';
import { BIN, EDIT_FRACTION, NODE, WORK, log, runsFor } from '../lib/config.ts';
import { bytes, secs } from '../lib/format.ts';
import { copyDb, diffPages, editInvoices, pageHashes, PAGE, type EditResult, type PageDiff } from '../lib/office.ts';
import { run, runOk, settle, type RunResult } from '../lib/proc.ts';
import { lb, lbBackup, lbEnv, newLb, repoDir, type LbCtx, type Snap } from '../lib/lifeboat-cli.ts';
import { editSeed } from './changed-rows.ts';

/** Bytes and file count by the repository folder they landed in (packs, index, snapshots, other). */
export type ByKind = Record<string, { files: number; bytes: number }>;

export interface Timed { ms: number; cpuMs: number }
export interface SyncRun extends Timed { bytesSent: number; serverBytes: number; serverFiles: number; byKind: ByKind }
export interface RcloneRun extends Timed { files: number; bytes: number }

export interface OffsiteRun {
  edit: EditResult;
  /** The changed pages of the database file (compared page by page), concatenated, and their zstd -3 size. */
  diff: PageDiff & { pageSize: number; changedZstd: number };
  /** The local snapshot of the change (what the backup added to the local repository). */
  backup: Snap;
  first: SyncRun;
  rcloneFull: RcloneRun;
  second: SyncRun;
  rcloneNew: RcloneRun;
}

export interface OffsiteResult { skipped?: string; error?: string; runs: OffsiteRun[]; rclone?: string; sshd?: string }

const TARGET = 'offsite';

/** Why the step cannot run here (no sshd, not root, no rclone), or false. */
function skipReason(): string | false {
  const sshd = sshdSkipReason();
  if (sshd) return sshd;
  if (spawnSync('sh', ['-c', 'command -v rclone']).status !== 0) return 'needs rclone: apt-get install -y rclone';
  return false;
}

/** Every regular file under `dir`: relative path -> size. */
function listFiles(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const full = path.join(e.parentPath, e.name);
    out.set(path.relative(dir, full), fs.statSync(full).size);
  }
  return out;
}

/** The files of `after` that are new (or changed size) since `before`. */
function added(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  return new Map([...after].filter(([f, size]) => before.get(f) !== size));
}

function byKind(files: Map<string, number>): ByKind {
  const out: ByKind = {};
  for (const [f, size] of files) {
    const top = f.split(path.sep)[0]!;
    const kind = ['packs', 'index', 'snapshots'].includes(top) ? top : 'other';
    const k = (out[kind] ??= { files: 0, bytes: 0 });
    k.files++;
    k.bytes += size;
  }
  return out;
}

const sum = (files: Map<string, number>): number => [...files.values()].reduce((a, b) => a + b, 0);

/** The database's own page size (PRAGMA page_size). */
function dbPageSize(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.pragma('page_size', { simple: true }) as number;
  } finally {
    db.close();
  }
}

/**
 * One timed `lifeboat sync --json` (the whole process); bytesSent summed over its reports, which must all be
 * done. Also returns the files that appeared in the remote folder (relative path -> size).
 */
async function timedSync(ctx: LbCtx, remote: string): Promise<{ sync: SyncRun; news: Map<string, number> }> {
  const before = listFiles(remote);
  settle();
  const r = await runOk(NODE, [BIN, '--data-dir', ctx.dataDir, 'sync', '--json'], { env: lbEnv(ctx), timeoutMs: 60 * 60_000 });
  const reports = JSON.parse(r.stdout) as Array<{ state: string; remaining: number; bytesSent: number; error?: string }>;
  const bad = reports.find((one) => one.state !== 'done' || one.remaining !== 0);
  if (bad) throw new Error(`lifeboat sync did not finish: ${JSON.stringify(bad)}`);
  const news = added(before, listFiles(remote));
  return { sync: { ms: r.ms, cpuMs: r.cpuMs, bytesSent: reports.reduce((n, one) => n + one.bytesSent, 0), serverBytes: sum(news), serverFiles: news.size, byKind: byKind(news) }, news };
}

/** One timed `rclone copy SRC REMOTE:DEST` (a fresh remote folder), with what arrived there. */
async function timedRclone(env: NodeJS.ProcessEnv, src: string, remoteName: string, dest: string, exclude: string[] = []): Promise<RcloneRun> {
  settle();
  const r: RunResult = await runOk('rclone', ['copy', src, `${remoteName}:${dest}`, ...exclude.flatMap((e) => ['--exclude', e])], { env, timeoutMs: 60 * 60_000 });
  const there = listFiles(dest);
  return { ms: r.ms, cpuMs: r.cpuMs, files: there.size, bytes: sum(there) };
}

/** An rclone remote `name` for the sshd (key login, its host key pinned), in `conf`. */
async function rcloneRemote(sshd: SshdServer, dir: string, name: string): Promise<NodeJS.ProcessEnv> {
  const conf = path.join(dir, 'rclone.conf');
  const knownHosts = path.join(dir, 'rclone_known_hosts');
  fs.writeFileSync(knownHosts, `[${sshd.host}]:${sshd.port} ${fs.readFileSync(`${sshd.hostKeyFile}.pub`, 'utf8').trim()}\n`);
  const env = { ...process.env, RCLONE_CONFIG: conf };
  await runOk('rclone', ['config', 'create', name, 'sftp', `host=${sshd.host}`, `port=${sshd.port}`, `user=${sshd.user}`, `key_file=${sshd.clientKeyFile}`,
    `known_hosts_file=${knownHosts}`, 'shell_type=none'], { env });
  return env;
}

/** Runs the offsite step; a missing sshd or rclone is a skip, a failure an error in its row (never the end of the bench). */
export async function offsiteStep(db0: string): Promise<OffsiteResult> {
  log(`offsite: lifeboat sync to a real sshd (sftp), after a first full sync and after ${EDIT_FRACTION * 100}% random invoices changed, vs changed pages zstd -3 and rclone copy`);
  const why = skipReason();
  if (why) {
    log(`  skipped: ${why}`);
    return { skipped: why, runs: [] };
  }
  const dir = path.join(WORK, 'offsite');
  fs.mkdirSync(dir, { recursive: true });
  const runs: OffsiteRun[] = [];
  const result: OffsiteResult = { runs };
  let sshd: SshdServer | undefined;
  try {
    sshd = await startSshd();
    result.sshd = (spawnSync('/usr/sbin/sshd', ['-V'], { encoding: 'utf8' }).stderr ?? '').trim().split('\n')[0];
    result.rclone = (await run('rclone', ['version'])).stdout.split('\n')[0];
    const rcEnv = await rcloneRemote(sshd, dir, 'bench');
    const db = path.join(dir, 'office.db');
    for (let i = 0; ; i++) {
      // A fresh local repository with one snapshot (not timed: step a measures it).
      copyDb(db0, db);
      const ctx = await newLb(path.join(dir, `lb-${i}`), db, 64 * 1024, null);
      await lbBackup(ctx);
      const remote = path.join(sshd.dataDir, `lifeboat-${i}`);
      await lb(ctx, ['target', 'add', TARGET, `sftp://${sshd.user}@${sshd.host}:${sshd.port}${remote}`, '--key', sshd.clientKeyFile, '--json']);

      // The first, full sync, and rclone copy of the whole local repository (its lock files aside) to a fresh folder.
      const { sync: first } = await timedSync(ctx, remote);
      const rcloneFull = await timedRclone(rcEnv, repoDir(ctx), 'bench', path.join(sshd.dataDir, `rclone-full-${i}`), ['/locks/**', '/tmp/**']);

      // 1% of the invoices changed at random (step c's edit and seeds); the changed pages, compressed.
      const pageSize = dbPageSize(db);
      if (pageSize !== PAGE) log(`  note: the database's page_size is ${pageSize}; the changed pages are compared in ${PAGE}-byte pages`);
      const hashes = pageHashes(db);
      const edit = editInvoices(db, EDIT_FRACTION, 'random', editSeed('random', i));
      const changedFile = path.join(dir, 'changed-pages.bin');
      const d = diffPages(hashes, db, changedFile, []);
      const changedZstd = zlib.zstdCompressSync(fs.readFileSync(changedFile), { params: { [zlib.constants.ZSTD_c_compressionLevel]: 3 } }).length;
      const backup = await lbBackup(ctx);

      // The second sync; then the files it added, copied to a local folder and sent with rclone to a fresh folder.
      const { sync: second, news } = await timedSync(ctx, remote);
      const stage = path.join(dir, `new-files-${i}`);
      for (const f of news.keys()) {
        fs.mkdirSync(path.dirname(path.join(stage, f)), { recursive: true });
        fs.copyFileSync(path.join(remote, f), path.join(stage, f));
      }
      const rcloneNew = await timedRclone(rcEnv, stage, 'bench', path.join(sshd.dataDir, `rclone-new-${i}`));

      const one: OffsiteRun = { edit, diff: { ...d, pageSize, changedZstd }, backup, first, rcloneFull, second, rcloneNew };
      runs.push(one);
      const kinds = (k: ByKind): string => Object.entries(k).map(([n, v]) => `${n} ${bytes(v.bytes)}`).join(', ');
      log(`  run ${i + 1}: first sync ${secs(first.ms)}, ${bytes(first.bytesSent)} sent (server +${bytes(first.serverBytes)}); rclone copy of the repository ${secs(rcloneFull.ms)} (${bytes(rcloneFull.bytes)})`);
      log(`    1%: ${edit.invoices} invoices -> ${d.changedPages} pages changed, ${bytes(changedZstd)} zstd -3; backup +${bytes(backup.duAdded)}; ` +
        `second sync ${secs(second.ms)}, ${bytes(second.bytesSent)} sent (server +${bytes(second.serverBytes)}: ${kinds(second.byKind)}); ` +
        `rclone copy of the same ${rcloneNew.files} files ${secs(rcloneNew.ms)}`);

      for (const p of [ctx.dataDir, stage, remote, path.join(sshd.dataDir, `rclone-full-${i}`), path.join(sshd.dataDir, `rclone-new-${i}`)]) fs.rmSync(p, { recursive: true, force: true });
      if (runs.length >= runsFor(Math.max(runs[0]!.first.ms, runs[0]!.rcloneFull.ms))) break;
    }
  } catch (err) {
    result.error = (err as Error).message;
    log(`  error: ${result.error.split('\n')[0]}`);
  } finally {
    await sshd?.dispose();
    for (const f of ['', '-wal', '-shm']) fs.rmSync(path.join(dir, 'office.db') + f, { force: true });
  }
  return result;
}
