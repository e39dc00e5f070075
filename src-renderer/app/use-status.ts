// The live status for every screen: the first getStatus, then `status` events; `progress` events per job and
// recent `notice`s. When events stop arriving (a dropped stream, a proxy that buffers) getStatus is polled
// every few seconds, so the page never shows a stale verdict for long.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { LifeboatApi, Notice, Progress, Status } from '../../src-shared/contract.ts';

/** What useStatus gives: the latest status (undefined until the first answer) and the last failure. */
export interface LiveStatus {
  status: Status | undefined;
  /** When (Date.now()) the current status arrived. */
  receivedAt: number;
  error: unknown;
  /** The latest progress of each job still in status.jobs, by job id. */
  progress: ReadonlyMap<number, Progress>;
  /** Recent notices, newest first (at most 5). */
  notices: Notice[];
  /** Asks for the status now; never rejects (a failure lands in `error`). */
  refresh(): Promise<void>;
}

const POLL_CHECK_MS = 2_000;
const QUIET_MS = 4_000;

/** Subscribes to the agent's status; see LiveStatus. Safe to use once at the top of the app. */
export function useStatus(api: LifeboatApi): LiveStatus {
  const [status, setStatus] = useState<Status>();
  const [receivedAt, setReceivedAt] = useState(0);
  const [error, setError] = useState<unknown>();
  const [progress, setProgress] = useState<ReadonlyMap<number, Progress>>(new Map());
  const [notices, setNotices] = useState<Notice[]>([]);
  const lastUpdate = useRef(0);

  const accept = useCallback((s: Status) => {
    lastUpdate.current = Date.now();
    setStatus(s);
    setReceivedAt(lastUpdate.current);
    setError(undefined);
    // Progress of jobs that have ended is dropped, so a bar never lingers at 90 %.
    setProgress((old) => {
      const live = new Set(s.jobs.map((j) => j.id));
      const next = new Map([...old].filter(([id]) => live.has(id)));
      return next.size === old.size ? old : next;
    });
  }, []);

  const refresh = useCallback(async () => {
    try {
      accept(await api.getStatus({}));
    } catch (err) {
      lastUpdate.current = Date.now();
      setError(err);
    }
  }, [api, accept]);

  useEffect(() => {
    void refresh();
    const offs = [
      api.subscribe('status', accept),
      api.subscribe('progress', (p) => {
        lastUpdate.current = Date.now();
        setProgress((old) => new Map(old).set(p.jobId, p));
      }),
      api.subscribe('notice', (n) => setNotices((old) => [n, ...old].slice(0, 5))),
    ];
    const poll = setInterval(() => {
      if (Date.now() - lastUpdate.current > QUIET_MS) void refresh();
    }, POLL_CHECK_MS);
    return () => {
      clearInterval(poll);
      for (const off of offs) off();
    };
  }, [api, accept, refresh]);

  return { status, receivedAt, error, progress, notices, refresh };
}
