// Retention: how many snapshots to keep, with a live preview from the engine's own retention function over
// the snapshots that exist now (what would be kept or removed, and why).
import { useEffect, useMemo, useState, type FormEvent, type JSX } from 'react';
import type { CallResult, LifeboatApi } from '../../src-shared/contract.ts';
import { formatTime } from './format.ts';
import { NO_ERROR, toFormError, unclaimed, type FormError } from './form-errors.ts';
import { useAction, useDebounced } from './hooks.ts';
import { useWithPin } from './pin-gate.tsx';
import { describePolicy, parsePolicy, policyText, POLICY_KEYS, RetentionFields, type PolicyText } from './retention-fields.tsx';
import { Outcome, SectionFrame } from './section-frame.tsx';
import type { Settings } from './settings-types.ts';

type Preview = { state: 'idle' } | { state: 'loading' } | { state: 'done'; rows: CallResult<'previewRetention'> } | { state: 'failed'; err: FormError };

/** The retention form and its preview; `onSaved` receives the settings the engine stored. */
export function RetentionSection(p: { api: LifeboatApi; settings: Settings; onSaved: (s: Settings) => void }): JSX.Element {
  const withPin = useWithPin();
  const save = useAction();
  const stored = useMemo(() => policyText(p.settings.retention), [p.settings.retention]);
  const [text, setText] = useState<PolicyText>(stored);
  useEffect(() => setText(stored), [stored]);
  const parsed = parsePolicy(text, 'patch.retention');
  const policyKey = 'policy' in parsed ? JSON.stringify(parsed.policy) : '';
  const debouncedKey = useDebounced(policyKey, 400);
  const [preview, setPreview] = useState<Preview>({ state: 'idle' });
  const { api } = p;

  useEffect(() => {
    if (!debouncedKey) return;
    let live = true;
    setPreview({ state: 'loading' });
    api.previewRetention({ policy: JSON.parse(debouncedKey) }).then(
      (rows) => { if (live) setPreview({ state: 'done', rows }); },
      (e: unknown) => { if (live) setPreview({ state: 'failed', err: toFormError(e) }); },
    );
    return () => { live = false; };
  }, [debouncedKey, api]);

  const changed = POLICY_KEYS.some((k) => text[k].trim() !== stored[k]);
  const err = 'error' in parsed ? parsed.error : save.err;
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!('policy' in parsed)) return;
    const retention = parsed.policy;
    void save.run(async () => {
      const s = await withPin((pin) => p.api.saveSettings({ patch: { retention }, pin }));
      p.onSaved(s);
      return `Saved. ${describePolicy(s.retention)}`;
    }, 'Saved.');
  };

  return (
    <SectionFrame id="settings-retention" title="Retention" intro="How many snapshots to keep. Lifeboat keeps the newest snapshot in each period, never the last good one of a source.">
      <form onSubmit={onSubmit} aria-labelledby="settings-retention-title">
        <RetentionFields prefix="patch.retention" text={text} err={err} onChange={(t) => { save.setErr(NO_ERROR); setText(t); }} />
        <p className="s-small s-muted" aria-live="polite">{'policy' in parsed ? describePolicy(parsed.policy) : ''}</p>
        <div className="s-buttons">
          <button type="submit" className="s-primary" disabled={!changed || !('policy' in parsed) || save.busy}>{save.busy ? 'Saving…' : 'Save retention'}</button>
          <button type="button" disabled={!changed || save.busy} onClick={() => setText(stored)}>Undo changes</button>
        </div>
        <Outcome ok={save.ok} err={'error' in parsed ? undefined : save.err} extra={unclaimed(save.err, POLICY_KEYS.map((k) => `patch.retention.${k}`))} />
      </form>
      <RetentionPreview preview={preview} />
    </SectionFrame>
  );
}

function RetentionPreview(p: { preview: Preview }): JSX.Element {
  const pv = p.preview;
  return (
    <div className="s-preview" role="region" aria-labelledby="settings-retention-preview" aria-busy={pv.state === 'loading'}>
      <h3 id="settings-retention-preview">Preview with the snapshots there are now</h3>
      {pv.state === 'failed' ? <p className="s-outcome s-outcome-error" role="alert">{pv.err.message}</p> : null}
      {pv.state === 'loading' || pv.state === 'idle' ? <p className="s-muted">Working out what this policy keeps…</p> : null}
      {pv.state === 'done' && pv.rows.length === 0 ? <p className="s-empty">No snapshots yet.</p> : null}
      {pv.state === 'done' && pv.rows.length > 0 ? (
        <>
          <p className="s-small" role="status">Keeps {pv.rows.filter((r) => r.keep).length}, removes {pv.rows.filter((r) => !r.keep).length} of {pv.rows.length} snapshots.</p>
          <ul className="s-rows s-preview-rows">
            {pv.rows.map((r) => (
              <li key={r.id} className={`s-row s-preview-row ${r.keep ? 's-keep' : 's-remove'}`} data-snapshot={r.id}>
                <span className={`s-badge ${r.keep ? 's-badge-keep' : 's-badge-remove'}`}>{r.keep ? 'Keep' : 'Remove'}</span>
                <div className="s-row-main">
                  <div><strong>{r.source}</strong> <time className="s-small" dateTime={r.time}>{formatTime(r.time)}</time> <span className="s-mono s-small s-muted">{r.id.slice(0, 8)}</span></div>
                  <div className="s-small s-muted s-reasons">{r.reasons.join('; ')}</div>
                </div>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
