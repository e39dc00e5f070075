// settings.json migrations: a version 1 file (as the version 1 CLI wrote it) loads as version 2 with the same
// meaning, a file from a newer Lifeboat is refused and left alone, loading never writes, saving writes version 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SETTINGS_MIGRATIONS, migrateSettings } from '../../src-main/core/settings/settings-migrations.ts';
import { SETTINGS_VERSION } from '../../src-main/core/settings/settings-schema.ts';
import { loadSettings, readSettingsFile, saveSettings } from '../../src-main/core/settings/settings-store.ts';
import { DEFAULT_RETENTION } from '../../src-main/core/retention/retention-policy.ts';
import { LifeboatError } from '../../src-main/core/errors.ts';
import { tempDir } from '../helpers/cli.ts';

/**
 * Written by the version 1 CLI (the commit before this change) with: source add --sqlite --watch, source add
 * --folder --include --exclude, backup, target add file:// --bandwidth, schedule set backup, schedule disable
 * restore-drill, ups add. Only the paths were shortened.
 */
const V1_FROM_CLI = {
  version: 1,
  repository: '/srv/lifeboat/data/repository',
  sources: [
    { name: 'office', kind: 'sqlite', path: '/srv/app/office.db', watch: true },
    { name: 'documents', kind: 'folder', path: '/srv/app/docs', include: ['**/*.txt'], exclude: ['tmp/**'] },
  ],
  retention: { last: 3, quarterHourly: 96, hourly: 168, daily: 30, weekly: 13, monthly: 12, yearly: 3 },
  repositoryId: '02ba8c47-2ece-481e-9cff-781a46b8effe',
  targets: [{ name: 'offsite', url: 'file:///mnt/nas/lifeboat', bandwidth: '2MB/s@08:00-18:00' }],
  schedules: { backup: { cron: '*/30 * * * *' }, 'restore-drill': { enabled: false } },
  ups: ['nut://monitor@127.0.0.1:3493/ups'],
};

/** The fields tests and admins set by hand in version 1 (agent tests edit settings.json this way). */
const V1_HAND_EDITED = {
  version: 1,
  repository: '/srv/lifeboat/repository',
  sources: [{ name: 'crm', kind: 'mysql', path: 'mysql://backup@db.local:3306/crm', passwordEnv: 'CRM_DB_PASSWORD' }],
  timeZone: 'Europe/Berlin',
  osBattery: false,
  watchTiming: { quietSeconds: 1, minIntervalSeconds: 1 },
  drives: { mediaRoots: ['/media/backup'], pollSeconds: 1, policy: { daily: 7, weekly: 4 } },
  targets: [{ name: 'nas', url: 'sftp://backup@nas.local/srv/lifeboat', keyFile: '/root/.ssh/id_ed25519', storedSecret: true, retention: { daily: 14 }, sources: ['crm'], warnAfterHours: 0.001 }],
  outbox: { tickSeconds: 1, retryMinSeconds: 1, retryMaxSeconds: 2 },
};

function writeSettings(dir: string, content: unknown): string {
  const file = path.join(dir, 'settings.json');
  fs.writeFileSync(file, JSON.stringify(content, null, 2) + '\n');
  return file;
}

/** Every file in `dir` with its bytes and mtime: what "loading does not write" compares. */
function snapshotDir(dir: string): Record<string, { bytes: string; mtimeMs: number }> {
  return Object.fromEntries(fs.readdirSync(dir).map((f) => {
    const p = path.join(dir, f);
    return [f, { bytes: fs.readFileSync(p, 'base64'), mtimeMs: fs.statSync(p).mtimeMs }];
  }));
}

test('there is one migration step from every older version, in order, up to SETTINGS_VERSION', () => {
  assert.equal(SETTINGS_VERSION, 2);
  assert.deepEqual(SETTINGS_MIGRATIONS.map((m) => m.from), Array.from({ length: SETTINGS_VERSION - 1 }, (_, i) => i + 1));
  for (const m of SETTINGS_MIGRATIONS) assert.ok(m.what.length > 10, `step from ${m.from} says what it changes`);
});

test('a version 1 file written by the CLI loads as version 2 with the same sources, targets, retention, schedules and UPS', async () => {
  const t = tempDir();
  try {
    writeSettings(t.dir, V1_FROM_CLI);
    const r = await readSettingsFile(t.dir);
    assert.equal(r.from, 1);
    assert.equal(r.migrated, true);
    const { version, ...rest } = r.settings;
    assert.equal(version, 2);
    const { version: _old, ...v1Rest } = V1_FROM_CLI;
    assert.deepEqual(rest, v1Rest, 'nothing but the version changes for a complete version 1 file');

    writeSettings(t.dir, V1_HAND_EDITED);
    const s = await loadSettings(t.dir);
    assert.equal(s.version, 2);
    assert.deepEqual(s.sources, V1_HAND_EDITED.sources);
    assert.deepEqual(s.targets, V1_HAND_EDITED.targets);
    assert.deepEqual(s.drives, V1_HAND_EDITED.drives);
    assert.deepEqual({ ...s.watchTiming, ...s.outbox, tz: s.timeZone, os: s.osBattery }, { ...V1_HAND_EDITED.watchTiming, ...V1_HAND_EDITED.outbox, tz: 'Europe/Berlin', os: false });
    // Version 1 left "retention" out to mean the defaults; version 2 writes the policy in force.
    assert.deepEqual(s.retention, DEFAULT_RETENTION);
  } finally {
    t.cleanup();
  }
});

