import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ServerHostKeyAlgorithm } from 'ssh2';
import { writeFileDurable } from '../util/durable-file.ts';
import { TargetError } from './target.ts';

/**
 * SSH host keys pinned on first use, in a file in OpenSSH's known_hosts format (so a person can read it,
 * and remove a line with any editor when a server's key changed on purpose). The first connection to a
 * host:port pins the key it offers; every later connection must offer a pinned key or is refused.
 */

/** A public host key as the SSH wire format carries it (`blob`), with its type (`ssh-ed25519`, ...). */
export interface HostKey { type: string; blob: Buffer }

/** The name OpenSSH writes for a host in known_hosts: `host` on port 22, `[host]:port` elsewhere. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The fingerprint OpenSSH shows (`ssh-keygen -lf`, the "host key changed" warning): SHA256, base64, no padding. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${crypto.createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type written inside a wire-format public key (its first string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return len > 0 && len < 64 && 4 + len <= blob.length ? blob.toString('latin1', 4, 4 + len) : 'unknown';
}

/**
 * The keys pinned for host:port in `file`. A missing file pins nothing. Lines for other hosts, comments,
 * marker lines (`@cert-authority`, `@revoked`: Lifeboat writes neither) and wildcard patterns are ignored;
 * OpenSSH's hashed names (`|1|salt|hash`) and comma-separated names are understood.
 */
export async function pinnedKeys(file: string, host: string, port: number): Promise<HostKey[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const name = knownHostsName(host, port);
  const out: HostKey[] = [];
  for (const line of text.split('\n')) {
    const [names, type, b64] = line.trim().split(/\s+/);
    if (!names || !type || !b64 || names.startsWith('#') || names.startsWith('@')) continue;
    if (!names.split(',').some((n) => nameMatches(n, name))) continue;
    out.push({ type, blob: Buffer.from(b64, 'base64') });
  }
  return out;
}

function nameMatches(pattern: string, name: string): boolean {
  const hashed = /^\|1\|([^|]+)\|(.+)$/.exec(pattern);
  if (!hashed) return pattern === name;
  const mac = crypto.createHmac('sha1', Buffer.from(hashed[1]!, 'base64')).update(name).digest('base64');
  return mac === hashed[2];
}

// Pins to one file are made one at a time, so two targets connecting at once cannot lose each other's line.
const queues = new Map<string, Promise<unknown>>();

function serialized<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const next = (queues.get(file) ?? Promise.resolve()).then(fn, fn);
  const tail = next.catch(() => {});
  queues.set(file, tail);
  void tail.then(() => { if (queues.get(file) === tail) queues.delete(file); });
  return next;
}

/**
 * Adds a line `name type base64` for host:port to `file` unless a key is pinned there already; returns the
 * pinned keys afterwards. Durable: the whole file is written aside (mode 0600), fsynced and renamed, then the
 * folder is fsynced, so a crash leaves the old file or the new one, never a torn line that would later read
 * as a changed key.
 */
export function pinHostKey(file: string, host: string, port: number, blob: Buffer): Promise<HostKey[]> {
  return serialized(file, async () => {
    const already = await pinnedKeys(file, host, port);
    if (already.length) return already;
    const old = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
    const line = `${knownHostsName(host, port)} ${keyTypeOf(blob)} ${blob.toString('base64')}\n`;
    const text = old && !old.endsWith('\n') ? `${old}\n${line}` : `${old}${line}`;
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await writeFileDurable(file, Buffer.from(text), path.dirname(file), 0o600);
    return [{ type: keyTypeOf(blob), blob }];
  });
}

/** The message for a refused key: loud, with both fingerprints and what to do if the change is legitimate. */
export function hostKeyChangedError(file: string, host: string, port: number, pinned: HostKey[], offered: Buffer): TargetError {
  const was = pinned.map((k) => `${k.type} ${fingerprint(k.blob)}`).join(', ');
  return new TargetError('permanent', 'host-key',
    `HOST KEY CHANGED for ${host}:${port}: the server offered ${keyTypeOf(offered)} ${fingerprint(offered)}, but ${was} is pinned for it. ` +
    'Someone may be intercepting the connection, so Lifeboat will not send anything there. ' +
    `If the server's key was changed on purpose (a reinstalled server), check the new fingerprint with its administrator, ` +
    `then remove the line starting with "${knownHostsName(host, port)}" from ${file}; the new key is pinned at the next connection.`);
}

/**
 * A verifier for ssh2's `hostVerifier` option (the async form: ssh2 passes the offered key's wire-format
 * blob and waits for `verify`). Unknown host:port: pins the key and accepts. Pinned: accepts only a pinned
 * key. On refusal, `onRefused` receives the TargetError to report (code 'host-key' for a changed key;
 * 'permission' or 'failed' when the file cannot be read or written, since a key that cannot be pinned must
 * not be trusted either); ssh2 itself then fails the handshake with a generic "Host denied".
 */
export function hostVerifier(knownHostsFile: string, host: string, port: number, onRefused?: (err: TargetError) => void): (key: Buffer, verify: (ok: boolean) => void) => void {
  return (key, verify) => {
    void (async () => {
      let pinned = await pinnedKeys(knownHostsFile, host, port);
      if (!pinned.length) pinned = await pinHostKey(knownHostsFile, host, port, key);
      if (pinned.some((k) => k.blob.equals(key))) return verify(true);
      onRefused?.(hostKeyChangedError(knownHostsFile, host, port, pinned, key));
      verify(false);
    })().catch((err: NodeJS.ErrnoException) => {
      const denied = err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS';
      onRefused?.(new TargetError('permanent', denied ? 'permission' : 'failed', `cannot check the host key of ${host}:${port} against ${knownHostsFile}: ${err.message}`, { cause: err }));
      verify(false);
    });
  };
}

const KNOWN_ALGOS: ServerHostKeyAlgorithm[] = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-dss'];

/**
 * ssh2 `algorithms.serverHostKey` settings that make the server show a key of a pinned type, so a server
 * that gained a new key type (an OpenSSH upgrade) is not mistaken for a changed key. Undefined when nothing
 * is pinned (ssh2's defaults then choose).
 */
export function preferPinnedTypes(pinned: HostKey[]): Record<'remove' | 'prepend' | 'append', ServerHostKeyAlgorithm[]> | undefined {
  const algos = [...new Set(pinned.flatMap((k) => (k.type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [k.type])))];
  const usable = algos.filter((a): a is ServerHostKeyAlgorithm => (KNOWN_ALGOS as string[]).includes(a));
  // ssh2 applies the keys in order: `remove` then `prepend` moves the pinned types to the front.
  return usable.length ? { remove: usable, prepend: usable, append: [] } : undefined;
}
