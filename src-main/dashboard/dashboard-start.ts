import fs from 'node:fs/promises';
import path from 'node:path';
import type { Agent } from '../agent/agent.ts';
import type { Logger } from '../agent/logger.ts';
import { createHandlers, type HandlerDeps } from '../api/api-handlers.ts';
import { writeFileDurable } from '../core/util/durable-file.ts';
import { isProcessAlive, processStart } from '../core/locks/process-lock.ts';
import { LifeboatError } from '../core/errors.ts';
import { DashboardServer } from './dashboard-server.ts';
import { dashboardToken, TOKEN_FILE } from './dashboard-guard.ts';
import { apiDeps } from '../api/api-deps.ts';

export const DASHBOARD_FILE = 'dashboard.json';
const DEFAULT_PORT = 8770;
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export interface RunningDashboard { url: string; stop(): Promise<void> }

/**
 * Starts the dashboard for a running agent: on settings.dashboard (default 127.0.0.1:8770) unless `over`
 * says otherwise. Logs its address with the token (event "dashboard") and records host and port in
 * dashboard.json so `lifeboat dashboard-url` can print it again. Another address than loopback is allowed
 * only when configured, and warned about: anyone who can reach it and learns the token can restore.
 */
export async function startDashboard(agent: Agent, log: Logger, over: { host?: string; port?: number } = {}, deps?: HandlerDeps): Promise<RunningDashboard> {
  const cfg = agent.lb.settings.dashboard ?? {};
  const host = over.host ?? cfg.host ?? '127.0.0.1';
  const port = over.port ?? cfg.port ?? DEFAULT_PORT;
  if (!LOOPBACK.has(host)) log.warn({ event: 'dashboard-exposed', host }, `the dashboard listens on ${host}, not only on this machine: anyone on that network with the token can use it`);
  const token = await dashboardToken(agent.lb.dataDir);
  const server = new DashboardServer(agent, createHandlers(agent, deps ?? (await apiDeps(agent))), { host, port, token, log });
  let started: { url: string; port: number };
  try {
    started = await server.start();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new LifeboatError('busy', `cannot start the dashboard: ${host}:${port} is already in use (set another port with --dashboard-port)`);
    throw err;
  }
  const file = path.join(agent.lb.dataDir, DASHBOARD_FILE);
  await writeFileDurable(file, Buffer.from(JSON.stringify({ url: started.url, host, port: started.port, pid: process.pid, pidStart: processStart(process.pid) }) + '\n'));
  const url = `${started.url}?token=${token}`;
  log.info({ event: 'dashboard', url, host, port: started.port }, `dashboard: ${url}`);
  return {
    url,
    stop: async () => {
      await server.stop();
      await fs.rm(file, { force: true });
    },
  };
}

/** `lifeboat dashboard-url`: the running dashboard's address with its token, or why there is none. */
export async function dashboardUrl(dataDir: string): Promise<string> {
  const raw = await fs.readFile(path.join(dataDir, DASHBOARD_FILE), 'utf8').catch(() => undefined);
  const info = raw ? (JSON.parse(raw) as { url: string; pid: number; pidStart?: string }) : undefined;
  if (!info || !isProcessAlive(info.pid, info.pidStart ?? '')) throw new LifeboatError('not-found', 'no dashboard is running for this data dir: start one with "lifeboat agent --dashboard"');
  const token = (await fs.readFile(path.join(dataDir, TOKEN_FILE), 'utf8')).trim();
  return `${info.url}?token=${token}`;
}
