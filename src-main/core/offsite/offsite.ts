import path from 'node:path';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { explainFsError, LifeboatError } from '../errors.ts';
import type { Lifeboat } from '../lifeboat.ts';
import type { Manifest } from '../repository/manifest.ts';
import { Repository } from '../repository/repository.ts';
import { readConfig } from '../repository/repo-config.ts';
import { copySnapshots } from '../engine/copy-snapshots.ts';
import { acquireLock } from '../locks/process-lock.ts';
import { verifySnapshots, type VerifyReport } from '../engine/verify.ts';
import { saveSettings, validateTarget } from '../settings/settings-store.ts';
import type { TargetConfig } from '../settings/settings-types.ts';
import { targetSecretKey, type SecretStore } from '../settings/secret-store.ts';
import { settingsTimeZone } from '../settings/schedule-settings.ts';
import type { OffsiteFacts } from '../health/health-facts.ts';
import { RetryTarget, type TargetLog } from '../targets/target-wrappers.ts';
import type { Target } from '../targets/target.ts';
import { Outbox } from './outbox.ts';
import { openBare, openSpec, openTarget } from './open-target.ts';
import { parseTargetUrl } from './target-url.ts';
import { syncTarget, type SyncDeps, type SyncReport } from './offsite-sync.ts';
import { testTarget, type TargetTestReport } from './target-test.ts';

export interface AddTargetInput {
  name: string;
  url: string;
  keyFile?: string;
  passwordEnv?: string;
  /** A password given another way (stdin, a prompt); stored in the secret store. */
  password?: string;
  bandwidth?: string;
  rcloneConfig?: string;
  retention?: TargetConfig['retention'];
}

/** Emergency snapshots (the power is failing) go to the front of every target's queue. */
const EMERGENCY_REASONS = new Set(['power', 'power-low']);

/**
 * Offsite copies for one data dir: the targets in settings, their credentials in the secret store, and the
 * durable outbox in the catalog. Used by the CLI, the agent and the app alike (through Lifeboat.offsite).
 */
export class Offsite {
  readonly outbox: Outbox;
  readonly secrets: SecretStore;
  private readonly lb: Lifeboat;
  private log: TargetLog | undefined;

  constructor(lb: Lifeboat) {
    this.lb = lb;
    this.outbox = new Outbox(lb.catalog.db);
    this.secrets = lb.secrets;
  }

  /** Where target operations log (the agent's logger); nothing by default. */
  setLog(log: TargetLog): void {
    this.log = log;
  }

  targets(): TargetConfig[] {
    return this.lb.settings.targets ?? [];
  }

  target(name: string): TargetConfig {
    const t = this.targets().find((x) => x.name === name);
    if (!t) throw new LifeboatError('not-found', `no target named ${name} (see "lifeboat target list")`);
    return t;
  }

  /**
   * Adds a target. A password in the URL or given as `password` goes to the secret store, never to
   * settings.json. The newest snapshot of each source is queued at once, so the first sync has work.
   */
  async add(input: AddTargetInput): Promise<TargetConfig> {
    if (this.targets().some((t) => t.name === input.name)) throw new LifeboatError('exists', `a target named ${input.name} already exists`);
    const parsed = parseTargetUrl(input.url);
    const password = input.password ?? parsed.password;
    if (password && input.passwordEnv) throw new LifeboatError('bad-input', 'give the password either in the environment variable or another way, not both');
    const config = validateTarget({
      name: input.name,
      url: parsed.url,
      ...(input.keyFile ? { keyFile: path.resolve(input.keyFile) } : {}),
      ...(input.passwordEnv ? { passwordEnv: input.passwordEnv } : {}),
      ...(password ? { storedSecret: true } : {}),
      ...(input.bandwidth ? { bandwidth: input.bandwidth } : {}),
      ...(input.rcloneConfig ? { rcloneConfig: path.resolve(input.rcloneConfig) } : {}),
      ...(input.retention ? { retention: input.retention } : {}),
    });
    if (parsed.spec.kind === 'file') await makeFolder(parsed.spec.path);
    if (password) await this.secrets.set(targetSecretKey(config.name), password);
    this.lb.settings.targets = [...this.targets(), config];
    await saveSettings(this.lb.dataDir, this.lb.settings);
    const newest = new Map<string, { id: string; time: string }>();
    for (const r of this.lb.catalog.snapshots()) if (!r.damaged && !newest.has(r.source)) newest.set(r.source, r);
    for (const r of newest.values()) this.outbox.enqueue(config.name, r);
    this.lb.catalog.addHistory({ op: 'target-add', source: null, snapshot: null, actor: this.lb.actor, result: 'ok', detail: `${config.name}: ${config.url}`, durationMs: 0 });
    return config;
  }

