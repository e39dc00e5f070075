// Which notices become desktop notifications, and when: rate-limited and merged, so a flapping network or a
// UPS that clicks on and off every minute gives one notification and later one summary, not sixty. Pure: the
// clock is injected and nothing is shown here; main.ts shows what this returns with Electron's Notification.
import type { Notice } from '../../src-shared/contract.ts';

/** What to show: a notice as it came, or a summary of the ones merged into it. */
export interface ShownNotice {
  kind: Notice['kind'];
  level: Notice['level'];
  title: string;
  body: string;
  time: string;
  /** True for a summary of merged notices. */
  summary: boolean;
  /** How many notices this one stands for (1 for a plain notice). */
  count: number;
}

export interface NotifierOptions {
  /** Epoch ms; injected so tests drive time. */
  now?: () => number;
  /** The window in which notices of one group are merged (default one hour). */
  windowMs?: number;
  /** At most this many notifications per window overall, critical ones not counted against it (default 6). */
  hourlyCap?: number;
}

/** Never merged nor capped: each one is news a person must see. */
const ALWAYS: ReadonlySet<Notice['kind']> = new Set(['emergency-backup-failed', 'restore-failed']);

interface Group {
  openedAt: number;
  /** Notices merged (or capped) since the window opened, not shown yet. */
  merged: number;
  /** Power only: how many times power was lost in this window. */
  losses: number;
  last: Notice;
}

/**
 * Rate limiting and merging, by group (the notice's kind and key; power-lost and power-restored are one group):
 * - The first notice of a group is shown and opens a window (an hour). Later ones in that window are merged.
 * - When the window ends (`due()`), the merged ones become one summary ("Power lost and back 14 times in the
 *   last hour"), and a new quiet window starts, so steady flapping gives one summary an hour. A window that
 *   ends with nothing merged closes, and the group's next notice is shown again.
 * - Overall at most `hourlyCap` notifications per window; past it, notices are merged into their group's
 *   summary instead of being lost.
 * - Critical notices are never dropped: emergency-backup-failed and restore-failed always show, and a critical
 *   notice that opens its group (power lost the first time) ignores the cap.
 * Call `offer()` for each notice and `due()` when `nextDueAt()` comes (a timer in the adapter).
 */
export class Notifier {
  private readonly now: () => number;
  private readonly windowMs: number;
  private readonly cap: number;
  private readonly groups = new Map<string, Group>();
  private shownAt: number[] = [];

  constructor(opts: NotifierOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.windowMs = opts.windowMs ?? 60 * 60_000;
    this.cap = opts.hourlyCap ?? 6;
  }

  /** The notification to show for `notice` now, or undefined when it was merged into a later summary. */
  offer(notice: Notice): ShownNotice | undefined {
    const now = this.now();
    const isLoss = notice.kind === 'power-lost' ? 1 : 0;
    if (ALWAYS.has(notice.kind)) return this.show(plain(notice), now, true);
    const key = groupKey(notice);
    const group = this.groups.get(key);
    if (group && now - group.openedAt < this.windowMs) {
      group.merged += 1;
      group.losses += isLoss;
      group.last = notice;
      return undefined;
    }
    const critical = notice.level === 'critical';
    const fresh: Group = { openedAt: now, merged: 0, losses: isLoss, last: notice };
    this.groups.set(key, fresh);
    if (!critical && this.capReached(now)) {
      fresh.merged = 1; // over the cap: told in the summary rather than lost
      return undefined;
    }
    return this.show(plain(notice), now, critical);
  }

  /** Summaries whose window has ended by now; windows with nothing merged are closed. */
  due(): ShownNotice[] {
    const now = this.now();
    const out: ShownNotice[] = [];
    for (const [key, g] of this.groups) {
      if (now - g.openedAt < this.windowMs) continue;
      if (g.merged === 0) {
        this.groups.delete(key);
        continue;
      }
      const s = summarize(key, g, this.windowMs);
      // A summary is not urgent: past the cap it waits for the next window, still merged.
      const critical = s.level === 'critical';
      const shown = critical || !this.capReached(now) ? this.show(s, now, critical) : undefined;
      if (shown) out.push(shown);
      this.groups.set(key, { openedAt: now, merged: shown ? 0 : g.merged, losses: shown ? 0 : g.losses, last: g.last });
    }
    return out;
  }

  /** When `due()` next has something to do (epoch ms), or undefined when no window is open. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const g of this.groups.values()) {
      const at = g.openedAt + this.windowMs;
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  private capReached(now: number): boolean {
    this.shownAt = this.shownAt.filter((t) => now - t < this.windowMs);
    return this.shownAt.length >= this.cap;
  }

  private show(n: ShownNotice, now: number, critical: boolean): ShownNotice {
    if (!critical) this.shownAt.push(now);
    return n;
  }
}

function groupKey(n: Notice): string {
  const kind = n.kind === 'power-lost' || n.kind === 'power-restored' ? 'power' : n.kind;
  return n.key ? `${kind}:${n.key}` : kind;
}

function plain(n: Notice): ShownNotice {
  return { kind: n.kind, level: n.level, title: n.title, body: n.body, time: n.time, summary: false, count: 1 };
}

function summarize(key: string, g: Group, windowMs: number): ShownNotice {
  const span = windowMs === 60 * 60_000 ? 'the last hour' : `the last ${Math.round(windowMs / 60_000)} min`;
  const last = g.last;
  if (key === 'power' || key.startsWith('power:')) {
    const now = last.kind === 'power-restored' ? 'Power is on now.' : 'Power is off now: Lifeboat is running on battery.';
    const times = Math.max(g.losses, 1);
    return { kind: last.kind, level: last.level, title: 'Power unstable', body: `Power lost and back ${times} time${times === 1 ? '' : 's'} in ${span}. ${now}`, time: last.time, summary: true, count: g.merged };
  }
  return { kind: last.kind, level: last.level, title: last.title, body: `${g.merged} more like this in ${span}. Latest: ${last.body}`, time: last.time, summary: true, count: g.merged };
}
