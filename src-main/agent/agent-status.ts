import path from 'node:path';
import { readIfExists, writeFileDurable } from '../core/util/durable-file.ts';
import type { Verdict } from '../core/health/health-verdict.ts';
import type { JobState } from '../core/jobs/job-queue.ts';
import type { PowerReading } from '../core/power/power-state.ts';

/** What the running agent publishes in `<data dir>/agent-status.json` for `lifeboat status` and the UI. */
export interface AgentStatus {
  pid: number;
  startedAt: string;
  updatedAt: string;
  running: boolean;
  verdict: Verdict;
  power: PowerReading[];
  jobs: JobState[];
  nextRuns: Array<{ id: string; next: string }>;
}

export const STATUS_FILE = 'agent-status.json';

export async function writeAgentStatus(dataDir: string, s: AgentStatus): Promise<void> {
  await writeFileDurable(path.join(dataDir, STATUS_FILE), Buffer.from(JSON.stringify(s, null, 2)));
}

export async function readAgentStatus(dataDir: string): Promise<AgentStatus | undefined> {
  const raw = await readIfExists(path.join(dataDir, STATUS_FILE));
  if (!raw) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as AgentStatus;
  } catch {
    return undefined;
  }
}
