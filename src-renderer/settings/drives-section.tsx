// USB drives: the drives Lifeboat sees or knows, adopting a present one, forgetting one, and the policy of
// what a drive keeps (a retention policy applied to the copies on the drive).
import { useCallback, useEffect, useMemo, useState, type FormEvent, type JSX } from 'react';
import type { Drive, LifeboatApi } from '../../src-shared/contract.ts';
import { ConfirmButton } from './confirm-button.tsx';
import { formatBytes, formatTime } from './format.ts';
import { NO_ERROR, unclaimed } from './form-errors.ts';
import { useAction } from './hooks.ts';
import { useWithPin } from './pin-gate.tsx';
import { describePolicy, parsePolicy, policyText, POLICY_KEYS, RetentionFields, type PolicyText } from './retention-fields.tsx';
import { Outcome, SectionFrame } from './section-frame.tsx';
import type { Settings } from './settings-types.ts';

/** The drives list and the drive policy form. */
export function DrivesSection(p: { api: LifeboatApi; settings: Settings; onSaved: (s: Settings) => void }): JSX.Element {
  const withPin = useWithPin();
  const list = useAction();
  const act = useAction();
  const save = useAction();
  const [drives, setDrives] = useState<Drive[] | null>(null);
  const { api } = p;

  const runList = list.run;
  const refresh = useCallback(() => runList(async () => { setDrives(await api.listDrives({})); }, ''), [api, runList]);
  useEffect(() => { void refresh(); }, [refresh]);

  const stored = useMemo(() => policyText(p.settings.drives?.policy), [p.settings.drives?.policy]);
  const [text, setText] = useState<PolicyText>(stored);
  useEffect(() => setText(stored), [stored]);
  const parsed = parsePolicy(text, 'patch.drives.policy');
  const changed = POLICY_KEYS.some((k) => text[k].trim() !== stored[k]);
  const err = 'error' in parsed ? parsed.error : save.err;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!('policy' in parsed)) return;
    const drivesPatch = { ...p.settings.drives, policy: parsed.policy };
    void save.run(async () => {
      const s = await withPin((pin) => p.api.saveSettings({ patch: { drives: drivesPatch }, pin }));
      p.onSaved(s);
      return `Saved. ${describePolicy(s.drives?.policy ?? {})}`;
    }, 'Saved.');
  };

  return (
    <SectionFrame id="settings-drives" title="USB drives" intro="Plug in a drive and adopt it once; Lifeboat then copies the snapshots to it whenever it is present.">
      {drives === null ? <p className="s-muted">{list.busy ? 'Looking for drives…' : ''}</p> : drives.length === 0 ? <p className="s-empty">No drive found. Plug one in, then look again.</p> : (
        <ul className="s-rows">
          {drives.map((d) => (
            <li key={d.id ?? d.mount ?? d.label} className="s-row">
              <div className="s-row-main">
                <strong>{d.label || 'Unnamed drive'}</strong> <span className="s-tag">{d.adopted ? 'Adopted' : d.ours ? 'Has a Lifeboat copy' : 'Not used'}</span> <span className="s-tag">{d.present ? 'Plugged in' : 'Not present'}</span>
                {d.mount ? <div className="s-mono s-small s-wrap">{d.mount}</div> : null}
                {d.size !== null ? <div className="s-small s-muted">{formatBytes(d.free)} free of {formatBytes(d.size)}{d.fsType ? `, ${d.fsType}` : ''}</div> : null}
                {d.lastCopy ? <div className="s-small">Last copy {formatTime(d.lastCopy.time)}: {d.lastCopy.message}</div> : null}
                {d.problem ? <div className="s-small s-warn-text">{d.problem}</div> : null}
              </div>
              <div className="s-row-actions">
                {d.present && !d.adopted && d.mount ? (
                  <button type="button" aria-label={`Adopt drive ${d.label}`} disabled={act.busy}
                    onClick={() => void act.run(async () => { await withPin((pin) => api.adoptDrive({ mount: d.mount!, pin })); await refresh(); }, `Adopted ${d.label}.`)}>Adopt</button>
                ) : null}
                {d.adopted && d.id ? (
                  <ConfirmButton label="Forget" describe={`drive ${d.label}`} question={`Forget ${d.label}? Its copies stay on the drive.`} confirmLabel="Forget"
                    onConfirm={() => void act.run(async () => { await withPin((pin) => api.forgetDrive({ id: d.id!, pin })); await refresh(); }, `Forgot ${d.label}.`)} />
                ) : null}
              </div>
            </li>
          ))}
        </ul>
      )}
      <div className="s-buttons">
        <button type="button" disabled={list.busy} onClick={() => void refresh()}>{list.busy ? 'Looking…' : 'Look for drives again'}</button>
      </div>
      <Outcome ok={act.ok} err={act.err.message ? act.err : list.err} />
      <form className="s-subform" onSubmit={onSubmit} aria-labelledby="settings-drives-policy">
        <h3 id="settings-drives-policy">What a drive keeps</h3>
        <RetentionFields prefix="patch.drives.policy" labelSuffix=" (drive)" text={text} err={err} onChange={(t) => { save.setErr(NO_ERROR); setText(t); }} />
        <p className="s-small s-muted">{'policy' in parsed ? describePolicy(parsed.policy) : ''}</p>
        <div className="s-buttons">
          <button type="submit" className="s-primary" disabled={!changed || !('policy' in parsed) || save.busy}>{save.busy ? 'Saving…' : 'Save drive policy'}</button>
        </div>
        <Outcome ok={save.ok} err={'error' in parsed ? undefined : save.err} extra={unclaimed(save.err, POLICY_KEYS.map((k) => `patch.drives.policy.${k}`))} />
      </form>
    </SectionFrame>
  );
}
