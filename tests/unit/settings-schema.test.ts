// One settings schema for the CLI and the desktop app: validateSettings (schema + semantic checks) accepts what
// Lifeboat writes and names every mistake by its field path; saveSettings never writes an invalid file; and the
// same schema, as JSON Schema, drives a real conf store (what electron-store 12 is built on).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Conf from 'conf';
import { SettingsSchema, settingsJsonSchema, settingsStoreSchema } from '../../src-main/core/settings/settings-schema.ts';
import { defaultSettings, loadSettings, readSettingsFile, saveSettings, validateSettings } from '../../src-main/core/settings/settings-store.ts';
import type { Settings } from '../../src-main/core/settings/settings-types.ts';
import { LifeboatError } from '../../src-main/core/errors.ts';
import { tempDir } from '../helpers/cli.ts';

/** Every section filled in, the way a configured office would have it. */
function fullSettings(): Settings {
  return {
    version: 2,
    repository: '/srv/lifeboat/repository',
    repositoryId: 'b1c2',
    sources: [
      { name: 'office', kind: 'sqlite', path: '/srv/app/office.db', watch: true },
      { name: 'documents', kind: 'folder', path: '/srv/app/docs', include: ['**/*.pdf'], exclude: ['tmp/**'] },
      { name: 'crm', kind: 'postgres', path: 'postgres://backup@db.local:5432/crm', storedSecret: true },
    ],
    retention: { last: 3, daily: 30, weekly: 13 },
    timeZone: 'Europe/Berlin',
    schedules: { backup: { cron: '*/30 * * * *' }, 'restore-drill': { enabled: false } },
    ups: ['nut://monitor@127.0.0.1:3493/ups', 'apcupsd://127.0.0.1:3551'],
    osBattery: true,
    watchTiming: { quietSeconds: 10, minIntervalSeconds: 60 },
    drives: { mediaRoots: ['/media'], pollSeconds: 5, policy: { daily: 7 } },
    targets: [{ name: 'nas', url: 'sftp://backup@nas.local/srv/lifeboat', keyFile: '/root/.ssh/id', bandwidth: '2MB/s@08:00-18:00', retention: { daily: 14 }, sources: ['office'], warnAfterHours: 24 }],
    outbox: { tickSeconds: 15, retryMinSeconds: 30, retryMaxSeconds: 3600 },
    notifications: {
      desktop: true,
      email: { enabled: true, host: 'smtp.example.com', port: 587, user: 'alerts', storedSecret: true, from: 'lifeboat@example.com', to: ['it@example.com', 'boss@example.com'], levels: ['critical'], summary: 'weekly' },
    },
    dashboard: { host: '127.0.0.1', port: 8770 },
  };
}

type Edit = (s: Settings & Record<string, unknown>) => void;

