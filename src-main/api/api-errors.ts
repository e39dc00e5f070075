import { ApiError, type ApiErrorBody, type ErrorCode } from '../../src-shared/contract.ts';
import { LifeboatError } from '../core/errors.ts';

const FROM_ENGINE: Record<string, ErrorCode> = {
  'bad-input': 'bad-input',
  exists: 'bad-input',
  'wrong-passphrase': 'bad-input',
  'not-found': 'not-found',
  busy: 'busy',
};

/** File-system errors that come from a path the user gave: their mistake, said in words. */
const PATH_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'that is a folder, not a file',
  EEXIST: 'something is already there',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EROFS: 'that place is read-only',
};

/**
 * Any error from a handler as the contract's error body: ApiErrors as they are, the engine's LifeboatErrors by
 * their code, anything else as 'failed' with its message (a bug shows its message, never a stack trace).
 */
export function toApiError(err: unknown): ApiErrorBody {
  if (err instanceof ApiError) return err.toJSON();
  if (err instanceof LifeboatError) return { code: FROM_ENGINE[err.code] ?? 'failed', message: err.message.replace(/^[a-z-]+: /, '') };
  const errno = (err as NodeJS.ErrnoException)?.code;
  if (typeof errno === 'string' && errno in PATH_ERRORS) return { code: 'bad-input', message: `${PATH_ERRORS[errno]}${(err as NodeJS.ErrnoException).path ? `: ${(err as NodeJS.ErrnoException).path}` : ''}` };
  return { code: 'failed', message: err instanceof Error ? err.message : String(err) };
}

/** The HTTP status of an error code on the dashboard. */
export function httpStatus(code: ErrorCode): number {
  return { 'bad-input': 400, unauthorized: 401, forbidden: 403, 'pin-required': 403, 'not-found': 404, busy: 409, failed: 500 }[code];
}
