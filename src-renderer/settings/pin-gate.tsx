// The admin PIN, asked only when the engine says it is needed: a change answered with 'pin-required' opens
// a dialog, and the call is retried with the PIN typed there. The PIN is kept in memory for this screen
// (never stored), so one entry covers the session's later changes.
import { createContext, useCallback, useContext, useEffect, useRef, useState, type JSX, type ReactNode } from 'react';
import { apiErrorBody } from './form-errors.ts';

/** Runs a call that may need the PIN: `call(pin)` is tried with the PIN known so far, then with the one the admin types. */
export type WithPin = <T>(call: (pin: string | undefined) => Promise<T>) => Promise<T>;

/** Thrown by WithPin when the admin closes the PIN dialog. Sections show its message and change nothing. */
export class PinCancelled extends Error {
  constructor() {
    super('Not changed: the admin PIN is needed for this.');
    this.name = 'PinCancelled';
  }
}

const PinContext = createContext<{ withPin: WithPin; remember(pin: string | undefined): void } | null>(null);

/** The WithPin of the enclosing PinGate. */
export function useWithPin(): WithPin {
  const c = useContext(PinContext);
  if (!c) throw new Error('useWithPin outside PinGate');
  return c.withPin;
}

/** Tells the gate the PIN changed (set, changed or removed), so later calls use the new one. */
export function useRememberPin(): (pin: string | undefined) => void {
  const c = useContext(PinContext);
  if (!c) throw new Error('useRememberPin outside PinGate');
  return c.remember;
}

type Ask = { message: string; resolve: (pin: string) => void; reject: (e: Error) => void };

/** Provides WithPin to its children and renders the PIN dialog when a call asks for it. */
export function PinGate(p: { children: ReactNode }): JSX.Element {
  const pinRef = useRef<string | undefined>(undefined);
  const [ask, setAsk] = useState<Ask | null>(null);

  const askPin = useCallback((message: string) => new Promise<string>((resolve, reject) => setAsk({ message, resolve, reject })), []);

  const withPin = useCallback<WithPin>(async (call) => {
    try {
      return await call(pinRef.current);
    } catch (e) {
      if (!isPinProblem(e, pinRef.current)) throw e;
      pinRef.current = undefined;
    }
    let message = 'This change needs the admin PIN.';
    for (;;) {
      const pin = await askPin(message);
      try {
        const r = await call(pin);
        pinRef.current = pin;
        setAsk(null);
        return r;
      } catch (e) {
        if (!isPinProblem(e, pin)) {
          setAsk(null);
          throw e;
        }
        message = apiErrorBody(e)?.message ?? 'That PIN was not accepted.';
      }
    }
  }, [askPin]);

  const remember = useCallback((pin: string | undefined) => { pinRef.current = pin; }, []);

  return (
    <PinContext.Provider value={{ withPin, remember }}>
      {p.children}
      {ask ? <PinDialog ask={ask} onCancel={() => { ask.reject(new PinCancelled()); setAsk(null); }} /> : null}
    </PinContext.Provider>
  );
}

// 'pin-required' always; 'forbidden' only when we sent a PIN (then it is the wrong one, or too many tries).
function isPinProblem(e: unknown, sent: string | undefined): boolean {
  const code = apiErrorBody(e)?.code;
  return code === 'pin-required' || (code === 'forbidden' && sent !== undefined);
}

function PinDialog(p: { ask: Ask; onCancel: () => void }): JSX.Element {
  const ref = useRef<HTMLDialogElement>(null);
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  // A new message means the last PIN was refused: let the admin type again.
  useEffect(() => { setBusy(false); setPin(''); }, [p.ask]);
  return (
    <dialog ref={ref} className="pin-dialog" aria-labelledby="pin-dialog-title" onCancel={(e) => { e.preventDefault(); p.onCancel(); }}>
      <form method="dialog" onSubmit={(e) => { e.preventDefault(); if (pin) { setBusy(true); p.ask.resolve(pin); } }}>
        <h2 id="pin-dialog-title">Admin PIN</h2>
        <p role="alert">{p.ask.message}</p>
        <div className="s-field">
          <label htmlFor="pin-dialog-input">PIN</label>
          <input id="pin-dialog-input" type="password" inputMode="numeric" autoComplete="off" autoFocus value={pin} onChange={(e) => setPin(e.target.value)} />
        </div>
        <div className="s-buttons">
          <button type="submit" className="s-primary" disabled={!pin || busy}>{busy ? 'Checking…' : 'Continue'}</button>
          <button type="button" onClick={p.onCancel}>Cancel</button>
        </div>
      </form>
    </dialog>
  );
}
