import { parseArgs } from 'node:util';
import { LifeboatError } from '../core/errors.ts';
import type { Lifeboat } from '../core/lifeboat.ts';
import type { Manifest } from '../core/repository/manifest.ts';
import { restoreFromCmd } from './target-commands.ts';
import { readStdin } from './stdin.ts';
import { redactUrl } from '../core/offsite/target-url.ts';
import { age, bytes, table } from './format.ts';
import { healthVerdict } from '../core/health/health-verdict.ts';
import { collectFacts } from '../core/health/collect-facts.ts';
import { effectiveJobs, settingsTimeZone } from '../core/settings/schedule-settings.ts';
import { nextRuns } from '../core/schedule/cron-schedule.ts';
import { readAgentStatus, type AgentStatus } from '../agent/agent-status.ts';
import { isProcessAlive } from '../core/locks/process-lock.ts';
import { driveContext } from '../core/drives/drive-service.ts';

/** The running agent's published status, if an agent is alive for this data dir. */
async function liveAgentStatus(dataDir: string): Promise<AgentStatus | undefined> {
  const s = await readAgentStatus(dataDir);
  return s && s.running && isProcessAlive(s.pid, '') ? s : undefined;
}

export interface Io { out(s: string): void; err(s: string): void; json: boolean; confirm(question: string): Promise<boolean> }
export type Command = (lb: Lifeboat, args: string[], io: Io) => Promise<number>;

function parse<T extends Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>>(args: string[], options: T, positionals = 0) {
  const r = parseArgs({ args, options, allowPositionals: true, strict: true });
  if (r.positionals.length > positionals) throw new LifeboatError('bad-input', `unexpected argument ${JSON.stringify(r.positionals[positionals])}`);
  return r;
}

function snapshotJson(m: Manifest) {
  return { id: m.id, source: m.source.name, kind: m.source.kind, time: m.time, reason: m.reason, size: m.stats.size, bytesAdded: m.stats.bytesAdded, chunks: m.stats.chunks, newChunks: m.stats.newChunks, durationMs: m.stats.durationMs, warnings: m.warnings ?? [] };
}

export const sourceCmd: Command = async (lb, args, io) => {
  const [sub, ...rest] = args;
  if (sub === 'add') {
    const { values } = parse(rest, { name: { type: 'string' }, sqlite: { type: 'string' }, folder: { type: 'string' }, mysql: { type: 'string' }, postgres: { type: 'string' }, 'password-env': { type: 'string' }, 'password-stdin': { type: 'boolean' }, include: { type: 'string', multiple: true }, exclude: { type: 'string', multiple: true }, watch: { type: 'boolean' } });
    if (values.watch && !values.sqlite) throw new LifeboatError('bad-input', '--watch is for SQLite sources');
    if (!values.name) throw new LifeboatError('bad-input', 'source add needs --name NAME');
    const given = (['sqlite', 'folder', 'mysql', 'postgres'] as const).filter((k) => values[k] !== undefined);
    if (given.length !== 1) throw new LifeboatError('bad-input', 'source add needs exactly one of --sqlite PATH, --folder PATH, --mysql URL or --postgres URL');
    const kind = given[0]!;
    if ((values['password-env'] || values['password-stdin']) && kind !== 'mysql' && kind !== 'postgres') throw new LifeboatError('bad-input', 'a password is only for --mysql and --postgres sources');
    const password = values['password-stdin'] ? (await readStdin()).replace(/\r?\n$/, '') : undefined;
    const src = await lb.addSource({ name: values.name, kind, path: values[kind]!, ...(values['password-env'] ? { passwordEnv: values['password-env'] } : {}), ...(values.include ? { include: values.include } : {}), ...(values.exclude ? { exclude: values.exclude } : {}), ...(values.watch ? { watch: true } : {}) }, { password });
    if (io.json) io.out(JSON.stringify(src));
    else io.out(`added ${src.kind} source ${src.name}: ${src.path}`);
    return 0;
  }
  if (sub === 'list' || sub === undefined) {
    const sources = lb.settings.sources;
    if (io.json) io.out(JSON.stringify(sources));
    else io.out(sources.length ? table([['NAME', 'KIND', 'PATH'], ...sources.map((s) => [s.name, s.kind, s.path])]) : 'no sources yet: add one with "lifeboat source add --name NAME --sqlite PATH"');
    return 0;
  }
  if (sub === 'remove') {
    const { positionals } = parse(rest, {}, 1);
    if (!positionals[0]) throw new LifeboatError('bad-input', 'source remove needs the source name');
    await lb.removeSource(positionals[0]);
    if (io.json) io.out(JSON.stringify({ removed: positionals[0] }));
    else io.out(`removed source ${positionals[0]} (its snapshots stay until pruned)`);
    return 0;
  }
  throw new LifeboatError('bad-input', `unknown command "source ${sub}": use source add, source list or source remove`);
};

