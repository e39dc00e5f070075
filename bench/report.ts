// The bench's report: the main table (one row per step and suite, with the peers, ratios and goals), the goals
// list, and bench/results/latest.json (plus latest-<MB>MiB.json). Reads the steps' results; measures nothing.
import fs from 'node:fs';
import path from 'node:path';
import { C_RUNS, MB, RESULTS, ROOT, T0 } from './lib/config.ts';
import { bytes, median, ok, printTable, ratio, secs, x, type Row } from './lib/format.ts';
import { LOADS } from './lib/proc.ts';
import type { CachedDb } from './lib/office.ts';
import type { RunEnvironment } from './lib/environment.ts';
import type { Restic } from './lib/restic-peer.ts';
import { tagOf, type Suite, type SuiteResult } from './steps/suite.ts';
import type { BResult } from './steps/under-writer.ts';
import { chunkSizes } from './steps/chunk-sizes.ts';
import { AGENT_POLL_MS, DRIVER_POLL_MS, type PowerResult } from './steps/power-cut.ts';
import type { UsbResult } from './steps/usb-copy.ts';
import type { ByKind, OffsiteResult } from './steps/offsite.ts';
import type { DbResult } from './steps/db-dump.ts';

export interface BenchResults {
  env: RunEnvironment;
  base: CachedDb;
  pages: number;
  startup: Record<string, number[]>;
  suites: Suite[];
  perSuite: Record<string, SuiteResult>;
  b: BResult[];
  phases: unknown;
  profile: unknown;
  power?: PowerResult;
  usb?: UsbResult;
  offsite?: OffsiteResult;
  db?: DbResult;
}

const POWER_GOAL_MS = 5000;
const USB_GOAL = 1.3;
const OFFSITE_BYTES_GOAL = 1.2;
const DB_DUMP_GOAL = 1.1;

