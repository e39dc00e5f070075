// The optional admin PIN that guards Settings and restores into the live data. Stored as an scrypt hash with
// its own salt under "admin-pin" in the SecretStore; checked in constant time; five wrong tries lock it for
// five minutes. Tested in Node with an in-memory store and a fixed clock (tests/unit/electron-admin-pin.test.ts).
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../../src-shared/contract.ts';
import type { SecretStore } from '../core/settings/secret-store.ts';
import type { PinGuard } from './api-handlers.ts';

export const PIN_KEY = 'admin-pin';
const PIN_FORMAT = /^\d{4,12}$/;
// scrypt's recommended interactive cost (N=2^15, r=8, p=1): about 30-100 ms, 32 MiB, per check.
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KEY_LEN = 32;

interface StoredPin {
  v: 1;
  salt: string;
  hash: string;
  N: number;
  r: number;
  p: number;
}

export interface AdminPinOptions {
  now?: () => number;
  /** Wrong tries before a lock (default 5). */
  maxAttempts?: number;
  /** How long the lock lasts (default 5 min). */
  lockMs?: number;
}

/**
 * The admin PIN. `isSet()`; `check(pin)` is true only for the right PIN (no PIN set: always true, the
 * guard then lets everything through); `set(current, next)` sets, changes or (with an empty `next`) removes
 * it, and needs the current PIN when one is set. After `maxAttempts` wrong tries in a row, checks and
 * changes are refused for `lockMs` with an ApiError saying how long, even for the right PIN, so guessing
 * 10,000 four-digit PINs takes weeks. The attempt count lives in memory: a restart resets it, which is
 * acceptable for a desktop app that only its own user can restart.
 */
export class AdminPin implements PinGuard {
  private readonly store: SecretStore;
  private readonly now: () => number;
  private readonly maxAttempts: number;
  private readonly lockMs: number;
  private failures = 0;
  private lockedUntil = 0;
  /** Checks run one at a time: guesses sent in parallel must not all slip past the lockout. */
  private checking: Promise<unknown> = Promise.resolve();

  constructor(store: SecretStore, opts: AdminPinOptions = {}) {
    this.store = store;
    this.now = opts.now ?? Date.now;
    this.maxAttempts = opts.maxAttempts ?? 5;
    this.lockMs = opts.lockMs ?? 5 * 60_000;
  }

  async isSet(): Promise<boolean> {
    return (await this.load()) !== undefined;
  }

  check(pin: string | undefined): Promise<boolean> {
    const run = this.checking.then(() => this.checkNow(pin));
    this.checking = run.catch(() => {});
    return run;
  }

  private async checkNow(pin: string | undefined): Promise<boolean> {
    const stored = await this.load();
    if (!stored) return true;
    this.refuseWhileLocked();
    const ok = typeof pin === 'string' && PIN_FORMAT.test(pin) && (await matches(pin, stored));
    if (ok) {
      this.failures = 0;
      return true;
    }
    this.failures += 1;
    if (this.failures >= this.maxAttempts) {
      this.failures = 0;
      this.lockedUntil = this.now() + this.lockMs;
    }
    return false;
  }

  async set(current: string | undefined, next: string): Promise<void> {
    if (next !== '' && !PIN_FORMAT.test(next)) throw new ApiError({ code: 'bad-input', message: 'the PIN must be 4 to 12 digits', fields: [{ path: 'next', message: '4 to 12 digits' }] });
    if (await this.isSet()) {
      if (!(await this.check(current))) throw new ApiError({ code: 'pin-required', message: current ? 'wrong PIN: enter the current admin PIN to change it' : 'enter the current admin PIN to change it' });
    }
    if (next === '') {
      await this.store.delete(PIN_KEY);
      return;
    }
    const salt = randomBytes(16);
    const hash = await derive(next, salt, SCRYPT);
    const stored: StoredPin = { v: 1, salt: salt.toString('base64'), hash: hash.toString('base64'), N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p };
    await this.store.set(PIN_KEY, JSON.stringify(stored));
  }

  private refuseWhileLocked(): void {
    const left = this.lockedUntil - this.now();
    if (left > 0) {
      const minutes = Math.ceil(left / 60_000);
      throw new ApiError({ code: 'pin-required', message: `too many wrong PINs: try again in ${minutes} min` });
    }
  }

  private async load(): Promise<StoredPin | undefined> {
    const raw = await this.store.get(PIN_KEY);
    if (raw === undefined) return undefined;
    try {
      const s = JSON.parse(raw) as StoredPin;
      if (s.v === 1 && typeof s.salt === 'string' && typeof s.hash === 'string' && s.N > 1 && s.r > 0 && s.p > 0) return s;
    } catch {
      // fall through: a damaged PIN record must not silently unlock everything
    }
    throw new ApiError({ code: 'failed', message: 'the stored admin PIN is damaged: remove "admin-pin" from the secret store to set a new one' });
  }
}

async function matches(pin: string, stored: StoredPin): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64');
  const actual = await derive(pin, Buffer.from(stored.salt, 'base64'), { N: stored.N, r: stored.r, p: stored.p, maxmem: SCRYPT.maxmem }, expected.length);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function derive(pin: string, salt: Buffer, cost: { N: number; r: number; p: number; maxmem: number }, len = KEY_LEN): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(pin.normalize('NFKC'), salt, len, cost, (err, key) => (err ? reject(err) : resolve(key))));
}
