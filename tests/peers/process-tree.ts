// Process helpers the real-server peers share: a server's whole process tree (sshd sessions and PostgreSQL
// backends call setsid, so process groups are not enough), and waiting until a server really answers.
import fs from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';

/** Every process below `pid`, from /proc (Linux). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // The command name in (...) may hold spaces and parens: the parent pid is the 2nd field after the last ')'.
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch { /* exited meanwhile */ }
  }
  const out: number[] = [];
  const walk = (p: number): void => { for (const c of children.get(p) ?? []) { out.push(c); walk(c); } };
  walk(pid);
  return out;
}

/** SIGKILLs `pid` and everything below it (all found first, then killed, so none escapes by reparenting); returns the pids. */
export function killTree(pid: number): number[] {
  const all = [pid, ...descendants(pid)];
  for (const p of all) {
    try { process.kill(p, 'SIGKILL'); } catch { /* already gone */ }
  }
  return all;
}

/** Resolves once `port` accepts a TCP connection and `query` succeeds; throws if the server (`name`) exits first. */
export async function waitReady(name: string, port: number, child: ChildProcess, query: () => Promise<unknown>, logs: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode})\n${logs()}`);
    if (await accepts(port) && await query().then(() => true, () => false)) return;
    if (Date.now() > deadline) throw new Error(`${name} did not answer on 127.0.0.1:${port} within ${timeoutMs} ms\n${logs()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** True when something accepts a TCP connection on 127.0.0.1:port. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const done = (ok: boolean): void => { s.destroy(); resolve(ok); };
    s.setTimeout(1000, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => done(true));
  });
}

/**
 * What a peer module must clean up if the test process exits without stopping it (a failed test that
 * skipped its after hook): its servers are killed with everything below them (sshd sessions and PostgreSQL
 * backends call setsid, so a process group is not enough) and its temp dirs removed. One registry per module.
 */
export function exitCleanup(): { live: Set<ChildProcess>; dirs: Set<string> } {
  const live = new Set<ChildProcess>();
  const dirs = new Set<string>();
  process.on('exit', () => {
    for (const c of live) if (c.pid) killTree(c.pid);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  return { live, dirs };
}
