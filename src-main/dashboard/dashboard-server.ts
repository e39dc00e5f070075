import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Agent } from '../agent/agent.ts';
import { ApiError, isCallName, parseArgs, type ApiErrorBody, type CallName } from '../../src-shared/contract.ts';
import type { Handlers } from '../api/api-handlers.ts';
import { httpStatus, toApiError } from '../api/api-errors.ts';
import { FailureLimiter, allowedHosts, checkHostOrigin, isWildcard, tokenMatches } from './dashboard-guard.ts';
import type { Logger } from '../agent/logger.ts';

/** The built UI (scripts/build-renderer.ts writes it). */
export const RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.ico': 'image/x-icon', '.json': 'application/json', '.map': 'application/json',
};
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const MAX_BODY = 1024 * 1024;

export interface DashboardOptions {
  host: string;
  port: number;
  token: string;
  log: Logger;
  /** Where the built UI is (default dist/renderer). */
  rendererDir?: string;
  /** Failed-token limiter (tests shorten it). */
  limiter?: FailureLimiter;
}

/**
 * The headless dashboard: the UI's files, the contract's calls as `POST /api/<call>` and its events as
 * server-sent events on `GET /api/events`. Every API request needs `Authorization: Bearer <token>`; every
 * request's Host (and Origin, when sent) must be the dashboard's own address; no cookies are ever set.
 * Arguments are validated with the contract's schemas before a handler runs, as in the desktop app.
 */
export class DashboardServer {
  private readonly server: http.Server;
  private readonly opts: DashboardOptions;
  private readonly agent: Agent;
  private readonly handlers: Handlers;
  private readonly limiter: FailureLimiter;
  private readonly clients = new Set<http.ServerResponse>();
  private hosts: string[] = [];
  private statusTimer: NodeJS.Timeout | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private readonly onStatus = () => this.scheduleStatus();
  private readonly onProgress = (p: unknown) => this.broadcast('progress', p);
  private readonly onNotice = (n: unknown) => this.broadcast('notice', n);

  constructor(agent: Agent, handlers: Handlers, opts: DashboardOptions) {
    this.agent = agent;
    this.handlers = handlers;
    this.opts = opts;
    this.limiter = opts.limiter ?? new FailureLimiter();
    this.server = http.createServer((req, res) => {
      // Nothing a client sends may take the agent down: an unexpected error answers 400 or 500, never throws.
      this.route(req, res).catch((err: unknown) => {
        this.opts.log.error({ event: 'dashboard-request-error', error: (err as Error)?.message ?? String(err) }, 'dashboard: a request failed');
        if (!res.headersSent) this.fail(res, 500, { code: 'failed', message: 'the request failed' });
        else res.destroy();
      });
    });
  }

  /** Listens; resolves with the address (the port is the real one when 0 was asked for). */
  async start(): Promise<{ url: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    const port = (this.server.address() as { port: number }).port;
    const own = Object.values(os.networkInterfaces()).flat().filter((i) => i !== undefined).map((i) => i.address);
    this.hosts = allowedHosts(this.opts.host, port, own);
    this.agent.events.on('status', this.onStatus);
    this.agent.events.on('progress', this.onProgress);
    this.agent.events.on('notice', this.onNotice);
    this.keepAlive = setInterval(() => { for (const c of this.clients) c.write(': keep-alive\n\n'); }, 15_000);
    // Bound to every address, the address to print is one others can use: the first outside one.
    const shown = isWildcard(this.opts.host) ? (Object.values(os.networkInterfaces()).flat().find((i) => i && !i.internal && i.family === 'IPv4')?.address ?? '127.0.0.1') : this.opts.host;
    const hostPart = shown.includes(':') ? `[${shown}]` : shown;
    return { url: `http://${hostPart}:${port}/`, port };
  }

