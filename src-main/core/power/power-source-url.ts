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
