import type { PowerState } from './power-state.ts';

/** An open connection to one power source (one UPS on one daemon, or the OS battery). */
export interface PowerConnection {
  /**
   * Asks for the current state. Resolves with `unknown` (and a reason) when the daemon answers but does not
   * know yet (a driver still starting, stale data). Rejects with a LifeboatError whose message is meant for
   * people when the connection is unusable or the daemon refuses (unknown UPS, access denied); the caller
   * then closes the connection and connects again later. Calls may overlap; they are answered in order.
   */
  read(): Promise<PowerState>;
  /** Closes the socket at once and rejects anything pending. Idempotent. */
  close(): void;
}

/** Options for opening a connection. */
export interface ConnectOptions {
  /** Give up on the connection, and on each request, after this long (default 3000 ms). */
  timeoutMs?: number;
  /** Aborting cancels a connection attempt in progress. */
  signal?: AbortSignal;
}

/**
 * Something that can tell us about power. `ups-monitor.ts` polls any PowerSource; to support a new kind of
 * UPS daemon, implement this (see README.md).
 */
export interface PowerSource {
  /** Where readings come from, without credentials, e.g. "nut://127.0.0.1:3493/ups"; stamped on each reading. */
  readonly name: string;
  /** Opens a connection, or rejects with a LifeboatError saying who is not answering where. */
  connect(options?: ConnectOptions): Promise<PowerConnection>;
}
