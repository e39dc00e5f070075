// What the tray shows, as pure functions of the agent's status: the icon, the one-line tooltip, the menu as
// data, and the two dialogs the tray opens (confirm a restore, quit while a job runs). tray.ts only applies
// these; everything here is table-tested in Node (tests/unit/electron-tray-view.test.ts).
import type { Status } from '../../src-shared/contract.ts';
import { clockTime, formatBytes, relativeAge } from '../core/health/human-time.ts';

export type TrayIcon = 'ok' | 'working' | 'warning' | 'critical' | 'paused';

/** What a click on a menu item asks for; the adapter maps each to a handler call or a window. */
export type TrayAction =
  | { type: 'backup-now' }
  | { type: 'restore-latest'; source: string }
  | { type: 'open'; page: 'status' | 'settings' }
  | { type: 'pause'; minutes?: number }
  | { type: 'resume' }
  | { type: 'start-at-login'; enabled: boolean }
  | { type: 'quit' };

/** One menu entry as plain data: Electron's MenuItemConstructorOptions are built from it in tray.ts. */
export type MenuSpec =
  | { kind: 'item'; id: string; label: string; enabled: boolean; action?: TrayAction }
  | { kind: 'checkbox'; id: string; label: string; enabled: boolean; checked: boolean; action: TrayAction }
  | { kind: 'separator' }
  | { kind: 'submenu'; id: string; label: string; enabled: boolean; items: MenuSpec[] };

export interface TrayView {
  icon: TrayIcon;
  tooltip: string;
  menu: MenuSpec[];
}

export interface TrayState {
  /** The agent's status; undefined while it starts, or when it could not start (then `error` says why). */
  status: Status | undefined;
  /** Why the agent is not running, in one sentence, when it failed to start. */
  error?: string;
  now: Date;
  /** IANA zone for clock times ("14:02"). */
  timeZone: string;
  /** Whether Lifeboat starts at login; undefined hides the checkbox (a platform where it cannot be set). */
  startAtLogin?: boolean;
}

/** Windows cuts tray tooltips at 127 characters; one line everywhere. */
const TOOLTIP_MAX = 127;

const JOB_WORDS: Record<string, (source: string | undefined) => string> = {
  backup: (s) => (s ? `Backing up ${s}` : 'Backing up'),
  'emergency-backup': (s) => (s ? `Emergency backup of ${s}` : 'Emergency backup'),
  restore: (s) => (s ? `Restoring ${s}` : 'Restoring'),
  'quick-verify': () => 'Checking backups',
  'deep-verify': () => 'Checking backups in depth',
  'restore-drill': () => 'Practising a restore',
  prune: () => 'Tidying old backups',
  'usb-copy': (s) => (s ? `Copying to drive ${s}` : 'Copying to a USB drive'),
  upload: (s) => (s ? `Sending offsite to ${s}` : 'Sending offsite'),
  'source-check': () => 'Checking the data',
};

/**
 * The tray's icon, tooltip and menu for a state. Pure: the same state gives the same view.
 * - No status: "Status unknown" with a warning icon while the agent starts, a critical one when it failed;
 *   the tray never shows green without a verdict to back it.
 * - Paused: the grey icon, unless the verdict is critical (a power cut while paused must still show red).
 * - A running job while nothing is wrong: the working icon and its progress as the tooltip.
 * - Otherwise the verdict's level and its first reason.
 */
export function trayView(state: TrayState): TrayView {
  const { status } = state;
  if (!status) {
    const text = state.error ? `Status unknown: Lifeboat could not start: ${state.error}` : 'Status unknown: Lifeboat is starting';
    return { icon: state.error ? 'critical' : 'warning', tooltip: oneLine(text), menu: buildMenu(undefined, text, state) };
  }
  const level = status.verdict.level;
  const running = status.jobs.find((j) => j.state === 'running');
  const first = status.verdict.reasons[0]?.text ?? (level === 'ok' ? 'All backups are fine' : `Status: ${level}`);
  let icon: TrayIcon = level;
  let tooltip = first;
  if (running && (level === 'ok' || level === 'working')) {
    icon = 'working';
    tooltip = jobProgress(running);
  }
  if (status.paused && level !== 'critical') icon = 'paused';
  return { icon, tooltip: oneLine(tooltip), menu: buildMenu(status, first, state) };
}

/** "Backing up office: 45%", or with no totals yet "Backing up office (copying pages)". */
export function jobProgress(job: Status['jobs'][number]): string {
  const words = (JOB_WORDS[job.kind] ?? (() => `Running ${job.kind}`))(job.source);
  if (job.total && job.total > 0 && job.done !== undefined) {
    const pct = Math.max(0, Math.min(100, Math.floor((job.done / job.total) * 100)));
    return `${words}: ${pct}%`;
  }
  return job.phase ? `${words} (${job.phase})` : words;
}

