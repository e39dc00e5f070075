// Power: from the UPS saying "on battery" to the agent's emergency snapshot being durable. A real upsd with the
// dummy-ups driver (tests/peers/nut-server.ts), `lifeboat agent` as a child process as an office runs it, and
// the office database with 1% of its rows changed since its last snapshot (step c's clustered edit).
//
// The clock starts when the bench asks upsd to change ups.status (upsrw -s through setStatus) and stops when a
// new manifest appears in repository/snapshots/: the engine writes it last, by rename after fsync, so from then
// on the snapshot exists. In between: the driver taking the new status, the agent's next UPS poll (every 2 s),
// then the snapshot itself. The bench also asks upsd itself and reads the agent's log, to show each part.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { isSnapshotId } from '../../src-main/core/repository/manifest.ts';
import { DEFAULT_CHUNK_SIZE } from '../../src-main/core/repository/repo-config.ts';
import { defaultJobs } from '../../src-main/core/schedule/schedule-plan.ts';
import { nutSkipReason, startNutServer, type NutServer } from '../../tests/peers/nut-server.ts';
import { BIN, EDIT_FRACTION, FORCED_RUNS, NODE, WORK, log } from '../lib/config.ts';
import { secs } from '../lib/format.ts';
import { copyDb, editInvoices, type EditResult } from '../lib/office.ts';
import { settle, sleep } from '../lib/proc.ts';
import { lb, lbBackup, lbEnv, newLb, repoDir, type LbCtx } from '../lib/lifeboat-cli.ts';
import { editSeed } from './changed-rows.ts';

/** The agent's UPS poll interval (its default; `lifeboat agent` has no option for it). */
export const AGENT_POLL_MS = 2000;
/** dummy-ups' pollinterval in the peer's ups.conf. */
export const DRIVER_POLL_MS = 1000;
const STEP_TIMEOUT_MS = 120_000;

/** One power cut; every time is ms after setStatus('OB DISCHRG') was called. */
export interface PowerRun {
  /** Where in the agent's 2 s poll cycle the cut was aimed: cut i of n at (i + 0.5) / n of it. */
  aimedPhaseMs: number;
  /**
   * Where it came, seen afterwards: ms since the agent's last poll before the cut, from the poll that saw it
   * (polls are 2 s apart while the agent is idle): 2000 * ceil(agentSawMs / 2000) - agentSawMs.
   */
  phaseMs: number;
  /** A new manifest is in repository/snapshots/: the emergency snapshot is durable. The measured time. */
  ms: number;
  /** upsrw returned (upsd accepted the new status). */
  setStatusMs: number;
  /** upsd itself first answered OB to the bench's own GET VAR (polled every 20 ms). */
  upsdMs: number;
  /** The agent's `power` log line (on-battery) arrived: the agent has seen the cut. */
  agentSawMs: number;
  /** The agent's `emergency-backup` log line arrived, and the time that line carries. */
  eventMs: number;
  eventStampMs: number;
  /** The emergency job's own duration, from the agent's `job-done` line. */
  jobMs: number;
  snapshot: string;
  edit: EditResult;
}

export interface PowerResult { skipped?: string; error?: string; runs: PowerRun[]; agentPollMs: number; driverPollMs: number; schedulesDisabled: string[] }

interface AgentEvent { event?: string; time?: string; at: number; [k: string]: unknown }
interface AgentProc { child: ChildProcess; events: AgentEvent[]; output: () => string; exited: Promise<void> }

const agents = new Set<ChildProcess>();
process.on('exit', () => { for (const c of agents) c.kill('SIGKILL'); });

function startAgent(ctx: LbCtx): AgentProc {
  const child = spawn(NODE, [BIN, '--data-dir', ctx.dataDir, 'agent'], { env: lbEnv(ctx), stdio: ['ignore', 'pipe', 'pipe'] });
  agents.add(child);
  const events: AgentEvent[] = [];
  let out = '';
  let partial = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    const at = performance.now();
    out = (out + d).slice(-20_000);
    const lines = (partial + d).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) {
      try { events.push({ ...(JSON.parse(l) as Record<string, unknown>), at }); } catch { /* not a log line */ }
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => { out = (out + d).slice(-20_000); });
  const exited = new Promise<void>((resolve) => child.once('close', () => { agents.delete(child); resolve(); }));
  return { child, events, output: () => out, exited };
}

