import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand,
  HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand, type CompletedPart,
} from '@aws-sdk/client-s3';
import { bodyError, damaged, etagMatches, explainS3Error } from './s3-errors.ts';
import { isObjectName, kindDir, objectPath, readBody, TargetError, type Body, type Handle, type ObjectInfo, type ObjectKind, type Target } from './target.ts';

const MiB = 1024 * 1024;
/** S3's smallest part (all but the last), its largest single PUT and its most parts per upload. */
const MIN_PART = 5 * MiB;
const MAX_PUT = 5 * 1024 * MiB;
const MAX_PARTS = 10_000;

/** Settings of an S3 target. Credentials live only in the client; they never reach `location` or a message. */
export interface S3TargetOptions {
  bucket: string;
  /** The repository root inside the bucket ('' for the bucket's top); slashes at either end are ignored. */
  prefix: string;
  /** Default 'us-east-1' (also what MinIO and most clones expect when they have no regions). */
  region?: string;
  /** For B2, Wasabi, R2, MinIO and the like, e.g. `https://s3.eu-central-003.backblazeb2.com` or `http://127.0.0.1:9000`. */
  endpoint?: string;
  /** Path-style URLs (`host/bucket/key`). Default: true with an `endpoint` (MinIO needs it, the others accept it), false for AWS. */
  pathStyle?: boolean;
  accessKeyId: string;
  secretAccessKey: string;
  /** Objects up to this size go up in one PUT; larger ones as a multipart upload. Default 8 MiB, at most 5 GiB. */
  multipartThreshold?: number;
  /** Size of each part of a multipart upload: at least 5 MiB (S3's rule), default 8 MiB; grown when 10,000 parts would not hold the object. */
  partSize?: number;
  /** Longest wait to connect and longest silence on a connection before a request fails as 'retry'. Default 30 s. */
  timeoutMs?: number;
}

/**
 * A repository in an S3 bucket: AWS, Backblaze B2, Wasabi, Cloudflare R2, MinIO. Objects live under
 * `prefix/` with the layout of FORMAT.md. A PUT is atomic in S3 and a multipart upload becomes visible only
 * when completed, so no temp names are needed: a reader never sees a partial object.
 *
 * The SDK's own retries are off (maxAttempts 1): retries are a wrapper around a Target (target-wrappers.ts),
 * and a second layer inside would multiply waits. Errors are TargetErrors (s3-errors.ts).
 */
export class S3Target implements Target {
  readonly location: string;
  readonly endpoint: { host: string; port: number };
  private readonly opts: S3TargetOptions;
  private readonly root: string;
  private readonly threshold: number;
  private readonly partSize: number;
  private client: S3Client | undefined;
  // A HEAD answers a missing bucket with the same bodiless 404 as a missing key; asked once, then trusted.
  private bucketSeen = false;

