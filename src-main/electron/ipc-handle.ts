// The one place Electron IPC calls enter the main process. Every call of the contract gets a handler on
// 'lifeboat:<name>' that checks who is calling, validates the arguments, runs the handler and answers with a
// result envelope: Electron's invoke() would otherwise flatten a thrown error into a string, losing its code
// and fields. Typed against small structural interfaces so the wrapper is unit-tested in Node without Electron.
import { ApiError, CALLS, parseArgs, type ApiErrorBody, type CallName, type CallResult } from '../../src-shared/contract.ts';
import { toApiError } from '../api/api-errors.ts';
import { LifeboatError } from '../core/errors.ts';
import type { Handlers } from '../api/api-handlers.ts';
import { isAllowedNavigation } from './window-security.ts';

export type { Handlers };

/** What crosses the channel: a value, or the contract's error body (never a stack trace). */
export type IpcEnvelope<T = unknown> = { ok: true; value: T } | { ok: false; error: ApiErrorBody };

export const CHANNEL_PREFIX = 'lifeboat:';
/** The one channel events from main travel on: `{ event, payload }`. */
export const EVENT_CHANNEL = 'lifeboat:event';

/** The part of a WebFrameMain the sender check reads. */
export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
  /** With routingId, identifies a frame even when Electron hands out a new WebFrameMain object for it. */
  readonly processId?: number;
  readonly routingId?: number;
}

/** The part of IpcMainInvokeEvent we read. */
export interface InvokeEventLike {
  readonly senderFrame: FrameLike | null;
}

/** The part of ipcMain we use (Electron's ipcMain fits it). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/**
 * Registers one handler per call in CALLS on 'lifeboat:<name>'. For each invocation, in this order:
 * 1. `isOurSender(event.senderFrame)` must say yes, else the answer is a 'forbidden' error (the handler and the
 *    argument parser never see a call from a frame that is not ours: an iframe, a navigated-away page).
 * 2. The first argument is parsed with the contract's schema; malformed → 'bad-input' with the fields.
 * 3. The handler runs; what it throws becomes the contract's error body (toApiError), never a stack.
 * Returns a function that removes every handler (for tests and for a clean quit). Calling it twice is fine.
 * `onError` sees unexpected errors (not ApiError or LifeboatError) with their stack, for the log.
 */
export function registerHandlers(ipcMain: IpcMainLike, handlers: Handlers, isOurSender: (frame: FrameLike | null) => boolean, onError?: (call: CallName, err: unknown) => void): () => void {
  const names = Object.keys(CALLS) as CallName[];
  for (const name of names) {
    ipcMain.handle(CHANNEL_PREFIX + name, async (event, ...args) => invoke(name, event, args[0], handlers, isOurSender, onError));
  }
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    for (const name of names) ipcMain.removeHandler(CHANNEL_PREFIX + name);
  };
}

async function invoke<K extends CallName>(name: K, event: InvokeEventLike, raw: unknown, handlers: Handlers, isOurSender: (frame: FrameLike | null) => boolean, onError?: (call: CallName, err: unknown) => void): Promise<IpcEnvelope<CallResult<K>>> {
  try {
    if (!isOurSender(event.senderFrame)) throw new ApiError({ code: 'forbidden', message: 'this window is not allowed to talk to Lifeboat' });
    const args = parseArgs(name, raw);
    const handler = handlers[name] as (a: typeof args) => Promise<CallResult<K>>;
    return { ok: true, value: await handler(args) };
  } catch (err) {
    // ApiErrors and LifeboatErrors are answers for the user; anything else is a bug worth its stack in the log.
    if (!(err instanceof ApiError) && !(err instanceof LifeboatError)) onError?.(name, err);
    return { ok: false, error: toApiError(err) };
  }
}

/**
 * The sender check main.ts uses: the frame must be the main frame (no parent) of one of our windows, showing
 * a page of our app origin. `mainFrames` is asked at each call, so a closed window's frame stops counting.
 */
export function senderCheck(mainFrames: () => readonly FrameLike[], appOrigin: string): (frame: FrameLike | null) => boolean {
  return (frame) => {
    if (!frame || frame.parent !== null) return false;
    if (!mainFrames().some((ours) => sameFrame(ours, frame))) return false;
    return isAllowedNavigation(frame.url, appOrigin);
  };
}

function sameFrame(a: FrameLike, b: FrameLike): boolean {
  if (a === b) return true;
  return typeof a.processId === 'number' && typeof a.routingId === 'number' && a.processId === b.processId && a.routingId === b.routingId;
}
