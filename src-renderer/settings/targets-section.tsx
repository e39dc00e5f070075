// Offsite targets: where copies go beyond this machine (a NAS, SFTP, WebDAV, S3, rclone). Passwords go to
// the engine's secret store through addTarget and are never shown again.
import { useState, type FormEvent, type JSX } from 'react';
import type { LifeboatApi, Status } from '../../src-shared/contract.ts';
import { ConfirmButton } from './confirm-button.tsx';
import { TextField } from './field.tsx';
import { formatTime } from './format.ts';
import { fieldError, unclaimed } from './form-errors.ts';
import { useAction } from './hooks.ts';
import { useWithPin } from './pin-gate.tsx';
import { Outcome, SectionFrame } from './section-frame.tsx';
import type { Settings } from './settings-types.ts';

type TestResult = { name: string; ok: boolean; lines: string[] };

/** The targets list with add, remove and "Test connection". */
export function TargetsSection(p: { api: LifeboatApi; settings: Settings; status: Status | undefined; onChanged: () => Promise<void> }): JSX.Element {
  const withPin = useWithPin();
  const add = useAction();
  const act = useAction();
  const [test, setTest] = useState<TestResult | null>(null);
  const [form, setForm] = useState({ name: '', url: '', password: '', keyFile: '', bandwidth: '' });
  const set = (k: keyof typeof form) => (v: string) => setForm((f) => ({ ...f, [k]: v }));
  const targets = p.settings.targets ?? [];

  const onAdd = (e: FormEvent) => {
    e.preventDefault();
    const args = {
      name: form.name.trim(),
      url: form.url.trim(),
      ...(form.password ? { password: form.password } : {}),
      ...(form.keyFile.trim() ? { keyFile: form.keyFile.trim() } : {}),
      ...(form.bandwidth.trim() ? { bandwidth: form.bandwidth.trim() } : {}),
    };
    void add.run(async () => {
      await withPin((pin) => p.api.addTarget({ ...args, pin }));
      await p.onChanged();
      setForm({ name: '', url: '', password: '', keyFile: '', bandwidth: '' });
      return `Added ${args.name}. Use "Test connection" to check it.`;
    }, 'Added.', (q) => `target.${q}`);
  };

  const onTest = (name: string) => void act.run(async () => {
    setTest(null);
    const r = await p.api.testTarget({ name });
    setTest({ name, ...r });
    return '';
  }, '');

  return (
    <SectionFrame id="settings-targets" title="Offsite targets" intro="Copies away from this machine, so a fire or a theft does not take the backups with it.">
      {targets.length === 0 ? <p className="s-empty">No offsite target yet.</p> : (
        <ul className="s-rows">
          {targets.map((t) => {
            const st = p.status?.targets.find((x) => x.name === t.name);
            return (
              <li key={t.name} className="s-row">
                <div className="s-row-main">
                  <strong>{t.name}</strong>
                  <div className="s-mono s-small s-wrap">{t.url}</div>
                  {t.bandwidth ? <div className="s-small s-muted">Limited to {t.bandwidth}</div> : null}
                  {st ? <div className="s-small s-muted">{st.lastSuccessAt ? `Last copy ${formatTime(st.lastSuccessAt)}` : 'No copy yet'}{st.backlog ? `, ${st.backlog} waiting` : ''}</div> : null}
                  {st?.lastError ? <div className="s-small s-warn-text">{st.lastError}</div> : null}
                </div>
                <div className="s-row-actions">
                  <button type="button" aria-label={`Test connection to ${t.name}`} disabled={act.busy} onClick={() => onTest(t.name)}>{act.busy && !test ? 'Testing…' : 'Test connection'}</button>
                  <ConfirmButton label="Remove" describe={`target ${t.name}`} question={`Stop copying to ${t.name}? What is there stays there.`} confirmLabel="Remove"
                    onConfirm={() => void act.run(async () => { await withPin((pin) => p.api.removeTarget({ name: t.name, pin })); await p.onChanged(); }, `Removed ${t.name}.`)} />
                </div>
                {/* Under both columns: the steps are long lines, too narrow beside the buttons. */}
                {test && test.name === t.name ? (
                  <div className={`s-test-result ${test.ok ? 's-test-ok' : 's-test-failed'}`} role="status">
                    <strong>{test.ok ? 'Connection works.' : 'Connection failed.'}</strong>
                    <ul>{test.lines.map((l, i) => <li key={i}>{l}</li>)}</ul>
                  </div>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
      <Outcome ok={act.ok} err={act.err} />
      <form className="s-subform" onSubmit={onAdd} aria-labelledby="settings-targets-add">
        <h3 id="settings-targets-add">Add a target</h3>
        <TextField path="target.name" label="Name" value={form.name} onChange={set('name')} error={fieldError(add.err, 'target.name')} placeholder="nas" />
        <TextField path="target.url" label="Address (URL)" value={form.url} onChange={set('url')} mono error={fieldError(add.err, 'target.url')} placeholder="sftp://backup@nas.local/lifeboat"
          hint="A folder (/mnt/nas/lifeboat), sftp://user@host/path, webdavs://host/path, s3://bucket/prefix?endpoint=… or rclone:remote:path." />
        <TextField path="target.password" label="Password (optional)" type="password" autoComplete="new-password" value={form.password} onChange={set('password')} error={fieldError(add.err, 'target.password')} />
        <TextField path="target.keyFile" label="SSH key file (optional, full path)" value={form.keyFile} onChange={set('keyFile')} mono error={fieldError(add.err, 'target.keyFile')} />
        <TextField path="target.bandwidth" label="Bandwidth limit (optional)" value={form.bandwidth} onChange={set('bandwidth')} error={fieldError(add.err, 'target.bandwidth')} placeholder="2MB/s" hint="Like 2MB/s, or 500KB/s@08:00-18:00 for office hours only; empty for no limit." />
        <div className="s-buttons">
          <button type="submit" className="s-primary" disabled={add.busy || !form.name.trim() || !form.url.trim()}>{add.busy ? 'Adding…' : 'Add target'}</button>
        </div>
        <Outcome ok={add.ok} err={add.err} extra={unclaimed(add.err, ['target.name', 'target.url', 'target.password', 'target.keyFile', 'target.bandwidth'])} />
      </form>
    </SectionFrame>
  );
}
