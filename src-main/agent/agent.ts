import { EventEmitter } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import { LifeboatError } from '../core/errors.ts';
import { Lifeboat, type EngineOptions } from '../core/lifeboat.ts';
import { acquireLock, type HeldLock } from '../core/locks/process-lock.ts';
import { JobQueue, type JobOutcome, type JobSpec, type RunningJob as QueueJob } from '../core/jobs/job-queue.ts';
import { KV, backupChanged, checkSources, kvJson, restoreDrill, verifyAll } from '../core/jobs/routine-jobs.ts';
import { Scheduler } from '../core/schedule/scheduler.ts';
import { effectiveJobs } from '../core/settings/schedule-settings.ts';
import { UpsMonitor } from '../core/power/ups-monitor.ts';
import { osBatterySource, readOsBattery } from '../core/power/os-battery.ts';
import type { PowerSource } from '../core/power/power-source.ts';
import { withUpsPassword } from '../core/power/power-source-url.ts';
import { combine, type PowerLevel, type PowerReading } from '../core/power/power-state.ts';
import { healthVerdict, verdictChanged, type Verdict } from '../core/health/health-verdict.ts';
import { collectFacts } from '../core/health/collect-facts.ts';
import type { JobKind, PowerFacts, UncleanShutdownFacts } from '../core/health/health-facts.ts';
import { writeAgentStatus, type AgentStatus } from './agent-status.ts';
import { ChangeWatcher } from '../core/sources/change-watcher.ts';
import { copyToDrive } from '../core/drives/drive-copier.ts';
import type { DriveStatus } from '../core/drives/drive-registry.ts';
import { AgentDrives, type PresentDrive } from './agent-drives.ts';
import type { Logger } from './logger.ts';
import { OutboxWorker, type OutboxWorkerOptions } from '../core/offsite/outbox-worker.ts';
import { OUTBOX_BACKOFF } from '../core/offsite/offsite-sync.ts';
import { loadSettings } from '../core/settings/settings-store.ts';
import type { SecretStore } from '../core/settings/secret-store.ts';
import type { Notice } from '../../src-shared/contract.ts';
import { emergencyNotice, healthNotice, outcomeNotice, powerNotice, type NoticeDraft } from './agent-notices.ts';
import { AgentAlerts } from './agent-alerts.ts';

/** What the agent tells its faces (the dashboard, the desktop app): a new status, job progress, a notice. */
export interface AgentEvents {
  status: [];
  progress: [{ jobId: number; kind: string; source?: string; phase: string; done: number; total: number }];
  notice: [Notice];
}

export interface AgentOptions extends Pick<EngineOptions, 'dataDir' | 'passphrase'> {
  log: Logger;
  /** UPS poll interval (ms); tests shorten it. */
  powerPollMs?: number;
  /** How often the status file is refreshed even without changes (ages move on). */
  statusEveryMs?: number;
  /** Offsite outbox timing (tests shorten it). */
  outbox?: OutboxWorkerOptions;
  /** Where credentials live (default secrets.json in the data dir; the desktop app passes safeStorage). */
  secrets?: SecretStore;
}

const PAUSED_KEY = 'agent.paused';
const FIRST_READING_GRACE_MS = 5000;

const MARKER = 'agent.running';
/** The reading pushed by the desktop app's powerMonitor. */
const PUSHED_POWER = 'os-power';

/**
 * The headless agent: the engine, the job queue, the schedule and the power monitors, without a desktop.
 * One per data dir (a second one is refused). Publishes its status in agent-status.json and logs a status
 * line whenever the health verdict changes. stop() lets a running job finish, then releases everything.
 */
