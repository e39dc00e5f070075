import crypto from 'node:crypto';
import { connectTcp } from '../util/tcp-connect.ts';
import { Repository } from '../repository/repository.ts';
import { bufferBody, CONFIG_HANDLE, isNotFound, type Target } from '../targets/target.ts';

export interface TargetTestStep { step: 'open' | 'reach' | 'credentials' | 'write' | 'read' | 'delete' | 'free space' | 'repository'; ok: boolean; detail: string; ms: number }
export interface TargetTestReport { ok: boolean; location: string; steps: TargetTestStep[]; freeBytes?: number }

/**
 * Checks a target the way an admin would want before trusting it: can it be reached (its own host and port),
 * do our credentials work (a listing), can we write, read back and delete a probe object, how much room is
 * left, and does it hold our repository, none, or someone else's. Stops at the first failing step (the rest
 * could only fail for the same reason). Never throws for a target problem; messages hold no credentials.
 */
export async function testTarget(open: () => Promise<Target>, ourRepositoryId?: string): Promise<TargetTestReport> {
  const steps: TargetTestStep[] = [];
  const run = async <T>(step: TargetTestStep['step'], fn: () => Promise<T>, describe: (v: T) => string): Promise<{ ok: true; value: T } | { ok: false }> => {
    const t0 = performance.now();
    try {
      const value = await fn();
      steps.push({ step, ok: true, detail: describe(value), ms: Math.round(performance.now() - t0) });
      return { ok: true, value };
    } catch (err) {
      steps.push({ step, ok: false, detail: err instanceof Error ? err.message : String(err), ms: Math.round(performance.now() - t0) });
      return { ok: false };
    }
  };
  const opened = await run('open', open, (t) => t.location);
  if (!opened.ok) return { ok: false, location: '?', steps };
  const t = opened.value;
  const report: TargetTestReport = { ok: false, location: t.location, steps };
  try {
    const ep = t.endpoint;
    if (ep && !(await run('reach', async () => { (await connectTcp({ host: ep.host, port: ep.port, timeoutMs: 10_000, what: 'the target' })).destroy(); }, () => `${ep.host}:${ep.port} answers`)).ok) return report;
    // A stat of the repository config: refused credentials fail here, while a folder the first sync has yet
    // to create (not found) is fine.
    const credentials = () => t.stat(CONFIG_HANDLE).then(() => 'accepted', (err: unknown) => { if (isNotFound(err)) return 'accepted'; throw err; });
    if (!(await run('credentials', credentials, (v) => v)).ok) return report;
    const probe = { kind: 'probe' as const, name: `lifeboat-probe-${crypto.randomBytes(8).toString('hex')}` };
    const data = crypto.randomBytes(64 * 1024);
    if (!(await run('write', () => t.save(probe, bufferBody(data)), () => `${data.length} bytes written`)).ok) return report;
    const read = await run('read', () => t.load(probe), (b) => (b.equals(data) ? `${b.length} bytes read back, identical` : 'read back different bytes'));
    const same = read.ok && steps.at(-1)!.detail.endsWith('identical');
    if (read.ok && !same) steps.at(-1)!.ok = false;
    if (!(await run('delete', () => t.remove(probe), () => 'probe removed')).ok || !same) return report;
    const free = await run('free space', () => t.freeSpace(), (n) => (n === undefined ? 'the protocol does not say' : `${n} bytes free`));
    if (free.ok && free.value !== undefined) report.freeBytes = free.value;
    const repo = await run('repository', () => Repository.targetConfig(t), (c) => (!c ? 'empty: the first sync creates the repository' : !ourRepositoryId || c.id === ourRepositoryId ? `holds this office's repository (${c.id})` : `holds ANOTHER repository (${c.id}): Lifeboat will not write into it`));
    if (repo.ok && repo.value && ourRepositoryId && repo.value.id !== ourRepositoryId) steps.at(-1)!.ok = false;
    report.ok = steps.every((s) => s.ok);
    return report;
  } finally {
    await t.close().catch(() => {});
  }
}
