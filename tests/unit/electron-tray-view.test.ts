import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Status } from '../../src-shared/contract.ts';
import { jobProgress, quitChoice, quitDialog, restoreConfirm, trayView, type MenuSpec, type TrayState } from '../../src-main/electron/tray-view.ts';

const TZ = 'Europe/Berlin';
const NOW = new Date('2026-11-20T13:05:00Z'); // 14:05 in Berlin

type Level = Status['verdict']['level'];
type Source = Status['sources'][number];

function source(name: string, lastTime: string | null): Source {
  return { name, kind: 'sqlite', path: `/srv/${name}.db`, watch: false, nextRun: null, lastSnapshot: lastTime ? { id: `snap-${name}`, time: lastTime, size: 12_000_000, reason: 'schedule' } : null };
}

function status(over: Partial<Status> = {}): Status {
  return {
    verdict: { level: 'ok', reasons: [{ level: 'ok', code: 'last-backup', text: 'Last backup of office 3 min ago', source: 'office' }] },
    paused: null,
    sources: [source('office', '2026-11-20T13:02:00Z')],
    power: [], drives: [], targets: [], jobs: [], nextRuns: [],
    agent: { pid: 1, startedAt: '2026-11-20T08:00:00Z', dataDir: '/data', pinSet: false, encrypted: true },
    ...over,
  };
}

function verdict(level: Level, text: string): Status['verdict'] {
  return { level, reasons: [{ level, code: 'x', text }, { level: 'ok', code: 'disk-ok', text: 'Disk fine' }] };
}

function state(s: Status | undefined, extra: Partial<TrayState> = {}): TrayState {
  return { status: s, now: NOW, timeZone: TZ, ...extra };
}

function find(menu: MenuSpec[], id: string): MenuSpec | undefined {
  for (const m of menu) {
    if (m.kind !== 'separator' && m.id === id) return m;
    if (m.kind === 'submenu') {
      const inner = find(m.items, id);
      if (inner) return inner;
    }
  }
  return undefined;
}

function enabled(menu: MenuSpec[], id: string): boolean | undefined {
  const m = find(menu, id);
  return m && m.kind !== 'separator' ? m.enabled : undefined;
}

test('trayView: every verdict level gives its icon and the first reason as the tooltip', () => {
  const table: Array<[Level, string]> = [
    ['ok', 'Last backup of office 3 min ago'],
    ['working', 'First backup of office running'],
    ['warning', 'No backup of office for 26 hours'],
    ['critical', 'On battery: emergency backup done 14:02'],
  ];
  for (const [level, text] of table) {
    const v = trayView(state(status({ verdict: verdict(level, text) })));
    assert.equal(v.icon, level, level);
    assert.equal(v.tooltip, text, level);
    const line = find(v.menu, 'verdict');
    assert.deepEqual(line, { kind: 'item', id: 'verdict', label: text, enabled: false }, 'the verdict line is shown, disabled');
  }
});

test('trayView: an ok verdict with no reason still says something true', () => {
  const v = trayView(state(status({ verdict: { level: 'ok', reasons: [] } })));
  assert.equal(v.icon, 'ok');
  assert.equal(v.tooltip, 'All backups are fine');
});

test('trayView: a running job shows progress with the working icon, but never hides a problem', () => {
  const job = { id: 7, kind: 'backup', source: 'office', reason: 'schedule', state: 'running' as const, phase: 'copying pages', done: 45, total: 100 };
  const ok = trayView(state(status({ jobs: [job] })));
  assert.equal(ok.icon, 'working');
  assert.equal(ok.tooltip, 'Backing up office: 45%');
  const warn = trayView(state(status({ jobs: [job], verdict: verdict('warning', 'Offsite copy 2 days behind') })));
  assert.equal(warn.icon, 'warning');
  assert.equal(warn.tooltip, 'Offsite copy 2 days behind');
  const queued = trayView(state(status({ jobs: [{ ...job, state: 'queued' }] })));
  assert.equal(queued.icon, 'ok', 'a queued job is not work yet');
});