/** [what is wrong, how to break a full settings object, what the message must say (the field path first)]. */
const INVALID: Array<[string, Edit, RegExp]> = [
  ['a bad source name', (s) => { s.sources[0]!.name = 'my office'; }, /sources\[0\]\.name: use letters, digits/],
  ['an unknown source kind', (s) => { (s.sources[1] as { kind: string }).kind = 'ftp'; }, /sources\[1\]\.kind: /],
  ['an unknown key at the top', (s) => { s.colour = 'red'; }, /the file: Unrecognized key: "colour"/],
  ['an unknown key in a target', (s) => { (s.targets![0] as unknown as Record<string, unknown>).password = 'x'; }, /targets\[0\]: Unrecognized key: "password"/],
  ['a negative retention count', (s) => { s.retention.daily = -1; }, /retention\.daily: Too small/],
  ['a retention count as text', (s) => { (s.retention as Record<string, unknown>).weekly = '13'; }, /retention\.weekly: Invalid input: expected number, received string/],
  ['a missing repository', (s) => { delete (s as Partial<Settings>).repository; }, /repository: Invalid input: expected string, received undefined/],
  ['a wrong version type', (s) => { (s as Record<string, unknown>).version = 'two'; }, /no format version/],
  ['an e-mail sender that is no address', (s) => { s.notifications!.email!.from = 'lifeboat'; }, /notifications\.email\.from: not an e-mail address/],
  ['an e-mail recipient that is no address', (s) => { s.notifications!.email!.to[1] = 'boss at example'; }, /notifications\.email\.to\[1\]: not an e-mail address/],
  ['no e-mail recipient', (s) => { s.notifications!.email!.to = []; }, /notifications\.email\.to: at least one recipient/],
  ['an SMTP port out of range', (s) => { s.notifications!.email!.port = 70000; }, /notifications\.email\.port: Too big/],
  ['a dashboard port as text', (s) => { (s.dashboard as Record<string, unknown>).port = '8770'; }, /dashboard\.port: /],
  ['a drive policy with an unknown rule', (s) => { (s.drives!.policy as Record<string, unknown>).forever = 1; }, /drives\.policy: Unrecognized key: "forever"/],
  // Beyond the schema: what needs a parser or the whole file.
  ['a relative path for a file source', (s) => { s.sources[0]!.path = 'office.db'; }, /source office: path must be absolute/],
  ['two sources with one name', (s) => { s.sources[1]!.name = 'office'; }, /two sources are named office/],
  ['a password in a target URL', (s) => { s.targets![0]!.url = 'sftp://backup:hunter2@nas.local/srv'; }, /target nas: its URL holds a password/],
  ['a bandwidth that is no rate', (s) => { s.targets![0]!.bandwidth = 'fast'; }, /fast/],
  ['a cron expression out of range', (s) => { s.schedules!.backup!.cron = '61 * * * *'; }, /schedules\.backup\.cron: minute field: 61 is out of range/],
  ['a schedule for no job', (s) => { s.schedules!.backupp = { enabled: false }; }, /schedules: no scheduled job "backupp" \(the jobs are backup, /],
  ['an unknown time zone', (s) => { s.timeZone = 'Mars/Olympus'; }, /timeZone: .*Mars\/Olympus/],
  ['a UPS address of another kind', (s) => { s.ups = ['http://ups.local/']; }, /bad UPS address "http:\/\/ups\.local\/"/],
];

test('valid settings pass unchanged: the defaults, a full office, and the schema agrees with validateSettings', () => {
  for (const s of [defaultSettings('/srv/lifeboat'), fullSettings()]) {
    assert.deepEqual(SettingsSchema.parse(s), s);
    const valid = validateSettings(s);
    assert.deepEqual(valid, s);
    assert.notEqual(valid, s, 'a fresh object, never the argument');
  }
});

test('invalid settings: each mistake is refused with its field path and a reason, and the input is not changed', () => {
  for (const [what, edit, message] of INVALID) {
    const s = fullSettings() as Settings & Record<string, unknown>;
    edit(s);
    const before = structuredClone(s);
    assert.throws(() => validateSettings(s), (err: Error) => {
      assert.ok(err instanceof LifeboatError, what);
      assert.match(err.message, message, what);
      assert.match(err.message, /^settings\.json[: ]/, `${what}: the message names the file`);
      assert.doesNotMatch(err.message, /\n| {4}at /, `${what}: one line, no stack`);
      return true;
    }, what);
    assert.deepEqual(s, before, `${what}: input untouched`);
  }
});

test('many mistakes at once: the first five are named, then a count', () => {
  const s = fullSettings();
  for (const k of ['last', 'quarterHourly', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const) s.retention[k] = -1;
  assert.throws(() => validateSettings(s), (err: Error) => (err.message.match(/Too small/g) ?? []).length === 5 && /; and 2 more$/.test(err.message));
});

test('saveSettings refuses invalid settings and leaves the file as it was; loadSettings names the file and the field', async () => {
  const t = tempDir();
  try {
    const file = path.join(t.dir, 'settings.json');
    await saveSettings(t.dir, fullSettings());
    const before = fs.readFileSync(file);
    const bad = fullSettings();
    bad.notifications!.email!.to = ['nobody'];
    await assert.rejects(saveSettings(t.dir, bad), /notifications\.email\.to\[0\]: not an e-mail address/);
    assert.deepEqual(fs.readFileSync(file), before);
    assert.deepEqual(fs.readdirSync(t.dir), ['settings.json'], 'no temp file left behind');

    fs.writeFileSync(file, JSON.stringify({ ...fullSettings(), retention: { daily: 1.5 } }));
    await assert.rejects(loadSettings(t.dir), (err: Error) => err.message === `${file}: retention.daily: Invalid input: expected int, received number`);
  } finally {
    t.cleanup();
  }
});

test('settingsJsonSchema is the zod schema as JSON Schema 2020-12, strict at every level', () => {
  const j = settingsJsonSchema() as { $schema: string; required: string[]; additionalProperties: boolean; properties: Record<string, { additionalProperties?: boolean }> };
  assert.equal(j.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.deepEqual(j.required.sort(), ['repository', 'retention', 'sources', 'version']);
  assert.equal(j.additionalProperties, false);
  assert.equal(j.properties.retention!.additionalProperties, false);
  const { schema, rootSchema } = settingsStoreSchema();
  assert.deepEqual(Object.keys(schema).sort(), Object.keys(SettingsSchema.shape).sort());
  assert.ok(!('$schema' in rootSchema) && !('properties' in rootSchema));
});

test('a real conf store (electron-store 12 is conf) with the same schema accepts valid settings, refuses invalid ones, and shares the file with the CLI', async () => {
  const t = tempDir();
  try {
    const dataDir = t.dir;
    // The desktop app's start, as settingsStoreSchema's doc comment describes it: a version 1 file is migrated
    // and saved by the engine first, then the store opens the same file.
    fs.writeFileSync(path.join(dataDir, 'settings.json'), JSON.stringify({ version: 1, repository: path.join(dataDir, 'repository'), sources: [{ name: 'office', kind: 'sqlite', path: '/srv/app/office.db' }] }));
    const { settings, migrated } = await readSettingsFile(dataDir);
    assert.equal(migrated, true);
    await saveSettings(dataDir, settings);
    // Typed as a plain record: conf's typings want index signatures an interface does not have.
    const store = new Conf<Record<string, unknown>>({ cwd: dataDir, configName: 'settings', ...settingsStoreSchema(), defaults: { ...defaultSettings(dataDir) }, clearInvalidConfig: false });
    assert.equal(store.path, path.join(dataDir, 'settings.json'));
    assert.equal(store.get('version'), 2);
    assert.deepEqual(store.get('sources'), settings.sources);

    // Valid: the whole of a configured office, written by the store.
    const full = fullSettings();
    store.store = { ...full };
    assert.deepEqual(await loadSettings(dataDir), full, 'what the store wrote, the CLI reads as the same settings');
    assert.ok(!fs.readFileSync(store.path, 'utf8').includes('__internal__'), 'no bookkeeping key the strict schema would refuse');

    // Invalid: refused by the store with the field's path, and the file keeps the last good settings.
    const good = fs.readFileSync(store.path, 'utf8');
    const refusals: Array<[() => void, RegExp]> = [
      [() => store.set('retention', { daily: -1 }), /`retention\/daily` must be >= 0/],
      [() => store.set('notifications', { email: { enabled: true, host: 'smtp', port: 25, from: 'nope', to: ['it@example.com'] } }), /`notifications\/email\/from` must match format "email"/],
      [() => store.set('sources', [{ name: 'my office', kind: 'sqlite', path: '/x' }]), /`sources\/0\/name` must match pattern/],
      [() => store.set('version', 3), /`version` must be equal to constant/],
      [() => { store.store = { ...full, colour: 'red' }; }, /must NOT have additional properties/],
    ];
    for (const [write, message] of refusals) assert.throws(write, (err: Error) => err.message.startsWith('Config schema violation: ') && message.test(err.message), String(message));
    assert.equal(fs.readFileSync(store.path, 'utf8'), good);

    // A file the CLI wrote is what the store reads.
    const edited = { ...full, retention: { daily: 3 } };
    await saveSettings(dataDir, edited);
    const reopened = new Conf<Record<string, unknown>>({ cwd: dataDir, configName: 'settings', ...settingsStoreSchema(), defaults: { ...defaultSettings(dataDir) }, clearInvalidConfig: false });
    // conf hands back objects with a null prototype; compare the data.
    assert.deepEqual(JSON.parse(JSON.stringify(reopened.store)), edited);
  } finally {
    t.cleanup();
  }
});