function buildMenu(status: Status | undefined, verdictLine: string, state: TrayState): MenuSpec[] {
  const { now, timeZone, startAtLogin } = state;
  const live = status !== undefined;
  const sources = status?.sources ?? [];
  const menu: MenuSpec[] = [
    { kind: 'item', id: 'verdict', label: oneLine(verdictLine), enabled: false },
    { kind: 'separator' },
    { kind: 'item', id: 'backup-now', label: 'Backup now', enabled: live && sources.length > 0, action: { type: 'backup-now' } },
    restoreMenu(sources, live, now, timeZone),
    { kind: 'separator' },
    { kind: 'item', id: 'open', label: 'Open Lifeboat', enabled: true, action: { type: 'open', page: 'status' } },
    { kind: 'item', id: 'settings', label: 'Settings...', enabled: live, action: { type: 'open', page: 'settings' } },
    { kind: 'separator' },
  ];
  if (status?.paused) {
    const until = status.paused.until ? ` (paused until ${clockTime(Date.parse(status.paused.until), now.getTime(), timeZone)})` : '';
    menu.push({ kind: 'item', id: 'resume', label: `Resume protection${until}`, enabled: true, action: { type: 'resume' } });
  } else {
    menu.push({ kind: 'submenu', id: 'pause', label: 'Pause protection', enabled: live, items: [
      { kind: 'item', id: 'pause-1h', label: 'For 1 hour', enabled: live, action: { type: 'pause', minutes: 60 } },
      { kind: 'item', id: 'pause-until-resumed', label: 'Until resumed', enabled: live, action: { type: 'pause' } },
    ] });
  }
  if (startAtLogin !== undefined) {
    menu.push({ kind: 'checkbox', id: 'start-at-login', label: 'Start at login', enabled: true, checked: startAtLogin, action: { type: 'start-at-login', enabled: !startAtLogin } });
  }
  menu.push({ kind: 'separator' }, { kind: 'item', id: 'quit', label: 'Quit', enabled: true, action: { type: 'quit' } });
  return menu;
}

/** One source: one item. Several: a submenu, one item per source, disabled for a source with no snapshot yet. */
function restoreMenu(sources: Status['sources'], live: boolean, now: Date, timeZone: string): MenuSpec {
  if (sources.length === 1) {
    const s = sources[0]!;
    return { kind: 'item', id: `restore-latest:${s.name}`, label: `Restore latest of ${s.name}...`, enabled: live && s.lastSnapshot !== null, action: { type: 'restore-latest', source: s.name } };
  }
  if (sources.length === 0) return { kind: 'item', id: 'restore-latest', label: 'Restore latest...', enabled: false };
  return {
    kind: 'submenu', id: 'restore-latest', label: 'Restore latest...', enabled: live && sources.some((s) => s.lastSnapshot !== null),
    items: sources.map((s) => ({
      kind: 'item' as const,
      id: `restore-latest:${s.name}`,
      label: s.lastSnapshot ? `${s.name} (${clockTime(Date.parse(s.lastSnapshot.time), now.getTime(), timeZone)})...` : `${s.name} (no backup yet)`,
      enabled: live && s.lastSnapshot !== null,
      action: { type: 'restore-latest' as const, source: s.name },
    })),
  };
}

/** Options for Electron's dialog.showMessageBox (a subset both sides agree on). */
export interface DialogOptions {
  type: 'none' | 'info' | 'error' | 'question' | 'warning';
  title: string;
  message: string;
  detail: string;
  buttons: string[];
  defaultId: number;
  cancelId: number;
}

/**
 * The confirmation before restoring a source's latest snapshot into the live data: names the source, the
 * snapshot's time and age, and that a safety copy of the current data is kept first. Button 0 restores;
 * Cancel is the default (Enter must not overwrite data).
 */
export function restoreConfirm(source: string, lastSnapshot: { id: string; time: string; size: number }, now: Date, timeZone: string): DialogOptions {
  const at = Date.parse(lastSnapshot.time);
  return {
    type: 'warning',
    title: `Restore ${source}`,
    message: `Restore ${source} to its backup from ${clockTime(at, now.getTime(), timeZone)} (${relativeAge(at, now.getTime())})?`,
    detail: `Lifeboat first keeps a safety copy of the current data of ${source}, so this restore can be undone. ` +
      `Changes made after that backup are replaced. Snapshot ${lastSnapshot.id}, ${formatBytes(lastSnapshot.size)}.`,
    buttons: ['Restore', 'Cancel'],
    defaultId: 1,
    cancelId: 1,
  };
}

/** What each button of quitDialog means, by index. */
export const QUIT_CHOICES = ['wait', 'stop', 'cancel'] as const;
export type QuitChoice = (typeof QUIT_CHOICES)[number];

/**
 * The question asked on Quit while a job runs, or undefined when nothing runs (quit at once). Queued jobs
 * are not mentioned: they simply do not start. Buttons in QUIT_CHOICES order; Cancel is the cancel id.
 */
export function quitDialog(jobs: Status['jobs']): DialogOptions | undefined {
  const running = jobs.filter((j) => j.state === 'running');
  if (running.length === 0) return undefined;
  const what = running.map(jobProgress).join(', ');
  return {
    type: 'question',
    title: 'Quit Lifeboat',
    message: `${what} is still running.`,
    detail: 'Stopping it safely keeps every backup already made intact; nothing is backed up while Lifeboat is closed.',
    buttons: ['Wait for it to finish', 'Stop it safely and quit', 'Cancel'],
    defaultId: 0,
    cancelId: 2,
  };
}

/** The answer to quitDialog by button index; anything unexpected is a cancel. */
export function quitChoice(response: number): QuitChoice {
  return QUIT_CHOICES[response] ?? 'cancel';
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= TOOLTIP_MAX ? flat : `${flat.slice(0, TOOLTIP_MAX - 3)}...`;
}