export const backupCmd: Command = async (lb, args, io) => {
  // --wait is what a backup always does here (it returns once the snapshot is durable); it is accepted so
  // that scripts can say so: `lifeboat backup --source app --reason pre-migration --wait && migrate`.
  const { values } = parse(args, { source: { type: 'string' }, reason: { type: 'string' }, 'skip-unchanged': { type: 'boolean' }, wait: { type: 'boolean' } });
  const { snapshots, skipped, errors } = await lb.backup({ source: values.source, reason: values.reason ?? 'manual', skipUnchanged: values['skip-unchanged'] });
  if (!io.json) for (const s of skipped) io.out(`${s}: unchanged since its last snapshot, skipped`);
  if (io.json) io.out(JSON.stringify(snapshots.map(snapshotJson)));
  else for (const m of snapshots) io.out(`snapshot ${m.id} of ${m.source.name}: ${bytes(m.stats.size)}, ${bytes(m.stats.bytesAdded)} added, ${(m.stats.durationMs / 1000).toFixed(1)} s${m.warnings?.length ? `\n  warning: ${m.warnings.join('\n  warning: ')}` : ''}`);
  for (const e of errors) io.err(`lifeboat: backup of ${e.source} failed: ${e.error}`);
  return errors.length ? 1 : 0;
};

export const listCmd: Command = async (lb, args, io) => {
  const { values } = parse(args, { source: { type: 'string' } });
  if (values.source && !lb.settings.sources.some((s) => s.name === values.source) && !(await lb.list()).some((r) => r.source === values.source)) {
    throw new LifeboatError('not-found', `no source named ${values.source}`);
  }
  const rows = await lb.list(values.source);
  if (io.json) {
    io.out(JSON.stringify(rows.map((r) => ({ id: r.id, source: r.source, kind: r.kind, time: r.time, reason: r.reason, size: r.size, bytesAdded: r.bytesAdded, verified: r.verified !== null, verifiedLevel: r.verified, verifiedAt: r.verifiedAt, damaged: r.damaged }))));
    return 0;
  }
  if (rows.length === 0) { io.out('no snapshots yet: run "lifeboat backup"'); return 0; }
  io.out(table([['ID', 'SOURCE', 'TIME', 'AGE', 'REASON', 'SIZE', 'VERIFIED'], ...rows.map((r) => [r.id, r.source, r.time.replace('T', ' ').slice(0, 19), age(r.time), r.reason, bytes(r.size), r.damaged ? 'DAMAGED' : (r.verified ?? '-')])]));
  return 0;
};

export const verifyCmd: Command = async (lb, args, io) => {
  const { values, positionals } = parse(args, { all: { type: 'boolean' }, deep: { type: 'boolean' } }, 100);
  const report = await lb.verify({ ids: positionals, all: values.all, deep: values.deep });
  if (io.json) io.out(JSON.stringify(report));
  else {
    for (const v of report.snapshots) io.out(`${v.ok ? 'ok     ' : 'DAMAGED'} ${v.id} ${v.source} ${v.time}${v.ok ? '' : `\n        ${v.problems.join('\n        ')}`}`);
    for (const f of report.damagedIndexFiles) io.out(`DAMAGED index file ${f}`);
    io.out(report.ok ? `${report.level} verify: all ${report.snapshots.length} snapshot(s) ok` : `${report.level} verify: ${report.snapshots.filter((v) => !v.ok).length} of ${report.snapshots.length} snapshot(s) damaged`);
  }
  return report.ok ? 0 : 1;
};

