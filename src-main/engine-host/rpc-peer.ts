/**
 * The smallest thing both ends of a message channel need: requests with answers and one-way notices, over
 * anything that can post a structured-clone message and hand received ones to a listener (Electron's
 * utilityProcess and its parentPort, a child_process IPC channel, a worker's MessagePort).
 */
export interface PortLike {
  post(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
}

type Msg =
  | { rpc: 'req'; id: number; method: string; params: unknown }
  | { rpc: 'res'; id: number; ok: true; value: unknown }
  | { rpc: 'res'; id: number; ok: false; error: { message: string; code?: string; fields?: unknown } }
  | { rpc: 'note'; event: string; payload: unknown };

/** An error that crossed the channel: its message and, when it had one, its code (and field errors). */
export class RemoteError extends Error {
  readonly code: string | undefined;
  readonly fields: unknown;
  constructor(e: { message: string; code?: string; fields?: unknown }) {
    super(e.message);
    this.name = 'RemoteError';
    this.code = e.code;
    this.fields = e.fields;
  }
}

/**
 * One end of the channel. request() resolves with the other end's answer or rejects with a RemoteError;
 * when the channel closes (close()), every open request rejects. Handlers may be sync or async; an unknown
 * method is answered with an error, never left hanging.
 */
export class RpcPeer {
  private readonly port: PortLike;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly handlers = new Map<string, (params: never) => unknown>();
  private readonly listeners = new Map<string, Array<(payload: never) => void>>();
  private closed: string | undefined;

  constructor(port: PortLike) {
    this.port = port;
    port.onMessage((m) => this.receive(m as Msg));
  }

  handle<P, R>(method: string, fn: (params: P) => R | Promise<R>): void {
    this.handlers.set(method, fn as (params: never) => unknown);
  }

  on<P>(event: string, fn: (payload: P) => void): void {
    const list = this.listeners.get(event) ?? [];
    list.push(fn as (payload: never) => void);
    this.listeners.set(event, list);
  }

  request<R>(method: string, params: unknown = {}): Promise<R> {
    if (this.closed) return Promise.reject(new RemoteError({ message: this.closed, code: 'failed' }));
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      if (!this.send({ rpc: 'req', id, method, params })) {
        this.pending.delete(id);
        reject(new RemoteError({ message: this.closed ?? 'the channel is closed', code: 'failed' }));
      }
    });
  }

  notify(event: string, payload: unknown): void {
    this.send({ rpc: 'note', event, payload });
  }

  /** Posts unless the channel is closed; a channel that closes under us closes this peer (never throws). */
  private send(m: Msg): boolean {
    if (this.closed) return false;
    try {
      this.port.post(m);
      return true;
    } catch (err) {
      this.close(`the channel closed: ${(err as Error).message}`);
      return false;
    }
  }

  /** The other end is gone: open requests fail with `reason`. */
  close(reason: string): void {
    this.closed = reason;
    for (const p of this.pending.values()) p.reject(new RemoteError({ message: reason, code: 'failed' }));
    this.pending.clear();
  }

  private receive(m: Msg): void {
    if (!m || typeof m !== 'object') return;
    if (m.rpc === 'res') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new RemoteError(m.error));
    } else if (m.rpc === 'note') {
      for (const fn of this.listeners.get(m.event) ?? []) fn(m.payload as never);
    } else if (m.rpc === 'req') {
      void this.answer(m);
    }
  }

  private async answer(m: { id: number; method: string; params: unknown }): Promise<void> {
    const fn = this.handlers.get(m.method);
    try {
      if (!fn) throw new RemoteError({ message: `no method ${m.method}`, code: 'not-found' });
      const value = await fn(m.params as never);
      this.send({ rpc: 'res', id: m.id, ok: true, value });
    } catch (err) {
      const e = err as { message?: string; code?: unknown; fields?: unknown };
      this.send({ rpc: 'res', id: m.id, ok: false, error: { message: e?.message ?? String(err), ...(typeof e?.code === 'string' ? { code: e.code } : {}), ...(e?.fields ? { fields: e.fields } : {}) } });
    }
  }
}
