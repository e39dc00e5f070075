import { useState } from 'react';
import type { LifeboatApi, Status } from '../../src-shared/contract.ts';
import { localTime } from '../app/relative-time.ts';
import { ErrorMessage } from '../ui/error-message.tsx';

/** A backup asked for: its job, when the agent accepted it, the snapshots known before, and whether the job was seen. */
type Asked = { jobId: number; acceptedAt: number; known: ReadonlySet<string>; seen: boolean };

// A status computed before the job was queued can still be on its way when the answer arrives; one that
// arrives this long after the answer and lacks the job means the job has ended.
const SETTLE_MS = 1000;

/**
 * "Backup now": queues a backup of every source, then says whether it is queued, running or finished (the
 * status events move it on), and names the new snapshot when it appears.
 */
export function BackupNow(props: { api: LifeboatApi; status: Status; receivedAt: number }) {
  const [asked, setAsked] = useState<Asked>();
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<unknown>();
  const { status } = props;
  const job = asked ? status.jobs.find((j) => j.id === asked.jobId) : undefined;
  if (asked && job && !asked.seen) setAsked({ ...asked, seen: true });

  const fresh = asked
    ? status.sources.map((s) => s.lastSnapshot).filter((s): s is NonNullable<typeof s> => !!s && !asked.known.has(s.id)).sort((a, b) => b.time.localeCompare(a.time))[0]
    : undefined;
  const finished = !!asked && !job && (asked.seen || !!fresh || props.receivedAt - asked.acceptedAt > SETTLE_MS);

  const start = async (): Promise<void> => {
    const known = new Set(status.sources.flatMap((s) => (s.lastSnapshot ? [s.lastSnapshot.id] : [])));
    setSending(true);
    setError(undefined);
    setAsked(undefined);
    try {
      const { jobId } = await props.api.backupNow({});
      setAsked({ jobId, acceptedAt: Date.now(), known, seen: false });
    } catch (err) {
      setError(err);
    } finally {
      setSending(false);
    }
  };

  let state = '';
  if (sending) state = 'Asking the agent…';
  else if (job) state = job.state === 'queued' ? 'Backup queued: it starts when the current job ends.' : `Backup running${job.phase ? `: ${job.phase}` : ''}…`;
  else if (asked && !finished) state = 'Backup queued…';
  else if (finished) state = fresh ? `Backup finished: new snapshot at ${localTime(fresh.time)}.` : 'Backup finished: no source had changed.';

  return (
    <div className="backup-now">
      <button type="button" className="primary" onClick={() => void start()} disabled={sending || !!job}>
        Backup now
      </button>
      <p className="muted" role="status" aria-live="polite" data-testid="backup-state">{state}</p>
      {error !== undefined && <ErrorMessage error={error} context="The backup could not be queued" />}
    </div>
  );
}
