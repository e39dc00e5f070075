// One labelled control with its error beside it: every input of the Settings screen goes through these,
// so each has a <label for>, aria-invalid and aria-describedby pointing at its message.
import type { JSX, ReactNode } from 'react';

/** A DOM id safe for `for`/`id` pairs, derived from a field path ("patch.ups.0" -> "f-patch-ups-0"). */
export function fieldId(path: string): string {
  return `f-${path.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

interface TextProps {
  path: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  error?: string | undefined;
  hint?: ReactNode;
  type?: 'text' | 'password' | 'number' | 'url' | 'email';
  placeholder?: string;
  autoComplete?: string;
  inputMode?: 'numeric' | 'text' | 'email' | 'url';
  spellCheck?: boolean;
  mono?: boolean;
}

/** A labelled text input; `error` is shown under it and marks it invalid for assistive technology. */
export function TextField(p: TextProps): JSX.Element {
  const id = fieldId(p.path);
  const describedBy = [p.error ? `${id}-err` : '', p.hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`s-field${p.error ? ' s-field-invalid' : ''}`}>
      <label htmlFor={id}>{p.label}</label>
      <input
        id={id}
        name={p.path}
        type={p.type ?? 'text'}
        className={p.mono ? 's-mono' : undefined}
        value={p.value}
        placeholder={p.placeholder}
        autoComplete={p.autoComplete ?? 'off'}
        inputMode={p.inputMode}
        spellCheck={p.spellCheck ?? false}
        aria-invalid={p.error ? true : undefined}
        aria-describedby={describedBy}
        onChange={(e) => p.onChange(e.target.value)}
      />
      {p.hint ? <div id={`${id}-hint`} className="s-hint">{p.hint}</div> : null}
      {p.error ? <div id={`${id}-err`} className="s-field-error" role="alert">{p.error}</div> : null}
    </div>
  );
}

/** A labelled checkbox (label after the box, the whole line clickable). */
export function CheckField(p: { path: string; label: string; checked: boolean; onChange: (v: boolean) => void; error?: string | undefined }): JSX.Element {
  const id = fieldId(p.path);
  return (
    <div className={`s-field s-field-check${p.error ? ' s-field-invalid' : ''}`}>
      <input id={id} name={p.path} type="checkbox" checked={p.checked} aria-invalid={p.error ? true : undefined} aria-describedby={p.error ? `${id}-err` : undefined} onChange={(e) => p.onChange(e.target.checked)} />
      <label htmlFor={id}>{p.label}</label>
      {p.error ? <div id={`${id}-err`} className="s-field-error" role="alert">{p.error}</div> : null}
    </div>
  );
}

/** A labelled select over fixed options. */
export function SelectField<T extends string>(p: { path: string; label: string; value: T; options: Array<{ value: T; label: string }>; onChange: (v: T) => void; error?: string | undefined }): JSX.Element {
  const id = fieldId(p.path);
  return (
    <div className={`s-field${p.error ? ' s-field-invalid' : ''}`}>
      <label htmlFor={id}>{p.label}</label>
      <select id={id} name={p.path} value={p.value} aria-invalid={p.error ? true : undefined} aria-describedby={p.error ? `${id}-err` : undefined} onChange={(e) => p.onChange(e.target.value as T)}>
        {p.options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
      {p.error ? <div id={`${id}-err`} className="s-field-error" role="alert">{p.error}</div> : null}
    </div>
  );
}