  /** Throws a permanent 'bad-input' TargetError for settings S3 would refuse (a small part size, a bad endpoint URL). */
  constructor(opts: S3TargetOptions) {
    const bad = (why: string) => new TargetError('permanent', 'bad-input', `S3 target: ${why}`);
    if (!opts.bucket) throw bad('a bucket name is needed');
    this.opts = opts;
    this.root = opts.prefix.replace(/^\/+|\/+$/g, '');
    this.partSize = opts.partSize ?? 8 * MiB;
    this.threshold = opts.multipartThreshold ?? 8 * MiB;
    if (!(this.partSize >= MIN_PART)) throw bad(`part size ${opts.partSize} is below S3's minimum of 5 MiB`);
    if (!(this.threshold >= 0 && this.threshold <= MAX_PUT)) throw bad(`multipart threshold ${opts.multipartThreshold} is outside 0..5 GiB`);
    const base = `s3://${opts.bucket}${this.root ? `/${this.root}` : ''}`;
    if (opts.endpoint) {
      let url: URL;
      try {
        url = new URL(opts.endpoint);
      } catch {
        throw bad(`endpoint "${opts.endpoint.slice(0, 100)}" is not a URL (like https://s3.example.com)`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad('the endpoint must start with http:// or https://');
      // url.host, never url.href: an endpoint typed as https://key:secret@host must not leak into logs.
      this.location = `${base} at ${url.host}`;
      this.endpoint = { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80) };
    } else {
      this.location = base;
      this.endpoint = { host: `s3.${opts.region ?? 'us-east-1'}.amazonaws.com`, port: 443 };
    }
  }

  async save(h: Handle, body: Body): Promise<void> {
    const key = this.key(h);
    if (body.size <= this.threshold) await this.putWhole(h, key, body);
    else await this.putMultipart(h, key, body);
    this.bucketSeen = true;
  }

  async load(h: Handle, range?: { offset: number; length: number }): Promise<Buffer> {
    const key = this.key(h);
    const doing = `read ${objectPath(h)}`;
    if (range && !(Number.isSafeInteger(range.offset) && Number.isSafeInteger(range.length) && range.offset >= 0 && range.length >= 0)) {
      throw new TargetError('permanent', 'bad-input', `${this.location}: bad range ${JSON.stringify(range)} for ${objectPath(h)}`);
    }
    if (range?.length === 0) {
      // HTTP cannot ask for zero bytes; still say "not found" for a missing object and refuse a start past the end.
      const { size } = await this.stat(h);
      if (range.offset > size) throw new TargetError('permanent', 'corrupt', `${this.location}: ${objectPath(h)} is shorter than expected (${size} bytes)`);
      return Buffer.alloc(0);
    }
    try {
      const out = await this.s3().send(new GetObjectCommand({
        Bucket: this.opts.bucket, Key: key, Range: range ? `bytes=${range.offset}-${range.offset + range.length - 1}` : undefined,
      }));
      if (!out.Body) throw new TargetError('retry', 'failed', `${this.location}: no body in the answer trying to ${doing}`);
      const data = Buffer.from(await out.Body.transformToByteArray());
      this.bucketSeen = true;
      // Exactly the bytes asked for: S3 answers a range running past the end with the bytes it has, and a server
      // that ignores Range sends the whole object (200, no Content-Range). A short whole object is a cut transfer.
      const want = range ? range.length : (out.ContentLength ?? data.length);
      if (data.length !== want || (range && !out.ContentRange)) {
        const what = `${objectPath(h)}: got ${data.length} bytes of the ${want} asked for${range ? ` at ${range.offset}` : ''}`;
        throw range ? new TargetError('permanent', 'corrupt', `${this.location}: ${what} (shorter than expected)`) : new TargetError('retry', 'failed', `${this.location}: ${what}`);
      }
      return data;
    } catch (err) {
      throw this.explain(err, doing, h);
    }
  }

  async stat(h: Handle): Promise<ObjectInfo> {
    const key = this.key(h);
    try {
      const out = await this.s3().send(new HeadObjectCommand({ Bucket: this.opts.bucket, Key: key }));
      this.bucketSeen = true;
      return { name: h.name, size: out.ContentLength ?? 0 };
    } catch (err) {
      const e = this.explain(err, `read ${objectPath(h)}`, h);
      if (e.kind === 'not-found' && !this.bucketSeen) await this.checkBucket();
      throw e;
    }
  }

  async list(kind: ObjectKind): Promise<ObjectInfo[]> {
    const dir = kindDir(kind);
    const prefix = [this.root, dir].filter(Boolean).map((p) => `${p}/`).join('');
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.s3().send(new ListObjectsV2Command({
          // Only packs sit in sub-folders (packs/ab/…); for the rest the delimiter keeps the listing to one level,
          // so listing the config does not walk every pack.
          Bucket: this.opts.bucket, Prefix: prefix, Delimiter: kind === 'pack' ? undefined : '/', ContinuationToken: token,
        }));
        for (const o of page.Contents ?? []) {
          const name = o.Key?.slice(o.Key.lastIndexOf('/') + 1) ?? '';
          // Exactly where the layout puts it: not a stray packs/zz/<id>, not a temp or foreign file.
          if (isObjectName(kind, name) && o.Key === this.key({ kind, name })) out.push({ name, size: o.Size ?? 0 });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
        if (page.IsTruncated && !token) throw new TargetError('retry', 'failed', `${this.location}: the server cut the listing of ${prefix} short without a continuation token`);
      } while (token);
    } catch (err) {
      throw this.explain(err, `list ${prefix || 'the bucket'}`);
    }
    this.bucketSeen = true;
    return out;
  }

  async remove(h: Handle): Promise<void> {
    const key = this.key(h);
    try {
      await this.s3().send(new DeleteObjectCommand({ Bucket: this.opts.bucket, Key: key }));
    } catch (err) {
      const e = this.explain(err, `remove ${objectPath(h)}`, h);
      if (e.kind !== 'not-found') throw e;
    }
  }

  /** S3 has no notion of free space (buckets grow until a quota or the bill says no). */
  async freeSpace(): Promise<number | undefined> {
    return undefined;
  }

  async close(): Promise<void> {
    // destroy() closes the pooled sockets; the next call builds a fresh client, so the target stays usable.
    this.client?.destroy();
    this.client = undefined;
    this.bucketSeen = false;
  }

