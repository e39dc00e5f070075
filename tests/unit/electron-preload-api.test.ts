import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CALLS } from '../../src-shared/contract.ts';
import { buildApi, unwrap, type RendererIpc } from '../../src-main/electron/preload-api.ts';

type Listener = (event: unknown, message: unknown) => void;

/** A stand-in for ipcRenderer: records invokes, answers with a scripted reply, and delivers events. */
function fakeIpc(reply: (channel: string, args: unknown) => unknown = () => ({ ok: true, value: 'v' })) {
  const invoked: Array<[string, unknown]> = [];
  const listeners = new Map<string, Set<Listener>>();
  const ipc: RendererIpc = {
    invoke: async (channel, ...args) => {
      invoked.push([channel, args[0]]);
      return reply(channel, args[0]);
    },
    on: (channel, l) => listeners.set(channel, (listeners.get(channel) ?? new Set()).add(l)),
    removeListener: (channel, l) => listeners.get(channel)?.delete(l),
  };
  const emit = (message: unknown) => {
    for (const l of listeners.get('lifeboat:event') ?? []) l({ sender: 'ipcRenderer itself' }, message);
  };
  return { ipc, invoked, listeners, emit };
}

test('window.lifeboat has exactly the contract verbs plus subscribe (and no ipcRenderer)', () => {
  const api = buildApi(fakeIpc().ipc);
  assert.deepEqual(Object.keys(api).sort(), [...Object.keys(CALLS), 'subscribe'].sort());
  for (const v of Object.values(api)) assert.equal(typeof v, 'function');
});

test('each verb invokes lifeboat:<name> with its arguments and resolves with the value', async () => {
  const f = fakeIpc((channel) => ({ ok: true, value: { channel } }));
  const api = buildApi(f.ipc);
  assert.deepEqual(await api.backupNow({ source: 'office' }), { channel: 'lifeboat:backupNow' });
  assert.deepEqual(await api.getStatus({}), { channel: 'lifeboat:getStatus' });
  assert.deepEqual(f.invoked, [['lifeboat:backupNow', { source: 'office' }], ['lifeboat:getStatus', {}]]);
});

test('{ok:false} rejects with the error body as a plain object that survives contextBridge', async () => {
  const f = fakeIpc(() => ({ ok: false, error: { code: 'bad-input', message: 'source: use letters', fields: [{ path: 'source', message: 'use letters' }] } }));
  const api = buildApi(f.ipc);
  await assert.rejects(api.listSnapshots({ source: '!' }), (err: unknown) => {
    assert.ok(!(err instanceof Error), 'an Error would lose code and fields crossing the bridge');
    assert.deepEqual(err, { name: 'ApiError', code: 'bad-input', message: 'source: use letters', fields: [{ path: 'source', message: 'use letters' }] });
    return true;
  });
  assert.throws(() => unwrap('garbage'), (err: unknown) => (err as { code: string }).code === 'failed');
  assert.throws(() => unwrap({ ok: false }), (err: unknown) => (err as { code: string; message: string }).message === 'the call failed');
});

test('subscribe hands over only the payload of its own event, and unsubscribes once', () => {
  const f = fakeIpc();
  const api = buildApi(f.ipc);
  const got: unknown[] = [];
  const off = api.subscribe('progress', (p) => got.push(p));
  f.emit({ event: 'status', payload: { s: 1 } });
  f.emit({ event: 'progress', payload: { jobId: 1, kind: 'backup', phase: 'x', done: 1, total: 2 } });
  f.emit(null);
  f.emit('progress');
  assert.deepEqual(got, [{ jobId: 1, kind: 'backup', phase: 'x', done: 1, total: 2 }]);
  assert.equal(f.listeners.get('lifeboat:event')?.size, 1);
  off();
  off();
  assert.equal(f.listeners.get('lifeboat:event')?.size, 0);
  f.emit({ event: 'progress', payload: {} });
  assert.equal(got.length, 1);
  assert.throws(() => api.subscribe('nope' as 'status', () => {}), (err: unknown) => (err as { code: string }).code === 'bad-input');
});
