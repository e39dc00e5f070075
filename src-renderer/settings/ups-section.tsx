// UPS sources: the UPSes Lifeboat watches (NUT or apcupsd over the network) and the machine's own battery.
// A power cut triggers an emergency snapshot, so a wrong address here is worth catching at the field.
import { useEffect, useMemo, useState, type FormEvent, type JSX } from 'react';
import type { LifeboatApi, Status } from '../../src-shared/contract.ts';
import { CheckField, TextField } from './field.tsx';
import { fieldError, NO_ERROR, unclaimed } from './form-errors.ts';
import { useAction } from './hooks.ts';
import { useWithPin } from './pin-gate.tsx';
import { Outcome, SectionFrame } from './section-frame.tsx';
import type { Settings } from './settings-types.ts';

const UPS_URL = /^(nut:\/\/[^/\s]+\/[^/\s]+|apcupsd:\/\/[^/\s]+\/?)$/;

/** The UPS address list and the OS battery switch. */
export function UpsSection(p: { api: LifeboatApi; settings: Settings; status: Status | undefined; onSaved: (s: Settings) => void }): JSX.Element {
  const withPin = useWithPin();
  const save = useAction();
  const stored = useMemo(() => ({ ups: p.settings.ups ?? [], osBattery: p.settings.osBattery ?? false }), [p.settings.ups, p.settings.osBattery]);
  const [ups, setUps] = useState<string[]>(stored.ups);
  const [osBattery, setOsBattery] = useState(stored.osBattery);
  useEffect(() => { setUps(stored.ups); setOsBattery(stored.osBattery); }, [stored]);

  // Checked here only for shape, so a typo shows before saving; the engine checks again and reaches the UPS.
  const local: Record<string, string> = {};
  ups.forEach((u, i) => { if (u.trim() && !UPS_URL.test(u.trim())) local[`patch.ups.${i}`] = 'write nut://user@host:3493/upsname or apcupsd://host:3551'; });
  const err = Object.keys(local).length ? { message: '', fields: local } : save.err;
  const changed = osBattery !== stored.osBattery || JSON.stringify(ups.map((u) => u.trim()).filter(Boolean)) !== JSON.stringify(stored.ups);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (Object.keys(local).length) return;
    const list = ups.map((u) => u.trim()).filter(Boolean);
    void save.run(async () => {
      const s = await withPin((pin) => p.api.saveSettings({ patch: { ups: list, osBattery }, pin }));
      p.onSaved(s);
      return `Saved. Watching ${s.ups?.length ? `${s.ups.length} UPS${s.ups.length > 1 ? 'es' : ''}` : 'no UPS'}${s.osBattery ? ' and this machine\'s battery' : ''}.`;
    }, 'Saved.');
  };

  const edit = (i: number, v: string) => { save.setErr(NO_ERROR); setUps((l) => l.map((x, j) => (j === i ? v : x))); };
  return (
    <SectionFrame id="settings-ups" title="UPS and power" intro="When the power fails, Lifeboat takes a snapshot of everything that changed before the battery runs out.">
      <form onSubmit={onSubmit} aria-labelledby="settings-ups-title">
        {p.status?.power.length ? (
          <ul className="s-rows s-small">{p.status.power.map((w) => <li key={w.source} className="s-row"><span className="s-mono s-wrap">{w.source}</span> <span className="s-tag">{w.level}</span>{w.charge !== undefined ? <span className="s-muted"> {w.charge}%</span> : null}</li>)}</ul>
        ) : null}
        {ups.length === 0 ? <p className="s-empty">No UPS watched.</p> : null}
        {ups.map((u, i) => (
          <div key={i} className="s-inline-field">
            <TextField path={`patch.ups.${i}`} label={`UPS address ${i + 1}`} value={u} mono onChange={(v) => edit(i, v)} error={fieldError(err, `patch.ups.${i}`)} placeholder="nut://monitor@nas.local:3493/ups" />
            <button type="button" className="s-danger-quiet" aria-label={`Remove UPS address ${i + 1}`} onClick={() => setUps((l) => l.filter((_, j) => j !== i))}>Remove</button>
          </div>
        ))}
        <div className="s-buttons">
          <button type="button" onClick={() => setUps((l) => [...l, ''])}>Add a UPS</button>
        </div>
        <p className="s-small s-muted">NUT: <code>nut://user@host:3493/upsname</code> (the password is asked for by the command line and kept in the secret store). apcupsd: <code>apcupsd://host:3551</code>.</p>
        <CheckField path="patch.osBattery" label="Watch this machine's own battery (laptops)" checked={osBattery} onChange={setOsBattery} error={fieldError(err, 'patch.osBattery')} />
        <div className="s-buttons">
          <button type="submit" className="s-primary" disabled={!changed || save.busy || Object.keys(local).length > 0}>{save.busy ? 'Saving…' : 'Save power settings'}</button>
        </div>
        <Outcome ok={save.ok} err={save.err} extra={unclaimed(save.err, ['patch.ups', 'patch.osBattery'])} />
      </form>
    </SectionFrame>
  );
}
