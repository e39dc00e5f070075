import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LifeboatError } from '../../src-main/core/errors.ts';
import { FileSecretStore } from '../../src-main/core/settings/secret-store.ts';
import { SAFE_SECRETS_FILE, SafeStorageSecretStore, openSecretStore, type Encryptor } from '../../src-main/electron/safe-storage-secrets.ts';

/** A real encryptor (AES-256-GCM, random IV, tag checked), standing in for the OS keychain in Node. */
function aesGcm(key = randomBytes(32), available = true): Encryptor & { key: Buffer } {
  return {
    key,
    isEncryptionAvailable: () => available,
    encryptString(s) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(s, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decryptString(b) {
      const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
      d.setAuthTag(b.subarray(12, 28));
      return Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

async function tmp(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lifeboat-safe-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

test('set/get/delete round-trip; the file holds only base64 ciphertexts, mode 0600', async (t) => {
  const dir = await tmp(t);
  const enc = aesGcm();
  const file = path.join(dir, 'data', SAFE_SECRETS_FILE);
  const store = new SafeStorageSecretStore(file, enc);
  assert.equal(await store.get('target:nas'), undefined);
  await store.set('target:nas', 'hunter2-very-secret');
  await store.set('smtp', 'mail-pass');
  assert.equal(await store.get('target:nas'), 'hunter2-very-secret');
  assert.equal(await new SafeStorageSecretStore(file, enc).get('smtp'), 'mail-pass', 'a new instance reads what was written');

  const raw = await fs.readFile(file, 'utf8');
  assert.doesNotMatch(raw, /hunter2|mail-pass/);
  const parsed = JSON.parse(raw) as { format: number; secrets: Record<string, string> };
  assert.equal(parsed.format, 1);
  assert.equal(enc.decryptString(Buffer.from(parsed.secrets['target:nas']!, 'base64')), 'hunter2-very-secret');
  assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
  assert.deepEqual((await fs.readdir(path.dirname(file))).sort(), [SAFE_SECRETS_FILE], 'no temp file left behind');

  await store.delete('target:nas');
  await store.delete('target:nas');
  assert.equal(await store.get('target:nas'), undefined);
  assert.equal(await store.get('smtp'), 'mail-pass');
});

test('concurrent sets are serialized: none is lost', async (t) => {
  const dir = await tmp(t);
  const store = new SafeStorageSecretStore(path.join(dir, SAFE_SECRETS_FILE), aesGcm());
  await Promise.all(Array.from({ length: 12 }, (_, i) => store.set(`k${i}`, `v${i}`)));
  for (let i = 0; i < 12; i++) assert.equal(await store.get(`k${i}`), `v${i}`);
});

test('an asynchronous encryptor (Electron 45 safeStorage *Async calls) works the same', async (t) => {
  const dir = await tmp(t);
  const sync = aesGcm();
  const asyncEnc: Encryptor = {
    isEncryptionAvailable: async () => true,
    encryptString: async (s) => sync.encryptString(s),
    decryptString: async (b) => sync.decryptString(b),
  };
  const store = new SafeStorageSecretStore(path.join(dir, SAFE_SECRETS_FILE), asyncEnc);
  await store.set('a', 'b');
  assert.equal(await store.get('a'), 'b');
});

test('a ciphertext this keychain cannot decrypt, and a foreign file, are clear errors', async (t) => {
  const dir = await tmp(t);
  const file = path.join(dir, SAFE_SECRETS_FILE);
  await new SafeStorageSecretStore(file, aesGcm()).set('target:nas', 'x');
  await assert.rejects(new SafeStorageSecretStore(file, aesGcm()).get('target:nas'), (err: unknown) =>
    err instanceof LifeboatError && err.code === 'corrupt' && /"target:nas".*cannot be decrypted.*enter that password again/.test(err.message));
  await fs.writeFile(file, '{"a":1}');
  await assert.rejects(new SafeStorageSecretStore(file, aesGcm()).get('x'), (err: unknown) => err instanceof LifeboatError && /not a Lifeboat secrets file/.test(err.message));
});

test('encryption unavailable at the time of a write: refused with a clear error, nothing written in clear', async (t) => {
  const dir = await tmp(t);
  const file = path.join(dir, SAFE_SECRETS_FILE);
  const store = new SafeStorageSecretStore(file, aesGcm(randomBytes(32), false));
  await assert.rejects(store.set('smtp', 'pw'), (err: unknown) => err instanceof LifeboatError && /system keychain is not available/.test(err.message));
  await assert.rejects(fs.stat(file), { code: 'ENOENT' });
});

test('openSecretStore: the keychain store when available, else the 0600 secrets.json with a warning', async (t) => {
  const dir = await tmp(t);
  const withKeychain = await openSecretStore(dir, aesGcm());
  assert.equal(withKeychain.protection, 'os-keychain');
  assert.ok(withKeychain.store instanceof SafeStorageSecretStore);
  assert.equal(withKeychain.warning, undefined);

  const without = await openSecretStore(dir, aesGcm(randomBytes(32), false));
  assert.equal(without.protection, 'file-0600');
  assert.ok(without.store instanceof FileSecretStore);
  assert.equal((without.store as FileSecretStore).file, path.join(dir, 'secrets.json'));
  assert.match(without.warning ?? '', /unencrypted in secrets.json/);
  await without.store.set('smtp', 'pw');
  assert.equal((await fs.stat(path.join(dir, 'secrets.json'))).mode & 0o777, 0o600);
});
