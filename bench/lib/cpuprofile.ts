// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and inclusive time of the
// engine's main stages. Native work (SQLite, zstd, hashing, fsync waits) shows up under the JS function
// that called it; "(idle)" is the main thread waiting (for the thread pool: reads, writes, fsync).
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export interface ProfileSummary {
  totalMs: number;
  self: Array<{ fn: string; ms: number; pct: number }>;
  inclusive: Array<{ fn: string; ms: number; pct: number }>;
}

const key = (n: ProfileNode): string => {
  const f = n.callFrame.functionName || '(anonymous)';
  return n.callFrame.url ? `${f} ${path.basename(n.callFrame.url)}:${n.callFrame.lineNumber + 1}` : f;
};

/** Top `top` functions by self time, and inclusive time of functions whose name is in `stages`. */
export function summarizeProfile(file: string, stages: string[], top = 15): ProfileSummary {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const node = byId.get(id);
    if (!node) return;
    self.set(key(node), (self.get(key(node)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const fn = byId.get(cur)!.callFrame.functionName;
      if (stages.includes(fn) && !seen.has(fn)) {
        seen.add(fn);
        incl.set(fn, (incl.get(fn) ?? 0) + dt);
      }
    }
  });
  const pct = (ms: number) => Math.round((1000 * ms) / total) / 10;
  return {
    totalMs: Math.round(total),
    self: [...self].sort((a, b) => b[1] - a[1]).slice(0, top).map(([fn, ms]) => ({ fn, ms: Math.round(ms), pct: pct(ms) })),
    inclusive: stages.filter((s) => incl.has(s)).map((fn) => ({ fn, ms: Math.round(incl.get(fn)!), pct: pct(incl.get(fn)!) })),
  };
}
