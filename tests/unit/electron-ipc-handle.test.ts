import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, CALLS, type CallName } from '../../src-shared/contract.ts';
import { LifeboatError } from '../../src-main/core/errors.ts';
import { registerHandlers, senderCheck, type FrameLike, type Handlers, type InvokeEventLike, type IpcMainLike } from '../../src-main/electron/ipc-handle.ts';

/** A stand-in for ipcMain that keeps the registered listeners, so the test can invoke them as Electron would. */
class FakeIpcMain implements IpcMainLike {
  readonly listeners = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void {
    if (this.listeners.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.listeners.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.listeners.delete(channel);
  }
  invoke(channel: string, frame: FrameLike | null, ...args: unknown[]): Promise<unknown> {
    const l = this.listeners.get(channel);
    if (!l) throw new Error(`No handler registered for '${channel}'`);
    return l({ senderFrame: frame }, ...args);
  }
}

const ours: FrameLike = { url: 'app://lifeboat/index.html#/status', parent: null };
const child: FrameLike = { url: 'app://lifeboat/index.html', parent: ours };
const stranger: FrameLike = { url: 'app://lifeboat/index.html', parent: null }; // right URL, not one of our windows
const navigatedAway: FrameLike = { url: 'https://evil.example/', parent: null };

function setup(overrides: Partial<Record<CallName, (args: unknown) => Promise<unknown>>> = {}) {
  const calls: Array<[CallName, unknown]> = [];
  const handlers = Object.fromEntries((Object.keys(CALLS) as CallName[]).map((name) => [name, async (args: unknown) => {
    calls.push([name, args]);
    return overrides[name] ? overrides[name](args) : { ok: true };
  }])) as unknown as Handlers;
  const ipc = new FakeIpcMain();
  const errors: Array<[CallName, unknown]> = [];
  const frames = [ours, navigatedAway];
  const dispose = registerHandlers(ipc, handlers, senderCheck(() => frames, 'app://lifeboat'), (call, err) => errors.push([call, err]));
  return { ipc, calls, errors, dispose };
}

test('registerHandlers: one channel per contract call, "lifeboat:<name>", and dispose removes them all', () => {
  const { ipc, dispose } = setup();
  assert.deepEqual([...ipc.listeners.keys()].sort(), Object.keys(CALLS).map((n) => `lifeboat:${n}`).sort());
  dispose();
  assert.equal(ipc.listeners.size, 0);
  dispose();
});

test('a call from a frame that is not our window main frame is refused before anything runs', async () => {
  const { ipc, calls } = setup();
  for (const frame of [null, child, stranger, navigatedAway]) {
    const r = await ipc.invoke('lifeboat:backupNow', frame, {});
    assert.deepEqual(r, { ok: false, error: { code: 'forbidden', message: 'this window is not allowed to talk to Lifeboat' } }, JSON.stringify(frame));
  }
  // Even malformed arguments from a stranger get "forbidden", not a description of what is wrong with them.
  assert.equal(((await ipc.invoke('lifeboat:restore', stranger, { nope: 1 })) as { error: { code: string } }).error.code, 'forbidden');
  assert.deepEqual(calls, []);
});

test('malformed arguments are refused with the fields, and the handler is not called', async () => {
  const { ipc, calls } = setup();
  const r = await ipc.invoke('lifeboat:listSnapshots', ours, { source: '../etc', extra: true }) as { ok: false; error: { code: string; fields: Array<{ path: string }> } };
  assert.equal(r.ok, false);
  assert.equal(r.error.code, 'bad-input');
  assert.deepEqual(r.error.fields.map((f) => f.path).sort(), ['', 'source'].sort());
  const pause = await ipc.invoke('lifeboat:pause', ours, { minutes: 0 }) as { error: { code: string; fields: Array<{ path: string }> } };
  assert.equal(pause.error.code, 'bad-input');
  assert.deepEqual(pause.error.fields.map((f) => f.path), ['minutes']);
  assert.deepEqual(calls, []);
});

test('a valid call goes through with the parsed arguments and its value comes back', async () => {
  const { ipc, calls } = setup({ backupNow: async () => ({ jobId: 42 }) });
  assert.deepEqual(await ipc.invoke('lifeboat:backupNow', ours, { source: 'office' }), { ok: true, value: { jobId: 42 } });
  assert.deepEqual(await ipc.invoke('lifeboat:getStatus', ours), { ok: true, value: { ok: true } }, 'no argument counts as {}');
  assert.deepEqual(calls, [['backupNow', { source: 'office' }], ['getStatus', {}]]);
});

test('a handler that throws becomes a typed error body, without a stack', async () => {
  const { ipc, errors } = setup({
    restore: async () => {
      throw new LifeboatError('not-found', 'no snapshot "abc" of office');
    },
    saveSettings: async () => {
      throw new ApiError({ code: 'pin-required', message: 'changing settings needs the admin PIN' });
    },
    verify: async () => {
      throw new TypeError('cannot read properties of undefined');
    },
  });
  const notFound = await ipc.invoke('lifeboat:restore', ours, { ref: 'abc', source: 'office' });
  assert.deepEqual(notFound, { ok: false, error: { code: 'not-found', message: 'no snapshot "abc" of office' } });
  const pin = await ipc.invoke('lifeboat:saveSettings', ours, { patch: {} });
  assert.deepEqual(pin, { ok: false, error: { code: 'pin-required', message: 'changing settings needs the admin PIN' } });
  const bug = await ipc.invoke('lifeboat:verify', ours, {});
  assert.deepEqual(bug, { ok: false, error: { code: 'failed', message: 'cannot read properties of undefined' } });
  for (const r of [notFound, pin, bug]) assert.doesNotMatch(JSON.stringify(r), /stack|\bat .*\.ts:\d+/);
  assert.equal(errors.length, 1, 'only the unexpected error is reported for the log');
  assert.equal(errors[0]![0], 'verify');
});

test('senderCheck: a closed window stops counting; our origin is parsed, not prefix-matched', () => {
  let frames: FrameLike[] = [ours];
  const check = senderCheck(() => frames, 'app://lifeboat');
  assert.equal(check(ours), true);
  frames = [];
  assert.equal(check(ours), false);
  const withIds: FrameLike = { url: 'app://lifeboat/index.html', parent: null, processId: 4, routingId: 1 };
  frames = [withIds];
  assert.equal(check({ ...withIds }), true, 'the same frame seen through another object (same process and routing id)');
  assert.equal(check({ ...withIds, routingId: 2 }), false);
  assert.equal(check({ url: 'app://lifeboat/index.html', parent: null }), false, 'no ids: only the very object counts');
  const look: FrameLike = { url: 'app://lifeboat.evil/index.html', parent: null };
  assert.equal(senderCheck(() => [look], 'app://lifeboat')(look), false);
});