export class Agent {
  readonly lb: Lifeboat;
  private readonly opts: AgentOptions;
  private readonly log: Logger;
  private readonly lock: HeldLock;
  readonly queue = new JobQueue();
  /** 'status' after every recomputed verdict, 'progress' for running jobs, 'notice' for notifications. */
  readonly events = new EventEmitter<AgentEvents>();
  private scheduler: Scheduler | undefined;
  private monitors: UpsMonitor[] = [];
  private powerSources = 0;
  private watchers: ChangeWatcher[] = [];
  private outbox: OutboxWorker | undefined;
  private drives: AgentDrives | undefined;
  private monitorsStartedAt = 0;
  private settingsChain: Promise<unknown> = Promise.resolve();
  private readings = new Map<string, PowerReading>();
  private powerLevel: PowerLevel = 'unknown';
  private powerSince = new Date().toISOString();
  private emergency: PowerFacts['emergencyBackup'];
  private unclean: UncleanShutdownFacts | undefined;
  private current: QueueJob | undefined;
  private verdict: Verdict | undefined;
  /** The source the engine's last progress report was about. */
  private progressSource: string | undefined;
  private alerts: AgentAlerts | undefined;
  private timers: NodeJS.Timeout[] = [];
  readonly startedAt = new Date().toISOString();
  private stopping: Promise<void> | undefined;

  private constructor(lb: Lifeboat, lock: HeldLock, opts: AgentOptions) {
    this.lb = lb;
    this.lock = lock;
    this.opts = opts;
    this.log = opts.log;
  }

  static async start(opts: AgentOptions): Promise<Agent> {
    const dataDir = path.resolve(opts.dataDir);
    await fs.mkdir(dataDir, { recursive: true });
    const lock = await acquireLock(path.join(dataDir, 'locks'), { name: 'agent', kind: 'exclusive', purpose: 'the Lifeboat agent' }).catch((err: unknown) => {
      if (err instanceof LifeboatError && err.code === 'busy') throw new LifeboatError('busy', `another Lifeboat agent is already running for ${dataDir}: ${err.message.replace(/^busy: /, '')}`);
      throw err;
    });
    let agent: Agent | undefined;
    try {
      let onProgress: EngineOptions['onProgress'] = () => {};
      const lb = await Lifeboat.open({ dataDir, passphrase: opts.passphrase, initPassphrase: process.env.LIFEBOAT_PASSPHRASE || null, actor: 'agent', onProgress: (p) => onProgress?.(p), ...(opts.secrets ? { secrets: opts.secrets } : {}) });
      agent = new Agent(lb, lock, opts);
      const a = agent;
      onProgress = (p) => {
        a.progressSource = p.source; // a backup of every source reports which one it is on
        a.current?.progress(p.phase, p.done, p.total);
      };
      await a.boot();
      return a;
    } catch (err) {
      if (agent) await agent.stop();
      else await lock.release();
      throw err;
    }
  }

