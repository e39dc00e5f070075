import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseTargetUrl, redactUrl } from '../../src-main/core/offsite/target-url.ts';
import { currentLimit, formatBandwidth, parseBandwidth } from '../../src-main/core/targets/bandwidth.ts';
import { FileSecretStore } from '../../src-main/core/settings/secret-store.ts';
import { BandwidthTarget } from '../../src-main/core/targets/target-wrappers.ts';
import { MemoryTarget } from '../../src-main/core/targets/memory-target.ts';
import { bufferBody, classifyNetworkError } from '../../src-main/core/targets/target.ts';
import { Lifeboat } from '../../src-main/core/lifeboat.ts';
import { tempDir } from '../helpers/cli.ts';

test('target URLs: every kind parses, passwords come out of the stored URL, and mistakes are explained', () => {
  const table: Array<[string, object, string?]> = [
    ['file:///mnt/nas/lifeboat', { kind: 'file', path: '/mnt/nas/lifeboat' }],
    ['/mnt/nas/lifeboat/', { kind: 'file', path: '/mnt/nas/lifeboat' }],
    ['sftp://backup@nas.local/srv/lifeboat', { kind: 'sftp', user: 'backup', host: 'nas.local', port: 22, path: '/srv/lifeboat' }],
    ['sftp://backup:s3cret@nas.local:2222/~/lifeboat', { kind: 'sftp', user: 'backup', host: 'nas.local', port: 2222, path: 'lifeboat' }, 's3cret'],
    ['webdavs://me:pw%40x@cloud.example.com/remote.php/dav/files/me/lifeboat', { kind: 'webdav', url: 'https://cloud.example.com/remote.php/dav/files/me/lifeboat/', user: 'me' }, 'pw@x'],
    ['webdav://127.0.0.1:8081/dav/repo', { kind: 'webdav', url: 'http://127.0.0.1:8081/dav/repo/' }],
    ['s3://office-backups/lifeboat', { kind: 's3', bucket: 'office-backups', prefix: 'lifeboat', region: 'us-east-1', pathStyle: false }],
    ['s3://AKID@office-backups/a/b/?endpoint=https://s3.eu-central-003.backblazeb2.com&region=eu-central-003', { kind: 's3', bucket: 'office-backups', prefix: 'a/b', region: 'eu-central-003', endpoint: 'https://s3.eu-central-003.backblazeb2.com', pathStyle: true, accessKeyId: 'AKID' }],
    ['rclone:gdrive:Backups/Lifeboat', { kind: 'rclone', remote: 'gdrive:Backups/Lifeboat' }],
  ];
  for (const [url, spec, password] of table) {
    const p = parseTargetUrl(url);
    assert.deepEqual(p.spec, spec, url);
    assert.equal(p.password, password, url);
    if (password) assert.ok(!p.url.includes(password) && !p.url.includes(encodeURIComponent(password)), `${p.url} keeps no password`);
  }
  for (const [bad, why] of [['ftp://x/y', /unknown kind of target ftp/], ['sftp://host/path', /needs a user/], ['sftp://u@host/', /needs a folder/], ['s3://A_B/x', /bucket name/], ['s3://bucket/x?colour=red', /unknown s3 option colour/], ['rclone:nocolon', /rclone:REMOTE:PATH/], ['relative/path', /not a URL/]] as const) {
    assert.throws(() => parseTargetUrl(bad), (err: Error) => why.test(err.message) && /Forms:/.test(err.message), bad);
  }
  assert.throws(() => parseTargetUrl('ftp://user:hunter2@x/y'), (err: Error) => !err.message.includes('hunter2'));
  assert.equal(redactUrl('sftp://u:hunter2@h/p'), 'sftp://u:***@h/p');
});

test('network errors of a machine or link going away are "retry", not a stop for a person', () => {
  for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTDOWN', 'EHOSTUNREACH', 'ENETRESET', 'EADDRNOTAVAIL', 'EAI_AGAIN']) {
    const err = classifyNetworkError(Object.assign(new Error(`connect ${code}`), { code }), 'nas', 'connect');
    assert.equal(err.kind, 'retry', code);
  }
  assert.equal(classifyNetworkError(new Error('certificate has expired'), 'nas', 'connect').kind, 'permanent');
});

