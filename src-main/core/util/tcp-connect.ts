import net from 'node:net';
import { LifeboatError } from '../errors.ts';

/** Where and how to open one TCP connection to a power daemon. */
export interface TcpConnectOptions {
  host: string;
  port: number;
  /** Give up after this long without a connection (default 3000 ms). */
  timeoutMs?: number;
  /** Aborting destroys the half-open socket and rejects at once (so `stop()` never waits for a dead host). */
  signal?: AbortSignal;
  /** The daemon's name for messages, e.g. "upsd" or "apcupsd". */
  what: string;
}

/**
 * Opens a TCP connection and resolves with the connected socket, or rejects with a LifeboatError('failed')
 * whose message says which daemon is not answering where and why ("upsd not answering at 127.0.0.1:3493
 * (connection refused)"), because that text is shown to the office as the reason power is unknown.
 * The socket has no idle timeout; the caller times its own requests.
 */
export function connectTcp(o: TcpConnectOptions): Promise<net.Socket> {
  const where = `${o.what} not answering at ${hostPort(o.host, o.port)}`;
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) {
      reject(new LifeboatError('failed', `${where} (stopped)`));
      return;
    }
    const socket = net.connect({ host: o.host, port: o.port });
    socket.setNoDelay(true);
    const fail = (why: string, cause?: unknown): void => {
      cleanup();
      socket.destroy();
      reject(new LifeboatError('failed', `${where} (${why})`, { cause }));
    };
    const onError = (err: NodeJS.ErrnoException): void => fail(explainSocketError(err), err);
    const onAbort = (): void => fail('stopped');
    const timer = setTimeout(() => fail(`no connection within ${o.timeoutMs ?? 3000} ms`), o.timeoutMs ?? 3000);
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('error', onError);
      o.signal?.removeEventListener('abort', onAbort);
    };
    socket.once('error', onError);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      cleanup();
      resolve(socket);
    });
  });
}

/** Short words for the socket errors people meet: refused, reset, unreachable, unknown host. */
export function explainSocketError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ECONNRESET': return 'connection reset';
    case 'EPIPE': return 'connection closed';
    case 'ETIMEDOUT': return 'timed out';
    case 'EHOSTUNREACH': case 'ENETUNREACH': return 'host unreachable';
    case 'ENOTFOUND': case 'EAI_AGAIN': return 'unknown host';
    default: return err.code ?? err.message;
  }
}

/** "host:port", with brackets around an IPv6 address. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
