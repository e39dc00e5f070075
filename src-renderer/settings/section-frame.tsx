// The frame every settings section shares: a <section> named by its heading, and one line under the
// section's buttons that says "Saved" or what went wrong (announced to screen readers either way).
import type { JSX, ReactNode } from 'react';
import { type FormError } from './form-errors.ts';

/** A settings section: `<section aria-labelledby>` with an <h2>, an optional one-line intro, then children. */
export function SectionFrame(p: { id: string; title: string; intro?: ReactNode; children: ReactNode }): JSX.Element {
  return (
    <section id={p.id} className="s-settings-section" aria-labelledby={`${p.id}-title`}>
      <h2 id={`${p.id}-title`}>{p.title}</h2>
      {p.intro ? <p className="s-intro">{p.intro}</p> : null}
      {p.children}
    </section>
  );
}

/**
 * The outcome of the section's last action: `ok` (e.g. "Saved") in the ok colour, or the error's message and
 * any field messages no field claimed (`extra`). Renders an empty live region otherwise, so the next
 * message is announced.
 */
export function Outcome(p: { ok?: string | undefined; err?: FormError | undefined; extra?: string[] | undefined }): JSX.Element {
  if (p.err && p.err.message) {
    return (
      <div className="s-outcome s-outcome-error" role="alert">
        {p.err.message}
        {p.extra && p.extra.length ? <ul>{p.extra.map((m) => <li key={m}>{m}</li>)}</ul> : null}
      </div>
    );
  }
  return <div className="s-outcome s-outcome-ok" role="status">{p.ok ?? ''}</div>;
}
