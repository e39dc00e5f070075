import { classifyNetworkError, notFound, objectPath, TargetError, type Handle } from './target.ts';

/** What an S3 call was doing when it failed, for the message and for telling a missing key from a missing bucket. */
export interface S3ErrorContext {
  /** The target's location (`s3://bucket/prefix at host`), used in every message. */
  location: string;
  bucket: string;
  /** The object concerned; a 404 without it (a list) can only be the bucket. */
  handle?: Handle;
  /** What was being done, as a verb: 'save packs/ab/…', 'list snapshots/' (read as "cannot <doing>"). */
  doing: string;
}

/** The parts of an S3ServiceException (or a network error from the HTTP handler) this module looks at. */
interface S3ErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

// Server codes that mean "busy or unwell, come back later": AWS, B2, Wasabi, R2 and MinIO all use some of them.
const TRANSIENT = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequests', 'TooManyRequestsException', 'RequestLimitExceeded',
  'RequestThrottled', 'RequestTimeout', 'InternalError', 'ServiceUnavailable', 'ServiceUnavailableException', 'ServerBusy', 'XMinioServerNotInitialized',
  'OperationAborted', 'RequestTimeoutException']);
// A full account or bucket quota: a person must free space or raise the cap.
const NO_SPACE = new Set(['QuotaExceeded', 'StorageQuotaExceeded', 'StorageCapExceeded', 'XMinioStorageFull', 'XMinioAdminBucketQuotaExceeded']);

/**
 * Turns anything an S3 call threw into a TargetError of the right kind (target.ts): a missing key is
 * 'not-found'; a missing bucket, bad keys and refused permissions are 'permanent' with a message saying what to
 * fix; throttling, 5xx and the network are 'retry'. TargetErrors pass through unchanged. Messages carry the
 * error code and our own words, never a header or a credential (the SDK error stays in `cause`).
 */
export function explainS3Error(err: unknown, ctx: S3ErrorContext): TargetError {
  if (err instanceof TargetError) return err;
  const e = (err ?? {}) as S3ErrorShape;
  const code = e.Code ?? e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const where = ctx.location;
  const permanent = (c: ConstructorParameters<typeof TargetError>[1], message: string) => new TargetError('permanent', c, message, { cause: err });

  if (code === 'NoSuchUpload') {
    // The multipart upload vanished (aborted elsewhere, expired by a lifecycle rule): a new attempt starts afresh.
    return new TargetError('retry', 'failed', `${where}: the upload was cancelled by the server trying to ${ctx.doing}; will try again`, { cause: err });
  }
  // Without an object in question (a list, HeadBucket) a 404 can only mean the bucket.
  if (code === 'NoSuchBucket' || (status === 404 && !ctx.handle)) return noSuchBucket(ctx, err);
  if (ctx.handle && (code === 'NoSuchKey' || status === 404)) return notFound(where, ctx.handle);
  if (code === 'InvalidAccessKeyId') return permanent('auth', `${where}: the access key ID is not known there; check the key in the target's settings`);
  if (code === 'SignatureDoesNotMatch') return permanent('auth', `${where}: the secret access key does not match the access key ID; check the secret in the target's settings`);
  if (code === 'ExpiredToken' || code === 'InvalidToken' || code === 'TokenRefreshRequired') return permanent('auth', `${where}: the credentials have expired (${code}); enter new ones`);
  if (code === 'RequestTimeTooSkewed') return permanent('failed', `${where}: this computer's clock is too far off for S3 to accept requests; set the clock right`);
  if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed' || code === 'IllegalLocationConstraintException' || status === 301) {
    return permanent('bad-input', `${where}: bucket "${ctx.bucket}" is in another region than the one set (${code || status}); set the bucket's region`);
  }
  if (code === 'InvalidBucketName') return permanent('bad-input', `${where}: "${ctx.bucket}" is not a valid bucket name`);
  if (NO_SPACE.has(code)) return permanent('no-space', `${where}: the storage quota is used up (${code}); free space or raise the quota`);
  if (code === 'BadDigest') {
    // Content-MD5 did not match what arrived: the bytes were damaged on the way. Nothing was stored; send again.
    return new TargetError('retry', 'corrupt', `${where}: the data arrived damaged trying to ${ctx.doing} (BadDigest); will try again`, { cause: err });
  }
  if (code === 'InvalidRange' || status === 416) {
    return permanent('corrupt', `${where}: cannot ${ctx.doing}: the object is shorter than the range asked for`);
  }
  if (code === 'AccessDenied' || code === 'AllAccessDisabled' || code === 'AccountProblem' || code === 'Forbidden' || status === 403) {
    return permanent('permission', `${where}: access denied trying to ${ctx.doing} (${code || status}); the key needs read, write, list and delete on bucket "${ctx.bucket}"`);
  }
  if (TRANSIENT.has(code) || status === 429 || (status !== undefined && status >= 500)) {
    return new TargetError('retry', 'unreachable', `${where}: the server is busy or failing trying to ${ctx.doing} (${code || status}); will try again`, { cause: err });
  }
  if (status !== undefined && status >= 400) return permanent('failed', `${where}: cannot ${ctx.doing}: refused with ${code || 'HTTP'} ${status}`);
  if (code === 'TimeoutError') return new TargetError('retry', 'unreachable', `${where}: no answer trying to ${ctx.doing} (timed out); will try again`, { cause: err });
  // No HTTP answer at all: connection refused or reset, DNS.
  return classifyNetworkError(err, where, ctx.doing);
}

function noSuchBucket(ctx: S3ErrorContext, cause: unknown): TargetError {
  return new TargetError('permanent', 'not-found', `${ctx.location}: bucket "${ctx.bucket}" does not exist (or is in another account); create it or correct the bucket name`, { cause });
}

/**
 * True unless the ETag proves the server stored other bytes. The ETag of a single PUT or a part is its MD5 in
 * hex, except under SSE-KMS or SSE-C, where it is opaque and nothing can be concluded.
 */
export function etagMatches(out: { ETag?: string; ServerSideEncryption?: string; SSECustomerAlgorithm?: string }, md5: Buffer): boolean {
  const etag = (out.ETag ?? '').replace(/"/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(etag) || out.SSECustomerAlgorithm || out.ServerSideEncryption?.startsWith('aws:kms')) return true;
  return etag === md5.toString('hex');
}

export function damaged(location: string, doing: string): TargetError {
  return new TargetError('retry', 'corrupt', `${location}: the server stored other bytes than were sent trying to ${doing} (ETag is not their MD5); will try again`);
}

/** A failure of the data being saved (not of S3): kept as is when it is a TargetError, else 'retry'. */
export function bodyError(err: unknown, location: string, h: Handle): TargetError {
  if (err instanceof TargetError) return err;
  return new TargetError('retry', 'failed', `${location}: reading the data for ${objectPath(h)} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
