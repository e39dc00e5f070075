import type net from 'node:net';
import { LifeboatError, type ErrorCode } from '../errors.ts';
import { connectTcp, explainSocketError, hostPort } from '../util/tcp-connect.ts';
import { parseDaemonUrl } from './power-url.ts';
import { fromNutStatus, unknownState, type PowerState } from './power-state.ts';
import type { ConnectOptions, PowerConnection, PowerSource } from './power-source.ts';

/** upsd's registered port. */
export const NUT_DEFAULT_PORT = 3493;

/** One UPS on one upsd. */
export interface NutTarget {
  host: string;
  port: number;
  /** The UPS's name in upsd's ups.conf (`[ups]` -> "ups"). */
  ups: string;
  username?: string;
  password?: string;
}

const NUT_URL_SHAPE = 'nut://[USER[:PASS]@]HOST[:PORT]/UPSNAME';

/**
 * Parses `nut://[USER[:PASS]@]HOST[:PORT]/UPSNAME` (port 3493 by default; user and password
 * percent-encoded). Throws LifeboatError('bad-input') naming what is wrong, with any password masked.
 */
export function parseNutUrl(text: string): NutTarget {
  const u = parseDaemonUrl(text, 'nut', NUT_DEFAULT_PORT, NUT_URL_SHAPE);
  const bad = (why: string): LifeboatError => new LifeboatError('bad-input', `bad UPS address "${nutSourceName({ ...u, ups: u.path })}": ${why} (expected ${NUT_URL_SHAPE})`);
  if (u.path === '') throw bad('no UPS name after the host');
  // upsd's UPS names are single tokens; a slash, space or quote here is a typo, not a name.
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(u.path)) throw bad(`"${u.path}" is not a UPS name (letters, digits, . _ - :)`);
  const { path: ups, ...rest } = u;
  return { ...rest, ups };
}

/** The address of a UPS without credentials, as stamped on its readings: "nut://127.0.0.1:3493/ups". */
export function nutSourceName(t: Pick<NutTarget, 'host' | 'port' | 'ups'>): string {
  return `nut://${hostPort(t.host, t.port)}/${t.ups}`;
}

/** An `ERR <code>` answer from upsd, with a message for people and upsd's own code for programs. */
export class NutError extends LifeboatError {
  /** upsd's code, e.g. "UNKNOWN-UPS", "ACCESS-DENIED", "DATA-STALE". */
  readonly nutCode: string;
  constructor(code: ErrorCode, nutCode: string, message: string) {
    super(code, message);
    this.name = 'NutError';
    this.nutCode = nutCode;
  }
}

/** Answers that mean "the daemon is fine but has no data yet": a reading is unknown, not an error. */
const NOT_READY = new Set(['DATA-STALE', 'DRIVER-NOT-CONNECTED']);

function nutError(line: string, t: NutTarget, asked: string): NutError {
  const nutCode = line.slice(4).trim().split(/\s+/)[0] ?? '';
  const at = `upsd at ${hostPort(t.host, t.port)}`;
  const creds = 'check the user name and password in the address and in upsd.users';
  switch (nutCode) {
    case 'UNKNOWN-UPS': return new NutError('not-found', nutCode, `${at} has no UPS named "${t.ups}" (upsc -l ${hostPort(t.host, t.port)} lists them)`);
    case 'ACCESS-DENIED': return new NutError('permission', nutCode, `${at} denied access: ${creds}`);
    case 'INVALID-USERNAME': case 'INVALID-PASSWORD': case 'USERNAME-REQUIRED': case 'PASSWORD-REQUIRED':
      return new NutError('permission', nutCode, `${at} refused the login (${nutCode}): ${creds}`);
    case 'DRIVER-NOT-CONNECTED': return new NutError('failed', nutCode, `${at} is running, but the driver for "${t.ups}" is not`);
    case 'DATA-STALE': return new NutError('failed', nutCode, `the driver for "${t.ups}" on ${at} has stale data (it has lost the UPS)`);
    case 'VAR-NOT-SUPPORTED': return new NutError('not-found', nutCode, `UPS "${t.ups}" on ${at} does not report ${asked.split(' ').pop()}`);
    default: return new NutError('failed', nutCode, `${at} answered "${line}" to ${describeRequest(asked)}`);
  }
}

interface Pending {
  request: string;
  /** LIST answers span lines up to "END LIST"; everything else is one line. */
  multiline: boolean;
  lines: string[];
  resolve(lines: string[]): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * One TCP connection to upsd for one UPS, speaking NUT's line protocol (docs/net-protocol.txt). Requests may be
 * issued without waiting (upsd answers in order). A request with no answer within `timeoutMs` closes the
 * connection, because a late answer would be taken for the next request's. After the connection closes, every
 * call rejects; make a new client to reconnect.
 *
 * It never sends LOGIN: that would register Lifeboat as a upsmon secondary, and a primary upsmon would then
 * wait for us before cutting the power.
 */
export class NutClient implements PowerConnection {
  readonly target: NutTarget;
  private readonly socket: net.Socket;
  private readonly timeoutMs: number;
  private readonly pending: Pending[] = [];
  private buffer = '';
  private closedBy: Error | undefined;

  private constructor(socket: net.Socket, target: NutTarget, timeoutMs: number) {
    this.socket = socket;
    this.target = target;
    this.timeoutMs = timeoutMs;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => this.shut(this.lost(explainSocketError(err))));
    socket.on('close', () => this.shut(this.lost('it closed the connection')));
  }

