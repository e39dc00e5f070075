import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(ROOT, 'bin', 'lifeboat.js');

export interface CliResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs the real CLI as a separate process (the same Node as the tests). */
export function runCli(args: string[], opts: { dataDir?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const child = spawnCli(args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  else child.stdin!.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Spawns the CLI without waiting (for kill -9 tests). */
export function spawnCli(args: string[], opts: { dataDir?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  const full = [BIN, ...(opts.dataDir ? ['--data-dir', opts.dataDir] : []), ...args];
  const env = { ...process.env, ...opts.env };
  if (!opts.env || !('LIFEBOAT_PASSPHRASE' in opts.env)) delete env.LIFEBOAT_PASSPHRASE;
  return spawn(process.execPath, full, { env, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs the CLI with --json and parses stdout; throws with stderr when the exit code is not 0. */
export async function cliJson<T = unknown>(args: string[], opts: Parameters<typeof runCli>[1] = {}): Promise<T> {
  const r = await runCli([...args, '--json'], opts);
  if (r.code !== 0) throw new Error(`lifeboat ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** A fresh temp folder, removed by the returned cleanup. */
export function tempDir(prefix = 'lifeboat-test-'): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
