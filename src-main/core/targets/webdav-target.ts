import http from 'node:http';
import https from 'node:https';
import crypto from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { classifyNetworkError, isObjectName, kindDir, notFound, objectPath, TargetError, type Body, type Handle, type ObjectInfo, type ObjectKind, type Target } from './target.ts';
import { decodePath, parseMultistatus, type DavEntry } from './webdav-xml.ts';

export interface WebdavTargetOptions {
  /** http:// or https:// URL of the repository root (Apache mod_dav, Nextcloud, ownCloud). Credentials in it are taken out. */
  url: string;
  user?: string;
  password?: string;
  /** A request that neither sends nor receives a byte for this long fails as 'retry' (default 60000). */
  timeoutMs?: number;
  /** false accepts a self-signed certificate (https only). */
  rejectUnauthorized?: boolean;
}

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: Buffer }
interface Req { method: string; path: string; headers?: Record<string, string | number>; body?: () => Readable; depth?: 0 | 1; xml?: string }

const PROPS = '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:getcontentlength/></d:prop></d:propfind>';
const QUOTA = '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:quota-available-bytes/></d:prop></d:propfind>';

/**
 * A repository on a WebDAV server, over Node's own HTTP client and one keep-alive connection pool.
 * A save is PUT to `tmp/`, size-checked, then MOVEd over the final name (a rename on Apache's mod_dav_fs),
 * so a reader never sees half an object. Collections are made with MKCOL when first needed. HTTP answers
 * become TargetErrors: 404 'not-found'; 401 'auth', 403 'permission', 507 'no-space' and other 4xx are
 * permanent; 408, 429, 5xx and network failures are 'retry'. No message ever carries the password.
 */
export class WebdavTarget implements Target {
  readonly location: string;
  readonly endpoint: { host: string; port: number };
  private readonly base: URL;
  private readonly auth: string | undefined;
  private readonly timeoutMs: number;
  private readonly rejectUnauthorized: boolean;
  private agent: http.Agent | undefined;
  private readonly collections = new Set<string>();

  constructor(opts: WebdavTargetOptions) {
    const url = new URL(opts.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TargetError('permanent', 'bad-input', `a WebDAV URL starts with http:// or https://, not ${url.protocol}`);
    const user = opts.user ?? (url.username ? decodeURIComponent(url.username) : undefined);
    const password = opts.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
    Object.assign(url, { username: '', password: '', search: '', hash: '' });
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    this.base = url;
    this.location = url.href;
    this.endpoint = { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80) };
    this.auth = user !== undefined ? `Basic ${Buffer.from(`${user}:${password ?? ''}`).toString('base64')}` : undefined;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.rejectUnauthorized = opts.rejectUnauthorized ?? true;
  }

  async save(h: Handle, body: Body): Promise<void> {
    const final = objectPath(h);
    const tmp = `tmp/${h.name}.${crypto.randomBytes(6).toString('hex')}.part`;
    let bodyError: unknown;
    const open = (): Readable => Readable.from(exactly(body), { objectMode: false }).once('error', (err) => { bodyError = err; });
    try {
      const put = (): Promise<Reply> => this.send({ method: 'PUT', path: tmp, headers: { 'Content-Length': body.size, 'Content-Type': 'application/octet-stream' }, body: open });
      await this.mkcol('tmp/');
      let r = await put();
      // 409: a collection went missing since we made it (someone tidied the share): make it again, once.
      if (r.status === 409) r = await this.remakeThen('tmp/', put);
      if (r.status !== 201 && r.status !== 204 && r.status !== 200) throw this.httpError(r, 'store', h);
      // Checked before the MOVE, so a short upload (a proxy, a buggy server) never appears under the real name.
      const size = (await this.propfind(tmp, 0))[0]?.size;
      if (size !== body.size) throw new TargetError('retry', 'failed', `${this.location}: ${tmp} holds ${size} bytes after upload, expected ${body.size}`);
      const parent = final.slice(0, final.lastIndexOf('/') + 1);
      const move = (): Promise<Reply> => this.send({ method: 'MOVE', path: tmp, headers: { Destination: this.url(final).href, Overwrite: 'T' } });
      if (parent) await this.mkcol(parent);
      let m = await move();
      // Apache answers a MOVE into a missing collection with 500 ("Could not rename resource"), RFC 4918 with 409.
      if ((m.status === 409 || m.status === 500) && parent) m = await this.remakeThen(parent, move);
      if (m.status !== 201 && m.status !== 204) throw this.httpError(m, 'store', h);
    } catch (err) {
      const e = bodyError !== undefined ? new TargetError('retry', 'failed', `${this.location}: the data for ${final} could not be read: ${(bodyError as Error).message}`, { cause: bodyError }) : classifyNetworkError(err, this.location, 'store');
      // Best effort, and not when the server is unreachable (the DELETE would only wait out the timeout too).
      if (!(e instanceof TargetError && e.code === 'unreachable')) await this.send({ method: 'DELETE', path: tmp }).catch(() => {});
      throw e;
    }
  }

