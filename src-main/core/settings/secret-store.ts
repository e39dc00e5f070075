import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileDurable } from '../util/durable-file.ts';
import { LifeboatError } from '../errors.ts';

/**
 * Where credentials live, never in settings.json, logs or --json output. Headless Lifeboat keeps them in a
 * 0600 file in the data dir (or the admin points a target at an environment variable instead, and nothing is
 * stored); the Electron app backs this interface with safeStorage (the OS keychain).
 */
export interface SecretStore {
  /** The secret stored under `key`, or undefined. */
  get(key: string): Promise<string | undefined>;
  /** Stores (or replaces) a secret durably. */
  set(key: string, value: string): Promise<void>;
  /** Forgets a secret; forgetting a missing one is fine. */
  delete(key: string): Promise<void>;
}

/**
 * secrets.json in the data dir, mode 0600 (only the user Lifeboat runs as can read it). Not encryption: on a
 * machine where someone else has that user's rights, nothing headless could keep a secret from them.
 */
export class FileSecretStore implements SecretStore {
  readonly file: string;
  constructor(file: string) {
    this.file = file;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.read())[key];
  }

  async set(key: string, value: string): Promise<void> {
    const all = await this.read();
    all[key] = value;
    await this.write(all);
  }

  async delete(key: string): Promise<void> {
    const all = await this.read();
    if (!(key in all)) return;
    delete all[key];
    await this.write(all);
  }

  private async read(): Promise<Record<string, string>> {
    let raw: string;
    try {
      raw = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    try {
      return JSON.parse(raw) as Record<string, string>;
    } catch {
      throw new LifeboatError('corrupt', `${this.file} is not valid JSON: fix or remove it, then add the targets' passwords again`);
    }
  }

  private async write(all: Record<string, string>): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    // Created 0600 from the first byte: the secrets are never readable by others, not even for a moment.
    await writeFileDurable(this.file, Buffer.from(JSON.stringify(all, null, 2) + '\n'), path.dirname(this.file), 0o600);
  }
}

/** The secret-store key of a target's password or secret key. */
export function targetSecretKey(name: string): string {
  return `target:${name}`;
}

/** The secret-store key of a database source's password. */
export function sourceSecretKey(name: string): string {
  return `source:${name}`;
}