test('jobProgress: percent when totals are known, the phase otherwise, clamped', () => {
  const base = { id: 1, reason: 'x', state: 'running' as const };
  const table: Array<[Parameters<typeof jobProgress>[0], string]> = [
    [{ ...base, kind: 'backup', source: 'office', done: 45, total: 100 }, 'Backing up office: 45%'],
    [{ ...base, kind: 'backup', source: 'office', done: 999, total: 100 }, 'Backing up office: 100%'],
    [{ ...base, kind: 'backup', source: 'office', phase: 'reading' }, 'Backing up office (reading)'],
    [{ ...base, kind: 'emergency-backup' }, 'Emergency backup'],
    [{ ...base, kind: 'quick-verify', done: 1, total: 3 }, 'Checking backups: 33%'],
    [{ ...base, kind: 'usb-copy', source: 'LIFEBOAT1', done: 0, total: 0, phase: 'drive copy' }, 'Copying to drive LIFEBOAT1 (drive copy)'],
    [{ ...base, kind: 'something-new' }, 'Running something-new'],
  ];
  for (const [job, text] of table) assert.equal(jobProgress(job), text);
});

test('trayView: paused is grey, shows Resume with its end, unless the verdict is critical', () => {
  const paused = status({ paused: { until: '2026-11-20T14:05:00Z' }, verdict: verdict('warning', 'Backups paused until 15:05') });
  const v = trayView(state(paused));
  assert.equal(v.icon, 'paused');
  assert.equal(v.tooltip, 'Backups paused until 15:05');
  assert.deepEqual(find(v.menu, 'resume'), { kind: 'item', id: 'resume', label: 'Resume protection (paused until 15:05)', enabled: true, action: { type: 'resume' } });
  assert.equal(find(v.menu, 'pause'), undefined, 'no Pause while paused');

  const forever = trayView(state(status({ paused: {}, verdict: verdict('warning', 'Backups paused until you resume them') })));
  assert.equal((find(forever.menu, 'resume') as { label: string }).label, 'Resume protection');

  const powerCut = trayView(state(status({ paused: {}, verdict: verdict('critical', 'On battery: emergency backup running') })));
  assert.equal(powerCut.icon, 'critical', 'a power cut while paused still shows red');
});

test('trayView: the Pause submenu when not paused', () => {
  const v = trayView(state(status()));
  const pause = find(v.menu, 'pause');
  assert.ok(pause && pause.kind === 'submenu');
  assert.deepEqual(pause.items.map((i) => (i.kind === 'item' ? [i.label, i.action] : null)), [
    ['For 1 hour', { type: 'pause', minutes: 60 }],
    ['Until resumed', { type: 'pause' }],
  ]);
});

test('trayView: no status yet is an honest "Status unknown", never green', () => {
  const starting = trayView(state(undefined));
  assert.equal(starting.icon, 'warning');
  assert.match(starting.tooltip, /^Status unknown/);
  const failed = trayView(state(undefined, { error: 'the repository passphrase is wrong' }));
  assert.equal(failed.icon, 'critical');
  assert.equal(failed.tooltip, 'Status unknown: Lifeboat could not start: the repository passphrase is wrong');
  for (const v of [starting, failed]) {
    assert.equal(enabled(v.menu, 'backup-now'), false);
    assert.equal(enabled(v.menu, 'restore-latest'), false);
    assert.equal(enabled(v.menu, 'settings'), false);
    assert.equal(enabled(v.menu, 'pause'), false);
    assert.equal(enabled(v.menu, 'open'), true, 'the window can still explain');
    assert.equal(enabled(v.menu, 'quit'), true);
  }
});

test('trayView: the menu has the agreed items in order', () => {
  const v = trayView(state(status()));
  const labels = v.menu.map((m) => (m.kind === 'separator' ? '-' : m.label));
  assert.deepEqual(labels, ['Last backup of office 3 min ago', '-', 'Backup now', 'Restore latest of office...', '-', 'Open Lifeboat', 'Settings...', '-', 'Pause protection', '-', 'Quit']);
  assert.deepEqual((find(v.menu, 'open') as { action: unknown }).action, { type: 'open', page: 'status' });
  assert.deepEqual((find(v.menu, 'settings') as { action: unknown }).action, { type: 'open', page: 'settings' });
  assert.deepEqual((find(v.menu, 'quit') as { action: unknown }).action, { type: 'quit' });
});

