import type { Agent } from '../agent/agent.ts';
import type { Status } from '../../src-shared/contract.ts';
import { redactUrl } from '../core/offsite/target-url.ts';
import { effectiveJobs } from '../core/settings/schedule-settings.ts';

/**
 * The contract's Status, from the running agent: its verdict, what each source last got and gets next, the
 * power readings, drives, offsite queues and jobs. Reads only the catalog and the agent's memory (no
 * repository I/O), so it is cheap enough to send on every status change.
 */
export async function statusView(agent: Agent, opts: { pinSet: boolean }): Promise<Status> {
  const lb = agent.lb;
  const s = agent.status();
  const backupNext = s.nextRuns.find((r) => r.id === 'backup')?.next ?? null;
  const backupEnabled = effectiveJobs(lb.settings).some((j) => j.id === 'backup' && j.enabled);
  const sources = await Promise.all(lb.settings.sources.map(async (src) => {
    const last = (await lb.list(src.name)).find((r) => !r.damaged);
    return {
      name: src.name,
      kind: src.kind,
      path: src.kind === 'mysql' || src.kind === 'postgres' ? redactUrl(src.path) : src.path,
      watch: !!src.watch,
      lastSnapshot: last ? { id: last.id, time: last.time, size: last.size, reason: last.reason } : null,
      nextRun: backupEnabled ? backupNext : null,
    };
  }));
  const facts = lb.settings.targets?.length ? lb.offsite.facts() : [];
  const targets = (lb.settings.targets ?? []).map((t) => {
    const f = facts.find((x) => x.name === t.name);
    return {
      name: t.name,
      url: redactUrl(t.url),
      backlog: f?.backlogCount ?? 0,
      ...(f?.oldestPendingAt ? { oldestPendingAt: f.oldestPendingAt } : {}),
      ...(f?.lastSuccessAt ? { lastSuccessAt: f.lastSuccessAt } : {}),
      ...(f?.lastError ? { lastError: f.lastError.message } : {}),
      ...(f?.permanentError ? { needsAttention: f.permanentError.message } : {}),
    };
  });
  const drives = (await agent.driveStatus()).map((d) => ({
    id: d.id, label: d.label, mount: d.mount, present: d.present, adopted: d.ours,
    lastCopy: d.lastCopy ? { time: d.lastCopy.time, result: d.lastCopy.result, copied: d.lastCopy.copied, message: d.lastCopy.message } : null,
  }));
  const paused = agent.pausedNow();
  return {
    verdict: s.verdict,
    paused: paused ?? null,
    sources,
    power: s.power.map((r) => ({
      source: r.source, level: r.level,
      ...(r.charge !== undefined ? { charge: r.charge } : {}),
      ...(r.runtimeSeconds !== undefined ? { runtimeSeconds: r.runtimeSeconds } : {}),
      ...(r.detail ? { detail: r.detail } : {}),
    })),
    drives,
    targets,
    jobs: s.jobs.map((j) => ({ id: j.id, kind: j.kind, reason: j.reason, state: j.state, ...(j.source ? { source: j.source } : {}), ...(j.phase ? { phase: j.phase } : {}), ...(j.done !== undefined ? { done: j.done } : {}), ...(j.total !== undefined ? { total: j.total } : {}), ...(j.startedAt ? { startedAt: j.startedAt } : {}) })),
    nextRuns: s.nextRuns,
    agent: { pid: s.pid, startedAt: s.startedAt, dataDir: lb.dataDir, pinSet: opts.pinSet, encrypted: await agent.encrypted() },
  };
}
