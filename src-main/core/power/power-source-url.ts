import { LifeboatError } from '../errors.ts';
import type { PowerSource } from './power-source.ts';
import { nutSource } from './nut-client.ts';
import { apcupsdSource } from './apcupsd-client.ts';

/**
 * The PowerSource for a UPS address: `nut://[USER[:PASS]@]HOST[:PORT]/UPSNAME` or `apcupsd://HOST[:PORT]`.
 * Throws LifeboatError('bad-input') for any other scheme or a malformed address; connects to nothing.
 */
export function powerSourceFromUrl(url: string): PowerSource {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url.trim())?.[1]?.toLowerCase();
  if (scheme === 'nut') return nutSource(url);
  if (scheme === 'apcupsd') return apcupsdSource(url);
  throw new LifeboatError('bad-input', `bad UPS address "${url.replace(/\/\/[^@/]*@/, '//***@')}": use nut://[USER[:PASS]@]HOST[:PORT]/UPSNAME or apcupsd://HOST[:PORT]`);
}

/**
 * Splits a UPS address into the address kept in settings.json (no password) and its password (for the secret
 * store). Addresses without a password come back unchanged.
 */
export function splitUpsPassword(url: string): { url: string; password?: string } {
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):([^@/]*)@(.*)$/i.exec(url.trim());
  if (!m) return { url: url.trim() };
  return { url: `${m[1]}@${m[3]}`, password: decodeURIComponent(m[2]!) };
}

/** The secret-store key of a UPS account's password. */
export function upsSecretKey(url: string): string {
  return `ups:${url}`;
}

/** The address with its stored password put back in (for the monitor), or unchanged when none is stored. */
export async function withUpsPassword(url: string, secrets: { get(key: string): Promise<string | undefined> }): Promise<string> {
  const password = await secrets.get(upsSecretKey(url));
  if (password === undefined || splitUpsPassword(url).password !== undefined) return url;
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*)@/i, (_, head: string) => `${head}:${encodeURIComponent(password)}@`);
}
