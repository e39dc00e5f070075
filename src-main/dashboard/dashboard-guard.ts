import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileDurable } from '../core/util/durable-file.ts';

export const TOKEN_FILE = 'dashboard-token';

/**
 * The dashboard's token: 32 random bytes, made at the first start and kept in the data dir with mode 0600
 * (created so from the first byte). The same token survives restarts, so a bookmarked address keeps working.
 */
export async function dashboardToken(dataDir: string): Promise<string> {
  const file = path.join(dataDir, TOKEN_FILE);
  const existing = await fs.readFile(file, 'utf8').then((s) => s.trim(), () => '');
  if (/^[A-Za-z0-9_-]{32,}$/.test(existing)) return existing;
  const token = crypto.randomBytes(32).toString('base64url');
  await writeFileDurable(file, Buffer.from(token + '\n'), dataDir, 0o600);
  return token;
}

/** True when `given` is the token; compares in constant time. */
export function tokenMatches(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(token).digest();
  return crypto.timingSafeEqual(a, b);
}

/** Whether `host` means every address of the machine (0.0.0.0, ::). */
export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/**
 * The Host header values the dashboard answers to: its own address (and `localhost` when on loopback). Bound
 * to every address (0.0.0.0 or ::), it answers to loopback and to each of the machine's own addresses
 * (`addresses`, from os.networkInterfaces()), never to a name it does not own.
 */
export function allowedHosts(host: string, port: number, addresses: readonly string[] = []): string[] {
  const loopback = [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`];
  if (isWildcard(host)) return [...new Set([...addresses.map((a) => (a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`)), ...loopback])];
  const out = [host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`];
  if (host === '127.0.0.1' || host === '::1' || host === 'localhost') out.push(...loopback);
  return [...new Set(out)];
}

/**
 * Checks a request's Host and Origin against the dashboard's own address. A page on another site that
 * points a name it controls at 127.0.0.1 (DNS rebinding) sends its own name as Host: refused. An Origin, when
 * present, must be the dashboard itself.
 */
export function checkHostOrigin(hostHeader: string | undefined, origin: string | undefined, hosts: readonly string[]): { ok: true } | { ok: false; status: number; message: string } {
  if (!hostHeader || !hosts.includes(hostHeader.toLowerCase())) return { ok: false, status: 421, message: `wrong Host ${JSON.stringify(hostHeader ?? '')}: this dashboard answers only to ${hosts[0]}` };
  if (origin !== undefined && !hosts.some((h) => origin.toLowerCase() === `http://${h}`)) return { ok: false, status: 403, message: `requests from ${origin} are not allowed` };
  return { ok: true };
}

/**
 * Limits failed token attempts per client address: after `max` failures within `windowMs`, every request
 * from that address is refused until the window has passed. A right token does not reset a lockout early.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly max: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(opts: { max?: number; windowMs?: number; now?: () => number } = {}) {
    this.max = opts.max ?? 10;
    this.windowMs = opts.windowMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  blocked(client: string): boolean {
    return this.recent(client).length >= this.max;
  }

  fail(client: string): void {
    const list = this.recent(client);
    list.push(this.now());
    this.failures.set(client, list);
  }

  private recent(client: string): number[] {
    const since = this.now() - this.windowMs;
    const list = (this.failures.get(client) ?? []).filter((t) => t > since);
    if (list.length) this.failures.set(client, list);
    else this.failures.delete(client);
    return list;
  }
}
