// The dashboard transport: every contract call as POST /api/<call> with the bearer token, and the events as a
// server-sent event stream read with fetch() (EventSource cannot send the Authorization header), reconnecting
// with backoff when it drops. The protocol is in the lead's dashboard server (src-main/dashboard/).
import { ApiError, ApiErrorSchema, CALLS, type CallName, type EventName, type EventPayload, type LifeboatApi } from '../../src-shared/contract.ts';
import { createSseParser } from './sse-parser.ts';
import { TransportError } from './transport-error.ts';

type Listener = (payload: never) => void;

const EVENT_NAMES: readonly EventName[] = ['status', 'progress', 'notice'];
const CODE_BY_STATUS: Record<number, ApiError['code']> = { 400: 'bad-input', 401: 'unauthorized', 403: 'forbidden', 404: 'not-found', 409: 'busy', 429: 'unauthorized' };

/**
 * A LifeboatApi over HTTP to the agent at `base` (e.g. "http://127.0.0.1:8470"). Calls reject with the
 * agent's ApiError, or a TransportError when the agent cannot be reached. subscribe() opens one shared event
 * stream on the first listener and closes it when the last one leaves; a dropped stream is reopened after
 * 1 s, then up to 15 s apart while it keeps failing.
 */
export function httpApi(base: string, token: string): LifeboatApi {
  const root = base.replace(/\/+$/, '');
  const headers = { Authorization: `Bearer ${token}` };

  async function call(name: CallName, args: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${root}/api/${name}`, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(args ?? {}) });
    } catch {
      throw new TransportError();
    }
    const text = await res.text().catch(() => '');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (res.ok) return body;
    const parsed = ApiErrorSchema.safeParse(body);
    if (parsed.success) throw new ApiError(parsed.data);
    if (res.status === 429) throw new ApiError({ code: 'unauthorized', message: 'Too many failed attempts: wait a minute, then reload the page.' });
    throw new ApiError({ code: CODE_BY_STATUS[res.status] ?? 'failed', message: `The agent answered with an error (HTTP ${res.status}).` });
  }

  const listeners = new Map<EventName, Set<Listener>>(EVENT_NAMES.map((e) => [e, new Set<Listener>()]));
  let stream: { close(): void } | undefined;

  const dispatch = (event: string, data: string): void => {
    const set = listeners.get(event as EventName);
    if (!set || set.size === 0) return;
    let payload: unknown;
    try {
      payload = JSON.parse(data);
    } catch {
      return; // A malformed event is dropped; the status poll fills any gap.
    }
    for (const l of [...set]) (l as (p: unknown) => void)(payload);
  };

  const total = (): number => [...listeners.values()].reduce((n, s) => n + s.size, 0);

  const api = Object.fromEntries(Object.keys(CALLS).map((name) => [name, (args: unknown) => call(name as CallName, args)])) as Omit<LifeboatApi, 'subscribe'>;
  return {
    ...api,
    subscribe<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      const set = listeners.get(event);
      if (!set) throw new Error(`unknown event ${String(event)}`);
      const l = listener as Listener;
      set.add(l);
      stream ??= openEventStream(`${root}/api/events`, headers, dispatch);
      return () => {
        set.delete(l);
        if (total() === 0 && stream) {
          stream.close();
          stream = undefined;
        }
      };
    },
  } as LifeboatApi;
}

/** Reads the SSE stream at `url` until close(); reconnects with backoff whenever it ends or fails. */
function openEventStream(url: string, headers: Record<string, string>, dispatch: (event: string, data: string) => void): { close(): void } {
  let closed = false;
  let controller: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let delay = 1000;

  const connect = async (): Promise<void> => {
    controller = new AbortController();
    try {
      const res = await fetch(url, { headers: { ...headers, Accept: 'text/event-stream' }, signal: controller.signal, cache: 'no-store' });
      if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
      delay = 1000;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      const feed = createSseParser();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const ev of feed(value)) dispatch(ev.event, ev.data);
      }
    } catch {
      // Dropped or refused: the retry below covers both.
    }
    if (closed) return;
    timer = setTimeout(() => void connect(), delay);
    delay = Math.min(delay * 2, 15_000);
  };
  void connect();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      controller?.abort();
    },
  };
}