  async load(h: Handle, range?: { offset: number; length: number }): Promise<Buffer> {
    const path = objectPath(h);
    if (range?.length === 0) {
      const { size } = await this.stat(h);
      if (range.offset > size) throw this.short(path, size);
      return Buffer.alloc(0);
    }
    const headers: Record<string, string> = range ? { Range: `bytes=${range.offset}-${range.offset + range.length - 1}` } : {};
    const r = await this.send({ method: 'GET', path, headers }).catch((err) => { throw classifyNetworkError(err, this.location, 'read'); });
    if (r.status === 416) throw this.short(path, undefined);
    if (!range) {
      if (r.status !== 200) throw this.httpError(r, 'read', h);
      return r.body;
    }
    if (r.status === 206) {
      const start = /^bytes (\d+)-/.exec(r.headers['content-range'] ?? '')?.[1];
      if (start !== undefined && Number(start) !== range.offset) throw new TargetError('retry', 'failed', `${this.location}: asked for ${path} from byte ${range.offset}, got a range from ${start}`);
      if (r.body.length !== range.length) throw this.short(path, range.offset + r.body.length);
      return r.body;
    }
    // A server that ignores Range sends the whole object: cut out the part asked for.
    if (r.status === 200) {
      if (r.body.length < range.offset + range.length) throw this.short(path, r.body.length);
      return r.body.subarray(range.offset, range.offset + range.length);
    }
    throw this.httpError(r, 'read', h);
  }

  async stat(h: Handle): Promise<ObjectInfo> {
    const path = objectPath(h);
    const entry = (await this.propfind(path, 0).catch((err) => { throw isMissing(err) ? notFound(this.location, h) : err; }))[0];
    if (!entry || entry.isCollection || entry.size === undefined) throw notFound(this.location, h);
    return { name: h.name, size: entry.size };
  }

  async list(kind: ObjectKind): Promise<ObjectInfo[]> {
    const dir = kindDir(kind);
    const members = async (path: string): Promise<DavEntry[]> => {
      try {
        const self = decodePath(this.url(path).href, this.base);
        return (await this.propfind(path, 1)).filter((e) => e.path !== self);
      } catch (err) {
        if (!isMissing(err)) throw err;
        // An empty kind has no collection yet; a missing root is not an empty repository (a wrong URL).
        await this.propfind('', 0);
        return [];
      }
    };
    const files = (entries: DavEntry[]): ObjectInfo[] => entries
      .filter((e) => !e.isCollection && e.size !== undefined && isObjectName(kind, e.name))
      .map((e) => ({ name: e.name, size: e.size! }));
    if (kind !== 'pack') return files(await members(dir ? `${dir}/` : ''));
    const subs = (await members(`${dir}/`)).filter((e) => e.isCollection && /^[0-9a-f]{2}$/.test(e.name));
    const out: ObjectInfo[] = [];
    // Up to 256 sub-collections: a few PROPFINDs at a time, not 256 at once.
    for (let i = 0; i < subs.length; i += 8) {
      const batch = await Promise.all(subs.slice(i, i + 8).map((s) => members(`${dir}/${s.name}/`)));
      for (const b of batch) out.push(...files(b));
    }
    return out;
  }

