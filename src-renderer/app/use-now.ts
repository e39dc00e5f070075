import { useEffect, useState } from 'react';

/**
 * The current time (ms) for relative times: read at every render (so data that just arrived is never "in a
 * moment" against a stale clock), and a re-render every `everyMs` so the words move on while nothing else changes.
 */
export function useNow(everyMs = 15_000): number {
  const [, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return Date.now();
}