/** The table's rows for steps a to f, in the order they have always been printed, and the main suite's goals. */
function engineRows(r: BenchResults, goals: Record<string, boolean>): Row[] {
  const { suites, perSuite, b, base, pages, startup } = r;
  const rows: Row[] = [];
  const main = perSuite[suites[0]!.name]!;
  const peerA = median(main.a.map((a) => a.peer!.ms));
  const peerACpu = median(main.a.map((a) => a.peer!.cpuMs ?? NaN));
  const peerZ = median(main.a.map((a) => a.peer!.bytes!));
  const wc = (ms: number[], cpu: number[]): string => `${secs(median(ms))} (cpu ${secs(median(cpu))})`;
  const resticTxt = (rs: Array<Restic | undefined>, withCpu = false): string => {
    const v = rs.filter((one): one is Restic => !!one);
    if (!v.length) return '';
    return `${withCpu ? wc(v.map((one) => one.ms), v.map((one) => one.cpuMs)) : secs(median(v.map((one) => one.ms)))}, +${bytes(median(v.map((one) => one.duAdded)))}`;
  };

  for (const s of suites) {
    const a = perSuite[s.name]!.a;
    const aRatio = ratio(median(a.map((one) => one.lb.ms)), peerA);
    if (s.main) goals['a: first snapshot <= 1.0x sqlite3 .backup + zstd -3'] = aRatio <= 1.0;
    rows.push([`a first snapshot${tagOf(s)}`, String(a.length), `${wc(a.map((one) => one.lb.ms), a.map((one) => one.lb.cpuMs))}; repo ${bytes(median(a.map((one) => one.lb.duAdded)))}`,
      `sqlite3 .backup + zstd -3: ${secs(peerA)} (cpu ${secs(peerACpu)}); ${bytes(peerZ)}`, x(aRatio), `<= 1.0x ${ok(aRatio <= 1.0)}`, s.main ? resticTxt(a.map((one) => one.restic), true) : '']);
  }
  for (const br of b) {
    const mode = br.journal === 'wal' ? 'WAL' : 'rollback';
    const peerTxt = br.peer.result.finished ? `${secs(br.peer.result.ms)}, writer stall ${br.peer.writer.maxStallMs} ms` : `did not finish (${br.peer.result.note ?? ''})`;
    rows.push([`b under writer (${mode}): first snapshot`, '1', `${secs(br.first.lb.ms)}; writer max stall ${br.first.writer.maxStallMs} ms, ${br.first.writer.errors} errors; restored copy ${br.first.restoredOk ? 'consistent' : 'BAD'}`,
      `writer alone: max stall ${br.baseline.maxStallMs} ms; sqlite3 .backup: ${peerTxt}`, '', `finishes ${ok(br.first.restoredOk)}`,
      `${secs(br.restic.result.ms)} (not a consistent copy); writer stall ${br.restic.writer.maxStallMs} ms`]);
    rows.push([`b under writer (${mode}): next snapshot`, '1', `${secs(br.second.lb.ms)}, +${bytes(br.second.lb.duAdded)}; writer max stall ${br.second.writer.maxStallMs} ms, ${br.second.writer.errors} errors`, '', '', '', '']);
    goals[`b (${mode}): snapshot under a writer finishes and restores to a consistent database`] = br.first.restoredOk;
  }
  for (const s of suites) {
    const sr = perSuite[s.name]!;
    const aMed = median(sr.a.map((a) => a.lb.ms));
    for (const pattern of ['random', 'recent'] as const) {
      const runs = sr.c[pattern];
      const t = median(runs.map((c) => c.lb.ms));
      const added = median(runs.map((c) => c.lb.duAdded));
      const zc = median(runs.map((c) => c.diff.changedZstd));
      const pagesChanged = median(runs.map((c) => c.diff.changedPages));
      const bRatio = ratio(added, zc);
      const tRatio = ratio(t, aMed);
      if (s.main) {
        goals[`c (${pattern}): bytes added <= 1.2x changed pages compressed`] = bRatio <= 1.2;
        goals[`c (${pattern}): time <= 0.5x first snapshot`] = tRatio <= 0.5;
      }
      rows.push([`c 1% ${pattern === 'random' ? 'random' : 'recent (clustered)'}${tagOf(s)}`, String(runs.length),
        `${wc(runs.map((c) => c.lb.ms), runs.map((c) => c.lb.cpuMs))}; +${bytes(added)} (${(100 * added / base.bytes).toFixed(2)}% of db)`,
        `${pagesChanged} pages changed (${(100 * pagesChanged / pages).toFixed(1)}%): ${bytes(zc)} zstd -3`,
        `bytes ${x(bRatio)}; time ${x(tRatio)} of a`, `bytes <= 1.2x ${ok(bRatio <= 1.2)}; time <= 0.5x ${ok(tRatio <= 0.5)}`,
        s.main ? resticTxt(runs.map((c) => c.restic)) : '']);
    }
  }
  const nodeStart = startup['node -e 0']!;
  const cliStart = startup['lifeboat status']!;
  for (const s of suites.filter((s1) => s1.steps.has('d'))) {
    const d = perSuite[s.name]!.d!;
    const tag = tagOf(s);
    rows.push([`d one row changed, right after the write${tag}`, String(d.hot.length), `${secs(median(d.hot.map((h) => h.oneRow.ms)))}; +${bytes(median(d.hot.map((h) => h.oneRow.duAdded)))}`, '', '', '',
      s.main ? resticTxt(d.hot.map((h) => h.resticOneRow)) : '']);
    rows.push([`d unchanged, right after a write${tag}`, String(d.hot.length), `${secs(median(d.hot.map((h) => h.unchanged.ms)))}; +${bytes(median(d.hot.map((h) => h.unchanged.duAdded)))}; reused ${d.hot.filter((h) => h.unchanged.reused).length}/${d.hot.length}`, '', '', '',
      s.main ? resticTxt(d.hot.map((h) => h.resticUnchanged)) : '']);
    rows.push([`d unchanged, 3 s after the write: 1st${tag}`, '1', `${secs(d.primer.ms)}; +${bytes(d.primer.duAdded)}; reused ${d.primer.reused ? 1 : 0}/1`, '', '', '', '']);
    const ct = median(d.cold.map((c) => c.ms));
    const cb = Math.max(median(d.cold.map((c) => c.duAdded)), median(d.cold.map((c) => c.bytesAdded)));
    if (s.main) goals['d: unchanged (3 s after the last write) < 1 s and < 64 KiB'] = ct < 1000 && cb < 65536;
    rows.push([`d unchanged, 3 s after the write: next${tag}`, String(d.cold.length), `${secs(ct)} (engine ${secs(median(d.cold.map((c) => c.engineMs)))}); +${bytes(cb)}; reused ${d.cold.filter((c) => c.reused).length}/${d.cold.length}`,
      `process start: node -e 0 ${secs(median(nodeStart))}, lifeboat status ${secs(median(cliStart))}${startup['lifeboat status, tsc-compiled JS'] ? ` (compiled JS ${secs(median(startup['lifeboat status, tsc-compiled JS']))})` : ''}`, '', `< 1 s ${ok(ct < 1000)}; < 64 KiB ${ok(cb < 65536)}`, s.main ? resticTxt(d.resticCold) : '']);
  }
  const peerE = median(main.e!.map((e) => e.peer!.ms));
  const peerECpu = median(main.e!.map((e) => e.peer!.cpuMs ?? NaN));
  for (const s of suites.filter((s1) => s1.steps.has('e'))) {
    const e = perSuite[s.name]!.e!;
    const er = ratio(median(e.map((one) => one.lb)), peerE);
    if (s.main) goals['e: restore <= 1.5x zstd -d + quick_check'] = er <= 1.5;
    rows.push([`e restore latest to a file${tagOf(s)}`, String(e.length), wc(e.map((one) => one.lb), e.map((one) => one.lbCpu)), `zstd -d + quick_check: ${secs(peerE)} (cpu ${secs(peerECpu)})`, x(er), `<= 1.5x ${ok(er <= 1.5)}`,
      s.main ? wc(e.map((one) => one.restic!), e.map((one) => one.resticCpu!)) : '']);
  }
  for (const s of suites.filter((s1) => s1.steps.has('f'))) {
    const f = perSuite[s.name]!.f!;
    rows.push([`f deep verify, 1 snapshot${tagOf(s)}`, String(f.single.length), secs(median(f.single)), '', '', '', '']);
    if (f.all) {
      rows.push([`f deep verify, all ${f.all.snapshots} snapshots${tagOf(s)}`, '1', `${secs(f.all.ms)} (${secs(f.all.ms / f.all.snapshots)} per snapshot); ok ${f.all.ok}`, '', '', '',
        `check --read-data, ${f.resticSnapshots} snapshots: ${secs(f.restic!)}`]);
    }
  }
  return rows;
}