  async remove(h: Handle): Promise<void> {
    const r = await this.send({ method: 'DELETE', path: objectPath(h) }).catch((err) => { throw classifyNetworkError(err, this.location, 'remove'); });
    if (r.status !== 404 && (r.status < 200 || r.status > 299)) throw this.httpError(r, 'remove', h);
  }

  /**
   * Removes `.part` files left in tmp/ by saves cut off with their connection (the DELETE could not reach the
   * server then). Call with no save of this target running: the outbox does, at the start of a pass, under
   * the target's lock. WebDAV saves do not resume, so any `.part` there is debris.
   */
  async removeDebris(): Promise<string[]> {
    const self = decodePath(this.url('tmp/').href, this.base);
    const entries = await this.propfind('tmp/', 1).catch(() => [] as DavEntry[]);
    const parts = entries.filter((e) => e.path !== self && !e.isCollection && e.name.endsWith('.part'));
    for (const e of parts) await this.send({ method: 'DELETE', path: `tmp/${e.name}` }).catch(() => {});
    return parts.map((e) => e.name);
  }

  /** RFC 4331 quota-available-bytes of the root; undefined when the server keeps it to itself (Apache's mod_dav_fs does). */
  async freeSpace(): Promise<number | undefined> {
    try {
      const q = (await this.propfind('', 0, QUOTA))[0]?.quotaAvailable;
      return q !== undefined && q >= 0 ? q : undefined;
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    this.agent?.destroy();
    this.agent = undefined;
  }

  private async propfind(path: string, depth: 0 | 1, xml = PROPS): Promise<DavEntry[]> {
    const r = await this.send({ method: 'PROPFIND', path, depth, xml }).catch((err) => { throw classifyNetworkError(err, this.location, 'read'); });
    if (r.status !== 207) throw this.httpError(r, 'read');
    try {
      return parseMultistatus(r.body.toString('utf8'), this.url(path));
    } catch (err) {
      throw new TargetError('permanent', 'failed', `${this.location} gave an answer to PROPFIND ${path || '/'} that is not WebDAV (${(err as Error).message}): is the URL right?`);
    }
  }

  /**
   * MKCOL a collection (`path` as for url(), ending in '/'), making missing ancestors first, the root's own
   * included (a repository a few folders deep on a fresh share). An existing one (405) is fine.
   */
  private async mkcol(path: string): Promise<void> {
    const abs = this.url(path).pathname;
    if (abs === '/' || this.collections.has(abs)) return;
    const once = (): Promise<Reply> => this.send({ method: 'MKCOL', path: abs }).catch((err) => { throw classifyNetworkError(err, this.location, 'create folders'); });
    let r = await once();
    if (r.status === 409) {
      await this.mkcol(abs.replace(/[^/]+\/$/, ''));
      r = await once();
    }
    if (r.status !== 201 && r.status !== 405) throw this.httpError(r, `create the folder ${decodeURI(abs)}`);
    this.collections.add(abs);
  }

  private async remakeThen(rel: string, again: () => Promise<Reply>): Promise<Reply> {
    const abs = this.url(rel).pathname;
    // Forget what we made on that branch: the share was tidied (or replaced) behind our back.
    for (const p of [...this.collections]) if (p.startsWith(abs) || abs.startsWith(p)) this.collections.delete(p);
    await this.mkcol(abs);
    return again();
  }

  /** `path` relative to the root (or absolute, starting with '/'); names need no escaping, the root URL may hold any. */
  private url(path: string): URL {
    return new URL(path.startsWith('/') ? path : path.split('/').map(encodeURIComponent).join('/'), this.base);
  }

  private newAgent(): http.Agent {
    // The server's Keep-Alive timeout hint is honoured by Node's agent, so an idle socket is not reused as it closes.
    const opts = { keepAlive: true, maxSockets: 8 };
    return this.base.protocol === 'https:' ? new https.Agent({ ...opts, rejectUnauthorized: this.rejectUnauthorized }) : new http.Agent(opts);
  }

  private send(req: Req): Promise<Reply> {
    const url = this.url(req.path);
    const headers: Record<string, string | number> = { ...req.headers };
    if (this.auth) headers.Authorization = this.auth;
    if (req.depth !== undefined) headers.Depth = req.depth;
    if (req.xml !== undefined) Object.assign(headers, { 'Content-Type': 'application/xml; charset=utf-8', 'Content-Length': Buffer.byteLength(req.xml) });
    // Ask before sending a 16 MiB body: a 401 or 409 then costs a round trip instead of the upload.
    if (req.body) headers.Expect = '100-continue';
    this.agent ??= this.newAgent();
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise<Reply>((resolve, reject) => {
      const request = lib.request(url, { method: req.method, headers, agent: this.agent });
      let sent = !req.body;
      const start = (): void => {
        if (sent) return;
        sent = true;
        clearTimeout(fallback);
        // pipeline destroys the request when the body stream fails, so the server never completes the PUT.
        pipeline(req.body!(), request).catch((err: Error) => fail(err));
      };
      // Servers that ignore Expect (some proxies) get the body anyway after a second, as curl does.
      const fallback = req.body ? setTimeout(start, 1000) : undefined;
      const fail = (err: Error): void => { request.destroy(err); reject(err); };
      const cut = (): Error => Object.assign(new Error('connection closed mid-answer'), { code: 'ECONNRESET' });
      request.setTimeout(this.timeoutMs, () => fail(Object.assign(new Error(`no answer for ${Math.round(this.timeoutMs / 1000)} s (timed out)`), { code: 'ETIMEDOUT' })));
      request.on('error', reject);
      request.once('close', () => clearTimeout(fallback));
      request.once('response', (res) => {
        // An answer before the body went out (401, 409 to Expect: 100-continue): never send it on this request.
        const abandon = !sent;
        sent = true;
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('error', fail);
        res.once('close', () => { if (!res.complete) fail(cut()); });
        res.once('end', () => {
          const body = Buffer.concat(parts);
          if (body.length !== Number(res.headers['content-length'] ?? body.length)) return fail(cut());
          if (abandon) request.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      });
      if (req.body) request.once('continue', start);
      else request.end(req.xml);
    });
  }

  private short(path: string, size: number | undefined): TargetError {
    return new TargetError('permanent', 'corrupt', `${path} on ${this.location} is shorter than expected${size === undefined ? '' : ` (${size} bytes)`}`);
  }

  private httpError(r: Reply, doing: string, h?: Handle): TargetError {
    const s = r.status;
    const what = `${this.location}: cannot ${doing}${h ? ` ${objectPath(h)}` : ''} (HTTP ${s})`;
    if (s === 404) return h ? notFound(this.location, h) : new TargetError('permanent', 'not-found', `${what}: the folder is not there; is the URL right?`);
    if (s === 401) return new TargetError('permanent', 'auth', `${what}: the server refused the user name or password; check them in this target's settings`);
    if (s === 403) return new TargetError('permanent', 'permission', `${what}: the account may not do this here; check its rights on the server`);
    if (s === 507) return new TargetError('permanent', 'no-space', `${what}: the server is out of space (or over quota); free some space there`);
    // 423 Locked: Nextcloud locks a file for a moment while it works on it.
    if (s >= 500 || s === 408 || s === 429 || s === 423) return new TargetError('retry', 'unreachable', `${what}; will try again`);
    if (s >= 300 && s < 400) return new TargetError('permanent', 'failed', `${what}: the server redirects elsewhere; check the URL (http or https, the path)`);
    return new TargetError('permanent', 'failed', what);
  }
}

/**
 * The body's bytes, failing at once when there are more than announced, or at the end when fewer: a short
 * body would leave the server waiting for the rest until the timeout.
 */
async function* exactly(body: Body): AsyncGenerator<Buffer> {
  let n = 0;
  for await (const c of body.open()) {
    const chunk = Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array);
    n += chunk.length;
    if (n > body.size) throw new Error(`it is longer than the ${body.size} bytes announced`);
    yield chunk;
  }
  if (n !== body.size) throw new Error(`it ended after ${n} of ${body.size} bytes`);
}

function isMissing(err: unknown): boolean {
  return err instanceof TargetError && err.code === 'not-found';
}