export const restoreCmd: Command = async (lb, args, io) => {
  const { values, positionals } = parse(args, { source: { type: 'string' }, to: { type: 'string' }, yes: { type: 'boolean' }, from: { type: 'string' }, key: { type: 'string' }, 'password-env': { type: 'string' }, tables: { type: 'string' }, 'dry-run': { type: 'boolean' } }, 1);
  const ref = positionals[0] ?? 'latest';
  const tables = values.tables?.split(',').map((t) => t.trim()).filter(Boolean);
  if (values.tables !== undefined && !tables?.length) throw new LifeboatError('bad-input', '--tables needs table names, e.g. --tables invoices,customers');
  if (values['dry-run']) {
    const plan = await lb.planRestore({ ref, source: values.source, tables });
    if (io.json) io.out(JSON.stringify(plan));
    else {
      io.out(`dry run: restoring snapshot ${plan.snapshot} of ${plan.source} would change nothing yet; per table:`);
      io.out(table([['TABLE', 'NOW', 'IN SNAPSHOT', 'RESTORE'], ...plan.tables.map((t) => [t.table, t.live === null ? '-' : String(t.live), t.snapshot === null ? '-' : String(t.snapshot), t.replaced ? (t.snapshot === null ? 'kept (not in snapshot)' : 'replaced') : 'untouched'])]));
    }
    return 0;
  }
  if (values.from !== undefined) {
    if (values.to === undefined && !values.yes) throw new LifeboatError('bad-input', 'restore --from needs --to PATH (or --yes to restore into the configured live source)');
    const r = await restoreFromCmd(lb, values.from, { ref, source: values.source, to: values.to, yes: values.yes, keyFile: values.key, passwordEnv: values['password-env'] });
    if (io.json) io.out(JSON.stringify(r));
    else io.out(`restored snapshot ${r.snapshot} of ${r.source} from ${redactUrl(values.from)} to ${r.target}\n  ${r.checks.join('\n  ')}`);
    return 0;
  }
  let confirmed = !!values.yes;
  if (values.to === undefined && !values.yes) {
    const row = await lb.resolveSnapshot(ref, values.source);
    const ok = await io.confirm(`Restore ${tables ? `table(s) ${tables.join(', ')} of ` : ''}snapshot ${row.id} of ${row.source} (${row.time}, ${age(row.time)}) into the live data? A safety snapshot of the current data is taken first. [y/N] `);
    if (!ok) throw new LifeboatError('bad-input', 'restore into the live data needs confirmation: answer y, or add --yes');
    confirmed = true;
  }
  const r = await lb.restore({ ref, source: values.source, to: values.to, overwrite: values.to === undefined ? confirmed : values.yes, ...(tables ? { tables } : {}) });
  if (io.json) io.out(JSON.stringify(r));
  else io.out(`restored snapshot ${r.snapshot} of ${r.source} to ${r.target}${r.safetySnapshot ? ` (safety snapshot ${r.safetySnapshot})` : ''}\n  ${r.checks.join('\n  ')}`);
  return 0;
};

export const pruneCmd: Command = async (lb, args, io) => {
  const { values } = parse(args, { 'dry-run': { type: 'boolean' } });
  const r = await lb.prune({ dryRun: values['dry-run'] });
  if (io.json) io.out(JSON.stringify(r));
  else {
    for (const s of r.removed) io.out(`${r.dryRun ? 'would remove' : 'removed'} ${s.id} ${s.source} ${s.time}: ${s.reasons.join(', ')}`);
    io.out(`${r.dryRun ? 'dry run: ' : ''}${r.removed.length} snapshot(s) ${r.dryRun ? 'to remove' : 'removed'}, ${r.kept} kept; ${r.gc.packsRemoved} pack(s), ${bytes(r.gc.bytesFreed)} ${r.dryRun ? 'to free' : 'freed'}`);
  }
  return 0;
};

