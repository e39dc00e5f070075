import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { WebdavTarget } from '../../src-main/core/targets/webdav-target.ts';
import { bufferBody, TargetError, type Handle } from '../../src-main/core/targets/target.ts';
import { apacheSkipReason, startApacheWebdav, type WebdavServer } from '../peers/apache-webdav.ts';
import { freePort } from '../peers/nut-server.ts';
import { mountTmpfs, tmpfsSkipReason, unmountTmpfs } from '../helpers/tmpfs.ts';
import { sha, targetConformance } from '../targets/conformance.ts';

const skip = apacheSkipReason();
const snap: Handle = { kind: 'snapshot', name: 'aaaabbbbcccc' };

function isError(kind: TargetError['kind'], code?: string) {
  return (err: unknown): boolean => err instanceof TargetError && err.kind === kind && (code === undefined || err.code === code);
}

describe('WebDAV target against a real Apache (mod_dav)', { skip }, () => {
  let server: WebdavServer;
  let n = 0;
  const target = (sub: string, extra: Partial<ConstructorParameters<typeof WebdavTarget>[0]> = {}): WebdavTarget =>
    new WebdavTarget({ url: `${server.url}${sub}`, user: server.user, password: server.password, ...extra });

  before(async () => { server = await startApacheWebdav(); });
  after(async () => { await server?.destroy(); });

  // A root a few folders deep that does not exist yet: the target makes every collection on the way.
  targetConformance('Apache WebDAV', async () => ({ target: target(`offsite/site-${++n}/repo/`), cleanup: async () => {} }));

  it('names the place without credentials and watches the right endpoint', () => {
    const t = new WebdavTarget({ url: `http://someone:hunter2@127.0.0.1:${server.port}/dav/x` });
    assert.equal(t.location, `http://127.0.0.1:${server.port}/dav/x/`);
    assert.deepEqual(t.endpoint, { host: '127.0.0.1', port: server.port });
  });

  it('a wrong password is a permanent "auth" error that does not show the password', async () => {
    const bad = 'Wr0ng-pa55word';
    const t = target('auth/repo/', { password: bad });
    for (const op of [() => t.save(snap, bufferBody(Buffer.alloc(2 * 1024 * 1024))), () => t.stat(snap), () => t.list('snapshot'), () => t.remove(snap)]) {
      const err = await op().then(() => undefined, (e: unknown) => e);
      assert.ok(isError('permanent', 'auth')(err), `got ${String(err)}`);
      const shown = `${(err as Error).message} ${String((err as Error).cause ?? '')} ${JSON.stringify(err)}`;
      assert.ok(!shown.includes(bad) && !shown.includes(Buffer.from(`${server.user}:${bad}`).toString('base64')), shown);
    }
    await t.close();
  });

  it('a URL whose folder does not exist lists as an error, not as an empty repository', async () => {
    const t = target('never/made/');
    await assert.rejects(t.list('snapshot'), isError('permanent', 'not-found'));
    await assert.rejects(t.stat(snap), isError('not-found'));
    await t.close();
  });

  it('a save that fails mid-upload leaves no temp object behind', async () => {
    const t = target('debris/repo/');
    const data = crypto.randomBytes(400_000);
    const broken = { size: data.length, open: () => Readable.from((async function* () { yield data.subarray(0, 200_000); throw new Error('disk read error'); })()) };
    await assert.rejects(t.save({ kind: 'index', name: sha(data) }, broken), isError('retry'));
    // Apache's own temp file of the aborted PUT (.davfs.tmp*) goes when Apache notices the abort, a moment later.
    const tmp = path.join(server.dataDir, 'debris/repo/tmp');
    for (let i = 0; i < 30 && fs.readdirSync(tmp).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(fs.readdirSync(tmp), []);
    await t.close();
  });

  it('removeDebris clears .part files a cut connection left in tmp/ (and nothing else)', async () => {
    const t = target('leftovers/repo/');
    await t.save({ kind: 'snapshot', name: 'abcabcabcabc' }, { size: 2, open: () => Readable.from([Buffer.from('{}')]) });
    const tmp = path.join(server.dataDir, 'leftovers/repo/tmp');
    fs.writeFileSync(path.join(tmp, `${'e'.repeat(64)}.0123456789ab.part`), 'half a pack');
    fs.chmodSync(path.join(tmp, `${'e'.repeat(64)}.0123456789ab.part`), 0o666);
    assert.deepEqual(await t.removeDebris(), [`${'e'.repeat(64)}.0123456789ab.part`]);
    assert.deepEqual(fs.readdirSync(tmp), []);
    assert.equal((await t.load({ kind: 'snapshot', name: 'abcabcabcabc' })).toString(), '{}');
    await t.close();
  });

  it('a body that gives fewer or more bytes than announced fails at once, not after the timeout', async () => {
    const t = target('sizes/repo/', { timeoutMs: 30_000 });
    const began = Date.now();
    for (const bytes of [50, 150]) {
      await assert.rejects(t.save(snap, { size: 100, open: () => Readable.from([Buffer.alloc(bytes)]) }), isError('retry', 'failed'));
    }
    assert.ok(Date.now() - began < 5000);
    await assert.rejects(t.stat(snap), isError('not-found'));
    await t.close();
  });

  it('says how much room is left when the server tells (mod_dav_fs does not: undefined)', async () => {
    assert.equal(await target('').freeSpace(), undefined);
  });

  it('a full disk on the server (507) is a permanent "no-space" error', { skip: tmpfsSkipReason() }, async () => {
    const mnt = path.join(server.dataDir, 'full');
    mountTmpfs(mnt, { size: '1m' });
    try {
      fs.chownSync(mnt, fs.statSync(server.dataDir).uid, fs.statSync(server.dataDir).gid);
      const t = target('full/repo/');
      const data = crypto.randomBytes(2 * 1024 * 1024);
      await assert.rejects(t.save({ kind: 'pack', name: sha(data) }, bufferBody(data)), isError('permanent', 'no-space'));
      await t.close();
    } finally {
      unmountTmpfs(mnt);
    }
  });

  it('a server down for a while: "retry" errors meanwhile, then works again on the same target', async () => {
    const t = target('restart/repo/');
    await t.save(snap, bufferBody(Buffer.from('before')));
    await server.stop();
    assert.equal(server.pid, undefined);
    await assert.rejects(t.load(snap), isError('retry', 'unreachable'));
    await assert.rejects(t.save(snap, bufferBody(Buffer.from('during'))), isError('retry', 'unreachable'));
    await server.start();
    assert.equal((await t.load(snap)).toString(), 'before');
    await t.save(snap, bufferBody(Buffer.from('after')));
    assert.equal((await t.load(snap)).toString(), 'after');
    await t.close();
  });
});

describe('WebDAV target: network failures and odd servers', () => {
  const servers: net.Server[] = [];
  after(() => { for (const s of servers) s.close(); });
  const listen = async (s: net.Server): Promise<string> => {
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(s.address() as net.AddressInfo).port}/repo/`;
  };

  it('nothing listening is a "retry" error', async () => {
    const t = new WebdavTarget({ url: `http://127.0.0.1:${await freePort()}/dav/`, user: 'u', password: 'p' });
    await assert.rejects(t.stat(snap), isError('retry', 'unreachable'));
    await assert.rejects(t.save(snap, bufferBody(Buffer.from('x'))), isError('retry', 'unreachable'));
    await assert.rejects(t.list('pack'), isError('retry', 'unreachable'));
  });

  it('a server that stops answering mid-reply times out as "retry" instead of hanging', async () => {
    const url = await listen(http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Length': 100 });
      res.write(Buffer.alloc(10));
    }));
    const t = new WebdavTarget({ url, timeoutMs: 300 });
    const began = Date.now();
    await assert.rejects(t.load(snap), isError('retry', 'unreachable'));
    assert.ok(Date.now() - began < 5000);
    await t.close();
  });

  it('maps statuses: 5xx and 429 retry, 403 permission, other 4xx permanent', async () => {
    let status = 503;
    const url = await listen(http.createServer((_req, res) => { res.writeHead(status).end(); }));
    const t = new WebdavTarget({ url, user: 'u', password: 'p' });
    for (const [s, kind, code] of [[503, 'retry', 'unreachable'], [429, 'retry', 'unreachable'], [403, 'permanent', 'permission'], [400, 'permanent', 'failed'], [302, 'permanent', 'failed']] as const) {
      status = s;
      await assert.rejects(t.load(snap), isError(kind, code), `HTTP ${s}`);
    }
    await t.close();
  });

  it('https: a self-signed certificate is refused (permanent) unless rejectUnauthorized is false', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`], { stdio: 'pipe' });
      const tls = https.createServer({ key: fs.readFileSync(`${dir}/key.pem`), cert: fs.readFileSync(`${dir}/cert.pem`) }, (_req, res) => { res.writeHead(200, { 'Content-Length': 2 }).end('ok'); });
      const url = (await listen(tls)).replace('http:', 'https:');
      await assert.rejects(new WebdavTarget({ url }).load(snap), isError('permanent'));
      const lax = new WebdavTarget({ url, rejectUnauthorized: false });
      assert.equal((await lax.load(snap)).toString(), 'ok');
      assert.equal(lax.endpoint.port, (tls.address() as net.AddressInfo).port);
      await lax.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a server that ignores Range: the part asked for is cut out of the whole; a short object is an error', async () => {
    const data = crypto.randomBytes(5000);
    const url = await listen(http.createServer((_req, res) => { res.writeHead(200, { 'Content-Length': data.length }).end(data); }));
    const t = new WebdavTarget({ url });
    assert.ok((await t.load(snap, { offset: 1000, length: 300 })).equals(data.subarray(1000, 1300)));
    await assert.rejects(t.load(snap, { offset: 4900, length: 300 }), isError('permanent', 'corrupt'));
    await t.close();
  });
});
