import { ApiError } from '../../src-shared/contract.ts';
import { TransportError, toUiError } from '../api/transport-error.ts';

/**
 * A failed call in plain words: the agent's own message (and each wrong field), or "cannot reach the agent"
 * with a Retry button when the transport failed. Never a stack trace.
 */
export function ErrorMessage(props: { error: unknown; onRetry?: () => void; context?: string }) {
  const err = toUiError(props.error);
  if (err instanceof TransportError) {
    return (
      <div className="message level-critical" role="alert">
        <p><strong>Cannot reach the Lifeboat agent.</strong> It may have stopped, or this computer lost its connection to it.</p>
        {props.onRetry && <button type="button" onClick={props.onRetry}>Retry</button>}
      </div>
    );
  }
  const e = err as ApiError;
  return (
    <div className="message level-warning" role="alert">
      <p>{props.context ? `${props.context}: ` : ''}{sentence(e.message)}</p>
      {e.fields && e.fields.length > 1 && (
        <ul>{e.fields.map((f) => <li key={f.path}>{f.path ? `${f.path}: ` : ''}{f.message}</li>)}</ul>
      )}
      {props.onRetry && <button type="button" onClick={props.onRetry}>Try again</button>}
    </div>
  );
}

function sentence(s: string): string {
  const t = s.trim();
  if (!t) return 'Something went wrong.';
  return t[0]!.toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
}
