// Starts tests/helpers/office-writer.ts as a child process and talks to it, for tests that need
// an application writing to the database while a backup runs.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type OfficeWriterOptions = {
  /** Transactions per second to aim for. Default 20. */
  rate?: number;
  /** Journal mode the writer switches the database to before starting; default: leave it as is. */
  journal?: 'wal' | 'delete';
};

export type OfficeWriterStats = { transactions: number; maxStallMs: number; errors: number };

export type OfficeWriter = {
  /** SIGTERMs the writer, waits for it to finish its current transaction and exit, returns its stats. */
  stop(): Promise<OfficeWriterStats>;
  pid: number;
};

const SCRIPT = fileURLToPath(new URL('./office-writer.ts', import.meta.url));
const READY_TIMEOUT_MS = 20000;
// A transaction can legitimately wait out the writer's 10 s busy_timeout before it can stop.
const STOP_TIMEOUT_MS = 30000;

/**
 * Spawns the office writer (with this same Node binary) against an existing office database and
 * resolves once it has committed its first transaction. Rejects, with the writer's stderr, if it
 * exits first or is not ready within 20 s (it is killed in that case). The writer also stops on
 * its own if this process dies, because it watches its stdin.
 */
export function startOfficeWriter(dbPath: string, opts: OfficeWriterOptions = {}): Promise<OfficeWriter> {
  const args = [SCRIPT, dbPath, '--rate', String(opts.rate ?? 20), '--exit-with-stdin'];
  if (opts.journal !== undefined) args.push('--journal', opts.journal);
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => { stderr += chunk; });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

  const stop = async (): Promise<OfficeWriterStats> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const code = await exited;
    clearTimeout(timer);
    const last = stdout.trim().split('\n').at(-1) ?? '';
    if (code !== 0 || !last.startsWith('{')) {
      throw new Error(`office writer exited with ${code}; stdout: ${stdout.trim()}; stderr: ${stderr.trim()}`);
    }
    return JSON.parse(last) as OfficeWriterStats;
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`office writer not ready after ${READY_TIMEOUT_MS} ms; stderr: ${stderr.trim()}`));
    }, READY_TIMEOUT_MS);
    let ready = false;
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (!ready && /^READY$/m.test(stdout)) {
        ready = true;
        clearTimeout(timer);
        resolve({ stop, pid: child.pid as number });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`office writer exited with ${code} before READY; stderr: ${stderr.trim()}`));
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
