import { Agent } from '../agent/agent.ts';
import { createLogger } from '../agent/logger.ts';
import { passphraseSource } from './passphrase.ts';

/**
 * `lifeboat agent`: runs until SIGTERM or SIGINT, then stops safely (the running job finishes first).
 * Logs are JSON lines on stdout. Resolves with the exit code. Signal handlers are installed before the
 * agent starts, so a signal during start-up also ends in a clean stop.
 */
export async function runAgent(dataDir: string, args: string[]): Promise<number> {
  if (args.length) {
    process.stderr.write(`lifeboat: agent takes no arguments yet (got ${args.join(' ')})\n`);
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
  try {
    const agent = await Agent.start({ dataDir, passphrase: passphraseSource(), log });
    await signal;
    await agent.stop();
    return 0;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
