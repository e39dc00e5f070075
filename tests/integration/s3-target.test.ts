// S3Target against S3-compatible servers started by tests/peers/s3-server.ts. There is no real S3 or MinIO on
// this machine: s3rver and fauxqs (npm dev dependencies) are the only S3 servers it can run, and both are test
// doubles of S3, not S3. Neither checks SigV4 signatures (s3rver checks only that the access key ID exists,
// fauxqs nothing), so a wrong secret cannot be refused by a double: the unknown-key case runs on s3rver, and
// SignatureDoesNotMatch, AccessDenied, SlowDown and 5xx are answered by a scripted HTTP server instead.
// fauxqs has real AbortMultipartUpload and multipart ETags. Neither verifies Content-MD5, so damage on the way
// is simulated by a proxy that flips a byte, and must be caught by the ETag check.
// Skipped locally only when the packages are missing; under CI=true they must run.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { Readable } from 'node:stream';
import { S3Target, type S3TargetOptions } from '../../src-main/core/targets/s3-target.ts';
import { bufferBody, isNotFound, TargetError, type Body, type Handle } from '../../src-main/core/targets/target.ts';
import { targetConformance, sha } from '../targets/conformance.ts';
import { freePort } from '../peers/nut-server.ts';
import { corruptingProxy, s3SkipReason, startS3Server, type S3Server, type S3ServerKind } from '../peers/s3-server.ts';

const MiB = 1024 * 1024;

function targetFor(server: S3Server, extra: Partial<S3TargetOptions> = {}): S3Target {
  return new S3Target({
    bucket: server.bucket, prefix: 'office/repo', endpoint: server.endpoint, accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey,
    timeoutMs: 5000, ...extra,
  });
}

const packOf = (data: Buffer): Handle => ({ kind: 'pack', name: sha(data) });