async function stopAgent(a: AgentProc): Promise<void> {
  if (a.child.exitCode !== null || a.child.signalCode !== null) return;
  a.child.kill('SIGTERM');
  const timer = setTimeout(() => a.child.kill('SIGKILL'), 60_000);
  await a.exited;
  clearTimeout(timer);
}

async function waitFor<T>(what: string, agent: AgentProc, probe: () => T | undefined): Promise<T> {
  const end = performance.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (agent.child.exitCode !== null) throw new Error(`the agent exited (${agent.child.exitCode}) while waiting for ${what}:\n${agent.output().slice(-3000)}`);
    if (performance.now() > end) throw new Error(`no ${what} within ${STEP_TIMEOUT_MS / 1000} s; agent output:\n${agent.output().slice(-3000)}`);
    await sleep(10);
  }
}

/** The first event named `name` that arrived after `since` (performance.now() ms) and passes `test`. */
const eventAfter = (a: AgentProc, name: string, since: number, test: (e: AgentEvent) => boolean = () => true) => (): AgentEvent | undefined =>
  a.events.find((e) => e.event === name && e.at >= since && test(e));

function agentPowerOnline(ctx: LbCtx, pid: number | undefined): true | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(ctx.dataDir, 'agent-status.json'), 'utf8')) as { pid: number; power: Array<{ level: string }> };
    return s.pid === pid && s.power.some((p) => p.level === 'online') ? true : undefined;
  } catch {
    return undefined;
  }
}

const manifests = (ctx: LbCtx): string[] => fs.readdirSync(path.join(repoDir(ctx), 'snapshots')).filter(isSnapshotId);

/** upsd's answer to GET VAR <ups> ups.status, or undefined when it does not answer within 1 s. */
function upsdStatus(nut: NutServer): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = net.connect(nut.port, nut.host);
    let buf = '';
    const done = (v: string | undefined): void => { s.destroy(); resolve(v); };
    s.setTimeout(1000, () => done(undefined));
    s.on('error', () => done(undefined));
    s.on('connect', () => s.write(`GET VAR ${nut.ups} ups.status\n`));
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\n')) done(buf.split('\n')[0]);
    });
  });
}

/**
 * One cut: setStatus('OB DISCHRG') at `phaseMs` into the agent's poll cycle (its polls run every 2 s from
 * `polledAt`, a moment it polled), then waits for the new manifest and the agent's lines about it.
 */
async function cutOnce(nut: NutServer, ctx: LbCtx, agent: AgentProc, edit: EditResult, polledAt: number, phaseMs: number): Promise<PowerRun> {
  const before = new Set(manifests(ctx));
  settle(); // the edit's dirty pages go to disk now, not during the measured time
  // The bench is in step with the agent's polls (it has just waited for one of its lines): without this wait
  // every cut would land at the same point of the 2 s cycle. Points spread evenly over the cycle (not drawn at
  // random: three draws can all fall at one end of it) stand for a cut at any moment.
  await sleep((((phaseMs - (performance.now() - polledAt)) % AGENT_POLL_MS) + AGENT_POLL_MS) % AGENT_POLL_MS);
  const wall0 = Date.now();
  const t0 = performance.now();
  let upsdMs = NaN;
  let setError: Error | undefined;
  let probing = true;
  const set = nut.setStatus('OB DISCHRG').then(() => performance.now() - t0, (err: Error) => { setError = err; return NaN; });
  const probe = (async () => {
    while (probing && Number.isNaN(upsdMs)) {
      if ((await upsdStatus(nut))?.includes('"OB')) upsdMs = performance.now() - t0;
      else await sleep(20);
    }
  })();
  let fresh: string, ms: number, emergency: AgentEvent, job: AgentEvent, saw: AgentEvent;
  try {
    fresh = await waitFor('new manifest in repository/snapshots/', agent, () => {
      if (setError) throw setError;
      return manifests(ctx).find((m) => !before.has(m));
    });
    ms = performance.now() - t0;
    emergency = await waitFor('emergency-backup log line', agent, eventAfter(agent, 'emergency-backup', t0));
    job = await waitFor('job-done line of the emergency backup', agent, eventAfter(agent, 'job-done', t0, (e) => e.job === 'emergency-backup'));
    saw = await waitFor('power on-battery log line', agent, eventAfter(agent, 'power', t0, (e) => e.power === 'on-battery'));
  } finally {
    probing = false;
    await probe;
  }
  const setStatusMs = await set;
  const snaps = (emergency.snapshots ?? []) as Array<{ id: string }>;
  if (emergency.ok !== true || !snaps.some((s) => s.id === fresh)) throw new Error(`the emergency backup did not report snapshot ${fresh}: ${JSON.stringify(emergency)}`);
  return {
    aimedPhaseMs: (t0 - polledAt) % AGENT_POLL_MS, phaseMs: AGENT_POLL_MS * Math.ceil((saw.at - t0) / AGENT_POLL_MS) - (saw.at - t0),
    ms, setStatusMs, upsdMs, agentSawMs: saw.at - t0, eventMs: emergency.at - t0, eventStampMs: Date.parse(emergency.time ?? '') - wall0,
    jobMs: Number(job.durationMs), snapshot: fresh, edit,
  };
}

