// Sources: what is backed up. Adding and removing go through their own calls (addSource/removeSource),
// which check the path on the machine running Lifeboat.
import { useState, type FormEvent, type JSX } from 'react';
import type { LifeboatApi } from '../../src-shared/contract.ts';
import { CheckField, SelectField, TextField } from './field.tsx';
import { ConfirmButton } from './confirm-button.tsx';
import { fieldError, unclaimed } from './form-errors.ts';
import { useAction } from './hooks.ts';
import { useWithPin } from './pin-gate.tsx';
import { Outcome, SectionFrame } from './section-frame.tsx';
import type { Settings } from './settings-types.ts';

/** The sources list with add and remove; `onChanged` reloads the settings after a change. */
export function SourcesSection(p: { api: LifeboatApi; settings: Settings; onChanged: () => Promise<void> }): JSX.Element {
  const withPin = useWithPin();
  const add = useAction();
  const remove = useAction();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'sqlite' | 'folder'>('sqlite');
  const [path, setPath] = useState('');
  const [watch, setWatch] = useState(true);

  const onAdd = (e: FormEvent) => {
    e.preventDefault();
    void add.run(async () => {
      await withPin((pin) => p.api.addSource({ name: name.trim(), kind, path: path.trim(), watch, pin }));
      await p.onChanged();
      setName('');
      setPath('');
      return `Added ${name.trim()}.`;
    }, 'Added.', (q) => `source.${q}`);
  };

  return (
    <SectionFrame id="settings-sources" title="Sources" intro="The databases and folders Lifeboat backs up.">
      {p.settings.sources.length === 0 ? <p className="s-empty">No sources yet: add the database or folder to protect.</p> : (
        <ul className="s-rows">
          {p.settings.sources.map((s) => (
            <li key={s.name} className="s-row">
              <div className="s-row-main">
                <strong>{s.name}</strong> <span className="s-tag">{kindLabel(s.kind)}</span>
                <div className="s-mono s-small s-wrap">{s.path}</div>
                <div className="s-small s-muted">{s.watch === false ? 'Backed up on schedule' : 'Backed up when it changes and on schedule'}</div>
              </div>
              <ConfirmButton label="Remove" describe={`source ${s.name}`} question={`Stop backing up ${s.name}? Its snapshots stay until pruned.`} confirmLabel="Remove"
                onConfirm={() => void remove.run(async () => { await withPin((pin) => p.api.removeSource({ name: s.name, pin })); await p.onChanged(); }, `Removed ${s.name}.`)} />
            </li>
          ))}
        </ul>
      )}
      <Outcome ok={remove.ok} err={remove.err} />
      <form className="s-subform" onSubmit={onAdd} aria-labelledby="settings-sources-add">
        <h3 id="settings-sources-add">Add a source</h3>
        <TextField path="source.name" label="Name" value={name} onChange={setName} error={fieldError(add.err, 'source.name')} placeholder="office" />
        <SelectField path="source.kind" label="Kind" value={kind} onChange={setKind} options={[{ value: 'sqlite', label: 'SQLite database file' }, { value: 'folder', label: 'Folder' }]} error={fieldError(add.err, 'source.kind')} />
        <TextField path="source.path" label={kind === 'sqlite' ? 'Database file (full path)' : 'Folder (full path)'} value={path} onChange={setPath} mono error={fieldError(add.err, 'source.path')} placeholder={kind === 'sqlite' ? '/srv/office/office.db' : '/srv/office/uploads'} />
        <CheckField path="source.watch" label="Back up soon after it changes" checked={watch} onChange={setWatch} error={fieldError(add.err, 'source.watch')} />
        <div className="s-buttons">
          <button type="submit" className="s-primary" disabled={add.busy || !name.trim() || !path.trim()}>{add.busy ? 'Adding…' : 'Add source'}</button>
        </div>
        <Outcome ok={add.ok} err={add.err} extra={unclaimed(add.err, ['source.name', 'source.kind', 'source.path', 'source.watch'])} />
      </form>
    </SectionFrame>
  );
}

function kindLabel(kind: string): string {
  return kind === 'sqlite' ? 'SQLite' : kind === 'folder' ? 'Folder' : kind === 'mysql' ? 'MySQL' : kind === 'postgres' ? 'PostgreSQL' : kind;
}
