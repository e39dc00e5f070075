// Small hooks the sections share: a debounced value (live validation waits until typing pauses) and one
// action at a time per form, with its outcome ("Saved" or the error at the fields).
import { useCallback, useEffect, useRef, useState } from 'react';
import { NO_ERROR, toFormError, type FormError } from './form-errors.ts';

/** `value`, updated only once it has not changed for `ms` milliseconds. */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export interface Action {
  busy: boolean;
  ok: string;
  err: FormError;
  /**
   * Runs `fn` unless an action is already running; on success shows `okText` (or what `fn` returns when it
   * is a string), on failure the error (its fields at their inputs, paths renamed by `rename`).
   */
  run(fn: () => Promise<unknown>, okText: string, rename?: (path: string) => string): Promise<boolean>;
  /** Sets a client-side error (checked before calling), or clears the outcome with NO_ERROR. */
  setErr(e: FormError): void;
}

/** One form's action state. Results arriving after unmount are dropped. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [ok, setOk] = useState('');
  const [err, setErrState] = useState<FormError>(NO_ERROR);
  const busyRef = useRef(false);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => { alive.current = false; };
  }, []);
  const run = useCallback(async (fn: () => Promise<unknown>, okText: string, rename?: (path: string) => string) => {
    if (busyRef.current) return false;
    busyRef.current = true;
    setBusy(true);
    setOk('');
    setErrState(NO_ERROR);
    try {
      const r = await fn();
      if (alive.current) setOk(typeof r === 'string' ? r : okText);
      return true;
    } catch (e) {
      if (alive.current) setErrState(toFormError(e, rename));
      return false;
    } finally {
      busyRef.current = false;
      if (alive.current) setBusy(false);
    }
  }, []);
  const setErr = useCallback((e: FormError) => { setOk(''); setErrState(e); }, []);
  return { busy, ok, err, run, setErr };
}
