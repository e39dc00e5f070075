import { statfsSync } from 'node:fs';
import path from 'node:path';
/**
 * Errors a person can act on. A LifeboatError carries a message written for the user (shown as one line,
 * never with a stack trace) and a stable code for scripts and tests. Anything else that escapes is a bug.
 */
export type ErrorCode =
  | 'bad-input'          // the user asked for something malformed or impossible
  | 'not-found'          // a source, snapshot or file that does not exist
  | 'exists'             // refusing to overwrite or duplicate
  | 'wrong-passphrase'
  | 'corrupt'            // data in the repository failed a checksum or could not be decoded
  | 'busy'               // a lock held by a live process
  | 'no-space'           // ENOSPC / EDQUOT
  | 'permission'         // EACCES / EPERM / EROFS writing (the repository, a restore target)
  | 'unreadable'         // EACCES / EPERM reading a source: that source's problem, not everyone's
  | 'unreachable'        // a remote place did not answer (network, server down): try again later
  | 'auth'               // a remote place refused our credentials
  | 'host-key'           // an SSH server's key is not the one pinned on first use
  | 'failed';            // an operation failed for a reason given in the message

export class LifeboatError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LifeboatError';
    this.code = code;
  }
}

/** Thrown when stored bytes fail a checksum, decryption or decoding; `what` names the damaged object. */
export class CorruptError extends LifeboatError {
  readonly what: string;
  constructor(what: string, detail: string) {
    super('corrupt', `${what} is damaged: ${detail}`);
    this.name = 'CorruptError';
    this.what = what;
  }
}

/**
 * Turns file-system errors into LifeboatErrors with a message naming the place and what to do, so a full
 * disk or a read-only mount reads as such instead of as "ENOSPC: no space left on device, write".
 * Other errors are returned unchanged.
 */
export function explainFsError(err: unknown, place: string, doing: 'reading' | 'writing' = 'writing'): unknown {
  if (err instanceof LifeboatError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  // SQLite reports a full disk at open time as "unable to open database file"; ask the file system.
  const sqliteCantWrite = code === 'SQLITE_CANTOPEN' || code?.startsWith('SQLITE_IOERR');
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL' || (sqliteCantWrite && diskIsFull(place))) {
    return new LifeboatError('no-space', `no space left on the disk holding ${place}: free some space and try again (no incomplete snapshot was recorded)`, { cause: err });
  }
  if (code === 'EROFS') return new LifeboatError('permission', `${place} is on a read-only disk`, { cause: err });
  if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN') return new LifeboatError('permission', `cannot write ${place} (${code})`, { cause: err });
  if (code === 'EACCES' || code === 'EPERM') return new LifeboatError(doing === 'reading' ? 'unreadable' : 'permission', `permission denied ${doing} ${place}`, { cause: err });
  return err;
}

export function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code;
}

/** True when the file system holding `place` (or its nearest existing parent) has (almost) no room or inodes left. */
export function diskIsFull(place: string): boolean {
  let dir = path.resolve(place);
  for (let i = 0; i < 64; i++) {
    try {
      const s = statfsSync(dir);
      // Near rather than exactly full: SQLite removes the file it failed to finish before we get to ask.
      return s.bavail * s.bsize < 256 * 1024 || (s.files > 0 && s.ffree < 8);
    } catch {
      const up = path.dirname(dir);
      if (up === dir) return false;
      dir = up;
    }
  }
  return false;
}
