// Failures of the transport itself (the agent is not running, the network dropped), kept apart from the
// contract's ApiError (the agent answered and said no): the UI offers "retry" for these.
import { ApiError, ERROR_CODES, type ApiErrorBody } from '../../src-shared/contract.ts';

/** The agent could not be reached at all; `message` is one sentence for the user. */
export class TransportError extends Error {
  constructor(message = 'Cannot reach the Lifeboat agent.') {
    super(message);
    this.name = 'TransportError';
  }
}

/**
 * Turns anything a call rejected with into an ApiError or a TransportError. Electron's IPC loses the class of
 * a thrown error (only its fields survive), so a plain object with a known code becomes an ApiError again.
 */
export function toUiError(err: unknown): ApiError | TransportError {
  if (err instanceof ApiError || err instanceof TransportError) return err;
  if (err && typeof err === 'object') {
    const e = err as Partial<ApiErrorBody> & { message?: unknown };
    if (typeof e.code === 'string' && (ERROR_CODES as readonly string[]).includes(e.code) && typeof e.message === 'string') {
      return new ApiError({ code: e.code as ApiErrorBody['code'], message: stripIpcPrefix(e.message), ...(e.fields ? { fields: e.fields } : {}) });
    }
    if (typeof e.message === 'string') return new ApiError({ code: 'failed', message: stripIpcPrefix(e.message) });
  }
  return new ApiError({ code: 'failed', message: 'Something went wrong.' });
}

// Electron prefixes errors that cross IPC with "Error invoking remote method 'x': Error: "; users need the rest.
function stripIpcPrefix(message: string): string {
  return message.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, '');
}
