// Notifications: desktop notifications, and e-mail alerts over SMTP with a test message that shows the
// server's answer (or why it could not be sent) before anything is saved.
import { useEffect, useMemo, useState, type FormEvent, type JSX } from 'react';
import { ApiError, type LifeboatApi } from '../../src-shared/contract.ts';
import { CheckField, SelectField, TextField } from './field.tsx';
import { fieldError, NO_ERROR, unclaimed } from './form-errors.ts';
import { useAction } from './hooks.ts';
import { useWithPin } from './pin-gate.tsx';
import { Outcome, SectionFrame } from './section-frame.tsx';
import type { EmailSettings, Settings } from './settings-types.ts';

type Summary = 'off' | 'daily' | 'weekly';
interface EmailForm { enabled: boolean; host: string; port: string; secure: boolean; user: string; from: string; to: string; warning: boolean; critical: boolean; summary: Summary }

const P = 'patch.notifications.email';

function formFrom(e: EmailSettings | undefined): EmailForm {
  const levels = e?.levels ?? ['warning', 'critical'];
  return { enabled: e?.enabled ?? false, host: e?.host ?? '', port: String(e?.port ?? 587), secure: e?.secure ?? false, user: e?.user ?? '', from: e?.from ?? '', to: (e?.to ?? []).join(', '), warning: levels.includes('warning'), critical: levels.includes('critical'), summary: e?.summary ?? 'off' };
}

// The e-mail settings the form describes; undefined when e-mail was never filled in and is off.
function emailFrom(f: EmailForm): EmailSettings | undefined {
  if (!f.enabled && !f.host.trim() && !f.from.trim() && !f.to.trim()) return undefined;
  const levels = [...(f.warning ? ['warning' as const] : []), ...(f.critical ? ['critical' as const] : [])];
  return {
    enabled: f.enabled,
    host: f.host.trim(),
    port: Number(f.port),
    secure: f.secure,
    ...(f.user.trim() ? { user: f.user.trim() } : {}),
    from: f.from.trim(),
    to: f.to.split(/[\s,;]+/).filter(Boolean),
    levels,
    summary: f.summary,
  };
}