/** A TargetError of this kind (and code, when given) whose message does not hold `secret`. */
function isTargetError(kind: TargetError['kind'], code?: string, secret?: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof TargetError, `not a TargetError: ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    if (code) assert.equal(err.code, code, err.message);
    if (secret) assert.ok(!err.message.includes(secret), `message holds the secret: ${err.message}`);
    return true;
  };
}

/** A body that yields `good` bytes of `data`, then fails as a dropped source would. */
function failingBody(data: Buffer, good: number): Body {
  return {
    size: data.length,
    open: () => Readable.from((async function* () {
      for (let i = 0; i < good; i += MiB) yield data.subarray(i, Math.min(good, i + MiB));
      throw new Error('source cut by the test');
    })()),
  };
}

for (const kind of ['s3rver', 'fauxqs'] as const) {
  if (s3SkipReason(kind)) {
    describe(`S3 (${kind})`, { skip: s3SkipReason(kind) }, () => { it('needs the server'); });
    continue;
  }
  // One suite with a prefix, one at the bucket's top: both key layouts.
  targetConformance(`S3 (${kind}, a test double of S3)`, async () => {
    const server = await startS3Server({ kind });
    return { target: targetFor(server, { prefix: kind === 's3rver' ? 'office/repo' : '' }), cleanup: () => server.cleanup() };
  });
}

describe('S3 target: settings', () => {
  it('says where it is without keys, and which host and port to watch', () => {
    const t = new S3Target({ bucket: 'b', prefix: '/office/', endpoint: 'https://KEYID:SECRET@s3.example.com:9000/', accessKeyId: 'KEYID', secretAccessKey: 'SECRET' });
    assert.equal(t.location, 's3://b/office at s3.example.com:9000');
    assert.deepEqual(t.endpoint, { host: 's3.example.com', port: 9000 });
    const aws = new S3Target({ bucket: 'b', prefix: '', region: 'eu-west-1', accessKeyId: 'k', secretAccessKey: 's' });
    assert.equal(aws.location, 's3://b');
    assert.deepEqual(aws.endpoint, { host: 's3.eu-west-1.amazonaws.com', port: 443 });
  });

  it('refuses settings S3 would refuse', () => {
    const base = { bucket: 'b', prefix: '', accessKeyId: 'k', secretAccessKey: 's' };
    assert.throws(() => new S3Target({ ...base, partSize: 4 * MiB }), isTargetError('permanent', 'bad-input'));
    assert.throws(() => new S3Target({ ...base, endpoint: 'not a url' }), isTargetError('permanent', 'bad-input'));
    assert.throws(() => new S3Target({ ...base, bucket: '' }), isTargetError('permanent', 'bad-input'));
  });
});

describe('S3 target: failures, against s3rver', { skip: s3SkipReason('s3rver') }, () => {
  let server: S3Server;
  const opened: S3Target[] = [];
  const open = (extra: Partial<S3TargetOptions> = {}): S3Target => {
    const t = targetFor(server, extra);
    opened.push(t);
    return t;
  };
  before(async () => { server = await startS3Server({ kind: 's3rver' }); });
  after(async () => {
    for (const t of opened) await t.close();
    await server?.cleanup();
  });

  it('an unknown access key is a permanent auth error (s3rver does not check the secret: see the header)', async () => {
    assert.ok(server.checksAccessKey);
    const secret = 'the-secret-xyz';
    const h: Handle = { kind: 'snapshot', name: 'aaaaaaaaaaaa' };
    const t = open({ accessKeyId: 'NOBODY', secretAccessKey: secret });
    await assert.rejects(t.save(h, bufferBody(Buffer.from('x'))), isTargetError('permanent', 'auth', secret));
    await assert.rejects(t.load(h), isTargetError('permanent', 'auth', secret));
    await assert.rejects(t.list('snapshot'), isTargetError('permanent', 'auth', secret));
  });

  it('a missing bucket is permanent and named, for every operation (a HEAD included)', async () => {
    const t = open({ bucket: 'no-such-bucket' });
    const h: Handle = { kind: 'snapshot', name: 'bbbbbbbbbbbb' };
    const named = (err: unknown) => isTargetError('permanent', 'not-found')(err) && (err as Error).message.includes('"no-such-bucket"');
    await assert.rejects(t.list('pack'), named);
    await assert.rejects(t.save(h, bufferBody(Buffer.from('x'))), named);
    await assert.rejects(t.load(h), named);
    await assert.rejects(t.stat(h), named);
    await assert.rejects(t.remove(h), named);
  });

  it('nothing listening is "retry" (unreachable), and fast', async () => {
    const t = new S3Target({ bucket: 'b', prefix: '', endpoint: `http://127.0.0.1:${await freePort()}`, accessKeyId: 'k', secretAccessKey: 's' });
    opened.push(t);
    const t0 = Date.now();
    await assert.rejects(t.list('snapshot'), isTargetError('retry', 'unreachable'));
    await assert.rejects(t.save({ kind: 'snapshot', name: 'cccccccccccc' }, bufferBody(Buffer.from('x'))), isTargetError('retry', 'unreachable'));
    assert.ok(Date.now() - t0 < 3000);
  });

  it('a server that accepts but never answers is "retry" after timeoutMs, never a hang', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const t = new S3Target({ bucket: 'b', prefix: '', endpoint: `http://127.0.0.1:${port}`, accessKeyId: 'k', secretAccessKey: 's', timeoutMs: 300 });
    opened.push(t);
    try {
      const t0 = Date.now();
      await assert.rejects(t.stat({ kind: 'snapshot', name: 'dddddddddddd' }), isTargetError('retry', 'unreachable'));
      assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
    } finally {
      await t.close();
      silent.close();
    }
  });

  it('works again after the server is stopped and started again on the same port and data', async () => {
    const t = open();
    const first = crypto.randomBytes(10_000);
    await t.save(packOf(first), bufferBody(first));
    await server.stop();
    await assert.rejects(t.load(packOf(first)), isTargetError('retry', 'unreachable'));
    await server.restart();
    assert.ok((await t.load(packOf(first))).equals(first));
    const second = crypto.randomBytes(10_000);
    await t.save(packOf(second), bufferBody(second));
    assert.deepEqual((await t.stat(packOf(second))).size, second.length);
  });
});

