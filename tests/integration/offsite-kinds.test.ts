// OFFSITE-KINDS: every kind of target end to end through the real CLI: a network folder, Apache WebDAV, S3
// (s3rver: a test double of S3, the only S3 server these machines can run) and rclone (over WebDAV).
// For each: target add, target test, backup, sync, deep remote verify, and a restore --from on a fresh data
// dir; credentials never appear in settings.json, logs or --json output.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createOfficeDb, checkOfficeInvariant } from '../../src-main/core/sources/demo-office-db.ts';
import { cliJson, runCli, tempDir } from '../helpers/cli.ts';
import { apacheSkipReason, startApacheWebdav, type WebdavServer } from '../peers/apache-webdav.ts';
import { s3SkipReason, startS3Server, type S3Server } from '../peers/s3-server.ts';
import { obscure, rcloneConfig, rcloneSkipReason } from '../peers/rclone.ts';

const PASS = 'kinds-pass';

describe('every kind of target through the CLI', { skip: apacheSkipReason() || s3SkipReason('s3rver') || rcloneSkipReason() }, () => {
  const t = tempDir('lifeboat-kinds-');
  let dav: WebdavServer;
  let s3: S3Server;
  const db = path.join(t.dir, 'office.db');
  const dataDir = path.join(t.dir, 'data');
  const rcloneConf = path.join(t.dir, 'rclone.conf');
  let env: NodeJS.ProcessEnv;
  let latest = '';

  before(async () => {
    dav = await startApacheWebdav();
    s3 = await startS3Server({ kind: 's3rver' });
    rcloneConfig(rcloneConf, 'officedav', 'webdav', { url: dav.url, vendor: 'other', user: dav.user, pass: obscure(dav.password) });
    env = { LIFEBOAT_PASSPHRASE: PASS, DAV_PASSWORD: dav.password, S3_SECRET: s3.secretAccessKey, RCLONE_CONFIG: rcloneConf };
    createOfficeDb(db, { targetBytes: 3 << 20, seed: 21, journalMode: 'wal' });
    await cliJson(['source', 'add', '--name', 'office', '--sqlite', db], { dataDir, env });
    latest = (await cliJson<Array<{ id: string }>>(['backup'], { dataDir, env }))[0]!.id;
  });
  after(async () => {
    await dav?.destroy();
    await s3?.cleanup();
    t.cleanup();
  });

  const kinds = () => [
    { name: 'nas', url: `file://${path.join(t.dir, 'nas')}`, args: [] as string[], setup: () => fs.mkdirSync(path.join(t.dir, 'nas')) },
    { name: 'dav', url: `webdav://${dav.user}@127.0.0.1:${dav.port}/dav/lifeboat`, args: ['--password-env', 'DAV_PASSWORD'] },
    { name: 's3', url: `s3://${s3.bucket}/office/lifeboat?endpoint=${encodeURIComponent(s3.endpoint)}&access-key-id=${s3.accessKeyId}`, args: ['--password-env', 'S3_SECRET'] },
    { name: 'rclone', url: 'rclone:officedav:via-rclone', args: ['--rclone-config', rcloneConf] },
  ];

  it('each kind: added, tested, synced, verified deep over the network, and restored on a new machine', async () => {
    for (const k of kinds()) {
      k.setup?.();
      await cliJson(['target', 'add', k.name, k.url, ...k.args], { dataDir, env });
      const test = await runCli(['target', 'test', k.name], { dataDir, env });
      assert.equal(test.code, 0, `${k.name}: ${test.stdout}${test.stderr}`);
      assert.match(test.stdout, /ok +write .*\nok +read .*identical/);
    }
    const reports = await cliJson<Array<{ target: string; state: string; sent: string[] }>>(['sync'], { dataDir, env });
    for (const r of reports) {
      assert.equal(r.state, 'done', JSON.stringify(r));
      assert.deepEqual(r.sent, [latest], r.target);
    }
    for (const k of kinds()) {
      const v = await runCli(['target', 'verify', k.name, '--deep'], { dataDir, env });
      assert.equal(v.code, 0, `${k.name}: ${v.stdout}${v.stderr}`);
      // A new machine: only the URL, its credentials and the passphrase.
      const out = path.join(t.dir, `restored-${k.name}.db`);
      const extra = k.name === 'dav' ? ['--password-env', 'DAV_PASSWORD'] : k.name === 's3' ? ['--password-env', 'S3_SECRET'] : [];
      const r = await runCli(['restore', '--from', k.url, ...extra, '--to', out], { dataDir: path.join(t.dir, `new-${k.name}`), env });
      assert.equal(r.code, 0, `${k.name}: ${r.stderr}`);
      assert.equal(checkOfficeInvariant(out).ok, true);
    }
  });

  it('no credential in settings.json, --json output or the secret-free URL; a stored one sits in a 0600 file', async () => {
    const r = await runCli(['target', 'add', 'dav2', `webdav://${dav.user}:${dav.password}@127.0.0.1:${dav.port}/dav/second`], { dataDir, env });
    assert.equal(r.code, 0, r.stderr);
    const outputs = [
      fs.readFileSync(path.join(dataDir, 'settings.json'), 'utf8'),
      (await runCli(['target', 'list', '--json'], { dataDir, env })).stdout,
      (await runCli(['target', 'test', 'dav2', '--json'], { dataDir, env })).stdout,
      (await runCli(['sync', 'dav2', '--json'], { dataDir, env })).stdout,
      (await runCli(['status', '--json'], { dataDir, env })).stdout,
      r.stdout,
    ];
    for (const o of outputs) {
      assert.ok(!o.includes(dav.password), `a password leaked: ${o.slice(0, 200)}`);
      // (s3rver's built-in secret equals its access key id, which the URL may show; so only when they differ.)
      if (s3.secretAccessKey !== s3.accessKeyId) assert.ok(!o.includes(s3.secretAccessKey), 'the S3 secret leaked');
    }
    assert.equal(fs.statSync(path.join(dataDir, 'secrets.json')).mode & 0o777, 0o600);
    // A wrong password: target test says so, in one line, without the password.
    await cliJson(['target', 'add', 'dav3', `webdav://${dav.user}@127.0.0.1:${dav.port}/dav/third`, '--password-env', 'WRONG'], { dataDir, env });
    const bad = await runCli(['target', 'test', 'dav3'], { dataDir, env: { ...env, WRONG: 'not-the-password' } });
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /FAIL credentials/);
    assert.ok(!bad.stdout.includes('not-the-password'));
  });
});