/** Runs the power step (3 cuts, or BENCH_RUNS) on a copy of db0; a missing upsd or root makes it a skip, not a failure. */
export async function powerStep(db0: string): Promise<PowerResult> {
  log('power: UPS on battery (real upsd) -> emergency snapshot durable, 1% clustered change, lifeboat agent');
  const schedulesDisabled = defaultJobs('UTC').map((j) => j.id);
  const res: PowerResult = { runs: [], agentPollMs: AGENT_POLL_MS, driverPollMs: DRIVER_POLL_MS, schedulesDisabled };
  const skip = nutSkipReason();
  if (skip) {
    log(`  skipped: ${skip}`);
    return { ...res, skipped: skip };
  }
  const db = path.join(WORK, 'power.db');
  let nut: NutServer | undefined;
  let agent: AgentProc | undefined;
  let ctx: LbCtx | undefined;
  try {
    nut = await startNutServer();
    copyDb(db0, db);
    ctx = await newLb(path.join(WORK, 'power-lb'), db, DEFAULT_CHUNK_SIZE, null);
    // Nothing but the power cut may start a job while it is measured (the 15-minute backup could take the change).
    for (const id of schedulesDisabled) await lb(ctx, ['schedule', 'disable', id]);
    const first = await lbBackup(ctx);
    log(`  earlier snapshot: ${secs(first.ms)}`);
    let edit = editInvoices(db, EDIT_FRACTION, 'recent', editSeed('recent', 0));
    await lb(ctx, ['ups', 'add', nut.url]);
    agent = startAgent(ctx);
    const a = agent;
    await waitFor('"started" log line', a, eventAfter(a, 'started', 0));
    await waitFor('agent-status.json with the UPS online', a, () => agentPowerOnline(ctx!, a.child.pid));
    const runs = FORCED_RUNS ?? 3;
    // A `power` line is logged inside the poll that saw the change, so it marks a poll.
    let polledAt = (await waitFor('"power" log line (first reading: online)', a, eventAfter(a, 'power', 0, (e) => e.power === 'online'))).at;
    for (let i = 0; i < runs; i++) {
      if (i > 0) {
        // Power back: the agent checks every source (quick_check); then the office changes rows again.
        const t = performance.now();
        await nut.setStatus('OL');
        const back = await waitFor('"power" log line (back online)', a, eventAfter(a, 'power', t, (e) => e.power === 'online'));
        const checked = await waitFor('source check after power returned', a, eventAfter(a, 'source-check', t));
        // The check runs on the agent's main thread, inside that poll: a check longer than the poll interval
        // holds the next poll back until it ends, and the cycle starts again from there.
        polledAt = checked.at > back.at + AGENT_POLL_MS ? checked.at : back.at;
        edit = editInvoices(db, EDIT_FRACTION, 'recent', editSeed('recent', i));
      }
      const r = await cutOnce(nut, ctx, a, edit, polledAt, ((i + 0.5) / runs) * AGENT_POLL_MS);
      res.runs.push(r);
      log(`  run ${i + 1} (cut ${secs(r.phaseMs)} after an agent poll, aimed at ${secs(r.aimedPhaseMs)}): durable after ${secs(r.ms)} (upsd OB at ${secs(r.upsdMs)}, agent saw it at ${secs(r.agentSawMs)}, emergency job ${secs(r.jobMs)}; ` +
        `emergency-backup line at ${secs(r.eventMs)}); ${edit.invoices} invoices + ${edit.lines} lines changed`);
    }
  } catch (err) {
    res.error = (err as Error).message;
    log(`  error: ${res.error.split('\n')[0]}`);
  } finally {
    if (agent) await stopAgent(agent);
    await nut?.stop();
    if (ctx) fs.rmSync(ctx.dataDir, { recursive: true, force: true });
    for (const f of ['', '-wal', '-shm']) fs.rmSync(db + f, { force: true });
  }
  return res;
}
