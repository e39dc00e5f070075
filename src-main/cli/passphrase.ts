import { LifeboatError } from '../core/errors.ts';

/**
 * The repository passphrase: LIFEBOAT_PASSPHRASE, or a prompt (without echo) when a person is at a terminal.
 * Asked at most once per process.
 */
export function passphraseSource(env: NodeJS.ProcessEnv = process.env): () => Promise<string> {
  let cached: Promise<string> | undefined;
  return () => {
    cached ??= env.LIFEBOAT_PASSPHRASE !== undefined ? Promise.resolve(env.LIFEBOAT_PASSPHRASE) : prompt('Repository passphrase: ');
    return cached;
  };
}

async function prompt(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new LifeboatError('wrong-passphrase', 'this repository is encrypted: set LIFEBOAT_PASSPHRASE or run at a terminal to be asked');
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') { done(); resolve(value); return; }
        if (ch === '\u0003') { done(); reject(new LifeboatError('bad-input', 'cancelled')); return; }
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}