  /**
   * Connects and, when the target has a user name, sends USERNAME and PASSWORD (upsd checks them only when a
   * command needs them, so a wrong password surfaces later as ACCESS-DENIED, not here). Rejects with a
   * LifeboatError("upsd not answering at ...") when nobody listens.
   */
  static async connect(target: NutTarget, options: ConnectOptions = {}): Promise<NutClient> {
    const timeoutMs = options.timeoutMs ?? 3000;
    const socket = await connectTcp({ host: target.host, port: target.port, timeoutMs, what: 'upsd', ...(options.signal ? { signal: options.signal } : {}) });
    const client = new NutClient(socket, target, timeoutMs);
    try {
      if (target.username !== undefined) {
        await client.request(`USERNAME ${quote(target.username)}`);
        if (target.password !== undefined) await client.request(`PASSWORD ${quote(target.password)}`);
      }
    } catch (err) {
      client.close();
      throw err;
    }
    return client;
  }

  /** The value of one variable, e.g. getVar('ups.status') -> "OL CHRG". Rejects with NutError on ERR. */
  async getVar(name: string): Promise<string> {
    const [line = ''] = await this.request(`GET VAR ${this.target.ups} ${name}`);
    const value = parseVarLine(line);
    if (!value) throw new LifeboatError('failed', `upsd at ${hostPort(this.target.host, this.target.port)} sent an unexpected answer: "${line}"`);
    return value[1];
  }

  /** All variables of the UPS in one round trip. Rejects with NutError on ERR. */
  async listVars(): Promise<Record<string, string>> {
    const lines = await this.request(`LIST VAR ${this.target.ups}`, true);
    const vars: Record<string, string> = {};
    for (const line of lines) {
      const v = parseVarLine(line);
      if (v) vars[v[0]] = v[1];
    }
    return vars;
  }

  /**
   * The UPS's normalized state from `LIST VAR`. "Not ready" answers (WAIT, DATA-STALE, DRIVER-NOT-CONNECTED)
   * resolve as unknown with the reason; refusals (UNKNOWN-UPS, ACCESS-DENIED) and a lost connection reject.
   */
  async read(): Promise<PowerState> {
    let vars: Record<string, string>;
    try {
      vars = await this.listVars();
    } catch (err) {
      if (err instanceof NutError && NOT_READY.has(err.nutCode)) return unknownState(err.message);
      throw err;
    }
    const status = vars['ups.status'];
    if (status === undefined) return unknownState(`UPS "${this.target.ups}" on upsd at ${hostPort(this.target.host, this.target.port)} reports no ups.status`);
    return fromNutStatus(status, vars);
  }

  /** Closes the connection at once; pending requests reject. Idempotent. */
  close(): void {
    this.shut(new LifeboatError('failed', `the connection to upsd at ${hostPort(this.target.host, this.target.port)} was closed`));
  }

  /** Sends one request line and resolves with its answer lines (without BEGIN/END), or rejects on ERR. */
  private request(line: string, multiline = false): Promise<string[]> {
    if (this.closedBy) return Promise.reject(this.closedBy);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.shut(this.lost(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.pending.push({ request: line, multiline, lines: [], resolve, reject, timer });
      this.socket.write(`${line}\n`);
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      this.onLine(line);
    }
    // upsd's lines are short; a megabyte without a newline is not upsd.
    if (this.buffer.length > 1 << 20) this.shut(this.lost('it sent an over-long line'));
  }

  private onLine(line: string): void {
    const p = this.pending[0];
    if (!p) return; // nothing asked: ignore rather than desynchronize
    const first = p.lines.length === 0;
    if (first && line.startsWith('ERR ')) return this.settle(() => p.reject(nutError(line, this.target, p.request)));
    if (!p.multiline) return this.settle(() => p.resolve([line]));
    if (first && !line.startsWith('BEGIN LIST')) {
      const at = hostPort(this.target.host, this.target.port);
      return this.shut(new LifeboatError('failed', `upsd at ${at} sent an unexpected answer to ${describeRequest(p.request)}: "${line}"`));
    }
    if (first) { p.lines.push(line); return; }
    if (line.startsWith('END LIST')) return this.settle(() => p.resolve(p.lines.slice(1)));
    p.lines.push(line);
  }

  private settle(done: () => void): void {
    const p = this.pending.shift();
    if (p) clearTimeout(p.timer);
    done();
  }

  private lost(why: string): LifeboatError {
    return new LifeboatError('failed', `upsd not answering at ${hostPort(this.target.host, this.target.port)} (${why})`);
  }

  private shut(err: Error): void {
    if (this.closedBy) return;
    this.closedBy = err;
    this.socket.destroy();
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  }
}

/** A PowerSource for one UPS on a upsd, from its target or its nut:// address. */
export function nutSource(target: NutTarget | string): PowerSource {
  const t = typeof target === 'string' ? parseNutUrl(target) : target;
  return { name: nutSourceName(t), connect: (options) => NutClient.connect(t, options) };
}

/** `VAR <ups> <name> "<value>"` -> [name, value], unescaping \" and \\; undefined for other lines. */
function parseVarLine(line: string): [string, string] | undefined {
  const m = /^VAR \S+ (\S+) "((?:[^"\\]|\\.)*)"$/.exec(line);
  return m ? [m[1]!, m[2]!.replace(/\\(.)/g, '$1')] : undefined;
}

/** A request for messages: its command words, never the user name or password it carries. */
function describeRequest(request: string): string {
  const words = request.split(' ');
  return words[0] === 'USERNAME' || words[0] === 'PASSWORD' ? words[0] : words.slice(0, 2).join(' ');
}

/** A NUT protocol argument in double quotes, so spaces and quotes in a password survive. */
function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, '\\$&')}"`;
}
