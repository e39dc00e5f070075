import crypto from 'node:crypto';
import { LifeboatError } from '../errors.ts';

/**
 * The keys of an encrypted repository. A random 64-byte master secret is split into an AES-256-GCM key for
 * content and an HMAC-SHA256 key for blob ids (so ids do not reveal content hashes). The master secret is
 * stored only wrapped by a key derived from the passphrase with scrypt; changing the passphrase rewraps it.
 */
export interface RepoKeys {
  encKey: Buffer;
  idKey: Buffer;
}

export interface WrappedKey {
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  cipher: 'aes-256-gcm';
  /** base64 of nonce(12) | ciphertext(64) | tag(16) */
  wrapped: string;
}

// N = 2^15, r = 8: about 32 MiB and 0.1 s here; slow enough to hurt guessing, fast enough for every CLI call.
const KDF = { N: 1 << 15, r: 8, p: 1 };

function derive(passphrase: string, kdf: WrappedKey['kdf']): Buffer {
  return crypto.scryptSync(passphrase.normalize('NFC'), Buffer.from(kdf.salt, 'base64'), 32, {
    N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r,
  });
}

/** Creates fresh keys and their passphrase-wrapped form. */
export function createKeys(passphrase: string): { keys: RepoKeys; wrapped: WrappedKey } {
  if (passphrase.length === 0) throw new LifeboatError('bad-input', 'the passphrase must not be empty');
  const master = crypto.randomBytes(64);
  return { keys: split(master), wrapped: wrapMaster(master, passphrase) };
}

function wrapMaster(master: Buffer, passphrase: string): WrappedKey {
  const kdf = { name: 'scrypt' as const, ...KDF, salt: crypto.randomBytes(16).toString('base64') };
  const kek = derive(passphrase, kdf);
  const nonce = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', kek, nonce);
  const body = Buffer.concat([c.update(master), c.final()]);
  return { kdf, cipher: 'aes-256-gcm', wrapped: Buffer.concat([nonce, body, c.getAuthTag()]).toString('base64') };
}

/** Unwraps the keys; throws a 'wrong-passphrase' LifeboatError when the passphrase does not open them. */
export function unwrapKeys(wrapped: WrappedKey, passphrase: string): RepoKeys {
  const raw = Buffer.from(wrapped.wrapped, 'base64');
  if (raw.length !== 12 + 64 + 16) throw new LifeboatError('corrupt', 'the repository key in lifeboat-repo.json is damaged');
  const kek = derive(passphrase, wrapped.kdf);
  const d = crypto.createDecipheriv('aes-256-gcm', kek, raw.subarray(0, 12));
  d.setAuthTag(raw.subarray(76));
  try {
    return split(Buffer.concat([d.update(raw.subarray(12, 76)), d.final()]));
  } catch {
    throw new LifeboatError('wrong-passphrase', 'wrong passphrase: it does not open this repository');
  }
}

/** Rewraps the same keys under a new passphrase (the repository's data is untouched). */
export function rewrapKeys(keys: RepoKeys, newPassphrase: string): WrappedKey {
  return wrapMaster(Buffer.concat([keys.encKey, keys.idKey]), newPassphrase);
}

function split(master: Buffer): RepoKeys {
  return { encKey: master.subarray(0, 32), idKey: master.subarray(32, 64) };
}
