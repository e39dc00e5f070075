// A destructive button that asks first, in place (no browser dialog): the first press shows the question
// and two buttons, focus moves to "Cancel" so Enter twice does not remove anything by accident.
import { useEffect, useRef, useState, type JSX } from 'react';

/** `label` opens the question; `confirmLabel` runs `onConfirm`. `describe` names what goes, for screen readers. */
export function ConfirmButton(p: { label: string; question: string; confirmLabel: string; describe: string; disabled?: boolean; onConfirm: () => void }): JSX.Element {
  const [asking, setAsking] = useState(false);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const openRef = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  useEffect(() => {
    if (asking) cancelRef.current?.focus();
    else if (wasAsking.current) openRef.current?.focus();
    wasAsking.current = asking;
  }, [asking]);
  if (!asking) {
    return <button ref={openRef} type="button" className="s-danger-quiet" aria-label={[p.label, p.describe].filter(Boolean).join(' ')} disabled={p.disabled} onClick={() => setAsking(true)}>{p.label}</button>;
  }
  return (
    <span className="s-confirm" role="group" aria-label={p.question}>
      <span className="s-confirm-q">{p.question}</span>
      <button type="button" className="s-danger" onClick={() => { setAsking(false); p.onConfirm(); }}>{p.confirmLabel}</button>
      <button ref={cancelRef} type="button" onClick={() => setAsking(false)}>Cancel</button>
    </span>
  );
}