/** The rows of the triggers steps (power, usb); a skipped or failed step says so in its row. */
function triggerRows(r: BenchResults, goals: Record<string, boolean>): Row[] {
  const rows: Row[] = [];
  const p = r.power;
  if (p) {
    const name = 'power cut -> emergency snapshot durable (agent, real upsd, 1% clustered)';
    if (p.skipped || (p.error && !p.runs.length)) rows.push([name, '0', p.skipped ? `skipped: ${p.skipped}` : `ERROR: ${p.error!.split('\n')[0]}`, '', '', `< 5 s ${p.skipped ? 'SKIP' : 'FAIL'}`, '']);
    else {
      const t = median(p.runs.map((one) => one.ms));
      const saw = median(p.runs.map((one) => one.agentSawMs));
      const snap = median(p.runs.map((one) => one.ms - one.agentSawMs));
      const worst = DRIVER_POLL_MS + p.agentPollMs + snap;
      const recent = median(r.perSuite[r.suites[0]!.name]!.c.recent.map((c) => c.lb.ms));
      const pass = t < POWER_GOAL_MS && !p.error;
      goals['power: UPS on battery -> emergency snapshot durable < 5 s'] = pass;
      rows.push([name, String(p.runs.length),
        `${secs(t)} (${p.runs.map((one) => `${secs(one.ms)} cut ${secs(one.phaseMs)} after a poll`).join(', ')}): upsd says OB at ${secs(median(p.runs.map((one) => one.upsdMs)))}, agent sees it at ${secs(saw)}, ` +
        `then durable in ${secs(snap)}; emergency-backup logged at ${secs(median(p.runs.map((one) => one.eventMs)))}${p.error ? `; ERROR: ${p.error.split('\n')[0]}` : ''}`,
        `dummy-ups loop <= ${secs(DRIVER_POLL_MS)} + agent UPS poll <= ${secs(p.agentPollMs)} + snapshot: worst case ${secs(worst)}; lifeboat backup of the same change (c recent): ${secs(recent)}`,
        `${x(ratio(t, POWER_GOAL_MS))} of 5 s`, `< 5 s ${ok(pass)}`, '']);
    }
  }
  const u = r.usb;
  if (u) {
    const name = 'usb copy to an ext4 loop drive, read-back included (100 MB db)';
    if (u.skipped || u.medianRatio === undefined) rows.push([name, '0', u.skipped ? `skipped: ${u.skipped}` : `ERROR: ${(u.error ?? '').split('\n')[0]}`, '', '', `<= 1.3x ${u.skipped ? 'SKIP' : 'FAIL'}`, '']);
    else {
      goals['usb: copy to a drive, read-back included, <= 1.3x cp -r + sync'] = u.medianRatio <= USB_GOAL;
      rows.push([name, String(u.runs.length), `copyToDrive to safe-to-remove ${secs(median(u.runs.map((one) => one.oursMs)))}; ${median(u.runs.map((one) => one.oursMB))} MB`,
        `cp -r packs + sync: ${secs(median(u.runs.map((one) => one.cpMs)))}; ${median(u.runs.map((one) => one.cpMB))} MB`, `${x(u.medianRatio)} (median of run ratios)`, `<= 1.3x ${ok(u.medianRatio <= USB_GOAL)}`, '']);
    }
  }
  return rows;
}

