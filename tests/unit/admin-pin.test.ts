import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src-shared/contract.ts';
import type { SecretStore } from '../../src-main/core/settings/secret-store.ts';
import { AdminPin, PIN_KEY } from '../../src-main/api/admin-pin.ts';

class MemoryStore implements SecretStore {
  readonly map = new Map<string, string>();
  async get(k: string) { return this.map.get(k); }
  async set(k: string, v: string) { this.map.set(k, v); }
  async delete(k: string) { this.map.delete(k); }
}

function clock() {
  let t = Date.parse('2026-11-20T13:00:00Z');
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

const code = (c: string) => (err: unknown) => err instanceof ApiError && err.code === c;

test('no PIN: not set, and every check passes', async () => {
  const pin = new AdminPin(new MemoryStore());
  assert.equal(await pin.isSet(), false);
  assert.equal(await pin.check(undefined), true);
});

test('set stores a salted scrypt hash, never the PIN; check is right only for the right PIN', async () => {
  const store = new MemoryStore();
  const pin = new AdminPin(store);
  await pin.set(undefined, '4821');
  assert.equal(await pin.isSet(), true);
  const raw = store.map.get(PIN_KEY)!;
  assert.doesNotMatch(raw, /4821/);
  const rec = JSON.parse(raw) as { salt: string; hash: string; N: number };
  assert.equal(Buffer.from(rec.hash, 'base64').length, 32);
  assert.equal(rec.N, 32768);
  assert.equal(await pin.check('4821'), true);
  assert.equal(await pin.check('4822'), false);
  assert.equal(await pin.check(undefined), false);
  assert.equal(await pin.check('48210'), false);

  const other = new MemoryStore();
  await new AdminPin(other).set(undefined, '4821');
  assert.notEqual(JSON.parse(other.map.get(PIN_KEY)!).salt, rec.salt, 'a fresh salt each time');
});

test('changing or removing the PIN needs the current one; the format is 4 to 12 digits', async () => {
  const store = new MemoryStore();
  const pin = new AdminPin(store);
  await assert.rejects(pin.set(undefined, '12a4'), code('bad-input'));
  await assert.rejects(pin.set(undefined, '123'), code('bad-input'));
  await pin.set(undefined, '1234');
  await assert.rejects(pin.set(undefined, '5678'), code('pin-required'));
  await assert.rejects(pin.set('0000', '5678'), code('pin-required'));
  await pin.set('1234', '567890');
  assert.equal(await pin.check('567890'), true);
  await pin.set('567890', '');
  assert.equal(await pin.isSet(), false);
  assert.equal(store.map.has(PIN_KEY), false);
});

test('five wrong PINs lock it for five minutes, even for the right one; then it works again', async () => {
  const c = clock();
  const pin = new AdminPin(new MemoryStore(), { now: c.now });
  await pin.set(undefined, '2468');
  for (let i = 0; i < 4; i++) assert.equal(await pin.check('0000'), false);
  assert.equal(await pin.check('2468'), true, 'a right PIN before the limit resets the count');
  for (let i = 0; i < 5; i++) assert.equal(await pin.check('0000'), false);
  await assert.rejects(pin.check('2468'), (err: unknown) => err instanceof ApiError && err.code === 'pin-required' && err.message === 'too many wrong PINs: try again in 5 min');
  await assert.rejects(pin.set('2468', '1111'), code('pin-required'));
  c.advance(4 * 60_000 + 1);
  await assert.rejects(pin.check('2468'), (err: unknown) => err instanceof ApiError && /try again in 1 min/.test(err.message));
  c.advance(60_000);
  assert.equal(await pin.check('2468'), true);
});

test('a damaged PIN record refuses instead of unlocking', async () => {
  const store = new MemoryStore();
  store.map.set(PIN_KEY, 'not json');
  const pin = new AdminPin(store);
  await assert.rejects(pin.check('1234'), (err: unknown) => err instanceof ApiError && err.code === 'failed' && /damaged/.test(err.message));
});
