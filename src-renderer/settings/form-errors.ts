// Turning a failed call into what a form shows: one message for the section and, for bad-input, each
// field's message keyed by its path in the call's arguments ("patch.schedules.backup.cron").
import type { ApiErrorBody } from '../../src-shared/contract.ts';

/** What a section shows after a failed call. Empty `fields` and an empty message mean "no error". */
export interface FormError {
  message: string;
  fields: Record<string, string>;
}

export const NO_ERROR: FormError = { message: '', fields: {} };

/**
 * The ApiError body carried by `e` (an ApiError from either transport, or any object with a string `code`
 * and `message`), or undefined for anything else (a bug or a lost connection).
 */
export function apiErrorBody(e: unknown): ApiErrorBody | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const o = e as { code?: unknown; message?: unknown; fields?: unknown };
  if (typeof o.code !== 'string' || typeof o.message !== 'string') return undefined;
  return { code: o.code as ApiErrorBody['code'], message: o.message, ...(Array.isArray(o.fields) ? { fields: o.fields as ApiErrorBody['fields'] } : {}) };
}

/**
 * A FormError for `e`. `rename` maps a path the server gave to the path the form's field uses (testEmail
 * says "email.host" where the form's field is "patch.notifications.email.host"). The section message is
 * the server's own sentence; when every field message has a field to sit at, it says so in short.
 */
export function toFormError(e: unknown, rename: (path: string) => string = (p) => p): FormError {
  const body = apiErrorBody(e);
  if (!body) return { message: e instanceof Error && e.message ? e.message : 'The call failed; check that Lifeboat is running.', fields: {} };
  const fields: Record<string, string> = {};
  for (const f of body.fields ?? []) {
    const p = rename(f.path);
    fields[p] = fields[p] ? `${fields[p]}; ${f.message}` : f.message;
  }
  return { message: body.message, fields };
}

/**
 * The message for the field at `path`: its own, or those of paths under it ("patch.ups" shows
 * "patch.ups.0"'s message), joined. Undefined when the field has nothing to show.
 */
export function fieldError(err: FormError, path: string): string | undefined {
  const own: string[] = [];
  for (const [p, m] of Object.entries(err.fields)) if (p === path || p.startsWith(`${path}.`)) own.push(m);
  return own.length ? own.join('; ') : undefined;
}

/** Field messages whose path no field of the form claims, so the section can show them instead of losing them. */
export function unclaimed(err: FormError, claimed: string[]): string[] {
  return Object.entries(err.fields)
    .filter(([p]) => !claimed.some((c) => p === c || p.startsWith(`${c}.`)))
    .map(([p, m]) => `${p}: ${m}`);
}
