import { statfs } from 'node:fs/promises';
import type { Lifeboat } from '../lifeboat.ts';
import { KV, kvJson } from '../jobs/routine-jobs.ts';
import type { DrillFacts, ErrorFact, HealthFacts, PowerFacts, RunningJob, UncleanShutdownFacts, UsbFacts, VerifyFacts } from './health-facts.ts';

/** What only the running agent knows; everything else is read from the catalog and settings. */
export interface LiveFacts { power?: PowerFacts; jobs?: RunningJob[]; uncleanShutdown?: UncleanShutdownFacts; usb?: UsbFacts; paused?: { until?: string } }

/** Gathers the health verdict's facts from the engine's records (catalog, settings, disk) plus live facts. */
export async function collectFacts(lb: Lifeboat, live: LiveFacts = {}): Promise<HealthFacts> {
  const rows = lb.catalog.snapshots();
  const sources = lb.settings.sources.map((s) => {
    const last = rows.find((r) => r.source === s.name && !r.damaged);
    const err = kvJson<ErrorFact | null>(lb, KV.sourceError(s.name));
    const unchanged = kvJson<string>(lb, KV.sourceUnchanged(s.name));
    return { name: s.name, ...(last ? { lastGoodSnapshot: last.time } : {}), ...(unchanged ? { lastUnchangedAt: unchanged } : {}), ...(err ? { lastBackupError: err } : {}) };
  });
  let repositoryDisk: HealthFacts['repositoryDisk'];
  try {
    const st = await statfs(lb.repoDir);
    const total = st.blocks * st.bsize;
    repositoryDisk = { usedPercent: total ? (100 * (total - st.bavail * st.bsize)) / total : 0, freeBytes: st.bavail * st.bsize };
  } catch {
    repositoryDisk = undefined;
  }
  const quickVerify = kvJson<VerifyFacts>(lb, KV.quickVerify);
  const deepVerify = kvJson<VerifyFacts>(lb, KV.deepVerify);
  const restoreDrill = kvJson<DrillFacts>(lb, KV.drill);
  const installedAt = kvJson<string>(lb, KV.installedAt);
  return {
    sources,
    ...(live.jobs ? { jobs: live.jobs } : {}),
    ...(quickVerify ? { quickVerify } : {}),
    ...(deepVerify ? { deepVerify } : {}),
    ...(restoreDrill ? { restoreDrill } : {}),
    ...(repositoryDisk ? { repositoryDisk } : {}),
    ...(lb.settings.targets?.length ? { offsite: lb.offsite.facts() } : {}),
    ...(live.power ? { power: live.power } : {}),
    ...(live.usb ? { usb: live.usb } : {}),
    ...(live.paused ? { paused: live.paused } : {}),
    ...(live.uncleanShutdown ? { uncleanShutdown: live.uncleanShutdown } : {}),
    ...(installedAt ? { installedAt } : {}),
  };
}
