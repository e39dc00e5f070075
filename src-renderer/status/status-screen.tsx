import type { LifeboatApi } from '../../src-shared/contract.ts';
import type { LiveStatus } from '../app/use-status.ts';
import { localDateTime, relativeTime } from '../app/relative-time.ts';
import { ErrorMessage } from '../ui/error-message.tsx';
import { LevelBadge } from '../ui/level-badge.tsx';
import { BackupNow } from './backup-now.tsx';
import { JobsList } from './jobs-list.tsx';
import { DrivesPanel, PowerPanel, TargetsPanel } from './places-panels.tsx';
import { SourcesPanel } from './sources-panel.tsx';
import { VerdictPanel } from './verdict-panel.tsx';

/** The Status page: the verdict and its reasons, Backup now, jobs, sources, power, drives and targets. */
export function StatusScreen(props: { api: LifeboatApi; live: LiveStatus; now: number }) {
  const { status, error, progress, notices, refresh } = props.live;
  if (!status) {
    return error !== undefined ? <ErrorMessage error={error} onRetry={() => void refresh()} /> : <p className="muted" role="status">Loading the status…</p>;
  }
  return (
    <div className="screen status-screen">
      <h1 className="visually-hidden">Status</h1>
      {error !== undefined && <ErrorMessage error={error} onRetry={() => void refresh()} />}
      <VerdictPanel status={status} now={props.now} />
      <BackupNow api={props.api} status={status} receivedAt={props.live.receivedAt} />
      <JobsList jobs={status.jobs} progress={progress} />
      <SourcesPanel sources={status.sources} now={props.now} />
      {notices.length > 0 && (
        <section aria-labelledby="notices-title" className="card">
          <h2 id="notices-title">Recent events</h2>
          <ul className="rows">
            {notices.map((n) => (
              <li key={`${n.time}-${n.kind}-${n.title}`} className="row">
                <div className="row-head"><strong>{n.title}</strong><LevelBadge level={n.level} /></div>
                <div className="small">{n.body} <span className="muted">({relativeTime(n.time, props.now)})</span></div>
              </li>
            ))}
          </ul>
        </section>
      )}
      <PowerPanel power={status.power} />
      <DrivesPanel drives={status.drives} now={props.now} />
      <TargetsPanel targets={status.targets} now={props.now} />
      <p className="muted small footer-note">
        Agent running since <time dateTime={status.agent.startedAt} title={localDateTime(status.agent.startedAt)}>{relativeTime(status.agent.startedAt, props.now)}</time>
        {status.agent.encrypted ? ' · repository encrypted' : ' · repository not encrypted'}
      </p>
    </div>
  );
}
