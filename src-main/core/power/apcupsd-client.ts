import type net from 'node:net';
import { LifeboatError } from '../errors.ts';
import { connectTcp, explainSocketError, hostPort } from '../util/tcp-connect.ts';
import { parseDaemonUrl } from './power-url.ts';
import { fromApcStatus, unknownState, type PowerState } from './power-state.ts';
import type { ConnectOptions, PowerConnection, PowerSource } from './power-source.ts';

/** apcupsd's network information server (NIS) port. */
export const APCUPSD_DEFAULT_PORT = 3551;

/** One apcupsd NIS server (it serves exactly one UPS). */
export interface ApcupsdTarget {
  host: string;
  port: number;
}

const APC_URL_SHAPE = 'apcupsd://HOST[:PORT]';

/** Parses `apcupsd://HOST[:PORT]` (port 3551 by default). Throws LifeboatError('bad-input') naming what is wrong. */
export function parseApcupsdUrl(text: string): ApcupsdTarget {
  const u = parseDaemonUrl(text, 'apcupsd', APCUPSD_DEFAULT_PORT, APC_URL_SHAPE);
  const bad = (why: string): LifeboatError => new LifeboatError('bad-input', `bad UPS address "${apcupsdSourceName(u)}": ${why} (expected ${APC_URL_SHAPE})`);
  if (u.username !== undefined) throw bad('apcupsd has no user names or passwords');
  if (u.path !== '') throw bad('nothing may follow the host and port: apcupsd serves one UPS');
  return { host: u.host, port: u.port };
}

/** "apcupsd://10.0.0.5:3551", as stamped on readings. */
export function apcupsdSourceName(t: ApcupsdTarget): string {
  return `apcupsd://${hostPort(t.host, t.port)}`;
}

/** Records longer than this are not apcupsd's (its lines are under 100 bytes). */
const MAX_RECORD = 4096;

/**
 * One kept-open TCP connection to an apcupsd NIS server. A request is a big-endian u16 length and the command
 * ("status"); the answer is records, each a u16 length and one line "KEY      : value\n", ending with a zero
 * length. apcupsd serves any number of requests on one connection. Requests are sent one at a time (the
 * protocol has no way to tell answers apart). No answer within `timeoutMs` closes the connection; after it
 * closes every call rejects.
 */
export class ApcupsdClient implements PowerConnection {
  readonly target: ApcupsdTarget;
  private readonly socket: net.Socket;
  private readonly timeoutMs: number;
  private buffer: Buffer = Buffer.alloc(0);
  private lines: string[] = [];
  private waiting: { resolve(lines: string[]): void; reject(err: Error): void; timer: NodeJS.Timeout } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closedBy: Error | undefined;

  private constructor(socket: net.Socket, target: ApcupsdTarget, timeoutMs: number) {
    this.socket = socket;
    this.target = target;
    this.timeoutMs = timeoutMs;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => this.shut(this.lost(explainSocketError(err))));
    socket.on('close', () => this.shut(this.lost('it closed the connection')));
  }

  /** Connects; rejects with LifeboatError("apcupsd not answering at ...") when nobody listens. */
  static async connect(target: ApcupsdTarget, options: ConnectOptions = {}): Promise<ApcupsdClient> {
    const timeoutMs = options.timeoutMs ?? 3000;
    const socket = await connectTcp({ host: target.host, port: target.port, timeoutMs, what: 'apcupsd', ...(options.signal ? { signal: options.signal } : {}) });
    return new ApcupsdClient(socket, target, timeoutMs);
  }

  /**
   * The `status` answer as KEY -> value (both trimmed), e.g. { STATUS: 'ONLINE', BCHARGE: '100.0 Percent' }.
   * A line without " : " (apcupsd's "Apcupsd not running") is kept under the key "".
   */
  async status(): Promise<Record<string, string>> {
    const lines = await this.request('status');
    const record: Record<string, string> = {};
    for (const line of lines) {
      const i = line.indexOf(':');
      if (i < 0) record[''] = ((record[''] ?? '') + ' ' + line.trim()).trim();
      else record[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    return record;
  }

  /** The UPS's normalized state from one `status` request; rejects when the connection is lost. */
  async read(): Promise<PowerState> {
    const record = await this.status();
    if (record.STATUS === undefined && record.STATFLAG === undefined) {
      return unknownState(`apcupsd at ${hostPort(this.target.host, this.target.port)} sent no status${record[''] ? `: ${record['']}` : ''}`);
    }
    return fromApcStatus(record);
  }

  /** Closes the connection at once; a pending request rejects. Idempotent. */
  close(): void {
    this.shut(new LifeboatError('failed', `the connection to apcupsd at ${hostPort(this.target.host, this.target.port)} was closed`));
  }

  private request(command: string): Promise<string[]> {
    const run = (): Promise<string[]> => new Promise((resolve, reject) => {
      if (this.closedBy) return reject(this.closedBy);
      const timer = setTimeout(() => this.shut(this.lost(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.waiting = { resolve, reject, timer };
      this.lines = [];
      const body = Buffer.from(command, 'latin1');
      const head = Buffer.alloc(2);
      head.writeUInt16BE(body.length);
      this.socket.write(Buffer.concat([head, body]));
    });
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    while (this.buffer.length >= 2) {
      const len = this.buffer.readUInt16BE(0);
      if (len > MAX_RECORD) return this.shut(this.lost(`it sent a ${len}-byte record`));
      if (this.buffer.length < 2 + len) return;
      const record = this.buffer.subarray(2, 2 + len).toString('utf8');
      this.buffer = this.buffer.subarray(2 + len);
      if (len > 0) {
        this.lines.push(record.replace(/\0+$/, '').replace(/\r?\n$/, ''));
        continue;
      }
      const w = this.waiting;
      this.waiting = undefined;
      if (w) {
        clearTimeout(w.timer);
        w.resolve(this.lines);
      }
      this.lines = [];
    }
  }

  private lost(why: string): LifeboatError {
    return new LifeboatError('failed', `apcupsd not answering at ${hostPort(this.target.host, this.target.port)} (${why})`);
  }

  private shut(err: Error): void {
    if (this.closedBy) return;
    this.closedBy = err;
    this.socket.destroy();
    const w = this.waiting;
    this.waiting = undefined;
    if (w) {
      clearTimeout(w.timer);
      w.reject(err);
    }
  }
}

/** A PowerSource for the UPS behind one apcupsd, from its target or its apcupsd:// address. */
export function apcupsdSource(target: ApcupsdTarget | string): PowerSource {
  const t = typeof target === 'string' ? parseApcupsdUrl(target) : target;
  return { name: apcupsdSourceName(t), connect: (options) => ApcupsdClient.connect(t, options) };
}
