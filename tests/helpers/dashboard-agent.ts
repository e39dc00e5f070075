// A real `lifeboat agent --dashboard` child process for tests: its address and token from its own log line,
// a typed way to call the API over HTTP, and a clean stop.
import { events, startAgent, waitFor } from './agent-process.ts';

export interface DashboardAgent {
  /** The address with the token, as the agent printed it. */
  url: string;
  /** http://127.0.0.1:PORT/ */
  base: string;
  token: string;
  pid: number;
  log: () => string;
  /** POST /api/<name> with the token; resolves with the HTTP status and the parsed body. */
  call<T = unknown>(name: string, args?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

/** Starts the agent with the dashboard on a free port and waits for its "dashboard" log line. */
export async function startDashboardAgent(dataDir: string, env?: NodeJS.ProcessEnv): Promise<DashboardAgent> {
  const a = startAgent(dataDir, env, ['--dashboard', '--dashboard-port', '0']);
  let url: string;
  try {
    url = await waitFor('the dashboard address in the agent log', () => events(a.log()).find((e) => e.event === 'dashboard')?.url as string | undefined, 30_000);
  } catch (err) {
    a.child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${a.log()}`);
  }
  const u = new URL(url);
  const token = u.searchParams.get('token')!;
  const base = `${u.origin}/`;
  return {
    url, base, token, pid: a.child.pid!, log: a.log,
    async call<T>(name: string, args: unknown = {}, headers: Record<string, string> = {}) {
      const res = await fetch(`${base}api/${name}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(args) });
      return { status: res.status, body: (await res.json()) as T };
    },
    async stop() {
      if (a.child.exitCode === null) a.child.kill('SIGTERM');
      const code = await a.exit;
      if (code !== 0 && code !== null) throw new Error(`the agent exited with ${code}\n${a.log()}`);
    },
  };
}