/** The offsite rows (lifeboat sync to a real sshd): bytes after 1% changed, and both syncs' times against rclone copy. */
function offsiteRows(r: BenchResults, goals: Record<string, boolean>): Row[] {
  const o = r.offsite;
  if (!o) return [];
  const name = 'offsite sftp: sync after 1% random changed, bytes';
  if (o.skipped || !o.runs.length) {
    return [[name, '0', o.skipped ? `skipped: ${o.skipped}` : `ERROR: ${(o.error ?? '').split('\n')[0]}`, '', '', `<= ${OFFSITE_BYTES_GOAL}x ${o.skipped ? 'SKIP' : 'FAIL'}`, '']];
  }
  const runs = o.runs;
  const n = String(runs.length);
  const med = (f: (one: (typeof runs)[number]) => number): number => median(runs.map(f));
  const kinds = (pick: (one: (typeof runs)[number]) => ByKind): string => ['packs', 'index', 'snapshots', 'other']
    .filter((k) => runs.some((one) => pick(one)[k]))
    .map((k) => `${k === 'snapshots' ? 'manifest' : k} ${bytes(med((one) => pick(one)[k]?.bytes ?? 0))}`).join(', ');
  const sent = med((one) => one.second.bytesSent);
  const server = med((one) => one.second.serverBytes);
  const zc = med((one) => one.diff.changedZstd);
  const bRatio = ratio(sent, zc);
  const pass = bRatio <= OFFSITE_BYTES_GOAL && !o.error;
  goals[`offsite: bytes sent after 1% changed <= ${OFFSITE_BYTES_GOAL}x changed pages compressed`] = pass;
  const err = o.error ? `; ERROR: ${o.error.split('\n')[0]}` : '';
  const tRatio = ratio(med((one) => one.second.ms), med((one) => one.rcloneNew.ms));
  const fRatio = ratio(med((one) => one.first.ms), med((one) => one.rcloneFull.ms));
  return [
    [name, n, `bytesSent ${bytes(sent)}; server +${bytes(server)} (${kinds((one) => one.second.byKind)}); the local snapshot added ${bytes(med((one) => one.backup.duAdded))}${err}`,
      `${med((one) => one.diff.changedPages)} pages changed: ${bytes(zc)} zstd -3`, `${x(bRatio)} (server ${x(ratio(server, zc))})`, `<= ${OFFSITE_BYTES_GOAL}x ${ok(pass)}`, ''],
    ['offsite sftp: sync after 1% random changed, time', n, `lifeboat sync ${secs(med((one) => one.second.ms))} (cpu ${secs(med((one) => one.second.cpuMs))})`,
      `rclone copy of the same ${med((one) => one.rcloneNew.files)} new files (${bytes(med((one) => one.rcloneNew.bytes))}): ${secs(med((one) => one.rcloneNew.ms))} (cpu ${secs(med((one) => one.rcloneNew.cpuMs))})`,
      x(tRatio), 'none yet', ''],
    ['offsite sftp: first full sync, time', n, `lifeboat sync ${secs(med((one) => one.first.ms))} (cpu ${secs(med((one) => one.first.cpuMs))}); bytesSent ${bytes(med((one) => one.first.bytesSent))}, server +${bytes(med((one) => one.first.serverBytes))} (${kinds((one) => one.first.byKind)})`,
      `rclone copy of the local repository (${med((one) => one.rcloneFull.files)} files, ${bytes(med((one) => one.rcloneFull.bytes))}): ${secs(med((one) => one.rcloneFull.ms))} (cpu ${secs(med((one) => one.rcloneFull.cpuMs))})`,
      x(fRatio), 'none yet', ''],
  ];
}

