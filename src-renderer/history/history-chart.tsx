import type { HistoryRow } from '../../src-shared/contract.ts';
import { formatBytes, formatDuration } from '../app/format.ts';
import { localDateTime } from '../app/relative-time.ts';
import { chartPoints, niceMax, niceMaxBytes, type ChartBox } from './chart-geometry.ts';

const BOX: ChartBox = { width: 360, height: 120, left: 58, right: 10, top: 10, bottom: 22 };

function LineChart(props: { title: string; series: Array<{ time: number; value: number }>; format: (n: number) => string; className: string; nice?: (max: number) => number }) {
  const top = (props.nice ?? niceMax)(Math.max(...props.series.map((s) => s.value)));
  const pts = chartPoints(props.series, BOX, top);
  const first = pts[0];
  const last = pts[pts.length - 1];
  const summary = first && last
    ? `${props.title}: ${pts.length} backups from ${localDateTime(new Date(first.time).toISOString())} to ${localDateTime(new Date(last.time).toISOString())}, latest ${props.format(last.value)}, largest ${props.format(Math.max(...pts.map((p) => p.value)))}.`
    : `${props.title}: no backups yet.`;
  const bottom = BOX.height - BOX.bottom;
  // Within a day and a half the dates would repeat: label the ends with their times instead.
  const short = first && last && last.time - first.time < 36 * 3600_000;
  const axisLabel = (t: number): string => short ? new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }) : new Date(t).toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
  return (
    <figure className={`chart ${props.className}`}>
      <figcaption>{props.title}</figcaption>
      <svg viewBox={`0 0 ${BOX.width} ${BOX.height}`} role="img" aria-label={summary}>
        <line className="axis" x1={BOX.left} y1={BOX.top} x2={BOX.left} y2={bottom} />
        <line className="axis" x1={BOX.left} y1={bottom} x2={BOX.width - BOX.right} y2={bottom} />
        <line className="grid" x1={BOX.left} y1={BOX.top} x2={BOX.width - BOX.right} y2={BOX.top} />
        <text className="label" x={BOX.left - 4} y={BOX.top + 4} textAnchor="end">{props.format(top)}</text>
        <text className="label" x={BOX.left - 4} y={bottom} textAnchor="end">0</text>
        {first && <text className="label" x={BOX.left} y={BOX.height - 6} textAnchor="start">{axisLabel(first.time)}</text>}
        {last && pts.length > 1 && <text className="label" x={BOX.width - BOX.right} y={BOX.height - 6} textAnchor="end">{axisLabel(last.time)}</text>}
        {pts.length > 1 && <polyline className="line" points={pts.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ')} />}
        {pts.map((p, i) => (
          <circle key={i} className="point" cx={p.x} cy={p.y} r={3}>
            <title>{`${localDateTime(new Date(p.time).toISOString())}: ${props.format(p.value)}`}</title>
          </circle>
        ))}
      </svg>
    </figure>
  );
}

/** Backup size and duration over time, from history rows of op "backup" (drawn inline, no chart library). */
export function HistoryChart(props: { rows: readonly HistoryRow[] }) {
  const backups = props.rows.filter((r) => r.op === 'backup' && r.result !== 'failed');
  if (backups.length === 0) return <p className="muted">The chart appears after the first backup.</p>;
  const size = backups.filter((r) => r.size !== undefined).map((r) => ({ time: Date.parse(r.time), value: r.size! }));
  const duration = backups.map((r) => ({ time: Date.parse(r.time), value: r.durationMs }));
  return (
    <div className="charts">
      <LineChart title="Backup size" series={size} format={formatBytes} className="size" nice={niceMaxBytes} />
      <LineChart title="Backup duration" series={duration} format={formatDuration} className="duration" />
    </div>
  );
}
