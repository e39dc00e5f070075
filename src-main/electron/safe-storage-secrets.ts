// The desktop app's SecretStore: each secret encrypted by the OS (Electron's safeStorage: Keychain on macOS,
// DPAPI on Windows, libsecret/kwallet on Linux), stored base64 in a 0600 JSON file in the data dir. The
// encryptor is injected, so this is tested in Node with a real AES-GCM one (tests/unit/electron-safe-storage-secrets.test.ts).
import fs from 'node:fs/promises';
import path from 'node:path';
import { LifeboatError } from '../core/errors.ts';
import { FileSecretStore, type SecretStore } from '../core/settings/secret-store.ts';
import { writeFileDurable } from '../core/util/durable-file.ts';

/**
 * What safeStorage offers. Either the synchronous calls (the brief's shape, and what tests use) or the
 * asynchronous ones Electron 45 recommends (the sync API is deprecated there and announced for removal), so
 * both fit: each method may return a value or a promise.
 */
export interface Encryptor {
  isEncryptionAvailable(): boolean | Promise<boolean>;
  encryptString(plain: string): Buffer | Promise<Buffer>;
  decryptString(encrypted: Buffer): string | Promise<string>;
}

export const SAFE_SECRETS_FILE = 'secrets.safe.json';
const FORMAT = 1;

interface SafeFile {
  format: number;
  /** key → base64 of safeStorage's ciphertext. */
  secrets: Record<string, string>;
}

/**
 * A SecretStore whose values are encrypted with `encryptor` before they touch the disk. The file holds only
 * ciphertexts; it is written durably (temp, fsync, rename) with mode 0600. Writes are serialized, so two
 * concurrent set() calls never lose one another. Errors: a file that is not ours or a ciphertext the OS can
 * no longer decrypt (another user, another machine, a reset keychain) is a LifeboatError naming the file and
 * what to do; encryption being unavailable at the time of a call is one too (never a silent plain write).
 */
export class SafeStorageSecretStore implements SecretStore {
  readonly file: string;
  private readonly enc: Encryptor;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(file: string, encryptor: Encryptor) {
    this.file = file;
    this.enc = encryptor;
  }

  async get(key: string): Promise<string | undefined> {
    await this.chain.catch(() => {});
    const b64 = (await this.read()).secrets[key];
    if (b64 === undefined) return undefined;
    await this.ensureAvailable();
    try {
      return await this.enc.decryptString(Buffer.from(b64, 'base64'));
    } catch {
      throw new LifeboatError('corrupt', `the stored secret "${key}" in ${this.file} cannot be decrypted by this user's keychain: enter that password again`);
    }
  }

  set(key: string, value: string): Promise<void> {
    return this.serialize(async () => {
      await this.ensureAvailable();
      const cipher = await this.enc.encryptString(value);
      const all = await this.read();
      all.secrets[key] = Buffer.from(cipher).toString('base64');
      await this.write(all);
    });
  }

  delete(key: string): Promise<void> {
    return this.serialize(async () => {
      const all = await this.read();
      if (!(key in all.secrets)) return;
      delete all.secrets[key];
      await this.write(all);
    });
  }

  private serialize(fn: () => Promise<void>): Promise<void> {
    const run = this.chain.catch(() => {}).then(fn);
    this.chain = run;
    return run;
  }

  private async ensureAvailable(): Promise<void> {
    if (!(await this.enc.isEncryptionAvailable())) {
      throw new LifeboatError('failed', 'the system keychain is not available, so Lifeboat cannot store passwords encrypted right now');
    }
  }

  private async read(): Promise<SafeFile> {
    let raw: string;
    try {
      raw = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { format: FORMAT, secrets: {} };
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const f = parsed as Partial<SafeFile> | undefined;
    if (!f || f.format !== FORMAT || typeof f.secrets !== 'object' || f.secrets === null || Object.values(f.secrets).some((v) => typeof v !== 'string')) {
      throw new LifeboatError('corrupt', `${this.file} is not a Lifeboat secrets file: move it away, then enter the passwords again`);
    }
    return { format: FORMAT, secrets: { ...f.secrets } };
  }

  private async write(all: SafeFile): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    await writeFileDurable(this.file, Buffer.from(JSON.stringify(all, null, 2) + '\n'), path.dirname(this.file), 0o600);
  }
}

export type SecretProtection = 'os-keychain' | 'file-0600';

/**
 * Picks the desktop app's secret store. With OS encryption: SafeStorageSecretStore in secrets.safe.json.
 * Without (Linux with no keyring, where safeStorage would only use a hard-coded key, "basic_text"): the same
 * 0600 secrets.json the headless agent uses, and a warning to log and show. We fall back rather than refuse
 * because refusing would leave an office unable to back up offsite at all, while the 0600 file is exactly
 * what the headless agent already relies on; the UI must say the passwords are not encrypted.
 */
export async function openSecretStore(dataDir: string, encryptor: Encryptor): Promise<{ store: SecretStore; protection: SecretProtection; warning?: string }> {
  if (await encryptor.isEncryptionAvailable()) {
    return { store: new SafeStorageSecretStore(path.join(dataDir, SAFE_SECRETS_FILE), encryptor), protection: 'os-keychain' };
  }
  return {
    store: new FileSecretStore(path.join(dataDir, 'secrets.json')),
    protection: 'file-0600',
    warning: 'No system keychain found: passwords are stored unencrypted in secrets.json, readable only by this user account. Install a keyring (GNOME Keyring or KWallet) to encrypt them.',
  };
}