test('bandwidth: rates and office-hours windows parse, format back, and apply only inside their window', () => {
  assert.deepEqual(parseBandwidth('2MB/s'), { bytesPerSecond: 2 * 1024 * 1024 });
  assert.deepEqual(parseBandwidth('500KB/s@08:00-18:00'), { bytesPerSecond: 500 * 1024, window: { from: 480, to: 1080 } });
  assert.equal(formatBandwidth(parseBandwidth('1.5 MB/s @ 22:00-06:30')), '1536KB/s@22:00-06:30');
  for (const bad of ['fast', '2MB', '2XB/s', '10B/s', '1MB/s@25:00-26:00', '1MB/s@08:00-08:00']) assert.throws(() => parseBandwidth(bad), /bandwidth/, bad);
  const office = parseBandwidth('1MB/s@08:00-18:00');
  assert.equal(currentLimit(office, new Date('2026-11-23T09:30:00Z'), 'UTC'), 1024 * 1024);
  assert.equal(currentLimit(office, new Date('2026-11-23T19:00:00Z'), 'UTC'), undefined);
  assert.equal(currentLimit(office, new Date('2026-11-23T19:00:00Z'), 'Asia/Tokyo'), undefined, '04:00 in Tokyo');
  assert.equal(currentLimit(office, new Date('2026-11-23T01:00:00Z'), 'Asia/Tokyo'), 1024 * 1024, '10:00 in Tokyo');
  const night = parseBandwidth('1MB/s@22:00-06:00');
  assert.equal(currentLimit(night, new Date('2026-11-23T23:00:00Z'), 'UTC'), 1024 * 1024);
  assert.equal(currentLimit(night, new Date('2026-11-23T05:59:00Z'), 'UTC'), 1024 * 1024);
  assert.equal(currentLimit(night, new Date('2026-11-23T06:00:00Z'), 'UTC'), undefined);
});

test('the bandwidth wrapper holds uploads to the limit (and the bytes arrive intact)', async () => {
  const mem = new MemoryTarget();
  const t = new BandwidthTarget(mem, { bytesPerSecond: 256 * 1024 });
  const data = Buffer.alloc(384 * 1024, 7);
  const t0 = performance.now();
  await t.save({ kind: 'index', name: 'a'.repeat(64) }, bufferBody(data));
  const ms = performance.now() - t0;
  // 384 KiB at 256 KiB/s cannot take less than about 1.5 s, however fast the machine (a lower bound only).
  assert.ok(ms >= 1300, `took ${Math.round(ms)} ms`);
  assert.ok((await mem.load({ kind: 'index', name: 'a'.repeat(64) })).equals(data));
});

test('uploads at once share one limit: two parallel saves together stay at the limit', async () => {
  const mem = new MemoryTarget();
  const t = new BandwidthTarget(mem, { bytesPerSecond: 256 * 1024 });
  const a = Buffer.alloc(256 * 1024, 1);
  const b = Buffer.alloc(256 * 1024, 2);
  const t0 = performance.now();
  await Promise.all([t.save({ kind: 'index', name: 'b'.repeat(64) }, bufferBody(a)), t.save({ kind: 'index', name: 'c'.repeat(64) }, bufferBody(b))]);
  const ms = performance.now() - t0;
  // 512 KiB in all at 256 KiB/s: at least about 2 s, not the 1 s two separate limits would allow.
  assert.ok(ms >= 1800, `took ${Math.round(ms)} ms`);
  assert.ok((await mem.load({ kind: 'index', name: 'c'.repeat(64) })).equals(b));
});

test('secrets live in a 0600 file, never in settings.json or target list output', async () => {
  const t = tempDir();
  try {
    const store = new FileSecretStore(path.join(t.dir, 'secrets.json'));
    await store.set('target:x', 'hunter2');
    assert.equal(fs.statSync(store.file).mode & 0o777, 0o600);
    assert.equal(await store.get('target:x'), 'hunter2');
    await store.delete('target:x');
    assert.equal(await store.get('target:x'), undefined);

    const lb = await Lifeboat.open({ dataDir: path.join(t.dir, 'data'), passphrase: async () => '' });
    fs.mkdirSync(path.join(t.dir, 'share'));
    await lb.offsite.add({ name: 'nas', url: `webdav://office:hunter2@127.0.0.1:9/dav/lifeboat` });
    const settings = fs.readFileSync(path.join(t.dir, 'data', 'settings.json'), 'utf8');
    assert.ok(!settings.includes('hunter2'));
    assert.match(settings, /"storedSecret": true/);
    assert.equal(fs.statSync(path.join(t.dir, 'data', 'secrets.json')).mode & 0o777, 0o600);
    assert.ok(!JSON.stringify(lb.offsite.targets()).includes('hunter2'));
    await assert.rejects(lb.offsite.add({ name: 'nas', url: 'file:///x' }), /already exists/);
    await lb.offsite.remove('nas');
    assert.ok(!fs.readFileSync(path.join(t.dir, 'data', 'secrets.json'), 'utf8').includes('hunter2'), 'removing a target forgets its secret');
    lb.close();
  } finally {
    t.cleanup();
  }
});
