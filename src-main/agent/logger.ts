import pino from 'pino';

export type Logger = pino.Logger;

/**
 * The agent's structured log: one JSON object per line on stdout (pino), so a service manager or a log
 * shipper can read it. Passwords in addresses (nut://user:secret@host) are masked before anything is written.
 */
export function createLogger(opts: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino({
    level: opts.level ?? process.env.LIFEBOAT_LOG_LEVEL ?? 'info',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? maskSecrets(a) : a)) as Parameters<typeof method>);
      },
    },
  }, opts.destination ?? pino.destination({ sync: true }));
}

export function maskSecrets(s: string): string {
  return s.replace(/(\/\/[^:@/\s]*):[^@/\s]*@/g, '$1:***@');
}
