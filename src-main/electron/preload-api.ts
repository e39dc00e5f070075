// The object the preload exposes as window.lifeboat, built from an injected invoke/on/off so it is tested in
// Node (tests/unit/electron-preload-api.test.ts). Type-only imports from the contract: the sandboxed preload is
// bundled into one small file, without zod.
import type { ApiErrorBody, CallArgs, CallName, CallResult, EventName, EventPayload, LifeboatApi } from '../../src-shared/contract.ts';

/** The part of ipcRenderer the API uses; the real ipcRenderer never leaves the preload. */
export interface RendererIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, message: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, message: unknown) => void): unknown;
}

/**
 * What a failed call rejects with: the contract's error body as a plain object (name 'ApiError'). Not an
 * Error instance on purpose: contextBridge copies only the message of an Error into the page, dropping
 * `code` and `fields`, while a plain object crosses whole; the renderer's toUiError turns it back into the
 * contract's ApiError class.
 */
export type BridgedApiError = ApiErrorBody & { name: 'ApiError' };

const EVENTS: readonly EventName[] = ['status', 'progress', 'notice'];
const EVENT_CHANNEL = 'lifeboat:event';

/** Turns main's envelope into a value, or a rejection with the error body (BridgedApiError). */
export function unwrap<T>(reply: unknown): T {
  if (reply && typeof reply === 'object' && 'ok' in reply) {
    const r = reply as { ok: boolean; value?: unknown; error?: ApiErrorBody };
    if (r.ok) return r.value as T;
    const e = r.error;
    const body: BridgedApiError = { name: 'ApiError', code: e?.code ?? 'failed', message: e?.message ?? 'the call failed' };
    if (e?.fields) body.fields = e.fields.map((f) => ({ path: f.path, message: f.message }));
    throw body;
  }
  throw { name: 'ApiError', code: 'failed', message: 'Lifeboat answered in a way this window does not understand' } satisfies BridgedApiError;
}

/**
 * window.lifeboat: exactly the contract's verbs, each one `invoke('lifeboat:<name>', args)` unwrapped, and
 * `subscribe(event, listener)`, which hands the listener only the payload (never the IPC event, whose
 * `sender` is ipcRenderer itself) and returns its unsubscribe function (safe to call twice).
 */
export function buildApi(ipc: RendererIpc) {
  const call = async <K extends CallName>(name: K, args: CallArgs<K>): Promise<CallResult<K>> =>
    unwrap<CallResult<K>>(await ipc.invoke(`lifeboat:${name}`, args ?? {}));

  return {
    getStatus: (a) => call('getStatus', a),
    listSnapshots: (a) => call('listSnapshots', a),
    backupNow: (a) => call('backupNow', a),
    restore: (a) => call('restore', a),
    verify: (a) => call('verify', a),
    getHistory: (a) => call('getHistory', a),
    getSettings: (a) => call('getSettings', a),
    getSchedules: (a) => call('getSchedules', a),
    saveSettings: (a) => call('saveSettings', a),
    checkSchedule: (a) => call('checkSchedule', a),
    previewRetention: (a) => call('previewRetention', a),
    addSource: (a) => call('addSource', a),
    removeSource: (a) => call('removeSource', a),
    listDrives: (a) => call('listDrives', a),
    adoptDrive: (a) => call('adoptDrive', a),
    forgetDrive: (a) => call('forgetDrive', a),
    addTarget: (a) => call('addTarget', a),
    removeTarget: (a) => call('removeTarget', a),
    testTarget: (a) => call('testTarget', a),
    testEmail: (a) => call('testEmail', a),
    setPassphrase: (a) => call('setPassphrase', a),
    setPin: (a) => call('setPin', a),
    pause: (a) => call('pause', a),
    resume: (a) => call('resume', a),
    subscribe<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      if (!EVENTS.includes(event)) throw { name: 'ApiError', code: 'bad-input', message: `unknown event ${String(event)}` } satisfies BridgedApiError;
      const onMessage = (_e: unknown, message: unknown) => {
        const m = message as { event?: unknown; payload?: unknown } | null;
        if (m && m.event === event) listener(m.payload as EventPayload<E>);
      };
      ipc.on(EVENT_CHANNEL, onMessage);
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        ipc.removeListener(EVENT_CHANNEL, onMessage);
      };
    },
  } satisfies LifeboatApi;
}