  private async boot(): Promise<void> {
    const lb = this.lb;
    await lb.repository(); // a wrong passphrase stops the agent here, with one clear message
    if (!lb.catalog.get(KV.installedAt)) lb.catalog.set(KV.installedAt, JSON.stringify(new Date().toISOString()));
    const lastSeen = kvJson<string>(lb, KV.lastSeenAlive);

    // A marker left by a previous agent means it did not stop cleanly (power cut, kill -9, crash).
    const marker = path.join(lb.dataDir, MARKER);
    const wasUnclean = await fs.stat(marker).then(() => true, () => false);
    await fs.writeFile(marker, JSON.stringify({ pid: process.pid, startedAt: this.startedAt }));
    if (wasUnclean) {
      this.unclean = { detectedAt: new Date().toISOString(), state: 'checking' };
      this.log.warn({ event: 'unclean-shutdown' }, 'the previous run did not stop cleanly: checking every source');
      void this.submit({ key: 'source-check', kind: 'source-check', reason: 'unclean shutdown', priority: 'user', run: async () => {
        const results = await checkSources(lb);
        const problems = results.filter((r) => !r.ok).map((r) => ({ source: r.source, message: r.message }));
        this.unclean = { detectedAt: this.unclean!.detectedAt, state: 'done', problems };
        lb.catalog.addHistory({ op: 'source-check', source: null, snapshot: null, actor: 'agent', result: problems.length ? 'warning' : 'ok', detail: `after an unclean shutdown: ${results.map((r) => `${r.source}: ${r.message}`).join('; ') || 'no SQLite sources'}`, durationMs: 0 });
        this.log.info({ event: 'source-check', results }, problems.length ? 'source check found problems' : 'every source checked ok');
        return results;
      } });
    }

    this.queue.on('change', () => void this.refresh());
    this.queue.on('done', (o) => {
      this.log[o.ok ? 'info' : 'error']({ event: 'job-done', job: o.kind, reason: o.reason, ok: o.ok, error: o.error, durationMs: o.durationMs }, `${o.kind} ${o.ok ? 'done' : 'failed'}`);
      this.noticeFor(o);
    });

    const missed = this.startScheduler(lastSeen ? new Date(lastSeen) : undefined);
    if (missed.length) this.log.info({ event: 'catch-up', jobs: missed.map((m) => m.id) }, `catching up ${missed.length} job(s) missed while Lifeboat was not running`);
    await this.startMonitors();
    this.startWatchers();

    this.drives = new AgentDrives(lb, this.log, { plugged: (d) => void this.copyToDrive(d, 'user'), changed: () => void this.refresh() });
    await this.drives.start();
    this.startOutbox();
    this.alerts = new AgentAlerts(lb, this.log);

    const beat = () => lb.catalog.set(KV.lastSeenAlive, JSON.stringify(new Date().toISOString()));
    beat();
    this.timers.push(setInterval(beat, 60_000), setInterval(() => void this.refresh(), this.opts.statusEveryMs ?? 30_000));
    this.log.info({ event: 'started', dataDir: lb.dataDir, sources: lb.settings.sources.map((s) => s.name), ups: this.monitors.map((m) => m.source.name), schedule: this.scheduler?.upcoming().map((u) => ({ id: u.id, next: u.next.toISOString() })) }, 'Lifeboat agent started');
    await this.refresh();
  }

  /** Failed backups and checks become notices (a check finding damage too, though its job succeeded). */
  private noticeFor(o: JobOutcome): void {
    const n = outcomeNotice(o);
    if (n) this.notice(n);
  }

  private startScheduler(lastSeen?: Date) {
    const lb = this.lb;
    const jobs = effectiveJobs(lb.settings);
    this.scheduler = new Scheduler({
      jobs: jobs.map((j) => ({ id: j.id, cron: j.cron, tz: j.tz, enabled: j.enabled })),
      store: { get: (id) => kvJson<string>(lb, KV.schedule(id)), set: (id, iso) => lb.catalog.set(KV.schedule(id), JSON.stringify(iso)) },
      run: (id, why) => this.runScheduled(id, why),
    });
    return this.scheduler.start(lastSeen);
  }

  private async startMonitors(): Promise<void> {
    const lb = this.lb;
    // The OS battery counts as a power source only on a machine that has one (a laptop, or a UPS on USB
    // that the OS shows as a battery); on a desktop it would only ever say "unknown".
    // Passwords of UPS accounts live in the secret store, not in settings.json.
    const sources: Array<string | PowerSource> = await Promise.all((lb.settings.ups ?? []).map((u) => withUpsPassword(u, lb.secrets)));
    if (lb.settings.osBattery !== false && (await readOsBattery()).detail !== 'no battery') sources.push(osBatterySource());
    this.powerSources = sources.length + (this.readings.has(PUSHED_POWER) ? 1 : 0);
    if (this.stopping) return;
    const monitors: UpsMonitor[] = [];
    this.monitorsStartedAt = Date.now();
    for (const url of sources) {
      // Every second: a NUT or NIS request is a few bytes on a kept-open connection, and a power cut should
      // be seen at once (the emergency snapshot races the battery).
      const m = new UpsMonitor(url, { intervalMs: this.opts.powerPollMs ?? 1000 });
      m.on('reading', (r) => this.onReading(r));
      m.on('change', (r, prev) => this.log.info({ event: 'ups', source: r.source, power: r.level, previous: prev?.level, detail: r.detail }, `UPS ${r.source}: ${r.level}`));
      m.start();
      monitors.push(m);
    }
    this.monitors = monitors;
  }

