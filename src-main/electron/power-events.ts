// What the OS's power events mean for Lifeboat, with Electron kept out: main.ts forwards powerMonitor's and
// the hidden window's events here, and this class talks to the agent through PowerSink. Tested in Node with
// a recording sink and a fixed clock (tests/unit/electron-power-events.test.ts).

/** The agent's side of power events (the lead implements it on the Agent class with exactly these names). */
export interface PowerSink {
  /** A reading from a power source; "os-power" is the one the desktop OS reports. */
  pushPowerReading(r: { source: string; level: 'online' | 'on-battery' | 'low-battery' | 'unknown'; charge?: number; detail?: string; time: string }): void;
  /** A quick snapshot of the sources that changed, given up after `timeBoxMs`. */
  shutdownSnapshot(timeBoxMs: number): Promise<{ ok: boolean; timedOut: boolean; snapshots: number }>;
  /** Runs what the scheduler missed (after the machine slept). */
  catchUp(): void;
}

/** The part of an Electron event we use: delaying what the OS is about to do. */
export interface Preventable {
  preventDefault(): void;
}

/** Windows' session-end events (WindowSessionEndEvent): why the session ends. */
export interface SessionEndEvent extends Preventable {
  reasons: Array<'shutdown' | 'close-app' | 'critical' | 'logoff'>;
}

export type ShutdownResult = { ok: boolean; timedOut: boolean; snapshots: number; delayed: boolean; error?: string };

export interface PowerEventsOptions {
  sink: PowerSink;
  platform: NodeJS.Platform;
  /** Called once the shutdown snapshot is over when we delayed the shutdown: the app must exit promptly. */
  quit: () => void;
  now?: () => Date;
  /** How long the shutdown snapshot may take (default 20 s). */
  timeBoxMs?: number;
  log?: (message: string) => void;
}

export const OS_POWER_SOURCE = 'os-power';
export const SHUTDOWN_TIME_BOX_MS = 20_000;

/**
 * Turns power events into agent calls. Per platform (Electron 45's powerMonitor and BrowserWindow docs):
 * - `on-battery` / `on-ac` (macOS, Windows): a reading from source "os-power". Linux sends neither; there the
 *   engine reads the battery itself (core/power/os-battery.ts).
 * - `shutdown` (Linux, macOS): preventDefault() delays the shutdown (on Linux through a logind "delay"
 *   inhibitor, which logind caps at InhibitDelayMaxSec, 5 s by default), then a snapshot within the time
 *   box, then quit(): Electron's docs ask an app that delays to exit as soon as it can.
 * - `query-session-end` (Windows, on a window): preventDefault() makes Windows list Lifeboat as "preventing
 *   shutdown" while the snapshot runs (the user can still shut down anyway), then quit(). A 'critical'
 *   session end cannot be delayed: the snapshot is started but nothing is prevented.
 * - `session-end` (Windows): cannot be prevented; starts the snapshot if none is running (best effort).
 * - `suspend`: notes the time (nothing slow can run: the OS is going to sleep). `resume`: catchUp().
 * The shutdown snapshot runs at most once per process; later shutdown events share it. Never throws.
 */
export class PowerEvents {
  private readonly opts: PowerEventsOptions;
  private readonly now: () => Date;
  private shutdown: Promise<ShutdownResult> | undefined;
  private suspendedAt: Date | undefined;
  private lastLevel: 'online' | 'on-battery' | undefined;

  constructor(opts: PowerEventsOptions) {
    this.opts = opts;
    this.now = opts.now ?? (() => new Date());
  }

  /** The state at start (powerMonitor.isOnBatteryPower()), on the platforms that report changes. */
  start(onBattery: boolean): void {
    if (this.opts.platform !== 'win32' && this.opts.platform !== 'darwin') return;
    this.push(onBattery ? 'on-battery' : 'online');
  }

  onBattery(): void {
    this.push('on-battery');
  }

  onAc(): void {
    this.push('online');
  }

  /** powerMonitor 'shutdown' (Linux, macOS). */
  onShutdown(e: Preventable): Promise<ShutdownResult> {
    e.preventDefault();
    return this.snapshotThenQuit(true);
  }

  /** BrowserWindow 'query-session-end' (Windows): the session may still be saved from ending. */
  onQuerySessionEnd(e: SessionEndEvent): Promise<ShutdownResult> {
    const canDelay = !e.reasons.includes('critical');
    if (canDelay) e.preventDefault();
    return this.snapshotThenQuit(canDelay);
  }

  /** BrowserWindow 'session-end' (Windows): too late to delay; whatever runs is best effort. */
  onSessionEnd(_e: SessionEndEvent): Promise<ShutdownResult> {
    return this.snapshotThenQuit(false);
  }

  onSuspend(): void {
    this.suspendedAt = this.now();
    this.opts.log?.(`the system is going to sleep at ${this.suspendedAt.toISOString()}`);
  }

  /** Returns how long the machine slept (ms), when the suspend was seen. */
  onResume(): { sleptMs: number | undefined } {
    const sleptMs = this.suspendedAt ? Math.max(0, this.now().getTime() - this.suspendedAt.getTime()) : undefined;
    this.suspendedAt = undefined;
    this.opts.log?.(`the system woke up${sleptMs !== undefined ? ` after ${Math.round(sleptMs / 1000)} s` : ''}: catching up missed jobs`);
    this.opts.sink.catchUp();
    return { sleptMs };
  }

  /** When the machine went to sleep, while it is asleep (as far as we know). */
  get sleepingSince(): Date | undefined {
    return this.suspendedAt;
  }

  private push(level: 'online' | 'on-battery'): void {
    const detail = level === 'on-battery' ? 'the computer runs on battery' : 'the computer runs on mains power';
    this.lastLevel = level;
    this.opts.sink.pushPowerReading({ source: OS_POWER_SOURCE, level, detail, time: this.now().toISOString() });
  }

  /** The last level pushed, for the log and tests. */
  get level(): 'online' | 'on-battery' | undefined {
    return this.lastLevel;
  }

  private snapshotThenQuit(delayed: boolean): Promise<ShutdownResult> {
    if (this.shutdown) return this.shutdown;
    const timeBox = this.opts.timeBoxMs ?? SHUTDOWN_TIME_BOX_MS;
    this.opts.log?.(`the system is shutting down: quick snapshot of changed sources (at most ${timeBox / 1000} s)`);
    this.shutdown = (async (): Promise<ShutdownResult> => {
      let result: ShutdownResult;
      try {
        const r = await this.opts.sink.shutdownSnapshot(timeBox);
        result = { ...r, delayed };
      } catch (err) {
        result = { ok: false, timedOut: false, snapshots: 0, delayed, error: (err as Error)?.message ?? String(err) };
      }
      this.opts.log?.(`shutdown snapshot ${result.ok ? 'done' : 'failed'}: ${result.snapshots} snapshot(s)${result.timedOut ? ', time box reached' : ''}${result.error ? `: ${result.error}` : ''}`);
      // Only an app that delayed the shutdown owes the OS a prompt exit; otherwise the OS ends us itself.
      if (delayed) this.opts.quit();
      return result;
    })();
    return this.shutdown;
  }
}