/** The database source rows (a real MariaDB): a full dump against mariadb-dump | zstd -3, and the bytes after 1% changed. */
function dbRows(r: BenchResults, goals: Record<string, boolean>): Row[] {
  const d = r.db;
  if (!d) return [];
  const size = d.db ? ` (${bytes(d.db.tableBytes)} InnoDB)` : '';
  const name = `db MariaDB full dump${size}`;
  const err = d.error ? `ERROR: ${d.error.split('\n')[0]}` : '';
  if (d.skipped || !d.full.length) {
    return [[name, '0', d.skipped ? `skipped: ${d.skipped}` : err, '', '', `<= ${DB_DUMP_GOAL}x ${d.skipped ? 'SKIP' : 'FAIL'}`, '']];
  }
  const rows: Row[] = [];
  const f = d.full;
  const medF = (g: (one: (typeof f)[number]) => number): number => median(f.map(g));
  const lbMs = medF((one) => one.lb.ms);
  const peerMs = medF((one) => one.peer.ms);
  const tRatio = ratio(lbMs, peerMs);
  const pass = tRatio <= DB_DUMP_GOAL && !d.error;
  goals[`db: MariaDB full dump <= ${DB_DUMP_GOAL}x mariadb-dump | zstd -3`] = pass;
  rows.push([name, String(f.length),
    `${secs(lbMs)} (cpu ${secs(medF((one) => one.lb.cpuMs))}); dump ${bytes(medF((one) => one.lb.size))}, repo +${bytes(medF((one) => one.lb.duAdded))}`,
    `mariadb-dump | zstd -3 -T1: ${secs(peerMs)} (cpu ${secs(medF((one) => one.peer.cpuMs))}); .zst ${bytes(medF((one) => one.peer.zstBytes))}`,
    `${x(tRatio)} (bytes ${x(ratio(medF((one) => one.lb.duAdded), medF((one) => one.peer.zstBytes)))})`, `<= ${DB_DUMP_GOAL}x ${ok(pass)}`, '']);
  const e = d.edits;
  if (e.length) {
    const medE = (g: (one: (typeof e)[number]) => number): number => median(e.map(g));
    const added = medE((one) => one.lb.duAdded);
    const zc = medE((one) => one.rowsZstd);
    rows.push([`db MariaDB ${(100 * medE((one) => one.updated) / medE((one) => one.ofInvoices)).toFixed(1)}% invoices changed + ${medE((one) => one.inserted)} new`, String(e.length),
      `${secs(medE((one) => one.lb.ms))} (cpu ${secs(medE((one) => one.lb.cpuMs))}); +${bytes(added)} (bytesAdded ${bytes(medE((one) => one.lb.bytesAdded))}); ${medE((one) => one.lb.newChunks)}/${medE((one) => one.lb.chunks)} chunks new`,
      `${medE((one) => one.updated)} + ${medE((one) => one.inserted)} rows, mariadb-dump --where: ${bytes(medE((one) => one.rowsDumpBytes))}, zstd -3 ${bytes(zc)}`,
      `bytes ${x(ratio(added, zc))}; time ${x(ratio(medE((one) => one.lb.ms), lbMs))} of full`, 'none yet', '']);
  }
  if (d.error) rows.push(['db MariaDB', '', err, '', '', '', '']);
  return rows;
}

