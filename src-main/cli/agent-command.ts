import { parseArgs } from 'node:util';
import { Agent } from '../agent/agent.ts';
import { createLogger } from '../agent/logger.ts';
import { LifeboatError } from '../core/errors.ts';
import { passphraseSource } from './passphrase.ts';
import { startDashboard, type RunningDashboard } from '../dashboard/dashboard-start.ts';

/**
 * `lifeboat agent [--dashboard [--dashboard-host H] [--dashboard-port N]]`: runs until SIGTERM or SIGINT, then
 * stops safely (the running job finishes first). Logs are JSON lines on stdout; with --dashboard one of them
 * (event "dashboard") carries the dashboard's address with its token. Resolves with the exit code. Signal
 * handlers are installed before the agent starts, so a signal during start-up also ends in a clean stop.
 */
export async function runAgent(dataDir: string, args: string[]): Promise<number> {
  let values: { dashboard?: boolean; 'dashboard-host'?: string; 'dashboard-port'?: string };
  try {
    ({ values } = parseArgs({ args, options: { dashboard: { type: 'boolean' }, 'dashboard-host': { type: 'string' }, 'dashboard-port': { type: 'string' } }, allowPositionals: false, strict: true }));
  } catch (e) {
    process.stderr.write(`lifeboat: ${(e as Error).message}\nusage: lifeboat agent [--dashboard [--dashboard-host HOST] [--dashboard-port PORT]]\n`);
    return 2;
  }
  const port = values['dashboard-port'] === undefined ? undefined : Number(values['dashboard-port']);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    process.stderr.write(`lifeboat: --dashboard-port must be a port number (0 picks a free one), not ${values['dashboard-port']}\n`);
    return 2;
  }
  const log = createLogger();
  let signalled: (sig: NodeJS.Signals) => void = () => {};
  const signal = new Promise<NodeJS.Signals>((resolve) => (signalled = resolve));
  let count = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++count > 1) log.warn({ event: 'signal', signal: sig }, 'already stopping: waiting for the running job to end safely');
    else log.info({ event: 'signal', signal: sig }, `received ${sig}`);
    signalled(sig);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  let dashboard: RunningDashboard | undefined;
  try {
    const agent = await Agent.start({ dataDir, passphrase: passphraseSource(), log });
    try {
      if (values.dashboard) dashboard = await startDashboard(agent, log, { ...(values['dashboard-host'] ? { host: values['dashboard-host'] } : {}), ...(port !== undefined ? { port } : {}) });
    } catch (err) {
      await agent.stop();
      throw err instanceof LifeboatError ? err : new LifeboatError('failed', `cannot start the dashboard: ${(err as Error).message}`);
    }
    await signal;
    await dashboard?.stop();
    await agent.stop();
    return 0;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
