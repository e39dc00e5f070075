// Tells when the set of mounted volumes may have changed. USB hotplug events (the `usb` package, where libusb
// works) only WAKE the finder early; the gentle poll is what guarantees a drive is noticed, on machines
// without USB support, for card readers, and for drives the desktop mounts seconds after the attach event.
import { EventEmitter } from 'node:events';
import { findVolumes, type FinderOptions, type Volume } from './drive-finder.ts';

export interface VolumesChanged {
  added: Volume[];
  removed: Volume[];
  /** Every volume seen now. */
  volumes: Volume[];
  cause: 'start' | 'poll' | 'usb' | 'refresh';
}

/** The slice of `usb@2`'s `usb` object used here: attach/detach events of any USB device. */
export interface UsbHotplug {
  on(event: 'attach' | 'detach', listener: (device: unknown) => void): unknown;
  removeListener(event: 'attach' | 'detach', listener: (device: unknown) => void): unknown;
  unrefHotplugEvents?(): void;
}

/**
 * Loads the `usb` package's hotplug events, or returns undefined (with the reason) where it cannot work: no
 * native build for this platform, no libusb, no USB bus. Never throws, so a machine without USB support
 * runs on the poll alone.
 */
export async function loadUsbHotplug(): Promise<{ usb?: UsbHotplug; reason?: string }> {
  try {
    const mod = (await import('usb')) as unknown as { usb?: UsbHotplug };
    if (!mod.usb || typeof mod.usb.on !== 'function') return { reason: 'the usb package has no hotplug events (usb@2 expected)' };
    return { usb: mod.usb };
  } catch (err) {
    return { reason: `USB events unavailable: ${(err as Error).message}` };
  }
}

export interface WatcherOptions {
  /** How to list volumes; default findVolumes(finder). */
  find?: () => Promise<Volume[]>;
  finder?: FinderOptions;
  /** Poll interval in ms; default 5000; 0 turns the poll off (USB events and refresh() only). */
  pollMs?: number;
  /** Use USB hotplug events: true (default) loads the `usb` package; false does not; a function supplies the source (tests). */
  usb?: boolean | (() => Promise<{ usb?: UsbHotplug; reason?: string }>);
  /** After a USB attach or detach, look again after each of these delays (ms): desktops mount a stick a few seconds after it appears. */
  settleMs?: number[];
}

type Events = { 'volumes-changed': [VolumesChanged]; error: [Error] };

/**
 * Watches for volumes coming and going and emits 'volumes-changed' with what was added and removed (a volume
 * is identified by mount point, device, label and drive id, so adopting a present drive reads as a change).
 * start() lists once (emitting every present volume as added) and then polls; a listing never overlaps
 * another. A failing listing emits 'error' if anyone listens, and the poll goes on. stop() may be called
 * twice; the watcher's timers never keep the process alive on their own.
 */
export class DriveWatcher extends EventEmitter<Events> {
  private readonly opts: WatcherOptions;
  private current = new Map<string, Volume>();
  private timer: NodeJS.Timeout | undefined;
  private settleTimers = new Set<NodeJS.Timeout>();
  private running: Promise<Volume[]> | undefined;
  private again: VolumesChanged['cause'] | undefined;
  private stopped = true;
  private hotplug: UsbHotplug | undefined;
  private readonly onUsb = () => this.wake();
  /** Why USB events are not used, when they are not. */
  usbReason: string | undefined;

  constructor(opts: WatcherOptions = {}) {
    super();
    this.opts = opts;
  }

  get volumes(): Volume[] {
    return [...this.current.values()];
  }

  get usbActive(): boolean {
    return this.hotplug !== undefined;
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    if (this.opts.usb !== false) {
      const loaded = await (typeof this.opts.usb === 'function' ? this.opts.usb() : loadUsbHotplug());
      this.usbReason = loaded.reason;
      if (loaded.usb) {
        try {
          loaded.usb.on('attach', this.onUsb);
          loaded.usb.on('detach', this.onUsb);
          loaded.usb.unrefHotplugEvents?.();
          this.hotplug = loaded.usb;
        } catch (err) {
          this.usbReason = `USB events unavailable: ${(err as Error).message}`;
          loaded.usb.removeListener('attach', this.onUsb);
          loaded.usb.removeListener('detach', this.onUsb);
        }
      }
    }
    await this.refresh('start');
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const t of this.settleTimers) clearTimeout(t);
    this.settleTimers.clear();
    if (this.hotplug) {
      this.hotplug.removeListener('attach', this.onUsb);
      this.hotplug.removeListener('detach', this.onUsb);
      this.hotplug = undefined;
    }
  }

  /** Lists volumes now (or right after the listing in progress) and emits what changed. Resolves to the volumes. */
  refresh(cause: VolumesChanged['cause'] = 'refresh'): Promise<Volume[]> {
    if (this.running) {
      this.again = cause;
      return this.running.then(() => this.running ?? this.refresh(cause));
    }
    this.running = this.look(cause).finally(() => {
      this.running = undefined;
      const next = this.again;
      this.again = undefined;
      if (next && !this.stopped) void this.refresh(next);
    });
    return this.running;
  }

  private async look(cause: VolumesChanged['cause']): Promise<Volume[]> {
    let volumes: Volume[];
    try {
      volumes = await (this.opts.find ?? (() => findVolumes(this.opts.finder)))();
    } catch (err) {
      if (this.listenerCount('error') > 0) this.emit('error', err as Error);
      return this.volumes;
    }
    const next = new Map(volumes.map((v) => [key(v), v]));
    const added = volumes.filter((v) => !this.current.has(key(v)));
    const removed = [...this.current.entries()].filter(([k]) => !next.has(k)).map(([, v]) => v);
    this.current = next;
    if (added.length || removed.length) this.emit('volumes-changed', { added, removed, volumes, cause });
    return volumes;
  }

  private schedule(): void {
    const pollMs = this.opts.pollMs ?? 5000;
    if (this.stopped || pollMs <= 0) return;
    this.timer = setTimeout(() => {
      void this.refresh('poll').finally(() => this.schedule());
    }, pollMs);
    this.timer.unref();
  }

  /** A USB device came or went: look now and again while the desktop mounts it. */
  private wake(): void {
    if (this.stopped) return;
    void this.refresh('usb');
    for (const ms of this.opts.settleMs ?? [1000, 3000, 8000]) {
      const t = setTimeout(() => {
        this.settleTimers.delete(t);
        void this.refresh('usb');
      }, ms);
      t.unref();
      this.settleTimers.add(t);
    }
  }
}

function key(v: Volume): string {
  return [v.mount, v.device, v.label, v.driveId ?? ''].join('\0');
}
