// Running the commands the bench measures: every timing is performance.now() around a whole child
// process (start-up included), so Lifeboat, sqlite3, zstd and restic are measured the same way.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface RunResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number; cpuMs: number; load: number; timedOut: boolean }

/** 1-minute load average at the start of every command run() started (the machine may be shared). */
export const LOADS: number[] = [];

/**
 * CPU time (user + system, ms) of every child process this process has waited for so far: Linux adds a
 * reaped child's times (and its own reaped children's) to the parent's cutime/cstime in /proc/self/stat.
 * Measured around one command, it is that command's CPU time, all threads included (10 ms resolution).
 */
export function childCpuMs(): number {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of stat(5) (cutime, cstime) are at 13 and 14 after the command name.
    return ((Number(f[13]) + Number(f[14])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/** Flushes dirty pages (left by setup copies) to disk, so they are not written back during a timed command. */
export function settle(): void {
  spawnSync('sync');
}

export interface RunOptions { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: string }

/** Runs `cmd args` to completion and returns its output and wall time. Never throws for a non-zero exit. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const cpu0 = childCpuMs();
    const load = os.loadavg()[0] ?? NaN;
    LOADS.push(load);
    const started = performance.now();
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => { stdout += d; });
    child.stderr.on('data', (d: string) => { stderr += d; });
    // A child that exits without reading its stdin (git, sqlite3 under load) closes the pipe first: the EPIPE
    // that writing to it then raises is not the command's result, which 'close' reports.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs);
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      const ms = performance.now() - started;
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms, cpuMs: childCpuMs() - cpu0, load, timedOut });
    });
  });
}

/** Like run(), but throws with the command's stderr unless it exits 0. */
export async function runOk(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    const what = `${path.basename(cmd)} ${args.join(' ')}`;
    throw new Error(`${what} ${r.timedOut ? 'timed out' : `exited with ${r.code ?? r.signal}`}: ${r.stderr.trim().slice(0, 2000) || r.stdout.trim().slice(0, 2000)}`);
  }
  return r;
}

/** `du -sb DIR` in bytes (apparent size, directories included), 0 when DIR does not exist. */
export function duBytes(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  const r = spawnSync('du', ['-sb', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`du -sb ${dir} failed: ${r.stderr}`);
  return Number(r.stdout.split(/\s/)[0]);
}

/** Sum of the sizes of the regular files under `dir` (what du -sb counts, minus directory entries). */
export function fileBytes(dir: string): number {
  let total = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += fs.statSync(path.join(e.parentPath, e.name)).size;
  }
  return total;
}

export interface Tool { name: string; path: string; version: string }

const INSTALL_HINT: Record<string, string> = {
  sqlite3: 'apt-get install -y sqlite3',
  zstd: 'apt-get install -y zstd',
  restic: 'apt-get -o DPkg::Lock::Timeout=900 install -y restic',
  du: 'apt-get install -y coreutils',
};

/** Finds the external tools the bench compares against; a missing one is an error that says what to install. */
export function requireTools(): Record<'sqlite3' | 'zstd' | 'restic', Tool> {
  const missing: string[] = [];
  const found: Partial<Record<string, Tool>> = {};
  const probes: Array<[string, string[]]> = [['sqlite3', ['--version']], ['zstd', ['--version']], ['restic', ['version']], ['du', ['--version']]];
  for (const [name, args] of probes) {
    const where = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    const p = where.stdout.trim();
    if (where.status !== 0 || !p) { missing.push(name); continue; }
    const v = spawnSync(p, args, { encoding: 'utf8' });
    found[name] = { name, path: p, version: `${v.stdout}${v.stderr}`.trim().split('\n')[0] ?? '?' };
  }
  if (missing.length) {
    throw new Error(`bench: missing tool(s): ${missing.join(', ')}. Install them first, e.g. as root:\n  ${missing.map((m) => INSTALL_HINT[m] ?? `install ${m}`).join('\n  ')}`);
  }
  return { sqlite3: found.sqlite3!, zstd: found.zstd!, restic: found.restic! };
}

export interface MachineInfo { cpuModel: string; nproc: number; cpus: number; memGiB: number; kernel: string; platform: string; node: string; fs: string }

export function machineInfo(workDir: string): MachineInfo {
  const nproc = spawnSync('nproc', { encoding: 'utf8' });
  const df = spawnSync('df', ['-T', workDir], { encoding: 'utf8' });
  const dfLine = df.stdout.trim().split('\n')[1]?.split(/\s+/) ?? [];
  return {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    nproc: Number(nproc.stdout.trim()) || os.availableParallelism(),
    cpus: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    platform: `${os.platform()} ${os.arch()}`,
    node: process.version,
    fs: dfLine.length > 1 ? `${dfLine[1]} on ${dfLine[0]}` : 'unknown',
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
