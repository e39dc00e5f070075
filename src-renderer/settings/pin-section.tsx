// The admin PIN: with one set, changing settings and restoring over the live data ask for it. Set, change
// (current first) or remove it.
import { useState, type FormEvent, type JSX } from 'react';
import type { LifeboatApi } from '../../src-shared/contract.ts';
import { ConfirmButton } from './confirm-button.tsx';
import { TextField } from './field.tsx';
import { fieldError, NO_ERROR, unclaimed } from './form-errors.ts';
import { useAction } from './hooks.ts';
import { useRememberPin } from './pin-gate.tsx';
import { Outcome, SectionFrame } from './section-frame.tsx';

const DIGITS = /^\d{4,12}$/;

/** The PIN form; `pinSet` says whether one is set now. */
export function PinSection(p: { api: LifeboatApi; pinSet: boolean; onChanged: () => Promise<void> }): JSX.Element {
  const remember = useRememberPin();
  const save = useAction();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');

  const local: Record<string, string> = {};
  if (next && !DIGITS.test(next)) local['pin.next'] = '4 to 12 digits';
  if (confirm && confirm !== next) local['pin.confirm'] = 'the two PINs differ';
  const err = Object.keys(local).length ? { message: '', fields: { ...save.err.fields, ...local } } : save.err;
  const ready = DIGITS.test(next) && confirm === next && (!p.pinSet || current.length > 0);
  const clear = () => save.setErr(NO_ERROR);

  const apply = (nextPin: string, okText: string) => void save.run(async () => {
    await p.api.setPin({ ...(p.pinSet ? { current } : {}), next: nextPin });
    remember(nextPin || undefined);
    setCurrent('');
    setNext('');
    setConfirm('');
    await p.onChanged();
    return okText;
  }, 'Saved.', (q) => `pin.${q}`);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (ready) apply(next, p.pinSet ? 'PIN changed.' : 'PIN set. Settings and restores now ask for it.');
  };

  return (
    <SectionFrame id="settings-pin" title="Admin PIN" intro={p.pinSet ? 'A PIN is set: changing settings and restoring over the live data ask for it.' : 'No PIN: anyone at this computer can change settings and restore. Set one to stop that.'}>
      <form onSubmit={onSubmit} aria-labelledby="settings-pin-title">
        {p.pinSet ? <TextField path="pin.current" label="Current PIN" type="password" inputMode="numeric" value={current} onChange={(v) => { clear(); setCurrent(v); }} error={fieldError(err, 'pin.current')} /> : null}
        <TextField path="pin.next" label={p.pinSet ? 'New PIN' : 'PIN'} type="password" inputMode="numeric" value={next} onChange={(v) => { clear(); setNext(v); }} error={fieldError(err, 'pin.next')} hint="4 to 12 digits." />
        <TextField path="pin.confirm" label={p.pinSet ? 'New PIN again' : 'PIN again'} type="password" inputMode="numeric" value={confirm} onChange={(v) => { clear(); setConfirm(v); }} error={fieldError(err, 'pin.confirm')} />
        <div className="s-buttons">
          <button type="submit" className="s-primary" disabled={!ready || save.busy}>{save.busy ? 'Saving…' : p.pinSet ? 'Change PIN' : 'Set PIN'}</button>
          {p.pinSet ? (
            <ConfirmButton label="Remove PIN" describe="" question="Remove the PIN? Anyone at this computer could then change settings." confirmLabel="Remove" disabled={!current || save.busy}
              onConfirm={() => apply('', 'PIN removed.')} />
          ) : null}
        </div>
        {p.pinSet ? <p className="s-small s-muted">To remove the PIN, type the current one, then “Remove PIN”.</p> : null}
        <Outcome ok={save.ok} err={save.err} extra={unclaimed(save.err, ['pin.current', 'pin.next', 'pin.confirm'])} />
      </form>
    </SectionFrame>
  );
}