  async stop(): Promise<void> {
    this.agent.events.off('status', this.onStatus);
    this.agent.events.off('progress', this.onProgress);
    this.agent.events.off('notice', this.onNotice);
    clearInterval(this.keepAlive);
    clearTimeout(this.statusTimer);
    for (const c of this.clients) c.end();
    this.clients.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    const place = checkHostOrigin(req.headers.host, req.headers.origin, this.hosts);
    if (!place.ok) return this.fail(res, place.status, { code: 'forbidden', message: place.message });
    if (!(req.url ?? '').startsWith('/')) return this.fail(res, 400, { code: 'bad-input', message: 'bad request path' });
    let url: URL;
    try {
      url = new URL(req.url!, 'http://dashboard');
    } catch {
      return this.fail(res, 400, { code: 'bad-input', message: 'bad request path' });
    }
    if (!url.pathname.startsWith('/api/')) return this.serveFile(req, res, url.pathname);

    // The right token always passes (a page elsewhere must not be able to lock the office out by sending
    // wrong ones); wrong tokens are limited per address, requests without any token are simply refused.
    const client = req.socket.remoteAddress ?? '?';
    const auth = req.headers.authorization;
    const given = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    if (!tokenMatches(given, this.opts.token)) {
      if (given !== undefined && this.limiter.blocked(client)) return this.fail(res, 429, { code: 'unauthorized', message: 'too many wrong tokens: wait a minute' });
      if (given !== undefined) this.limiter.fail(client);
      this.opts.log.warn({ event: 'dashboard-unauthorized', client, path: url.pathname }, 'dashboard: a request without the right token was refused');
      return this.fail(res, 401, { code: 'unauthorized', message: 'the dashboard token is missing or wrong: open the address `lifeboat dashboard-url` prints' });
    }
    if (url.pathname === '/api/events' && req.method === 'GET') return this.openEvents(req, res);
    const name = url.pathname.slice('/api/'.length);
    if (req.method !== 'POST') return this.fail(res, 405, { code: 'bad-input', message: 'use POST for calls' });
    if (!isCallName(name)) return this.fail(res, 404, { code: 'not-found', message: `no call ${name}` });
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return this.fail(res, 415, { code: 'bad-input', message: 'send the arguments as application/json' });
    let body: unknown;
    try {
      body = await readJson(req);
    } catch (err) {
      return this.fail(res, 400, { code: 'bad-input', message: (err as Error).message });
    }
    try {
      const args = parseArgs(name, body);
      const result = await (this.handlers[name] as (a: unknown) => Promise<unknown>)(args);
      this.send(res, 200, result);
    } catch (err) {
      const e = toApiError(err);
      if (e.code === 'failed') this.opts.log.error({ event: 'dashboard-call-failed', call: name as CallName, error: e.message }, `dashboard: ${name} failed: ${e.message}`);
      this.fail(res, httpStatus(e.code), e);
    }
  }

  private openEvents(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write(': connected\n\n');
    this.clients.add(res);
    req.on('close', () => this.clients.delete(res));
    void this.statusNow().then((s) => s && res.write(sse('status', s)));
  }

  /** Status changes come in bursts (a job's start, its progress, its end): send at most one every 250 ms. */
  private scheduleStatus(): void {
    if (this.statusTimer || !this.clients.size) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      void this.statusNow().then((s) => s && this.broadcast('status', s));
    }, 250);
  }

  private async statusNow(): Promise<unknown> {
    try {
      return await this.handlers.getStatus({});
    } catch (err) {
      this.opts.log.error({ event: 'dashboard-status-error', error: (err as Error).message }, 'dashboard: cannot build the status');
      return undefined;
    }
  }

  private broadcast(event: string, data: unknown): void {
    const text = sse(event, data);
    for (const c of this.clients) c.write(text);
  }

  private async serveFile(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.fail(res, 405, { code: 'bad-input', message: 'only GET here' });
    const root = this.opts.rendererDir ?? RENDERER_DIR;
    let rel: string;
    try {
      rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
    } catch {
      return this.fail(res, 404, { code: 'not-found', message: 'no such file' });
    }
    const file = path.resolve(root, rel);
    if (!file.startsWith(path.resolve(root) + path.sep)) return this.fail(res, 404, { code: 'not-found', message: 'no such file' });
    let data: Buffer;
    try {
      data = await fs.readFile(file);
    } catch {
      if (rel === 'index.html') return this.fail(res, 503, { code: 'failed', message: `the dashboard UI is not built (${root} is missing): run "npm run build"` });
      return this.fail(res, 404, { code: 'not-found', message: 'no such file' });
    }
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Content-Length': data.length,
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': CSP,
    });
    res.end(req.method === 'HEAD' ? undefined : data);
  }

  private send(res: http.ServerResponse, status: number, body: unknown): void {
    const data = Buffer.from(JSON.stringify(body ?? null));
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': data.length, 'Cache-Control': 'no-store' });
    res.end(data);
  }

  private fail(res: http.ServerResponse, status: number, body: ApiErrorBody): void {
    this.send(res, status, body);
  }
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new ApiError({ code: 'bad-input', message: 'the request is too large' });
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError({ code: 'bad-input', message: 'the body is not valid JSON' });
  }
}

