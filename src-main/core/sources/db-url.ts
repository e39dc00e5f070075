import { LifeboatError } from '../errors.ts';

/** A database server source: where, as whom, which database. The password is never part of it. */
export interface DbLocation {
  kind: 'mysql' | 'postgres';
  user: string;
  host: string;
  port: number;
  database: string;
}

/**
 * Parses `mysql://USER@HOST[:PORT]/DATABASE` (MySQL or MariaDB) or `postgres://USER@HOST[:PORT]/DATABASE`
 * (also `postgresql://`). A password written into the URL is returned apart, for the secret store.
 * Throws a 'bad-input' LifeboatError naming the form.
 */
export function parseDbUrl(input: string): { location: DbLocation; url: string; password?: string } {
  let u: URL;
  try {
    u = new URL(input.trim());
  } catch {
    throw bad(input, 'not a URL');
  }
  const kind = u.protocol === 'mysql:' || u.protocol === 'mariadb:' ? 'mysql' : u.protocol === 'postgres:' || u.protocol === 'postgresql:' ? 'postgres' : undefined;
  if (!kind) throw bad(input, `unknown kind ${u.protocol.replace(/:$/, '')}`);
  const user = decodeURIComponent(u.username);
  if (!user) throw bad(input, 'a user is needed');
  if (!u.hostname) throw bad(input, 'a host is needed');
  const database = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, ''));
  if (!database || database.includes('/')) throw bad(input, 'one database name is needed after the host');
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  const port = u.port ? Number(u.port) : kind === 'mysql' ? 3306 : 5432;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const location: DbLocation = { kind, user, host, port, database };
  return { location, url: formatDbUrl(location), ...(password !== undefined ? { password } : {}) };
}

export function formatDbUrl(l: DbLocation): string {
  const host = l.host.includes(':') ? `[${l.host}]` : l.host;
  return `${l.kind}://${encodeURIComponent(l.user)}@${host}:${l.port}/${encodeURIComponent(l.database)}`;
}

function bad(input: string, why: string): LifeboatError {
  const shown = input.replace(/(\/\/[^/:@]*):.*?@/, '$1:***@');
  return new LifeboatError('bad-input', `database URL ${JSON.stringify(shown)}: ${why}. Forms: mysql://USER@HOST[:PORT]/DATABASE, postgres://USER@HOST[:PORT]/DATABASE`);
}