  /** Removes a target from settings, its secret and its queue. What it already holds stays there. */
  async remove(name: string): Promise<{ dropped: number }> {
    this.target(name);
    this.lb.settings.targets = this.targets().filter((t) => t.name !== name);
    await saveSettings(this.lb.dataDir, this.lb.settings);
    await this.secrets.delete(targetSecretKey(name));
    const dropped = this.outbox.dropTarget(name);
    this.lb.catalog.addHistory({ op: 'target-remove', source: null, snapshot: null, actor: this.lb.actor, result: 'ok', detail: `${name}: ${dropped} waiting upload(s) dropped; the copies on it were left alone`, durationMs: 0 });
    return { dropped };
  }

  /** Queues a new snapshot for every target that takes its source. */
  enqueue(m: Manifest): void {
    for (const t of this.targets()) {
      if (t.sources && !t.sources.includes(m.source.name)) continue;
      this.outbox.enqueue(t.name, { id: m.id, time: m.time, emergency: EMERGENCY_REASONS.has(m.reason) });
    }
  }

  /** The target, wrapped for use (retries, bandwidth, logs). */
  async open(name: string, retry?: ConstructorParameters<typeof RetryTarget>[1]): Promise<Target> {
    return openTarget(this.target(name), { dataDir: this.lb.dataDir, secrets: this.secrets, log: this.log, timeZone: settingsTimeZone(this.lb.settings), retry });
  }

  /** Sends what waits for one target or all. `force` (a person asked) ignores the backoff and a stop. */
  async sync(opts: { name?: string; force?: boolean; signal?: AbortSignal; onProgress?: SyncDeps['onProgress']; deps?: Partial<SyncDeps>; /** How long to wait for another process sending to the same target (default 10 min; 0: skip it). */ lockWaitMs?: number } = {}): Promise<SyncReport[]> {
    const names = opts.name ? [this.target(opts.name).name] : this.targets().map((t) => t.name);
    const base = await this.lb.repository();
    // Its own handle on the local repository: uploads run beside backups and verifies, and closing files at
    // the end of a copy must not close theirs.
    const repo = base.keys ? await Repository.openWithKeys(base.dir, base.keys) : await Repository.open(base.dir, async () => '');
    await this.lb.syncCatalog();
    const reports: SyncReport[] = [];
    for (const name of names) {
      const config = this.target(name);
      // One sender per target (the agent, or a "lifeboat sync" beside it): two would race on the remote index.
      const lock = await acquireLock(path.join(this.lb.dataDir, 'locks'), { name: `target-${name}`, kind: 'exclusive', purpose: `upload to ${name}`, waitMs: opts.lockWaitMs ?? 10 * 60_000 }).catch((err: unknown) => {
        if (opts.lockWaitMs === 0 && err instanceof LifeboatError && err.code === 'busy') return undefined;
        throw err;
      });
      if (!lock) continue;
      try {
        let target: Target;
        try {
          target = await this.open(name, { signal: opts.signal });
        } catch (err) {
          // A missing key file or an unset password variable: this target's problem, shown as its state,
          // and the other targets still get their copies.
          const message = (err as Error).message;
          this.outbox.recordStopped(name, message);
          reports.push({ target: name, state: 'stopped', sent: [], dropped: [], remaining: this.outbox.pending(name).length, removedRemote: [], bytesSent: 0, packsResumed: 0, bytesResumed: 0, error: message });
          continue;
        }
        reports.push(await syncTarget({
          repo, outbox: this.outbox, catalog: this.lb.catalog, name, target,
          retention: config.retention ?? this.lb.settings.retention, timeZone: settingsTimeZone(this.lb.settings),
          actor: this.lb.actor, signal: opts.signal, onProgress: opts.onProgress, parallel: config.bandwidth ? 1 : 3, ...opts.deps,
        }, { force: opts.force }));
      } finally {
        await lock.release();
      }
    }
    return reports;
  }

  /** Checks a target end to end (reachability, credentials, write/read/delete, free space); clears a stop when all pass. */
  async test(name: string): Promise<TargetTestReport> {
    const config = this.target(name);
    const report = await testTarget(() => openBare(config, { dataDir: this.lb.dataDir, secrets: this.secrets }), this.lb.settings.repositoryId);
    if (report.ok) this.outbox.resume(name);
    return report;
  }