  private startWatchers(): void {
    const lb = this.lb;
    const timing = lb.settings.watchTiming ?? {};
    for (const src of lb.settings.sources.filter((s) => s.watch && s.kind === 'sqlite')) {
      const w = new ChangeWatcher(src.path, {
        quietMs: (timing.quietSeconds ?? 10) * 1000,
        minIntervalMs: (timing.minIntervalSeconds ?? 60) * 1000,
        onQuiet: () => {
          if (this.pausedNow()) return;
          void this.submit({ key: `watch:${src.name}`, kind: 'backup', source: src.name, reason: 'change', priority: 'schedule', run: () => backupChanged(lb, 'change', [src.name]) });
        },
        onError: (err) => this.log.warn({ event: 'watch-error', source: src.name, error: err.message }, `cannot watch ${src.name}`),
      });
      w.start();
      this.watchers.push(w);
    }
  }

  /**
   * Changes settings one at a time (the dashboard, the desktop app and their users may save at once): `fn`
   * runs with `lb.settings` fresh from disk and may save them; then they are applied. Never two at once, so no
   * save is lost and no monitor is started twice.
   */
  changeSettings<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.settingsChain.then(async () => {
      if (this.stopping) throw new LifeboatError('busy', 'Lifeboat is stopping: try again after it has started');
      this.lb.settings = await loadSettings(this.lb.dataDir);
      const result = await fn();
      await this.applySettings();
      return result;
    });
    this.settingsChain = run.catch(() => {});
    return run;
  }

  /** Applies settings changed on disk (by the CLI, or anything else that wrote settings.json). */
  reconfigure(): Promise<void> {
    return this.changeSettings(async () => {});
  }

  /**
   * Restarts the schedule, the UPS monitors, the change watchers, the drive policy and the alerts with the
   * settings in force. A running job is not disturbed. Called only through changeSettings (one at a time).
   */
  private async applySettings(): Promise<void> {
    this.lb.settings = await loadSettings(this.lb.dataDir);
    if (this.stopping) return;
    this.scheduler?.stop();
    this.startScheduler();
    for (const m of this.monitors) void m.stop();
    this.monitors = [];
    for (const key of [...this.readings.keys()]) if (key !== PUSHED_POWER) this.readings.delete(key);
    await this.startMonitors();
    if (this.stopping) return;
    for (const w of this.watchers) w.close();
    this.watchers = [];
    this.startWatchers();
    await this.drives?.reload();
    if (!this.outbox) this.startOutbox();
    this.alerts?.reload();
    this.log.info({ event: 'reconfigured', schedule: this.scheduler?.upcoming().map((u) => ({ id: u.id, next: u.next.toISOString() })) }, 'settings applied');
    await this.refresh();
  }

  /**
   * A power reading from outside the agent's own monitors: the desktop app's powerMonitor (on-battery /
   * on-ac on Windows and macOS). It feeds the same power state as NUT and apcupsd.
   */
  pushPowerReading(r: PowerReading): void {
    if (!this.readings.has(PUSHED_POWER)) this.powerSources++;
    this.onReading({ ...r, source: PUSHED_POWER });
  }

  /**
   * The machine is shutting down: a snapshot of every source that changed, within `timeBoxMs`. Resolves
   * when done or when the time is up (the snapshot then continues until the process ends; an unfinished
   * snapshot never counts, its manifest is written last).
   */
  async shutdownSnapshot(timeBoxMs: number): Promise<{ ok: boolean; timedOut: boolean; snapshots: number }> {
    const run = this.submit({ key: 'shutdown', kind: 'emergency-backup', reason: 'shutdown', priority: 'emergency', run: () => backupChanged(this.lb, 'shutdown') });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeBoxMs)));
    const r = await Promise.race([run, timeout]);
    clearTimeout(timer);
    if (r === 'timeout') return { ok: false, timedOut: true, snapshots: 0 };
    const res = r.result as Awaited<ReturnType<typeof backupChanged>> | undefined;
    return { ok: r.ok && !(res?.errors.length), timedOut: false, snapshots: res?.snapshots.length ?? 0 };
  }

  /** After the machine wakes from sleep: run what fell due meanwhile (the scheduler's own tick). */
  catchUp(): void {
    this.scheduler?.tick();
  }

  /** Pauses scheduled and on-change backups (emergency backups on power loss still run). */
  pause(minutes?: number): void {
    const until = minutes ? new Date(Date.now() + minutes * 60_000).toISOString() : undefined;
    this.lb.catalog.set(PAUSED_KEY, JSON.stringify(until ? { until } : {}));
    this.lb.catalog.addHistory({ op: 'pause', source: null, snapshot: null, actor: 'agent', result: 'warning', detail: until ? `paused until ${until}` : 'paused until resumed', durationMs: 0 });
    void this.refresh();
  }

  resume(): void {
    this.lb.catalog.set(PAUSED_KEY, 'null');
    this.lb.catalog.addHistory({ op: 'resume', source: null, snapshot: null, actor: 'agent', result: 'ok', detail: 'protection resumed', durationMs: 0 });
    void this.refresh();
  }

  /** The pause in force now, if any (an expired one is cleared). */
  pausedNow(): { until?: string } | undefined {
    const p = kvJson<{ until?: string } | null>(this.lb, PAUSED_KEY) ?? undefined;
    if (p?.until && Date.parse(p.until) <= Date.now()) {
      this.lb.catalog.set(PAUSED_KEY, 'null');
      return undefined;
    }
    return p ?? undefined;
  }

  /** Every remembered or present drive, from the volumes last seen (no new scan). */
  async driveStatus(): Promise<DriveStatus[]> {
    return this.drives?.list() ?? [];
  }

  /** The drive registry and policy (adopt, forget). */
  get driveContext() {
    return this.drives?.ctx;
  }

  /** Looks at the mounted volumes again now (after a drive was adopted or forgotten). */
  async rescanDrives(): Promise<void> {
    await this.drives?.rescan();
    await this.refresh();
  }

  /**
   * Changes the local repository's passphrase: the master key is re-wrapped with the new one (no data is
   * re-encrypted). Copies on drives and targets keep the passphrase they were made with until they are
   * made again; the caller says so.
   */
  async changePassphrase(current: string | undefined, next: string): Promise<void> {
    const repo = await this.lb.repository();
    await repo.changePassphrase(current, next);
    this.lb.catalog.addHistory({ op: 'passphrase', source: null, snapshot: null, actor: 'agent', result: 'ok', detail: 'the repository passphrase was changed', durationMs: 0 });
  }

  /** Whether the local repository is encrypted. */
  async encrypted(): Promise<boolean> {
    return (await this.lb.repository()).keys !== null;
  }

  notice(n: NoticeDraft): void {
    this.events.emit('notice', { ...n, time: new Date().toISOString() });
  }

  /** Sends snapshots offsite in the background; woken by every finished job (a new snapshot may be waiting). */
  private startOutbox(): void {
    if (!this.lb.offsite.targets().length) return;
    this.lb.offsite.setLog(this.log);
    const timing = this.lb.settings.outbox ?? {};
    this.outbox = new OutboxWorker(this.lb, this.opts.outbox ?? {
      tickMs: (timing.tickSeconds ?? 15) * 1000,
      reachabilityMs: (timing.tickSeconds ?? 60) * 1000,
      deps: { backoff: { ...OUTBOX_BACKOFF, initialMs: (timing.retryMinSeconds ?? 30) * 1000, maxMs: (timing.retryMaxSeconds ?? 3600) * 1000 } },
    });
    this.outbox.on('report', (r) => {
      const level = r.state === 'stopped' ? 'error' : r.state === 'retrying' ? 'warn' : 'info';
      this.log[level]({ event: 'offsite', target: r.target, state: r.state, sent: r.sent, dropped: r.dropped.length, remaining: r.remaining, bytes: r.bytesSent, packsResumed: r.packsResumed, bytesResumed: r.bytesResumed, removedRemote: r.removedRemote.length, error: r.error, retryAt: r.retryAt }, `offsite ${r.target}: ${r.state}${r.error ? `: ${r.error}` : ''}`);
      void this.refresh();
    });
    this.outbox.on('error', (err) => this.log.error({ event: 'offsite-error', error: err.message }, `offsite: ${err.message}`));
    this.queue.on('done', () => this.outbox?.kick());
    this.outbox.start();
  }

  private copyToDrive(drive: PresentDrive, priority: 'user' | 'emergency') {
    const ctx = this.drives!.ctx!;
    return this.submit({ key: `usb:${drive.id}`, kind: 'usb-copy', reason: priority === 'emergency' ? 'power' : 'drive plugged in', priority, run: async (job) => {
      const r = await copyToDrive(this.lb, drive, ctx.policy, (e) => {
        if (e.type === 'progress') job.progress(`drive ${e.phase}`, e.done, e.total);
        if (e.type === 'safe-to-remove') this.notice({ kind: 'usb-safe-to-remove', level: 'ok', key: `usb:${drive.id}`, title: `${e.drive.label || 'The drive'} is safe to remove`, body: `${e.copied.length} snapshot(s) copied and verified.` });
        if (e.type === 'error') this.notice({ kind: 'usb-copy-failed', level: 'warning', key: `usb:${drive.id}`, title: `Copy to ${e.drive.label || 'the drive'} failed`, body: e.message });
        if (e.type === 'safe-to-remove') this.log.info({ event: 'drive-safe-to-remove', drive: e.drive.label || e.drive.id, mount: e.drive.mount, copied: e.copied, bytes: e.bytes, durationMs: e.durationMs }, `drive ${e.drive.label || e.drive.mount}: ${e.copied.length} snapshot(s) copied and verified: safe to remove`);
        if (e.type === 'error') this.log.error({ event: 'drive-error', drive: e.drive.label || e.drive.id, code: e.code, error: e.message }, e.message);
      }, { registry: ctx.registry, timeZone: ctx.timeZone });
      await this.drives!.updateFacts();
      if (!r.ok) throw new Error(r.error?.message ?? 'copy to the drive failed');
      return r;
    } });
  }

  /** Queues a job, tracking which one runs so engine progress reaches the right place. */
  submit(spec: JobSpec) {
    return this.queue.submit({ ...spec, run: async (job) => {
      this.current = job;
      this.progressSource = undefined;
      const progress = job.progress;
      job.progress = (phase, done, total) => {
        progress(phase, done, total);
        const source = spec.source ?? this.progressSource;
        this.events.emit('progress', { jobId: job.id, kind: spec.kind, ...(source ? { source } : {}), phase, done, total });
      };
      try {
        return await spec.run(job);
      } finally {
        this.current = undefined;
      }
    } });
  }

  private runScheduled(id: string, why: string) {
    const lb = this.lb;
    const run: Record<string, (job: QueueJob) => Promise<unknown>> = {
      backup: () => backupChanged(lb, 'schedule'),
      prune: () => lb.prune(),
      'quick-verify': (job) => verifyAll(lb, false, job.signal),
      'deep-verify': (job) => verifyAll(lb, true, job.signal),
      'restore-drill': (job) => restoreDrill(lb, job.signal),
    };
    const fn = run[id];
    if (!fn) return Promise.resolve();
    if (id === 'backup' && this.pausedNow()) {
      this.log.info({ event: 'paused-skip', job: id }, 'protection is paused: scheduled backup skipped');
      return Promise.resolve();
    }
    // Checks only read: a power cut may interrupt them (they run again at their next time).
    const cancellable = id === 'quick-verify' || id === 'deep-verify' || id === 'restore-drill';
    return this.submit({ key: id, kind: id, reason: why, priority: 'schedule', cancellable, run: fn });
  }

  private onReading(r: PowerReading): void {
    const sourceChanged = this.readings.get(r.source)?.level !== r.level;
    this.readings.set(r.source, r);
    const combined = combine([...this.readings.values()]);
    if (combined.level === this.powerLevel) {
      if (sourceChanged) void this.refresh(); // e.g. the first reading, or one UPS of two going quiet
      return;
    }
    const previous = this.powerLevel;
    this.powerLevel = combined.level;
    this.powerSince = new Date().toISOString();
    this.log.warn({ event: 'power', power: combined.level, previous, source: combined.source, charge: combined.charge, runtimeSeconds: combined.runtimeSeconds }, `power: ${combined.level}`);
    this.lb.catalog.addHistory({ op: 'power', source: null, snapshot: null, actor: combined.source, result: combined.level === 'online' ? 'ok' : 'warning', detail: `${previous} -> ${combined.level}${combined.detail ? ` (${combined.detail})` : ''}`, durationMs: 0 });
    const said = powerNotice(previous, combined);
    if (said) this.notice(said);
    if (combined.level === 'on-battery') void this.emergencyBackup('power');
    else if (combined.level === 'low-battery') void this.emergencyBackup(previous === 'on-battery' ? 'power-low' : 'power');
    else if (combined.level === 'online' && (previous === 'on-battery' || previous === 'low-battery')) {
      this.emergency = undefined;
      void this.submit({ key: 'source-check', kind: 'source-check', reason: 'power restored', priority: 'user', run: async () => {
        const results = await checkSources(this.lb);
        this.lb.catalog.addHistory({ op: 'source-check', source: null, snapshot: null, actor: 'agent', result: results.every((r) => r.ok) ? 'ok' : 'warning', detail: `power restored: ${results.map((r) => `${r.source}: ${r.message}`).join('; ') || 'no SQLite sources'}`, durationMs: 0 });
        this.log.info({ event: 'source-check', results }, 'power restored: sources checked');
        return results;
      } });
    }
    void this.refresh();
  }

  /**
   * On battery: at the highest priority, a snapshot of every source that changed since its last one. A
   * source being snapshotted right now is not snapshotted twice: the queue runs one job at a time and
   * unchanged sources are skipped.
   */
  private async emergencyBackup(reason: 'power' | 'power-low') {
    this.emergency = { state: 'running', at: new Date().toISOString() };
    const outcome = await this.submit({ key: `emergency:${reason}`, kind: 'emergency-backup', reason, priority: 'emergency', run: () => backupChanged(this.lb, reason) });
    // Then, while the battery lasts, onto any adopted drive that is plugged in.
    for (const d of this.drives?.present ?? []) void this.copyToDrive(d, 'emergency');
    const r = outcome.result as Awaited<ReturnType<typeof backupChanged>> | undefined;
    const failed = !outcome.ok || (r?.errors.length ?? 0) > 0;
    this.emergency = { state: failed ? 'failed' : 'done', at: new Date().toISOString(), ...(failed ? { error: outcome.error ?? r?.errors.map((e) => `${e.source}: ${e.error}`).join('; ') } : {}) };
    this.notice(emergencyNotice(r, failed ? (this.emergency.error ?? '') : undefined));
    this.log.warn({ event: 'emergency-backup', reason, ok: !failed, snapshots: r?.snapshots.map((m) => ({ id: m.id, source: m.source.name })), skipped: r?.skipped }, `emergency backup ${failed ? 'failed' : 'done'}`);
    await this.refresh();
  }

  /** Recomputes the verdict and publishes the status; logs a status line when the verdict changes. */
  private async refresh(): Promise<void> {
    if (this.stopping) return;
    try {
      const jobs = this.queue.list().filter((j) => j.state === 'running').map((j) => ({ kind: j.kind as JobKind, ...(j.source ? { source: j.source } : {}), ...(j.phase ? { phase: j.phase } : {}), ...(j.done !== undefined ? { done: j.done, total: j.total } : {}) }));
      const upload = this.outbox?.current();
      if (upload) jobs.push(upload);
      // Until the first reading of newly started monitors (a few seconds at most: they time out at 3 s), the
      // power state is not known yet, which is not the same as a UPS that does not answer.
      const firstReadingDue = this.readings.size === 0 && Date.now() - this.monitorsStartedAt < FIRST_READING_GRACE_MS;
      const upsConfigured = this.powerSources > 0 && !firstReadingDue;
      const power: PowerFacts | undefined = upsConfigured ? { state: this.powerLevel, since: this.powerSince, upsConfigured, ...(this.emergency ? { emergencyBackup: this.emergency } : {}) } : undefined;
      const paused = this.pausedNow();
      const facts = await collectFacts(this.lb, { jobs, ...(power ? { power } : {}), ...(paused ? { paused } : {}), ...(this.drives?.facts ? { usb: this.drives.facts } : {}), ...(this.unclean ? { uncleanShutdown: this.unclean } : {}) });
      const verdict = healthVerdict(facts, new Date());
      const changed = healthNotice(this.verdict, verdict);
      if (changed) this.notice(changed);
      if (verdictChanged(this.verdict, verdict)) this.log.info({ event: 'status', health: verdict.level, reasons: verdict.reasons.filter((r) => r.level !== 'ok').map((r) => r.text) }, `status: ${verdict.level}: ${verdict.reasons[0]?.text ?? ''}`);
      const previous = this.verdict;
      this.verdict = verdict;
      void this.alerts?.onVerdict(previous, verdict);
      await writeAgentStatus(this.lb.dataDir, this.status());
      this.events.emit('status');
    } catch (err) {
      this.log.error({ event: 'status-error', error: (err as Error).message }, 'could not update the status');
    }
  }

  status(): AgentStatus {
    return {
      pid: process.pid, startedAt: this.startedAt, updatedAt: new Date().toISOString(), running: !this.stopping,
      verdict: this.verdict ?? { level: 'working', reasons: [] },
      power: [...this.readings.values()],
      jobs: this.queue.list(),
      nextRuns: this.scheduler?.upcoming().map((u) => ({ id: u.id, next: u.next.toISOString() })) ?? [],
    };
  }

  get verdictNow(): Verdict | undefined {
    return this.verdict;
  }

  /** Stops safely: no new jobs, the running one finishes, monitors close, the marker and lock are removed. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info({ event: 'stopping', running: this.queue.list().filter((j) => j.state === 'running').map((j) => j.kind) }, 'stopping: letting the running job finish');
      for (const t of this.timers) clearInterval(t);
      this.scheduler?.stop();
      for (const m of this.monitors) void m.stop();
      for (const w of this.watchers) w.close();
      this.drives?.stop();
      await this.outbox?.stop();
      await this.queue.stop();
      await writeAgentStatus(this.lb.dataDir, { ...this.status(), running: false }).catch(() => {});
      this.lb.catalog.set(KV.lastSeenAlive, JSON.stringify(new Date().toISOString()));
      await fs.rm(path.join(this.lb.dataDir, MARKER), { force: true });
      this.lb.close();
      await this.lock.release();
      this.log.info({ event: 'stopped' }, 'Lifeboat agent stopped');
    })();
    return this.stopping;
  }
}
