// What was measured, and on what: the tools, the machine, the exact engine code (git), printed at the top of
// every run and kept in the results.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MB, RESULTS, ROOT, WORK } from './config.ts';
import { machineInfo, requireTools, run, type MachineInfo, type Tool } from './proc.ts';

export interface RunEnvironment { tools: Record<'sqlite3' | 'zstd' | 'restic', Tool>; machine: MachineInfo; git: string; sqliteLib: string }

/** Finds the tools (throws naming any that is missing), makes the work and results folders, describes the run on stdout, and warns when the machine is busy. */
export async function describeRun(): Promise<RunEnvironment> {
  const tools = requireTools();
  fs.mkdirSync(WORK, { recursive: true });
  fs.mkdirSync(RESULTS, { recursive: true });
  const machine = machineInfo(WORK);
  // The engine is worked on while benches run: say exactly which code was measured.
  const head = (await run('git', ['-C', ROOT, 'log', '-1', '--format=%h %cI %s'])).stdout.trim();
  const dirty = (await run('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src-main', 'bin'])).stdout.trim().split('\n').filter(Boolean).length;
  const git = `${head}${dirty ? ` + ${dirty} uncommitted change(s) under src-main/ and bin/` : ''}`;
  const sqliteLib = (() => { const d = new Database(':memory:'); try { return d.prepare('select sqlite_version()').pluck().get() as string; } finally { d.close(); } })();
  console.log(`Lifeboat bench: ${MB} MiB office database; work folder ${path.relative(ROOT, WORK)}`);
  console.log(`machine: ${machine.cpuModel}, nproc ${machine.nproc}, ${machine.memGiB} GiB RAM, ${machine.platform}, kernel ${machine.kernel}, ${machine.fs}`);
  console.log(`engine:  ${git}`);
  console.log(`tools:   node ${process.version}; better-sqlite3's SQLite ${sqliteLib}; ${tools.sqlite3.path} ${tools.sqlite3.version}; ${tools.zstd.version}; ${tools.restic.version}`);
  console.log('All numbers are warm-cache (the page cache cannot be dropped here); times are wall time of whole commands, process start included; medians of n runs.\n');

  const load0 = os.loadavg()[0] ?? 0;
  if (load0 > machine.nproc / 2) console.log(`WARNING: the machine is busy (load average ${load0.toFixed(1)} on ${machine.nproc} CPUs): wall times will be noisy; compare the cpu columns.\n`);
  return { tools, machine, git, sqliteLib };
}