test('trayView: Restore latest with none, one and several sources', () => {
  const none = trayView(state(status({ sources: [] })));
  assert.equal(enabled(none.menu, 'backup-now'), false, 'nothing to back up');
  assert.deepEqual(find(none.menu, 'restore-latest'), { kind: 'item', id: 'restore-latest', label: 'Restore latest...', enabled: false });

  const one = trayView(state(status()));
  assert.deepEqual(find(one.menu, 'restore-latest:office'), { kind: 'item', id: 'restore-latest:office', label: 'Restore latest of office...', enabled: true, action: { type: 'restore-latest', source: 'office' } });
  const oneEmpty = trayView(state(status({ sources: [source('office', null)] })));
  assert.equal(enabled(oneEmpty.menu, 'restore-latest:office'), false, 'no snapshot yet: nothing to restore');

  const several = trayView(state(status({ sources: [source('office', '2026-11-20T13:02:00Z'), source('stock', null), source('docs', '2026-11-18T09:00:00Z')] })));
  const sub = find(several.menu, 'restore-latest');
  assert.ok(sub && sub.kind === 'submenu');
  assert.equal(sub.enabled, true);
  assert.deepEqual(sub.items.map((i) => (i.kind === 'item' ? [i.label, i.enabled, i.action] : null)), [
    ['office (14:02)...', true, { type: 'restore-latest', source: 'office' }],
    ['stock (no backup yet)', false, { type: 'restore-latest', source: 'stock' }],
    ['docs (Wed 10:00)...', true, { type: 'restore-latest', source: 'docs' }],
  ]);
  const allEmpty = trayView(state(status({ sources: [source('a', null), source('b', null)] })));
  assert.equal(enabled(allEmpty.menu, 'restore-latest'), false);
});

test('trayView: the start-at-login checkbox appears only where it can be set', () => {
  assert.equal(find(trayView(state(status())).menu, 'start-at-login'), undefined);
  assert.deepEqual(find(trayView(state(status(), { startAtLogin: true })).menu, 'start-at-login'),
    { kind: 'checkbox', id: 'start-at-login', label: 'Start at login', enabled: true, checked: true, action: { type: 'start-at-login', enabled: false } });
  assert.deepEqual((find(trayView(state(status(), { startAtLogin: false })).menu, 'start-at-login') as { action: unknown }).action, { type: 'start-at-login', enabled: true });
});

test('trayView: the tooltip is one line and fits Windows (127 characters)', () => {
  const long = `Offsite copy to nas failed:\n${'connection refused '.repeat(20)}`;
  const v = trayView(state(status({ verdict: verdict('warning', long) })));
  assert.ok(v.tooltip.length <= 127, `${v.tooltip.length}`);
  assert.ok(!v.tooltip.includes('\n'));
  assert.ok(v.tooltip.endsWith('...'));
});

test('restoreConfirm: names the source, the time and age, and the safety copy; Cancel is the default', () => {
  const d = restoreConfirm('office', { id: 'a1b2c3', time: '2026-11-20T13:02:00Z', size: 12_000_000 }, NOW, TZ);
  assert.equal(d.title, 'Restore office');
  assert.equal(d.message, 'Restore office to its backup from 14:02 (3 min ago)?');
  assert.match(d.detail, /safety copy of the current data of office/);
  assert.match(d.detail, /a1b2c3, 12 MB/);
  assert.deepEqual(d.buttons, ['Restore', 'Cancel']);
  assert.equal(d.defaultId, 1);
  assert.equal(d.cancelId, 1);
  const older = restoreConfirm('office', { id: 'x', time: '2026-11-18T09:00:00Z', size: 1 }, NOW, TZ);
  assert.equal(older.message, 'Restore office to its backup from Wed 10:00 (2 days ago)?');
});

test('quitDialog: nothing running quits at once; a running job asks three ways', () => {
  assert.equal(quitDialog([]), undefined);
  assert.equal(quitDialog([{ id: 1, kind: 'backup', reason: 'schedule', state: 'queued' }]), undefined, 'queued work just does not start');
  const d = quitDialog([{ id: 2, kind: 'backup', source: 'office', reason: 'manual', state: 'running', done: 1, total: 4 }]);
  assert.ok(d);
  assert.equal(d.message, 'Backing up office: 25% is still running.');
  assert.deepEqual(d.buttons, ['Wait for it to finish', 'Stop it safely and quit', 'Cancel']);
  assert.equal(d.defaultId, 0);
  assert.equal(d.cancelId, 2);
  assert.deepEqual([0, 1, 2, 3, -1].map(quitChoice), ['wait', 'stop', 'cancel', 'cancel', 'cancel']);
});