/** Prints the tables, the goals and the notes, and writes the results files. */
export function report(r: BenchResults): void {
  const goals: Record<string, boolean> = {};
  const rows = [...engineRows(r, goals), ...triggerRows(r, goals), ...offsiteRows(r, goals), ...dbRows(r, goals)];
  const table = printTable(rows, ['step', 'n', 'Lifeboat: wall (cpu); bytes', 'reference', 'ratio', 'goal', 'restic: wall; repo growth']);
  const cs = chunkSizes(r.suites, r.perSuite);
  const { env, base, pages } = r;
  const main = r.perSuite[r.suites[0]!.name]!;
  const peerZ = median(main.a.map((a) => a.peer!.bytes!));

  const loads = [...LOADS].sort((p, q) => p - q);
  const loadTxt = `load average during the run: min ${loads[0]?.toFixed(1)}, median ${median(loads).toFixed(1)}, max ${loads.at(-1)?.toFixed(1)} on ${env.machine.nproc} CPUs`;
  const dbLine = `database: ${bytes(base.bytes)} (${base.bytes} bytes, ${pages} pages of 4 KiB), ${base.invoices} invoices, zstd -3 ratio ${(base.bytes / peerZ).toFixed(2)}x; ` +
    `${base.cached ? 'cached' : `built in ${secs(base.buildMs ?? NaN)}`}`;
  console.log(`\nengine: ${env.git}\n${dbLine}\n${loadTxt}\n`);
  console.log(table);
  console.log(`\nchunk size (step h; unencrypted; c = median over ${C_RUNS} edits of each kind; "chunks touched" = chunk-aligned spans holding a changed page):\n`);
  console.log(cs.table);
  console.log('\ngoals (main suite):');
  for (const [g, p] of Object.entries(goals)) console.log(`  ${ok(p)}  ${g}`);
  console.log('\nnotes: warm page cache throughout. Times are medians of n runs of whole commands, process start included; cpu = user+sys of the command and its threads. ' +
    'restic always encrypts and compresses (repository v2, compression auto) and uses every core; the main Lifeboat rows are unencrypted, the [encrypted] rows ran with ' +
    'LIFEBOAT_PASSPHRASE set. zstd CLI is single-threaded (-T1 default). Repository growth is du -sb before/after (directories included).');
  if (r.power && !r.power.skipped) {
    console.log(`power: from setStatus('OB DISCHRG') (upsrw) to a new manifest in repository/snapshots/ of the running agent: the driver taking the status ` +
      `(dummy-ups, pollinterval ${secs(DRIVER_POLL_MS)}), the agent's next UPS poll (every ${secs(AGENT_POLL_MS)}; cut i of n is aimed at ` +
      '(i + 0.5) / n of the way through that cycle, from the agent\'s own log lines), then the snapshot. The agent\'s schedules were disabled so that nothing else ran. The manifest is seen at its ' +
      'rename (its content already fsynced); the fsync of the folder follows within milliseconds.');
  }

  if (r.offsite?.runs.length) {
    console.log(`offsite: a real OpenSSH sftp server on 127.0.0.1 (${r.offsite.sshd ?? 'sshd'}), ${r.offsite.rclone ?? 'rclone'} with its defaults. Each run: a fresh repository with one snapshot, ` +
      'a target on a fresh remote folder, the first sync (all of it), 1% of the invoices changed at random (step c\'s edit), a backup, the second sync. bytesSent is what ' +
      '`lifeboat sync --json` reports (packs only); "server +" is the size of the files that appeared in the remote folder. Changed pages: the database file compared 4 KiB page by page ' +
      'before and after the edit, the changed pages concatenated and compressed with zstd level 3 (node:zlib). rclone copied the very same files (the second sync\'s new files; the whole ' +
      'local repository minus locks/ and tmp/) into a fresh folder on the same server.');
  }

  if (r.db?.full.length) {
    console.log(`db: a real MariaDB ${r.db.server ?? ''} on 127.0.0.1 (tests/peers/mariadb-server.ts, 64 MiB buffer pool), the office schema of tests/helpers/sql-writer.ts ` +
      `(${r.db.db?.invoices ?? '?'} invoices: ~1 KB of repeated text and a 2 KiB blob of one repeated hash each, so the dump compresses very well). Full dump: \`lifeboat backup\` ` +
      'into a fresh repository (a MySQL source with --password-env) vs `mariadb-dump --single-transaction --routines --triggers --events --hex-blob office | zstd -3 -T1 > file` ' +
      '(the same account in a 0600 --defaults-extra-file), both whole processes. 1% changed: invoices chosen by MOD(CRC32(CONCAT(\'bench-K:\', id)), 100) = 0 get a new number ' +
      'and account, and 5 invoices are added; the next `lifeboat backup` of the same repository (du growth) vs those rows alone dumped by the same mariadb-dump ' +
      '(--no-create-info --compact --where=...) and zstd -3: what a perfect row-level incremental would store.');
  }

  const out = {
    when: new Date().toISOString(), mb: MB, warmCache: true, machine: env.machine, tools: { ...env.tools, betterSqlite3Sqlite: env.sqliteLib },
    db: { ...base, pages, zstdBytes: peerZ }, processStart: r.startup,
    git: env.git, loads: { min: loads[0], median: median(loads), max: loads.at(-1), samples: loads.length },
    suites: r.perSuite, b: r.b, chunkSizes: cs.data, phases: r.phases, profile: r.profile, power: r.power, usb: r.usb, offsite: r.offsite, dbSource: r.db, goals, table, chunkTable: cs.table,
    totalSeconds: Math.round((performance.now() - T0) / 1000),
  };
  const json = JSON.stringify(out, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 10) / 10 : v), 2);
  fs.writeFileSync(path.join(RESULTS, 'latest.json'), json + '\n');
  fs.writeFileSync(path.join(RESULTS, `latest-${MB}MiB.json`), json + '\n');
  console.log(`\nwrote ${path.relative(ROOT, path.join(RESULTS, 'latest.json'))} (${Math.round((performance.now() - T0) / 1000)} s in all)`);
}
