import { EventEmitter } from 'node:events';
import { ApiError, CALLS, type CallName, type ErrorCode, type EventName, type EventPayload } from '../../src-shared/contract.ts';
import type { Handlers } from '../api/api-handlers.ts';
import type { SecretStore } from '../core/settings/secret-store.ts';
import { RemoteError, RpcPeer, type PortLike } from './rpc-peer.ts';
import type { StartParams } from './engine-host.ts';

type Events = { [E in EventName]: [EventPayload<E>] };

/**
 * The app's side of the engine process: the contract's calls as `handlers` (the same type the dashboard
 * and IPC use), its events, and the power hooks. Secrets and the passphrase are answered from this side,
 * where the OS keychain is. A call fails with the contract's ApiError, whatever crossed the channel.
 */
export class EngineClient {
  readonly events = new EventEmitter<Events>();
  readonly handlers: Handlers;
  private readonly peer: RpcPeer;

  constructor(port: PortLike, opts: { secrets?: SecretStore; passphrase: () => Promise<string> }) {
    this.peer = new RpcPeer(port);
    const secrets = opts.secrets;
    if (secrets) {
      this.peer.handle<{ key: string }, string | undefined>('secret.get', ({ key }) => secrets.get(key));
      this.peer.handle<{ key: string; value: string }, void>('secret.set', ({ key, value }) => secrets.set(key, value));
      this.peer.handle<{ key: string }, void>('secret.delete', ({ key }) => secrets.delete(key));
    }
    this.peer.handle('passphrase', () => opts.passphrase());
    for (const e of ['status', 'progress', 'notice'] as const) this.peer.on(e, (p: never) => this.events.emit(e, p));
    const call = (name: CallName) => async (args: unknown) => {
      try {
        return await this.peer.request('call', { name, args });
      } catch (err) {
        const r = err as RemoteError;
        throw new ApiError({ code: (r.code as ErrorCode | undefined) ?? 'failed', message: r.message, ...(Array.isArray(r.fields) ? { fields: r.fields as Array<{ path: string; message: string }> } : {}) });
      }
    };
    this.handlers = Object.fromEntries(Object.keys(CALLS).map((n) => [n, call(n as CallName)])) as unknown as Handlers;
  }

  start(p: StartParams): Promise<{ pid: number }> {
    return this.peer.request('start', p);
  }

  pushPowerReading(r: { source: string; level: 'online' | 'on-battery' | 'low-battery' | 'unknown'; charge?: number; detail?: string; time: string }): void {
    void this.peer.request('power', r).catch(() => {});
  }

  shutdownSnapshot(timeBoxMs: number): Promise<{ ok: boolean; timedOut: boolean; snapshots: number }> {
    return this.peer.request('shutdown', { timeBoxMs });
  }

  catchUp(): void {
    void this.peer.request('catchUp').catch(() => {});
  }

  /** Stops the engine safely (a running job finishes first). */
  stop(): Promise<void> {
    return this.peer.request('stop');
  }

  /** The process is gone: pending calls fail with `reason`. */
  closed(reason: string): void {
    this.peer.close(reason);
  }
}
