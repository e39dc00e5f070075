import fs from 'node:fs/promises';
import path from 'node:path';
import { scratchName } from '../util/scratch-files.ts';
import type { DbLocation } from './db-url.ts';

/**
 * Runs `fn` with the client tools' credentials in a 0600 file that is removed afterwards, never on a command
 * line that `ps` shows: a MySQL option file (`--defaults-extra-file`, which must be the tool's first
 * argument) or a PostgreSQL password file (PGPASSFILE). The file's name carries our pid, so one left by a
 * kill -9 is removed with the other scratch files.
 */
export async function withDbCredentials<T>(db: DbLocation, password: string | undefined, tmpDir: string, fn: (c: { args: string[]; env: NodeJS.ProcessEnv }) => Promise<T>): Promise<T> {
  const c = await dbCredentials(db, password, tmpDir);
  try {
    return await fn(c);
  } finally {
    await c.dispose();
  }
}

/** The same as withDbCredentials, for callers that hold the file across several steps; call dispose() in a finally. */
export async function dbCredentials(db: DbLocation, password: string | undefined, tmpDir: string): Promise<{ args: string[]; env: NodeJS.ProcessEnv; dispose(): Promise<void> }> {
  await fs.mkdir(tmpDir, { recursive: true });
  const file = path.join(tmpDir, scratchName(db.kind === 'mysql' ? 'client' : 'pgpass', '.cnf'));
  const body = db.kind === 'mysql'
    ? `[client]\nuser=${option(db.user)}\nhost=${option(db.host)}\nport=${db.port}\nprotocol=TCP\n${password !== undefined ? `password=${option(password)}\n` : ''}`
    // Any database: verify-by-restore connects to a scratch database with the same account.
    : `${[db.host, String(db.port)].map(pgpassField).join(':')}:*:${[db.user, password ?? ''].map(pgpassField).join(':')}\n`;
  await fs.writeFile(file, body, { mode: 0o600, flag: 'wx' });
  const dispose = () => fs.rm(file, { force: true });
  const env = { ...process.env };
  delete env.MYSQL_PWD;
  delete env.PGPASSWORD;
  if (db.kind === 'mysql') return { args: [`--defaults-extra-file=${file}`], env, dispose };
  return { args: ['-h', db.host, '-p', String(db.port), '-U', db.user, '-w'], env: { ...env, PGPASSFILE: file, PGCONNECT_TIMEOUT: '15' }, dispose };
}

/** A value for a MySQL option file: quoted, with the escapes the client understands. */
function option(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** A field of a .pgpass line: ':' and '\' escaped. */
function pgpassField(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
}
