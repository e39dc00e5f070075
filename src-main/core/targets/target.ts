import { Readable } from 'node:stream';
import { LifeboatError, type ErrorCode } from '../errors.ts';

/**
 * A place that holds a Lifeboat repository (the same format everywhere, see FORMAT.md): a folder, an SFTP
 * server, a WebDAV share, an S3 bucket, an rclone remote. Modelled on restic's backend: a handful of
 * whole-object operations, and errors that say whether to try again. Retries, bandwidth limits and logging
 * are wrappers around a Target (target-wrappers.ts), never code inside one.
 */
export interface Target {
  /** Where it is, for people and logs. Never contains a credential. */
  readonly location: string;
  /** The host and port a reachability monitor should watch; undefined for a local folder. */
  readonly endpoint?: { host: string; port: number };

  /**
   * Stores an object. The object appears whole under its name or not at all (temp name and rename, or an
   * atomic PUT): a reader never sees a partial object. Replaces an existing object of the same name. May be
   * called again after a failure; `body.open()` is called once per attempt.
   */
  save(h: Handle, body: Body): Promise<void>;
  /**
   * Reads a whole object, or `length` bytes at `offset`. Returns exactly the bytes asked for; a shorter
   * object is an error, never a short buffer. A missing object throws a TargetError of kind 'not-found'.
   */
  load(h: Handle, range?: { offset: number; length: number }): Promise<Buffer>;
  /** Size of an object; 'not-found' when missing. */
  stat(h: Handle): Promise<ObjectInfo>;
  /** Every complete object of a kind (never temp files of a save in progress), in no particular order. */
  list(kind: ObjectKind): Promise<ObjectInfo[]>;
  /** Removes an object. Removing a missing object is not an error. */
  remove(h: Handle): Promise<void>;
  /** Free bytes where the protocol says (a folder, SFTP statvfs, WebDAV quota); undefined when it cannot tell. */
  freeSpace(): Promise<number | undefined>;
  /** Releases connections. Safe to call twice; the target may be used again afterwards (it reconnects). */
  close(): Promise<void>;
}

/** `probe`: a small object `lifeboat target test` writes, reads back and deletes (never part of a repository). */
export type ObjectKind = 'config' | 'howto' | 'pack' | 'index' | 'snapshot' | 'probe';
export const OBJECT_KINDS: readonly ObjectKind[] = ['config', 'howto', 'pack', 'index', 'snapshot', 'probe'];

/** Names one object: packs, index files and manifests by their ids; config and howto have a fixed name. */
export interface Handle { kind: ObjectKind; name: string }
export interface ObjectInfo { name: string; size: number }

export const CONFIG_HANDLE: Handle = { kind: 'config', name: 'lifeboat-repo.json' };
export const HOWTO_HANDLE: Handle = { kind: 'howto', name: 'HOW-TO-RESTORE.txt' };

const DIR_OF: Record<ObjectKind, string> = { config: '', howto: '', pack: 'packs', index: 'index', snapshot: 'snapshots', probe: '' };

/** The folders a repository layout needs (for targets that must create folders before writing into them). */
export const LAYOUT_DIRS = ['packs', 'index', 'snapshots'] as const;

/** The object's path relative to the repository root, as in FORMAT.md (`packs/ab/ab12...`, `snapshots/<id>`). */
export function objectPath(h: Handle): string {
  checkName(h);
  if (h.kind === 'pack') return `packs/${h.name.slice(0, 2)}/${h.name}`;
  const dir = DIR_OF[h.kind];
  return dir ? `${dir}/${h.name}` : h.name;
}

/** The folder of `kind` relative to the root ('' for the root itself). */
export function kindDir(kind: ObjectKind): string {
  return DIR_OF[kind];
}

const NAME_RE: Record<ObjectKind, RegExp> = {
  config: /^lifeboat-repo\.json$/,
  howto: /^HOW-TO-RESTORE\.txt$/,
  pack: /^[0-9a-f]{64}$/,
  index: /^[0-9a-f]{64}$/,
  snapshot: /^[0-9a-f]{12}$/,
  probe: /^lifeboat-probe-[0-9a-f]{16}$/,
};

/** True when `name` is a valid name for an object of `kind` (temp files and stray files are not). */
export function isObjectName(kind: ObjectKind, name: string): boolean {
  return NAME_RE[kind].test(name);
}

function checkName(h: Handle): void {
  if (!isObjectName(h.kind, h.name)) throw new TargetError('permanent', 'bad-input', `not a valid ${h.kind} name: ${JSON.stringify(h.name).slice(0, 80)}`);
}

/** The bytes to save: a size and a way to read them from the start, as often as a retry needs. */
export interface Body {
  readonly size: number;
  /** A fresh stream over the whole content. */
  open(): Readable;
}

/** A Body over bytes in memory (16 MiB packs and smaller objects). */
export function bufferBody(buf: Buffer): Body & { readonly buffer: Buffer } {
  return {
    size: buf.length,
    buffer: buf,
    open: () => Readable.from(chunksOf(buf), { objectMode: false }),
  };
}

function* chunksOf(buf: Buffer, size = 256 * 1024): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, Math.min(buf.length, i + size));
}

/** Reads a whole Body into memory (for targets whose client wants a buffer). */
export async function readBody(body: Body): Promise<Buffer> {
  // Always through open(), never a shortcut to a buffer: wrappers (rate limits, fault injection) act on the stream.
  const parts: Buffer[] = [];
  for await (const c of body.open()) parts.push(Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array));
  const buf = Buffer.concat(parts);
  if (buf.length !== body.size) throw new TargetError('retry', 'failed', `body gave ${buf.length} bytes, expected ${body.size}`);
  return buf;
}

/**
 * What went wrong, in the three kinds a caller acts on:
 * - 'not-found': the object is not there (a normal answer to load/stat).
 * - 'retry': the network, a timeout, a server error (5xx, 429), a dropped connection; try again later.
 * - 'permanent': bad credentials, a missing bucket or folder, no space, no permission, a changed host key,
 *   bad settings. Retrying will not help; a person has to act, and the message says what to do.
 * The message never contains a credential.
 */
export type TargetErrorKind = 'not-found' | 'retry' | 'permanent';

export class TargetError extends LifeboatError {
  readonly kind: TargetErrorKind;
  constructor(kind: TargetErrorKind, code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'TargetError';
    this.kind = kind;
  }
}

export function notFound(where: string, h: Handle): TargetError {
  return new TargetError('not-found', 'not-found', `${objectPath(h)} is not on ${where}`);
}

export function isNotFound(err: unknown): boolean {
  return err instanceof TargetError && err.kind === 'not-found';
}

/** 'retry' for errors of unknown kind that look like the network (so an outage is waited out), else 'permanent'. */
export function classifyNetworkError(err: unknown, where: string, doing: string): TargetError {
  if (err instanceof TargetError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  const msg = err instanceof Error ? err.message : String(err);
  const transient = ['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'ENETRESET', 'EADDRNOTAVAIL', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ERR_STREAM_PREMATURE_CLOSE'];
  if (transient.includes(code) || /timed? ?out|socket hang up|connection (lost|closed|reset)|no response|not connected/i.test(msg)) {
    return new TargetError('retry', 'unreachable', `${where}: cannot ${doing} (${code || msg.slice(0, 120)}); will try again`, { cause: err });
  }
  return new TargetError('permanent', 'failed', `${where}: cannot ${doing}: ${msg.slice(0, 200)}`, { cause: err });
}
