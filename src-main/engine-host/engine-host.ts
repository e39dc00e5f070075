import { Agent } from '../agent/agent.ts';
import type { Logger } from '../agent/logger.ts';
import { createHandlers, type Handlers } from '../api/api-handlers.ts';
import { apiDeps } from '../api/api-deps.ts';
import { toApiError } from '../api/api-errors.ts';
import { parseArgs, type CallName } from '../../src-shared/contract.ts';
import type { SecretStore } from '../core/settings/secret-store.ts';
import type { PowerReading } from '../core/power/power-state.ts';
import type { RpcPeer } from './rpc-peer.ts';

/** What the app asks of the engine process, and what the engine asks back (secrets and the passphrase live with the app). */
export interface StartParams { dataDir: string; remoteSecrets: boolean }

/**
 * Serves the engine (the same Agent as `lifeboat agent`) to the desktop app over a message channel, so that
 * long synchronous work (SQLite's one-step backup, a live restore: seconds at a time, measured by the
 * bench's main-thread step) never freezes the tray or the windows. Requests: start, call, power, shutdown,
 * catchUp, stop. Notices sent: status, progress, notice. Resolves `stopped` after a clean stop.
 */
export function serveEngine(peer: RpcPeer, log: Logger): { stopped: Promise<void>; stop: () => Promise<void> } {
  let agent: Agent | undefined;
  let handlers: Handlers | undefined;
  let statusTimer: NodeJS.Timeout | undefined;
  let markStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  const need = () => {
    if (!agent || !handlers) throw Object.assign(new Error('the engine is not started yet'), { code: 'busy' });
    return { agent, handlers };
  };
  const sendStatus = () => {
    if (statusTimer) return;
    statusTimer = setTimeout(() => {
      statusTimer = undefined;
      if (handlers) void handlers.getStatus({}).then((s) => peer.notify('status', s), (err: Error) => log.error({ event: 'status-error', error: err.message }, 'cannot build the status'));
    }, 250);
  };

  peer.handle<StartParams, { pid: number }>('start', async (p) => {
    if (agent) return { pid: process.pid };
    const secrets: SecretStore | undefined = p.remoteSecrets ? {
      get: (key) => peer.request<string | undefined>('secret.get', { key }),
      set: (key, value) => peer.request<void>('secret.set', { key, value }),
      delete: (key) => peer.request<void>('secret.delete', { key }),
    } : undefined;
    agent = await Agent.start({ dataDir: p.dataDir, passphrase: () => peer.request<string>('passphrase'), log, ...(secrets ? { secrets } : {}) });
    handlers = createHandlers(agent, await apiDeps(agent));
    agent.events.on('status', sendStatus);
    agent.events.on('progress', (x) => peer.notify('progress', x));
    agent.events.on('notice', (n) => peer.notify('notice', n));
    sendStatus();
    return { pid: process.pid };
  });

  peer.handle<{ name: CallName; args: unknown }, unknown>('call', async ({ name, args }) => {
    const h = need().handlers;
    try {
      // Validated again here: the app validated already, but this process trusts no caller.
      return await (h[name] as (a: unknown) => Promise<unknown>)(parseArgs(name, args));
    } catch (err) {
      throw Object.assign(new Error(''), toApiError(err));
    }
  });
  peer.handle<Omit<PowerReading, 'at'> & { time: string }, void>('power', ({ time, ...r }) => need().agent.pushPowerReading({ ...r, at: time }));
  peer.handle<{ timeBoxMs: number }, unknown>('shutdown', ({ timeBoxMs }) => need().agent.shutdownSnapshot(timeBoxMs));
  peer.handle<unknown, void>('catchUp', () => need().agent.catchUp());
  const stop = async () => {
    clearTimeout(statusTimer);
    const a = agent;
    agent = undefined;
    handlers = undefined;
    await a?.stop();
    markStopped();
  };
  peer.handle<unknown, void>('stop', stop);
  return { stopped, stop };
}
