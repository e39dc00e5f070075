// Leaves a SQLite database the way a program killed in the middle of a write transaction does:
// in rollback-journal mode a hot journal with part of the new pages already in the main file, in
// WAL mode uncommitted frames in the WAL. Deterministic, unlike killing a process at a random moment.
import { spawn } from 'node:child_process';
import { ROOT } from './cli.ts';

// A tiny page cache makes SQLite spill dirty pages before the commit: to the main file after
// syncing the journal (rollback mode) or as frames into the WAL (WAL mode). Then the process
// kills itself with the transaction still open.
const SCRIPT = `
import Database from 'better-sqlite3';
const db = new Database(process.env.CRASH_DB, { fileMustExist: true });
db.pragma('cache_size = 16');
db.exec('BEGIN IMMEDIATE');
db.exec("UPDATE documents SET body = body || ' (revised)'");
db.exec("UPDATE invoice_lines SET description = description || ' (revised)'");
process.kill(process.pid, 'SIGKILL');
`;

/**
 * Runs a separate process that opens `dbPath`, changes most of its pages in one transaction and
 * is killed by SIGKILL before committing. Resolves once it is dead; rejects if it ended any other
 * way (for instance because the database could not be opened).
 */
export function crashMidTransaction(dbPath: string): Promise<void> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    cwd: ROOT, env: { ...process.env, CRASH_DB: dbPath }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`the crashing writer exited ${code} (${signal}) instead of being killed: ${stderr.trim()}`));
    });
  });
}
