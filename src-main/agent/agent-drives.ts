import type { Lifeboat } from '../core/lifeboat.ts';
import type { Logger } from './logger.ts';
import type { UsbFacts } from '../core/health/health-facts.ts';
import type { DriveStatus } from '../core/drives/drive-registry.ts';
import { DriveWatcher, type VolumesChanged } from '../core/drives/usb-events.ts';
import { driveContext } from '../core/drives/drive-service.ts';

/** An adopted drive that is plugged in now. */
export interface PresentDrive { mount: string; label: string; id: string }

/**
 * The agent's view of USB drives: watches mounted volumes, knows which of ours are plugged in, and calls
 * `plugged` for each one that arrives (the agent then queues its copy). reload() applies new drive settings:
 * the policy at once; new media roots or poll time restart the watcher, whose first look does not count as
 * plugging in the drives that are already there.
 */
export class AgentDrives {
  private readonly lb: Lifeboat;
  private readonly log: Logger;
  private readonly plugged: (d: PresentDrive) => void;
  private readonly changed: () => void;
  private context: Awaited<ReturnType<typeof driveContext>> | undefined;
  private watcher: DriveWatcher | undefined;
  private volumes: VolumesChanged['volumes'] = [];
  private quietStart = false;
  /** Adopted drives plugged in now. */
  present: PresentDrive[] = [];
  /** For the health verdict. */
  facts: UsbFacts | undefined;

  constructor(lb: Lifeboat, log: Logger, on: { plugged: (d: PresentDrive) => void; changed: () => void }) {
    this.lb = lb;
    this.log = log;
    this.plugged = on.plugged;
    this.changed = on.changed;
  }

  /** The registry, policy and finder in force (undefined before start). */
  get ctx() {
    return this.context;
  }

  async start(): Promise<void> {
    this.context = await driveContext(this.lb);
    await this.updateFacts();
    this.watch(false);
  }

  async reload(): Promise<void> {
    const before = this.context;
    const next = await driveContext(this.lb);
    this.context = next;
    if (before && JSON.stringify([before.finder, before.pollMs]) === JSON.stringify([next.finder, next.pollMs])) return;
    this.watch(true);
  }

  /** Looks at the mounted volumes again now (after a drive was adopted or forgotten). */
  async rescan(): Promise<void> {
    const volumes = await this.watcher?.refresh('refresh').catch(() => undefined);
    if (volumes) await this.see(volumes);
    await this.updateFacts();
  }

  /** Every remembered or present drive, from the volumes last seen (no new scan). */
  async list(): Promise<DriveStatus[]> {
    return this.context ? this.context.registry.list(this.volumes).catch(() => []) : [];
  }

  async updateFacts(): Promise<void> {
    const list = await this.context!.registry.list().catch(() => []);
    const adopted = list.filter((d) => d.ours);
    const last = adopted.map((d) => d.lastCopy).filter((c) => c?.result === 'ok').map((c) => c!.time).sort().pop();
    this.facts = adopted.length ? { adoptedCount: adopted.length, ...(last ? { lastCopyAt: last } : {}) } : undefined;
  }

  stop(): void {
    this.watcher?.stop();
  }

  private watch(quietStart: boolean): void {
    const ctx = this.context!;
    this.watcher?.stop();
    this.quietStart = quietStart;
    this.watcher = new DriveWatcher({ finder: ctx.finder, pollMs: ctx.pollMs });
    this.watcher.on('volumes-changed', (c: VolumesChanged) => void this.onVolumes(c));
    this.watcher.start().catch((err: unknown) => this.log.warn({ event: 'drive-watch-error', error: (err as Error).message }, 'cannot list drives'));
  }

  private async see(volumes: VolumesChanged['volumes']) {
    this.volumes = volumes;
    const ours = await this.context!.registry.ours(volumes).catch(() => []);
    this.present = ours.map((o) => ({ mount: o.volume.mount, label: o.record.label, id: o.record.id }));
    return ours;
  }

  private async onVolumes(c: VolumesChanged): Promise<void> {
    const quiet = this.quietStart && c.cause === 'start';
    if (c.cause === 'start') this.quietStart = false;
    const ours = await this.see(c.volumes);
    for (const o of quiet ? [] : ours.filter((x) => c.added.some((v) => v.mount === x.volume.mount))) {
      this.log.info({ event: 'drive-inserted', drive: o.record.label || o.record.id, mount: o.volume.mount }, `drive ${o.record.label || o.volume.mount} plugged in`);
      this.plugged({ mount: o.volume.mount, label: o.record.label, id: o.record.id });
    }
    this.changed();
  }
}
