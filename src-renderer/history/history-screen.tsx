import { useCallback, useEffect, useId, useState } from 'react';
import type { HistoryRow, LifeboatApi } from '../../src-shared/contract.ts';
import { formatBytes, formatDuration } from '../app/format.ts';
import { localDateTime, relativeTime } from '../app/relative-time.ts';
import { ErrorMessage } from '../ui/error-message.tsx';
import { LevelBadge } from '../ui/level-badge.tsx';
import { HistoryChart } from './history-chart.tsx';

type ResultFilter = '' | HistoryRow['result'];
const RESULT_WORD: Record<HistoryRow['result'], string> = { ok: 'OK', warning: 'Warning', failed: 'Failed' };
const RESULT_LEVEL = { ok: 'ok', warning: 'warning', failed: 'critical' } as const;
const LIMIT = 500;

/** The History page: every operation, filterable by operation and result, and a chart of backups. */
export function HistoryScreen(props: { api: LifeboatApi; now: number }) {
  const { api } = props;
  const [op, setOp] = useState('');
  const [result, setResult] = useState<ResultFilter>('');
  const [rows, setRows] = useState<HistoryRow[]>();
  const [backups, setBackups] = useState<HistoryRow[]>([]);
  const [ops, setOps] = useState<string[]>([]);
  const [error, setError] = useState<unknown>();
  const opId = useId();
  const resultId = useId();

  const load = useCallback(async () => {
    setError(undefined);
    try {
      const [filtered, all, backupRows] = await Promise.all([
        api.getHistory({ ...(op ? { op } : {}), ...(result ? { result } : {}), limit: LIMIT }),
        api.getHistory({ limit: LIMIT }),
        api.getHistory({ op: 'backup', limit: LIMIT }),
      ]);
      setRows(filtered);
      setOps([...new Set([...all.map((r) => r.op), ...(op ? [op] : [])])].sort());
      setBackups(backupRows);
    } catch (err) {
      setError(err);
    }
  }, [api, op, result]);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <div className="screen history-screen">
      <h1>History</h1>
      <section className="card" aria-labelledby="chart-title">
        <h2 id="chart-title">Backups over time</h2>
        <HistoryChart rows={backups} />
      </section>
      <div className="filters">
        <div className="field inline">
          <label htmlFor={opId}>Operation</label>
          <select id={opId} value={op} onChange={(e) => setOp(e.target.value)}>
            <option value="">All operations</option>
            {ops.map((o) => <option key={o} value={o}>{o}</option>)}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor={resultId}>Result</label>
          <select id={resultId} value={result} onChange={(e) => setResult(e.target.value as ResultFilter)}>
            <option value="">Any result</option>
            <option value="ok">OK</option>
            <option value="warning">Warning</option>
            <option value="failed">Failed</option>
          </select>
        </div>
        <button type="button" onClick={() => void load()}>Refresh</button>
      </div>
      {error !== undefined && <ErrorMessage error={error} onRetry={() => void load()} />}
      {rows && rows.length === 0 && <p>Nothing in the history{op || result ? ' matches these filters' : ' yet'}.</p>}
      {rows && rows.length > 0 && (
        <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="history-caption">
          <table className="history">
            <caption id="history-caption">{rows.length === LIMIT ? `The latest ${LIMIT} entries` : `${rows.length} entr${rows.length === 1 ? 'y' : 'ies'}`}</caption>
            <thead>
              <tr><th scope="col">When</th><th scope="col">Operation</th><th scope="col">Result</th><th scope="col">Took</th><th scope="col">Details</th></tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-op={r.op} data-result={r.result}>
                  <td><time dateTime={r.time} title={localDateTime(r.time)}>{relativeTime(r.time, props.now)}</time></td>
                  <td>{r.op}{r.source ? <div className="muted small">{r.source}</div> : null}</td>
                  <td><LevelBadge level={RESULT_LEVEL[r.result]} word={RESULT_WORD[r.result]} /></td>
                  <td>{formatDuration(r.durationMs)}</td>
                  <td className="detail">{r.detail}{r.size !== undefined ? ` (${formatBytes(r.size)})` : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
