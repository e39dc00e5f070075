import path from 'node:path';
import { LifeboatError } from '../errors.ts';

/** Where a target is, parsed from the URL the admin gave (credentials are never part of it). */
export type TargetSpec =
  | { kind: 'file'; path: string }
  | { kind: 'sftp'; user: string; host: string; port: number; path: string }
  | { kind: 'webdav'; url: string; user?: string }
  | { kind: 's3'; bucket: string; prefix: string; region: string; endpoint?: string; pathStyle: boolean; accessKeyId?: string }
  | { kind: 'rclone'; remote: string };

export interface ParsedTargetUrl {
  spec: TargetSpec;
  /** The URL as stored in settings and shown to people: the same place, without a password. */
  url: string;
  /** A password (or S3 secret key) that was written into the URL: to go into the secret store, never to disk as is. */
  password?: string;
}

const EXAMPLES = 'file:///mnt/nas/lifeboat, sftp://USER@HOST[:PORT]/PATH, webdav(s)://HOST/PATH, s3://BUCKET/PREFIX?endpoint=URL&region=R, rclone:REMOTE:PATH';

/**
 * Parses a target URL: `file:///PATH` (or a plain absolute path), `sftp://USER@HOST[:PORT]/PATH` (PATH is
 * absolute; `/~/PATH` is relative to the login folder), `webdav://` and `webdavs://` (http and https),
 * `s3://BUCKET/PREFIX` with `endpoint`, `region`, `path-style` and `access-key-id` query options (or the key
 * id as the URL's user), and `rclone:REMOTE:PATH`. Throws a 'bad-input' LifeboatError naming the forms.
 */
export function parseTargetUrl(input: string): ParsedTargetUrl {
  const text = input.trim();
  if (text.startsWith('rclone:')) {
    const remote = text.slice('rclone:'.length);
    if (!/^[\w.\- ]+:/.test(remote)) throw bad(input, 'rclone targets are rclone:REMOTE:PATH, with REMOTE from "rclone config"');
    return { spec: { kind: 'rclone', remote }, url: text };
  }
  if (path.isAbsolute(text) && !text.includes('://')) return { spec: { kind: 'file', path: path.resolve(text) }, url: `file://${path.resolve(text)}` };
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw bad(input, 'not a URL');
  }
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  const user = u.username ? decodeURIComponent(u.username) : undefined;
  u.password = '';
  switch (u.protocol) {
    case 'file:': {
      if (u.host) throw bad(input, 'file URLs are file:///ABSOLUTE/PATH');
      const p = decodeURIComponent(u.pathname);
      return { spec: { kind: 'file', path: path.resolve(p) }, url: `file://${path.resolve(p)}` };
    }
    case 'sftp:': {
      if (!user) throw bad(input, 'sftp needs a user: sftp://USER@HOST[:PORT]/PATH');
      if (!u.hostname) throw bad(input, 'sftp needs a host');
      let p = decodeURIComponent(u.pathname);
      p = p.startsWith('/~/') ? p.slice(3) : p === '/~' ? '.' : p;
      if (!p || p === '/') throw bad(input, 'sftp needs a folder for the repository, e.g. sftp://USER@HOST/backups/lifeboat');
      return { spec: { kind: 'sftp', user, host: u.hostname, port: u.port ? Number(u.port) : 22, path: p.replace(/\/+$/, '') }, url: u.toString(), ...(password ? { password } : {}) };
    }
    case 'webdav:':
    case 'webdavs:': {
      if (!u.hostname) throw bad(input, 'webdav needs a host');
      const http = new URL(u.toString().replace(/^webdavs?:/, u.protocol === 'webdavs:' ? 'https:' : 'http:'));
      http.username = '';
      http.password = '';
      if (!http.pathname.endsWith('/')) http.pathname += '/';
      return { spec: { kind: 'webdav', url: http.toString(), ...(user ? { user } : {}) }, url: u.toString(), ...(password ? { password } : {}) };
    }
    case 's3:': {
      const bucket = u.hostname;
      if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw bad(input, 's3 needs a bucket name: s3://BUCKET/PREFIX');
      const q = u.searchParams;
      for (const k of q.keys()) if (!['endpoint', 'region', 'path-style', 'access-key-id'].includes(k)) throw bad(input, `unknown s3 option ${k} (endpoint, region, path-style, access-key-id)`);
      const endpoint = q.get('endpoint') ?? undefined;
      if (endpoint && !/^https?:\/\/[^/]+/.test(endpoint)) throw bad(input, 'the s3 endpoint must be an http:// or https:// URL');
      if (endpoint && /^https?:\/\/[^/]*@/.test(endpoint)) throw bad(input, 'the s3 endpoint must not hold credentials: give the key id as access-key-id= and the secret with --password-env');
      const pathStyle = q.get('path-style') === null ? !!endpoint : q.get('path-style') !== 'false';
      const accessKeyId = q.get('access-key-id') ?? user;
      const prefix = decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, '');
      return { spec: { kind: 's3', bucket, prefix, region: q.get('region') ?? 'us-east-1', ...(endpoint ? { endpoint } : {}), pathStyle, ...(accessKeyId ? { accessKeyId } : {}) }, url: u.toString(), ...(password ? { password } : {}) };
    }
    default:
      throw bad(input, `unknown kind of target ${u.protocol.replace(/:$/, '')}`);
  }
}

/** The URL without any password, for messages about a URL that may hold one. */
export function redactUrl(text: string): string {
  // Lazy up to the first '@': a password may hold '/' (not legal unescaped, but people type it).
  return text.replace(/(\/\/[^/:@]*):.*?@/, '$1:***@');
}

function bad(input: string, why: string): LifeboatError {
  return new LifeboatError('bad-input', `target URL ${JSON.stringify(redactUrl(input))}: ${why}. Forms: ${EXAMPLES}`);
}
