// The encryption passphrase: set it, or change it (the current one first). Without it nobody, Lifeboat's
// makers included, can read the backups, so the warning comes before the fields.
import { useState, type FormEvent, type JSX } from 'react';
import type { LifeboatApi } from '../../src-shared/contract.ts';
import { TextField } from './field.tsx';
import { fieldError, NO_ERROR, unclaimed } from './form-errors.ts';
import { useAction } from './hooks.ts';
import { useWithPin } from './pin-gate.tsx';
import { Outcome, SectionFrame } from './section-frame.tsx';

/** The passphrase form; `encrypted` says whether one is set (then the current one is asked for). */
export function PassphraseSection(p: { api: LifeboatApi; encrypted: boolean; onChanged: () => Promise<void> }): JSX.Element {
  const withPin = useWithPin();
  const save = useAction();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');

  const local: Record<string, string> = {};
  if (next && next.length < 8) local['passphrase.next'] = 'at least 8 characters';
  if (confirm && confirm !== next) local['passphrase.confirm'] = 'the two passphrases differ';
  const err = Object.keys(local).length ? { message: '', fields: { ...save.err.fields, ...local } } : save.err;
  const ready = next.length >= 8 && confirm === next && (!p.encrypted || current.length > 0);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!ready) return;
    void save.run(async () => {
      await withPin((pin) => p.api.setPassphrase({ ...(p.encrypted ? { current } : {}), next, pin }));
      setCurrent('');
      setNext('');
      setConfirm('');
      await p.onChanged();
      return p.encrypted ? 'Passphrase changed. Keep the new one where the office can find it.' : 'Passphrase set. Backups are now encrypted.';
    }, 'Saved.', (q) => `passphrase.${q}`);
  };
  const clear = () => save.setErr(NO_ERROR);

  return (
    <SectionFrame id="settings-passphrase" title="Encryption passphrase">
      <p className="s-warning-box" role="note">
        <strong>Write the passphrase down and keep it somewhere safe, away from this computer.</strong> Without it the backups cannot be read by anyone, and it cannot be recovered.
      </p>
      <form onSubmit={onSubmit} aria-labelledby="settings-passphrase-title">
        <p className="s-small s-muted">{p.encrypted ? 'Backups are encrypted. To change the passphrase, give the current one first.' : 'Backups are not encrypted yet.'}</p>
        {p.encrypted ? <TextField path="passphrase.current" label="Current passphrase" type="password" autoComplete="current-password" value={current} onChange={(v) => { clear(); setCurrent(v); }} error={fieldError(err, 'passphrase.current')} /> : null}
        <TextField path="passphrase.next" label={p.encrypted ? 'New passphrase' : 'Passphrase'} type="password" autoComplete="new-password" value={next} onChange={(v) => { clear(); setNext(v); }} error={fieldError(err, 'passphrase.next')} hint="At least 8 characters; a short sentence is easy to remember." />
        <TextField path="passphrase.confirm" label={p.encrypted ? 'New passphrase again' : 'Passphrase again'} type="password" autoComplete="new-password" value={confirm} onChange={(v) => { clear(); setConfirm(v); }} error={fieldError(err, 'passphrase.confirm')} />
        <div className="s-buttons">
          <button type="submit" className="s-primary" disabled={!ready || save.busy}>{save.busy ? 'Saving…' : p.encrypted ? 'Change passphrase' : 'Set passphrase'}</button>
        </div>
        <Outcome ok={save.ok} err={save.err} extra={unclaimed(save.err, ['passphrase.current', 'passphrase.next', 'passphrase.confirm'])} />
      </form>
    </SectionFrame>
  );
}
