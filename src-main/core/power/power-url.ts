import { LifeboatError } from '../errors.ts';

/** The parts of a `scheme://[USER[:PASS]@]HOST[:PORT][/PATH]` address that power sources use. */
export interface DaemonUrl {
  host: string;
  port: number;
  /** The path without its leading slash, percent-decoded; '' when there is none. */
  path: string;
  username?: string;
  password?: string;
}

/**
 * Parses the address of a power daemon. Throws LifeboatError('bad-input') with a message that quotes the
 * address (password masked) and says what is wrong: another scheme, no host, a bad port, a query or
 * fragment, or control characters (which would let a crafted address inject protocol lines).
 * `example` is the shape to show, e.g. "nut://[USER[:PASS]@]HOST[:PORT]/UPSNAME".
 */
export function parseDaemonUrl(text: string, scheme: string, defaultPort: number, example: string): DaemonUrl {
  const bad = (why: string): LifeboatError => new LifeboatError('bad-input', `bad UPS address "${maskPassword(text)}": ${why} (expected ${example})`);
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw bad('not a URL');
  }
  if (url.protocol !== `${scheme}:`) throw bad(`the scheme must be ${scheme}://`);
  if (!url.hostname) throw bad('no host');
  if (url.search || url.hash) throw bad('no ?query or #fragment allowed');
  const port = url.port === '' ? defaultPort : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad('the port must be 1-65535');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const decode = (s: string, what: string): string => {
    let out: string;
    try {
      out = decodeURIComponent(s);
    } catch {
      throw bad(`the ${what} is not valid percent-encoding`);
    }
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f\x7f]/.test(out)) throw bad(`the ${what} contains control characters`);
    return out;
  };
  const username = url.username ? decode(url.username, 'user name') : undefined;
  const password = url.password ? decode(url.password, 'password') : undefined;
  if (password !== undefined && username === undefined) throw bad('a password needs a user name');
  const path = decode(url.pathname.replace(/^\//, ''), 'path');
  return { host, port, path, ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) };
}

/** The address with any password replaced by "***", for messages and logs. */
export function maskPassword(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}