export const statusCmd: Command = async (lb, _args, io) => {
  const rows = await lb.list();
  const agent = await liveAgentStatus(lb.dataDir);
  const verdict = agent?.verdict ?? healthVerdict(await collectFacts(lb), new Date());
  const tz = settingsTimeZone(lb.settings);
  const upcoming = agent?.nextRuns ?? effectiveJobs(lb.settings).filter((j) => j.enabled).map((j) => ({ id: j.id, next: nextRuns(j.cron, j.tz, new Date(), 1)[0]!.toISOString() }));
  const sources = lb.settings.sources.map((s) => {
    const last = rows.find((r) => r.source === s.name && !r.damaged);
    return { name: s.name, kind: s.kind, path: s.path, lastSnapshot: last ? { id: last.id, time: last.time, verified: last.verified } : null };
  });
  const damaged = rows.filter((r) => r.damaged).map((r) => r.id);
  const drives = await (await driveContext(lb)).registry.list().catch(() => []);
  const status = { verdict, drives, agent: agent ? { pid: agent.pid, startedAt: agent.startedAt, updatedAt: agent.updatedAt } : null, power: agent?.power ?? [], jobs: agent?.jobs ?? [], nextRuns: upcoming, timeZone: tz, dataDir: lb.dataDir, repository: lb.repoDir, snapshots: rows.length, damaged, sources, lastOperations: lb.catalog.history(5) };
  if (io.json) io.out(JSON.stringify(status));
  else {
    io.out(`${verdict.level.toUpperCase()}: ${verdict.reasons.filter((r) => r.level !== 'ok').map((r) => r.text).join('; ') || (verdict.reasons[0]?.text ?? '')}`);
    io.out(`agent:      ${agent ? `running (pid ${agent.pid})` : 'not running'}${agent?.power.length ? `; power ${agent.power.map((p) => `${p.source} ${p.level}`).join(', ')}` : ''}`);
    io.out(`data dir:   ${lb.dataDir}\nrepository: ${lb.repoDir} (${rows.length} snapshot(s)${damaged.length ? `, ${damaged.length} DAMAGED` : ''})`);
    io.out(sources.length ? table([['SOURCE', 'KIND', 'LAST SNAPSHOT'], ...sources.map((s) => [s.name, s.kind, s.lastSnapshot ? `${s.lastSnapshot.id} ${age(s.lastSnapshot.time)}` : 'never'])]) : 'no sources configured');
  }
  return 0;
};

export const repairCmd: Command = async (lb, args, io) => {
  const { values } = parse(args, { index: { type: 'boolean' } });
  const r = await lb.repair({ index: values.index });
  if (io.json) io.out(JSON.stringify(r));
  else {
    if (r.index) io.out(`index rebuilt from ${r.index.packs} pack(s) (${r.index.blobs} chunks)${r.index.damagedPacks.length ? `; damaged packs left out: ${r.index.damagedPacks.join(', ')}` : ''}`);
    io.out(`catalog rebuilt from the repository: ${r.catalog.added} snapshot(s) listed${r.catalog.unreadable.length ? `; unreadable: ${r.catalog.unreadable.join('; ')}` : ''}`);
  }
  return r.catalog.unreadable.length || r.index?.damagedPacks.length ? 1 : 0;
};

export const startCmd: Command = async (lb, _args, io) => {
  const demo = await lb.ensureDemo();
  if (demo) io.out(`nothing configured yet: protecting a demo office database at ${demo.path}`);
  const code = await backupCmd(lb, [], io);
  await verifyCmd(lb, ['--all'], { ...io, out: () => {} }).then((c) => io.out(c === 0 ? 'every snapshot verified' : 'verification found problems: run "lifeboat verify --all"'));
  await statusCmd(lb, [], io);
  io.out('\nto keep protecting it and open the window in a browser: npx lifeboat agent --dashboard (it prints the address)');
  return code;
};