/** The notifications form: desktop switch, SMTP settings, "Send test". */
export function NotificationsSection(p: { api: LifeboatApi; settings: Settings; onSaved: (s: Settings) => void }): JSX.Element {
  const withPin = useWithPin();
  const save = useAction();
  const test = useAction();
  const n = p.settings.notifications;
  const storedForm = useMemo(() => formFrom(n?.email), [n?.email]);
  const [desktop, setDesktop] = useState(n?.desktop ?? true);
  const [f, setF] = useState<EmailForm>(storedForm);
  const [password, setPassword] = useState('');
  useEffect(() => { setF(storedForm); setDesktop(n?.desktop ?? true); }, [storedForm, n?.desktop]);
  const set = <K extends keyof EmailForm>(k: K) => (v: EmailForm[K]) => { save.setErr(NO_ERROR); setF((x) => ({ ...x, [k]: v })); };

  const portOk = /^\d+$/.test(f.port.trim()) && Number(f.port) >= 1 && Number(f.port) <= 65535;
  const local = portOk ? NO_ERROR : { message: '', fields: { [`${P}.port`]: 'a port from 1 to 65535 (587 for STARTTLS, 465 for TLS)' } };
  const err = portOk ? (save.err.message ? save.err : test.err) : local;
  const email = emailFrom(f);
  const changed = desktop !== (n?.desktop ?? true) || password !== '' || JSON.stringify(email) !== JSON.stringify(emailFrom(storedForm));

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!portOk) return;
    void save.run(async () => {
      const s = await withPin((pin) => p.api.saveSettings({ patch: { notifications: { desktop, ...(email ? { email } : {}) } }, ...(password ? { smtpPassword: password } : {}), pin }));
      setPassword('');
      p.onSaved(s);
      const em = s.notifications?.email;
      return `Saved. Desktop notifications ${s.notifications?.desktop === false ? 'off' : 'on'}; e-mail alerts ${em?.enabled ? `on, to ${em.to.join(', ')}` : 'off'}.`;
    }, 'Saved.');
  };

  const onTest = () => {
    if (!portOk || !email) return;
    void test.run(async () => {
      const r = await p.api.testEmail({ email, ...(password ? { smtpPassword: password } : {}) });
      if (!r.ok) throw new ApiError({ code: 'failed', message: r.message });
      // The engine's sentence is "sent to a@b, c@d": read as one line, not "Sent: sent to …".
      return `Test e-mail ${r.message}.`;
    }, 'Sent.', (q) => q.replace(/^email\./, `${P}.`).replace(/^smtpPassword$/, `${P}.password`));
  };

  const claimed = ['host', 'port', 'secure', 'user', 'password', 'from', 'to', 'levels', 'summary', 'enabled'].map((k) => `${P}.${k}`).concat('patch.notifications.desktop');
  return (
    <SectionFrame id="settings-notifications" title="Notifications" intro="How Lifeboat tells you when something needs attention.">
      <form onSubmit={onSubmit} aria-labelledby="settings-notifications-title">
        <CheckField path="patch.notifications.desktop" label="Desktop notifications" checked={desktop} onChange={(v) => { save.setErr(NO_ERROR); setDesktop(v); }} error={fieldError(err, 'patch.notifications.desktop')} />
        <fieldset>
          <legend>E-mail alerts</legend>
          <CheckField path={`${P}.enabled`} label="Send e-mail alerts" checked={f.enabled} onChange={set('enabled')} error={fieldError(err, `${P}.enabled`)} />
          <TextField path={`${P}.host`} label="SMTP server" value={f.host} onChange={set('host')} error={fieldError(err, `${P}.host`)} placeholder="smtp.example.com" />
          <TextField path={`${P}.port`} label="Port" inputMode="numeric" value={f.port} onChange={set('port')} error={fieldError(err, `${P}.port`)} />
          <CheckField path={`${P}.secure`} label="TLS from the start (port 465)" checked={f.secure} onChange={set('secure')} error={fieldError(err, `${P}.secure`)} />
          <TextField path={`${P}.user`} label="User name (optional)" autoComplete="username" value={f.user} onChange={set('user')} error={fieldError(err, `${P}.user`)} />
          <TextField path={`${P}.password`} label="Password" type="password" autoComplete="new-password" value={password} onChange={(v) => { save.setErr(NO_ERROR); setPassword(v); }}
            placeholder={n?.email?.storedSecret ? 'saved (type to replace)' : ''} error={fieldError(err, `${P}.password`)} />
          <TextField path={`${P}.from`} label="From address" type="email" value={f.from} onChange={set('from')} error={fieldError(err, `${P}.from`)} placeholder="lifeboat@example.com" />
          <TextField path={`${P}.to`} label="Send to (comma-separated)" value={f.to} onChange={set('to')} error={fieldError(err, `${P}.to`)} placeholder="boss@example.com, it@example.com" />
          <fieldset className="s-inline">
            <legend>Send a mail when the status turns</legend>
            <CheckField path={`${P}.levels.warning`} label="Warning (amber)" checked={f.warning} onChange={set('warning')} />
            <CheckField path={`${P}.levels.critical`} label="Critical (red)" checked={f.critical} onChange={set('critical')} error={fieldError(err, `${P}.levels`)} />
          </fieldset>
          <SelectField path={`${P}.summary`} label="Summary mail" value={f.summary} onChange={set('summary')} options={[{ value: 'off', label: 'None' }, { value: 'daily', label: 'Every day' }, { value: 'weekly', label: 'Every week' }]} error={fieldError(err, `${P}.summary`)} />
          <div className="s-buttons">
            <button type="button" disabled={test.busy || !email || !portOk} onClick={onTest}>{test.busy ? 'Sending…' : 'Send test e-mail'}</button>
          </div>
          <Outcome ok={test.ok} err={test.err} extra={unclaimed(test.err, claimed)} />
        </fieldset>
        <div className="s-buttons">
          <button type="submit" className="s-primary" disabled={save.busy || !portOk || !changed}>{save.busy ? 'Saving…' : 'Save notifications'}</button>
        </div>
        <Outcome ok={save.ok} err={save.err} extra={unclaimed(save.err, claimed)} />
      </form>
    </SectionFrame>
  );
}
