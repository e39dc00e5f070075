import { useEffect, useId, useRef, useState } from 'react';
import { ApiError, type CallResult, type LifeboatApi, type Progress, type Snapshot } from '../../src-shared/contract.ts';
import { toUiError } from '../api/transport-error.ts';
import { formatDuration } from '../app/format.ts';
import { localDateTime } from '../app/relative-time.ts';
import { ErrorMessage } from '../ui/error-message.tsx';
import { Modal } from '../ui/modal.tsx';

/** "live": restore into the source's own data (a safety snapshot first); "copy": write a copy to a path. */
export type RestoreMode = 'live' | 'copy';

/**
 * The confirm-run-result dialog of one restore. It names the snapshot and, for a live restore, says that a
 * safety copy of the current data is kept; asks for the PIN when the agent says one is required, then
 * retries; shows progress; and ends with what was checked. onDone runs after a successful restore.
 */
export function RestoreDialog(props: {
  api: LifeboatApi;
  snapshot: Snapshot;
  mode: RestoreMode;
  from?: string;
  progress: ReadonlyMap<number, Progress>;
  onClose: () => void;
  onDone: () => void;
}) {
  const { snapshot, mode } = props;
  const [step, setStep] = useState<'ask' | 'running' | 'done'>('ask');
  const [error, setError] = useState<unknown>();
  const [needPin, setNeedPin] = useState(false);
  const [pin, setPin] = useState('');
  const [to, setTo] = useState('');
  const [result, setResult] = useState<CallResult<'restore'>>();
  const pinRef = useRef<HTMLInputElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const pinId = useId();
  const toId = useId();
  const when = localDateTime(snapshot.time);

  useEffect(() => {
    if (needPin && step === 'ask') pinRef.current?.focus();
    if (step === 'done') closeRef.current?.focus();
  }, [needPin, step]);

  const run = async (): Promise<void> => {
    if (mode === 'copy' && !to.trim()) {
      setError(new ApiError({ code: 'bad-input', message: 'Enter the full path where the copy should be written' }));
      return;
    }
    setStep('running');
    setError(undefined);
    try {
      const r = await props.api.restore({
        ref: snapshot.id,
        source: snapshot.source,
        ...(mode === 'copy' ? { to: to.trim() } : {}),
        ...(props.from ? { from: props.from } : {}),
        ...(needPin && pin ? { pin } : {}),
      });
      setResult(r);
      setStep('done');
      props.onDone();
    } catch (err) {
      const e = toUiError(err);
      if (e instanceof ApiError && e.code === 'pin-required') setNeedPin(true);
      setError(e);
      setStep('ask');
    }
  };

  const restoreProgress = [...props.progress.values()].find((p) => p.kind === 'restore' && (!p.source || p.source === snapshot.source));
  const title = step === 'done' ? 'Restore finished' : mode === 'live' ? `Restore ${snapshot.source}?` : `Save a copy of ${snapshot.source}`;

  return (
    <Modal title={title} onCancel={props.onClose} busy={step === 'running'}>
      {step !== 'done' && (
        <form onSubmit={(e) => { e.preventDefault(); void run(); }}>
          <p>
            {mode === 'live'
              ? <>This puts <strong>{snapshot.source}</strong> back to the snapshot of <strong>{when}</strong> ({snapshot.id}). A safety copy of the current data is kept first, so this restore can be undone.</>
              : <>This writes the snapshot of <strong>{snapshot.source}</strong> from <strong>{when}</strong> ({snapshot.id}) to a new place; the live data is not touched.</>}
            {props.from ? <> The snapshot is read from the target <strong>{props.from}</strong>.</> : null}
          </p>
          {mode === 'copy' && (
            <div className="field">
              <label htmlFor={toId}>Save the copy as (a full path on the agent's computer)</label>
              <input id={toId} type="text" value={to} onChange={(e) => setTo(e.target.value)} placeholder={snapshot.kind === 'folder' ? '/home/office/restored-folder' : '/home/office/restored.db'} data-autofocus required disabled={step === 'running'} />
            </div>
          )}
          {needPin && (
            <div className="field">
              <label htmlFor={pinId}>Admin PIN</label>
              <input id={pinId} ref={pinRef} type="password" inputMode="numeric" autoComplete="off" value={pin} onChange={(e) => setPin(e.target.value)} disabled={step === 'running'} />
            </div>
          )}
          {error !== undefined && <ErrorMessage error={error} />}
          {step === 'running' && (
            <div role="status" aria-live="polite" className="running">
              <p>{restoreProgress ? `Restoring: ${restoreProgress.phase}` : 'Restoring…'}</p>
              {restoreProgress && restoreProgress.total > 0
                ? <progress max={restoreProgress.total} value={restoreProgress.done} aria-label="Restore progress" />
                : <progress aria-label="Restore progress" />}
            </div>
          )}
          <div className="buttons">
            <button type="button" onClick={props.onClose} disabled={step === 'running'} data-autofocus={mode === 'live' ? true : undefined}>Cancel</button>
            <button type="submit" className={mode === 'live' ? 'danger' : 'primary'} disabled={step === 'running'}>
              {mode === 'live' ? (needPin ? 'Restore with this PIN' : 'Restore') : 'Save the copy'}
            </button>
          </div>
        </form>
      )}
      {step === 'done' && result && (
        <div className="restore-result" role="status">
          <p>
            {mode === 'live' ? 'Restored' : 'Saved a copy of'} <strong>{result.source}</strong> from snapshot {result.snapshot}
            {mode === 'copy' ? <> to <code>{result.to}</code></> : null} in {formatDuration(result.durationMs)}.
          </p>
          {result.safetySnapshot && <p>The data as it was just before is kept as safety snapshot <strong>{result.safetySnapshot}</strong>.</p>}
          {result.checks.length > 0 && (
            <>
              <h3>What was checked</h3>
              <ul className="checks">{result.checks.map((c) => <li key={c}>{c}</li>)}</ul>
            </>
          )}
          <div className="buttons">
            <button ref={closeRef} type="button" className="primary" onClick={props.onClose}>Close</button>
          </div>
        </div>
      )}
    </Modal>
  );
}