  private async putWhole(h: Handle, key: string, body: Body): Promise<void> {
    // Read fully before sending (at most multipartThreshold bytes): a body that fails midway then never
    // reaches the server, and the MD5 for Content-MD5 must be known before the request starts.
    const data = await readBody(body).catch((err: unknown) => { throw bodyError(err, this.location, h); });
    const md5 = crypto.createHash('md5').update(data).digest();
    const doing = `save ${objectPath(h)}`;
    try {
      const out = await this.s3().send(new PutObjectCommand({ Bucket: this.opts.bucket, Key: key, Body: data, ContentLength: data.length, ContentMD5: md5.toString('base64') }));
      if (!etagMatches(out, md5)) {
        // The server stored something other than what we sent: take it away rather than leave a damaged object.
        await this.s3().send(new DeleteObjectCommand({ Bucket: this.opts.bucket, Key: key })).catch(() => {});
        throw damaged(this.location, doing);
      }
    } catch (err) {
      throw this.explain(err, doing, h);
    }
  }

  private async putMultipart(h: Handle, key: string, body: Body): Promise<void> {
    const partSize = Math.max(this.partSize, Math.ceil(body.size / MAX_PARTS));
    const doing = `save ${objectPath(h)}`;
    const bucket = this.opts.bucket;
    let uploadId: string | undefined;
    try {
      uploadId = (await this.s3().send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }))).UploadId;
      if (!uploadId) throw new TargetError('retry', 'failed', `${this.location}: the server gave no upload ID trying to ${doing}`);
      const parts: CompletedPart[] = [];
      let sent = 0;
      // One part at a time: memory stays at one part per save, and callers already run several saves at once.
      for await (const part of partsOf(body.open(), partSize, this.location, h)) {
        const md5 = crypto.createHash('md5').update(part).digest();
        const PartNumber = parts.length + 1;
        const out = await this.s3().send(new UploadPartCommand({
          Bucket: bucket, Key: key, UploadId: uploadId, PartNumber, Body: part, ContentLength: part.length, ContentMD5: md5.toString('base64'),
        }));
        if (!etagMatches(out, md5)) throw damaged(this.location, `${doing} (part ${PartNumber})`);
        parts.push({ ETag: out.ETag, PartNumber });
        sent += part.length;
      }
      if (sent !== body.size) throw new TargetError('retry', 'failed', `${this.location}: body gave ${sent} bytes, expected ${body.size}, trying to ${doing}`);
      await this.s3().send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    } catch (err) {
      // Nothing is visible under the key until Complete; aborting only frees the stored parts. Best effort: a
      // clone without AbortMultipartUpload (s3rver) or a dead network leaves parts for a lifecycle rule to expire.
      if (uploadId) await this.s3().send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => {});
      throw this.explain(err, doing, h);
    }
  }

  private async checkBucket(): Promise<void> {
    try {
      await this.s3().send(new HeadBucketCommand({ Bucket: this.opts.bucket }));
      this.bucketSeen = true;
    } catch (err) {
      throw this.explain(err, `check bucket "${this.opts.bucket}"`);
    }
  }

  private key(h: Handle): string {
    return this.root ? `${this.root}/${objectPath(h)}` : objectPath(h);
  }

  private explain(err: unknown, doing: string, h?: Handle): TargetError {
    return explainS3Error(err, { location: this.location, bucket: this.opts.bucket, handle: h, doing });
  }

  private s3(): S3Client {
    const o = this.opts;
    const timeout = o.timeoutMs ?? 30_000;
    return (this.client ??= new S3Client({
      region: o.region ?? 'us-east-1',
      endpoint: o.endpoint,
      forcePathStyle: o.pathStyle ?? Boolean(o.endpoint),
      credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey },
      maxAttempts: 1,
      // The SDK's default CRC32 checksums (since 3.729) use aws-chunked trailers that several clones store
      // verbatim or reject (s3rver keeps the framing inside the object). Instead each PUT carries Content-MD5,
      // which AWS, B2, Wasabi, R2 and MinIO all verify (BadDigest when bytes were damaged on the way), and the
      // ETag is compared with our MD5 for servers that ignore the header. Reads are checked above this layer:
      // every pack and index is verified against its hash when decoded.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // socketTimeout is the longest silence, not the longest request: a large part on a slow line may take
      // minutes, but a connection that says nothing for `timeout` ms is dead.
      requestHandler: { connectionTimeout: timeout, socketTimeout: timeout },
    }));
  }
}

/** Cuts a stream into parts of exactly `size` bytes (the last may be shorter), holding one part at a time. */
async function* partsOf(stream: Readable, size: number, location: string, h: Handle): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let have = 0;
  try {
    for await (const chunk of stream) {
      let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      while (have + buf.length >= size) {
        const take = size - have;
        pending.push(buf.subarray(0, take));
        yield Buffer.concat(pending, size);
        pending = [];
        have = 0;
        buf = buf.subarray(take);
      }
      if (buf.length > 0) {
        pending.push(buf);
        have += buf.length;
      }
    }
  } catch (err) {
    throw bodyError(err, location, h);
  }
  if (have > 0) yield Buffer.concat(pending, have);
}