describe('S3 target: what S3 answers that the doubles never do (a scripted HTTP server)', () => {
  let answer = { status: 500, code: 'InternalError' };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(answer.status, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${answer.code}</Code><Message>scripted</Message><RequestId>1</RequestId></Error>`);
    });
  });
  let t: S3Target;
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    t = new S3Target({ bucket: 'b', prefix: 'p', endpoint: `http://127.0.0.1:${port}`, accessKeyId: 'KEY', secretAccessKey: 'the-secret-xyz', timeoutMs: 2000 });
  });
  after(async () => {
    await t.close();
    server.close();
  });

  const cases: Array<[number, string, TargetError['kind'], string]> = [
    [403, 'SignatureDoesNotMatch', 'permanent', 'auth'],
    [403, 'InvalidAccessKeyId', 'permanent', 'auth'],
    [403, 'AccessDenied', 'permanent', 'permission'],
    [404, 'NoSuchBucket', 'permanent', 'not-found'],
    [301, 'PermanentRedirect', 'permanent', 'bad-input'],
    [403, 'RequestTimeTooSkewed', 'permanent', 'failed'],
    [400, 'BadDigest', 'retry', 'corrupt'],
    [503, 'SlowDown', 'retry', 'unreachable'],
    [500, 'InternalError', 'retry', 'unreachable'],
    [503, 'ServiceUnavailable', 'retry', 'unreachable'],
    [429, 'TooManyRequests', 'retry', 'unreachable'],
  ];
  for (const [status, code, kind, errCode] of cases) {
    it(`${status} ${code} -> ${kind} (${errCode}), on save and list, without the secret in the message`, async () => {
      answer = { status, code };
      await assert.rejects(t.save({ kind: 'snapshot', name: 'eeeeeeeeeeee' }, bufferBody(Buffer.from('x'))), isTargetError(kind, errCode, 'the-secret-xyz'));
      await assert.rejects(t.list('snapshot'), isTargetError(kind, errCode, 'the-secret-xyz'));
    });
  }

  it('404 NoSuchKey on load is "not found"', async () => {
    answer = { status: 404, code: 'NoSuchKey' };
    await assert.rejects(t.load({ kind: 'snapshot', name: 'eeeeeeeeeeee' }), (err: unknown) => isNotFound(err));
  });
});

for (const kind of ['s3rver', 'fauxqs'] as const satisfies readonly S3ServerKind[]) {
  describe(`S3 target: uploads that go wrong, against ${kind}`, { skip: s3SkipReason(kind) }, () => {
    let server: S3Server;
    let t: S3Target;
    before(async () => {
      server = await startS3Server({ kind });
      t = targetFor(server, { multipartThreshold: 5 * MiB, partSize: 5 * MiB });
    });
    after(async () => {
      await t?.close();
      await server?.cleanup();
    });

    it('a multipart upload whose data stops after two parts leaves no object, and saves whole afterwards', async () => {
      const data = crypto.randomBytes(12 * MiB);
      const h = packOf(data);
      await assert.rejects(t.save(h, failingBody(data, 11 * MiB)), (err: unknown) => err instanceof TargetError && /source cut by the test/.test(err.message));
      await assert.rejects(t.stat(h), (err: unknown) => isNotFound(err));
      assert.ok(!(await t.list('pack')).some((o) => o.name === h.name));
      await t.save(h, bufferBody(data));
      assert.equal(sha(await t.load(h)), h.name);
    });

    it('a body that gives fewer bytes than its size is refused, single PUT and multipart alike', async () => {
      for (const size of [1000, 11 * MiB]) {
        const data = crypto.randomBytes(size);
        const short: Body = { size: size + 1, open: () => Readable.from([data]) };
        await assert.rejects(t.save(packOf(data), short), isTargetError('retry', 'failed'));
        await assert.rejects(t.stat(packOf(data)), (err: unknown) => isNotFound(err));
      }
    });

    it('bytes damaged on the way are caught (the ETag is not their MD5) and leave no object', async () => {
      const proxy = await corruptingProxy(server.port);
      const via = targetFor(server, { endpoint: `http://127.0.0.1:${proxy.port}` });
      try {
        const data = crypto.randomBytes(4000);
        const h = packOf(data);
        await assert.rejects(via.save(h, bufferBody(data)), (err: unknown) => {
          return isTargetError('retry', 'corrupt')(err);
        });
        assert.equal(proxy.flipped(), 1);
        await assert.rejects(t.stat(h), (err: unknown) => isNotFound(err));
        await via.save(h, bufferBody(data));
        assert.ok((await t.load(h)).equals(data));
      } finally {
        await via.close();
        await proxy.close();
      }
    });
  });
}