  /** Verifies every snapshot a target holds, reading it back over the network (deep: rebuilds and checks each). */
  async verify(name: string, opts: { deep?: boolean; signal?: AbortSignal } = {}): Promise<VerifyReport> {
    const target = await this.open(name, { signal: opts.signal });
    try {
      const remote = await Repository.openTarget(target, { passphrase: this.lb.passphraseSource });
      const started = Date.now();
      const report = await verifySnapshots(remote, await remote.listSnapshotIds(), { deep: !!opts.deep, tmpDir: this.lb.tmpDir, signal: opts.signal });
      const bad = report.snapshots.filter((v) => !v.ok);
      this.lb.catalog.addHistory({ op: `offsite-verify-${report.level}`, source: null, snapshot: null, actor: this.lb.actor, result: report.ok ? 'ok' : 'failed', detail: `${name}: ${report.ok ? `${report.snapshots.length} snapshot(s) ok` : `damaged: ${bad.map((b) => b.id).join(', ')}`}`, durationMs: Date.now() - started });
      return report;
    } finally {
      await target.close();
    }
  }

  facts(): OffsiteFacts[] {
    return this.targets().map((t) => this.outbox.facts(t.name, t.warnAfterHours));
  }

  /**
   * The snapshots a configured target holds (newest first), read from its manifests: what a restore from
   * the target can offer when the local repository is gone.
   */
  async remoteSnapshots(from: string): Promise<Manifest[]> {
    const target = new RetryTarget(await openBare(this.target(from), { dataDir: this.lb.dataDir, secrets: this.secrets }));
    try {
      const remote = await Repository.openTarget(target, { passphrase: this.lb.passphraseSource });
      const all: Manifest[] = [];
      for (const id of await remote.listSnapshotIds()) {
        const m = await remote.loadManifest(id).catch(() => undefined);
        if (m) all.push(m);
      }
      return all.sort((x, y) => (x.time < y.time ? 1 : -1));
    } finally {
      await target.close();
    }
  }

  /**
   * Brings snapshot `ref` of a target (a configured name or a URL) into a local repository, for a restore on
   * a new machine: into this data dir's repository when it is absent or the target's twin, else into a
   * cache repository beside it. Returns that repository's folder and the snapshot id.
   */
  async pull(from: string, ref: string, opts: { source?: string; keyFile?: string; password?: string; onProgress?: (done: number, total: number) => void } = {}): Promise<{ repoDir: string; id: string; manifest: Manifest }> {
    const configured = this.targets().find((t) => t.name === from);
    const target = new RetryTarget(configured
      ? await openBare(configured, { dataDir: this.lb.dataDir, secrets: this.secrets })
      : await openSpec(parseTargetUrl(from).spec, { password: opts.password ?? parseTargetUrl(from).password, keyFile: opts.keyFile, knownHostsFile: path.join(this.lb.dataDir, 'known_hosts') }));
    try {
      const remote = await Repository.openTarget(target, { passphrase: this.lb.passphraseSource });
      const manifest = await pickSnapshot(remote, ref, opts.source);
      const localDir = this.lb.repoDir;
      const local = await Repository.exists(localDir) ? (await readConfig(localDir))?.id : undefined;
      const repoDir = local === undefined || local === remote.config.id ? localDir : path.join(this.lb.dataDir, 'restore-cache', crypto.createHash('sha256').update(remote.config.id).digest('hex').slice(0, 16));
      await fs.mkdir(path.dirname(repoDir), { recursive: true });
      await copySnapshots(remote, repoDir, [manifest.id], { onProgress: opts.onProgress });
      return { repoDir, id: manifest.id, manifest };
    } finally {
      await target.close();
    }
  }
}

/** 'latest' (of `source`, or of the only source) or an id prefix, among a remote repository's snapshots. */
async function pickSnapshot(remote: Repository, ref: string, source?: string): Promise<Manifest> {
  const all: Manifest[] = [];
  for (const id of await remote.listSnapshotIds()) {
    const m = await remote.loadManifest(id).catch(() => undefined);
    if (m && (!source || m.source.name === source)) all.push(m);
  }
  all.sort((a, b) => (a.time < b.time ? 1 : -1));
  if (ref === 'latest') {
    const sources = new Set(all.map((m) => m.source.name));
    if (!source && sources.size > 1) throw new LifeboatError('bad-input', `the target holds snapshots of several sources (${[...sources].join(', ')}): say which with --source`);
    const m = all.find((x) => x.reason !== 'pre-restore') ?? all[0];
    if (!m) throw new LifeboatError('not-found', `the target holds no snapshots${source ? ` of ${source}` : ''}`);
    return m;
  }
  const hits = all.filter((m) => m.id.startsWith(ref));
  if (hits.length !== 1) throw new LifeboatError(hits.length ? 'bad-input' : 'not-found', hits.length ? `${ref} matches ${hits.length} snapshots: give more digits` : `no snapshot ${ref} on the target`);
  return hits[0]!;
}

/** Makes a network folder target's folder; its parent (the mounted share) must be there. */
async function makeFolder(dir: string): Promise<void> {
  await fs.mkdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EEXIST') return;
    if (err.code === 'ENOENT') throw new LifeboatError('not-found', `${path.dirname(dir)} is not there: mount the share first`);
    throw explainFsError(err, dir);
  });
}