test('migrateSettings never mutates its input and returns a current file as it is', () => {
  const input = structuredClone(V1_HAND_EDITED);
  const r = migrateSettings(input);
  assert.deepEqual(input, V1_HAND_EDITED, 'the input is untouched');
  assert.equal((r.settings as { version: number }).version, 2);
  assert.deepEqual({ from: r.from, migrated: r.migrated }, { from: 1, migrated: true });
  const current = { ...V1_FROM_CLI, version: 2 };
  const same = migrateSettings(current);
  assert.equal(same.settings, current);
  assert.deepEqual({ from: same.from, migrated: same.migrated }, { from: 2, migrated: false });
});

test('a file from a newer Lifeboat (version 3) is refused with a clear message and left exactly as it was', async () => {
  const t = tempDir();
  try {
    writeSettings(t.dir, { ...V1_FROM_CLI, version: 3, somethingNew: { a: 1 } });
    const before = snapshotDir(t.dir);
    await assert.rejects(loadSettings(t.dir), (err: Error) => {
      assert.ok(err instanceof LifeboatError);
      assert.equal(err.code, 'failed');
      assert.match(err.message, /settings\.json was written by a newer Lifeboat \(version 3\)/);
      assert.match(err.message, /update Lifeboat/);
      return true;
    });
    assert.deepEqual(snapshotDir(t.dir), before, 'never downgraded, never replaced');
    assert.throws(() => migrateSettings({ version: 3 }), /settings\.json was written by a newer Lifeboat \(version 3\)/);
  } finally {
    t.cleanup();
  }
});

test('something that is not settings, or has no format version, is called that (and never replaced)', async () => {
  const table: Array<[unknown, RegExp]> = [
    [[1, 2], /not Lifeboat settings \(expected a JSON object\)/],
    [null, /not Lifeboat settings \(expected a JSON object\)/],
    [{ repository: '/x', sources: [] }, /no format version/],
    [{ version: '1', repository: '/x', sources: [] }, /no format version/],
    [{ version: 0 }, /no format version/],
    [{ version: 1.5 }, /no format version/],
  ];
  for (const [raw, why] of table) {
    assert.throws(() => migrateSettings(raw), (err: Error) => err instanceof LifeboatError && err.code === 'corrupt' && why.test(err.message), JSON.stringify(raw));
  }
  const t = tempDir();
  try {
    const file = writeSettings(t.dir, { repository: '/x', sources: [] });
    const before = snapshotDir(t.dir);
    await assert.rejects(loadSettings(t.dir), (err: Error) => err.message.startsWith(file) && /no format version/.test(err.message));
    fs.writeFileSync(file, '{"version": 1, ');
    await assert.rejects(loadSettings(t.dir), /settings\.json is damaged: not valid JSON/);
    assert.equal(Object.keys(before).length, fs.readdirSync(t.dir).length, 'no file added');
  } finally {
    t.cleanup();
  }
});

test('loading a version 1 file writes nothing; the next save writes version 2, which loads back the same', async () => {
  const t = tempDir();
  try {
    const file = writeSettings(t.dir, V1_FROM_CLI);
    const before = snapshotDir(t.dir);
    const loaded = await loadSettings(t.dir);
    await loadSettings(t.dir);
    assert.deepEqual(snapshotDir(t.dir), before, 'loading (twice) changed no byte, no mtime, added no file');

    await saveSettings(t.dir, loaded);
    const written = JSON.parse(fs.readFileSync(file, 'utf8')) as { version: number };
    assert.equal(written.version, 2);
    assert.deepEqual(written, loaded);
    const again = await readSettingsFile(t.dir);
    assert.deepEqual({ from: again.from, migrated: again.migrated }, { from: 2, migrated: false });
    assert.deepEqual(again.settings, loaded);
  } finally {
    t.cleanup();
  }
});

test('no file: the defaults, at version 2, and nothing written', async () => {
  const t = tempDir();
  try {
    const r = await readSettingsFile(t.dir);
    assert.deepEqual(r, { settings: { version: 2, repository: path.join(t.dir, 'repository'), sources: [], retention: { ...DEFAULT_RETENTION } }, from: undefined, migrated: false });
    assert.deepEqual(fs.readdirSync(t.dir), []);
  } finally {
    t.cleanup();
  }
});
