// The desktop app's entry: a tray icon over the engine. The engine (the same Agent as `lifeboat agent`) runs in
// a utilityProcess (engine-entry.ts), not here: measured by the bench's main-thread step, a backup or a live
// restore of a 500 MiB database blocks its event loop for 2-8 s at a time, which would freeze the tray and
// every window. Thin on purpose: every decision is in a tested module (tray-view, notifier, power-events,
// ipc-handle, window-security, login-item, safe-storage-secrets, engine-host); this file only connects them
// to Electron. Runs only under Electron.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { app, dialog, ipcMain, Notification, powerMonitor, safeStorage, session, utilityProcess } from 'electron';
import { createLogger } from '../agent/logger.ts';
import { PASSPHRASE_SECRET, type Handlers } from '../api/api-handlers.ts';
import { CALLS, type CallName, type Notice, type Status } from '../../src-shared/contract.ts';
import { LifeboatError } from '../core/errors.ts';
import type { Settings } from '../core/settings/settings-types.ts';
import { EngineClient } from '../engine-host/engine-client.ts';
import Store from 'electron-store';
import { defaultSettings, readSettingsFile, saveSettings } from '../core/settings/settings-store.ts';
import { settingsStoreSchema } from '../core/settings/settings-schema.ts';
import { appIconFile } from './icons.ts';
import { registerHandlers, senderCheck } from './ipc-handle.ts';
import { loginItemPlan } from './login-item.ts';
import { Notifier } from './notifier.ts';
import { PowerEvents } from './power-events.ts';
import { openSecretStore, type Encryptor } from './safe-storage-secrets.ts';
import { TrayService } from './tray.ts';
import { quitChoice, quitDialog, restoreConfirm, trayView, type TrayAction } from './tray-view.ts';
import { APP_ORIGIN, secureSession } from './window-security.ts';
import { Windows, registerAppScheme, serveAppProtocol, sessionEndWindow } from './windows.ts';

/** How long "Stop it safely and quit" waits for the agent before exiting anyway. */
const STOP_GRACE_MS = 5_000;

const log = createLogger();
const appRoot = app.getAppPath();

registerAppScheme(); // before 'ready', or app:// would not be a standard, secure origin

if (!app.requestSingleInstanceLock()) {
  // Another Lifeboat runs for this user: it opens its window ('second-instance' there) and we leave.
  app.quit();
} else {
  void app.whenReady().then(start).catch((err: unknown) => {
    log.error({ event: 'desktop-start-failed', error: (err as Error)?.stack ?? String(err) }, 'the desktop app could not start');
    app.exit(1);
  });
}

async function start(): Promise<void> {
  app.dock?.hide(); // a tray app: no Dock icon on macOS
  // Tray only: closing the last window must not quit the app (Electron's default on Windows and Linux).
  app.on('window-all-closed', () => {});

  secureSession(session.defaultSession);
  serveAppProtocol(session.defaultSession, path.join(appRoot, 'dist', 'renderer'));

  const windows = new Windows({ preload: path.join(appRoot, 'dist', 'preload', 'preload.js'), icon: path.join(appRoot, appIconFile(process.platform)) });
  app.on('second-instance', () => windows.open('status'));

  let allowQuit = false;
  let asking = false;
  let engine: EngineClient | undefined;
  // settings.json through electron-store, with the one schema the CLI and the engine use (read here; the
  // engine process writes it, validated, when the window saves; `watch` picks those writes up).
  // (Typed as a plain record: conf's dotted-path key types cannot express `schedules`' free-form job ids.)
  let store: Store<Record<string, unknown>> | undefined;
  const settings = (): Settings | undefined => store?.store as Settings | undefined;
  let handlers: Handlers | undefined;
  let status: Status | undefined;
  let startError: string | undefined;
  let loginEnabled = await startAtLogin();

  const timeZone = () => settings()?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const view = () => trayView({ status, ...(startError ? { error: startError } : {}), now: new Date(), timeZone: timeZone(), ...(loginEnabled !== undefined ? { startAtLogin: loginEnabled } : {}) });
  const tray = new TrayService(appRoot, view(), (a) => void onTrayAction(a).catch((err: unknown) => showError(err)));

  // IPC first, so a window opened while the agent starts (or after it failed) gets a clear answer.
  let activeHandlers: Handlers = unavailableHandlers('Lifeboat is still starting: try again in a moment.');
  const forwarding = Object.fromEntries((Object.keys(CALLS) as CallName[]).map((k) => [k, (args: never) => (activeHandlers[k] as (a: never) => Promise<unknown>)(args)])) as unknown as Handlers;
  registerHandlers(ipcMain, forwarding, senderCheck(() => windows.mainFrames(), APP_ORIGIN), (call, err) =>
    log.error({ event: 'ipc-error', call, error: (err as Error)?.stack ?? String(err) }, `${call} failed unexpectedly`));

  // Status rendering: coalesced, so a burst of progress events is one getStatus, not fifty.
  let rendering = false;
  let again = false;
  const refresh = async (): Promise<void> => {
    if (rendering) {
      again = true;
      return;
    }
    rendering = true;
    try {
      do {
        again = false;
        if (handlers) {
          status = await handlers.getStatus({}).catch(() => status);
        }
        tray.render(view());
        if (status) windows.send('status', status);
      } while (again);
    } finally {
      rendering = false;
    }
  };

  const notifier = new Notifier();
  let noticeTimer: NodeJS.Timeout | undefined;
  const show = (n: { title: string; body: string; level: Notice['level'] }) => {
    if (settings()?.notifications?.desktop === false || !Notification.isSupported()) return;
    const note = new Notification({ title: n.title, body: n.body, icon: path.join(appRoot, appIconFile(process.platform)), urgency: n.level === 'critical' ? 'critical' : 'normal' });
    note.on('click', () => windows.open('status'));
    note.show();
  };
  const armNoticeTimer = () => {
    clearTimeout(noticeTimer);
    const at = notifier.nextDueAt();
    if (at === undefined) return;
    noticeTimer = setTimeout(() => {
      for (const s of notifier.due()) show(s);
      armNoticeTimer();
    }, Math.max(1000, at - Date.now()));
  };

  try {
    const dataDir = process.env.LIFEBOAT_DATA_DIR || path.join(app.getPath('userData'), 'data');
    // Migrate an older settings.json first (electron-store knows only the current format), then open it.
    const file = await readSettingsFile(dataDir);
    if (file.migrated) await saveSettings(dataDir, file.settings);
    store = new Store<Record<string, unknown>>({ cwd: dataDir, name: 'settings', ...settingsStoreSchema(), defaults: { ...defaultSettings(dataDir) }, clearInvalidConfig: false, watch: true });
    const secrets = await openSecretStore(dataDir, safeStorageEncryptor());
    if (secrets.warning) log.warn({ event: 'secrets-unencrypted', protection: secrets.protection }, secrets.warning);
    const passphrase = async () => {
      const p = process.env.LIFEBOAT_PASSPHRASE ?? (await secrets.store.get(PASSPHRASE_SECRET));
      if (p === undefined) throw new LifeboatError('wrong-passphrase', 'this repository is encrypted and no passphrase is stored: set LIFEBOAT_PASSPHRASE or store it from Settings');
      return p;
    };
    const child = utilityProcess.fork(path.join(appRoot, 'dist', 'main', 'engine-entry.js'), [], { serviceName: 'Lifeboat engine', stdio: 'inherit' });
    const e = new EngineClient({ post: (m) => child.postMessage(m), onMessage: (fn) => child.on('message', fn) }, { secrets: secrets.store, passphrase });
    child.on('exit', (code) => {
      e.closed(`the Lifeboat engine stopped (exit code ${code})`);
      if (allowQuit) return;
      startError = `the Lifeboat engine stopped unexpectedly (exit code ${code}): restart Lifeboat`;
      activeHandlers = unavailableHandlers(startError);
      handlers = undefined;
      status = undefined;
      log.error({ event: 'engine-exited', code }, startError);
      void refresh();
    });
    await e.start({ dataDir, remoteSecrets: true });
    engine = e;
    handlers = e.handlers;
    activeHandlers = handlers;
    e.events.on('status', () => void refresh());
    e.events.on('progress', (p) => {
      windows.send('progress', p);
      void refresh();
    });
    e.events.on('notice', (n) => {
      windows.send('notice', n);
      const shown = notifier.offer(n);
      if (shown) show(shown);
      armNoticeTimer();
    });
    watchPower(e);
  } catch (err) {
    startError = err instanceof LifeboatError ? err.message : (err as Error)?.message ?? String(err);
    activeHandlers = unavailableHandlers(`Lifeboat could not start: ${startError}`);
    log.error({ event: 'agent-start-failed', error: (err as Error)?.stack ?? String(err) }, `Lifeboat could not start: ${startError}`);
  }
  await refresh();

  async function onTrayAction(action: TrayAction): Promise<void> {
    switch (action.type) {
      case 'open': return windows.open(action.page);
      case 'backup-now': await handlers?.backupNow({}); return;
      case 'pause': await handlers?.pause(action.minutes ? { minutes: action.minutes } : {}); return;
      case 'resume': await handlers?.resume({}); return;
      case 'quit': return requestQuit();
      case 'start-at-login':
        await setStartAtLogin(action.enabled);
        loginEnabled = await startAtLogin();
        return void refresh();
      case 'restore-latest': {
        const src = status?.sources.find((s) => s.name === action.source);
        if (!handlers || !src?.lastSnapshot) return;
        if (status?.agent.pinSet) {
          // The tray cannot ask for the PIN; the window can.
          await dialog.showMessageBox({ type: 'info', title: 'Admin PIN needed', message: `Restoring ${src.name} needs the admin PIN.`, detail: 'Open Lifeboat and restore from the window, where you can enter it.', buttons: ['OK'] });
          return windows.open('status');
        }
        const { response } = await dialog.showMessageBox(restoreConfirm(src.name, src.lastSnapshot, new Date(), timeZone()));
        if (response !== 0) return;
        await handlers.restore({ ref: 'latest', source: src.name });
        return;
      }
    }
  }

  // Quit: a running job is asked about; the OS's own quit (logout, Cmd+Q) comes through before-quit too.
  app.on('before-quit', (e) => {
    if (allowQuit) return;
    e.preventDefault();
    void requestQuit();
  });

  async function requestQuit(): Promise<void> {
    if (asking || allowQuit) return;
    asking = true;
    try {
      const options = status ? quitDialog(status.jobs) : undefined;
      const choice = options ? quitChoice((await dialog.showMessageBox(options)).response) : 'wait';
      if (choice === 'cancel') return;
      await finish(choice === 'wait' ? 'wait' : 'stop');
    } finally {
      asking = false;
    }
  }

  /** Stops the agent (letting a running job finish, or giving it STOP_GRACE_MS), then exits. */
  async function finish(mode: 'wait' | 'stop'): Promise<void> {
    allowQuit = true;
    clearTimeout(noticeTimer);
    windows.closeAll();
    tray.render({ ...view(), tooltip: mode === 'wait' ? 'Lifeboat: quitting when the running job finishes' : 'Lifeboat: quitting' });
    if (engine) {
      const stopped = engine.stop().then(() => true, () => true);
      // An unfinished snapshot never counts (its manifest is written last), so exiting mid-job is safe; the
      // next start sees the marker and checks every source.
      const ok = mode === 'wait' ? await stopped : await Promise.race([stopped, new Promise<false>((r) => setTimeout(() => r(false), STOP_GRACE_MS))]);
      if (!ok) log.warn({ event: 'quit-without-waiting' }, 'quitting before the running job finished; it will be checked at next start');
    }
    tray.destroy();
    app.exit(0);
  }

  function watchPower(sink: EngineClient): void {
    const power = new PowerEvents({ sink, platform: process.platform, quit: () => void finish('stop'), log: (m) => log.info({ event: 'os-power' }, m) });
    powerMonitor.on('on-battery', () => power.onBattery());
    powerMonitor.on('on-ac', () => power.onAc());
    powerMonitor.on('suspend', () => power.onSuspend());
    powerMonitor.on('resume', () => power.onResume());
    if (process.platform === 'linux' || process.platform === 'darwin') {
      // The typings declare no argument, but Electron passes an Event whose preventDefault() delays the shutdown.
      (powerMonitor as unknown as { on(e: 'shutdown', l: (ev: { preventDefault(): void }) => void): void }).on('shutdown', (ev) => void power.onShutdown(ev));
    }
    if (process.platform === 'win32') {
      const w = sessionEndWindow();
      w.on('query-session-end', (ev) => void power.onQuerySessionEnd(ev));
      w.on('session-end', (ev) => void power.onSessionEnd(ev));
    }
    power.start(powerMonitor.isOnBatteryPower());
  }

  function showError(err: unknown): void {
    const message = (err as { message?: string })?.message ?? String(err);
    log.warn({ event: 'tray-action-failed', error: message }, message);
    void dialog.showMessageBox({ type: 'error', title: 'Lifeboat', message: 'That did not work.', detail: message, buttons: ['OK'] });
  }
}

/**
 * safeStorage as an Encryptor, with the asynchronous calls Electron 45 recommends. On Linux the "basic_text"
 * backend encrypts with a key hard-coded in Chromium, which protects nothing: it counts as unavailable.
 */
function safeStorageEncryptor(): Encryptor {
  return {
    isEncryptionAvailable: async () => {
      if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') return false;
      return safeStorage.isAsyncEncryptionAvailable();
    },
    encryptString: (s) => safeStorage.encryptStringAsync(s),
    decryptString: async (b) => (await safeStorage.decryptStringAsync(b)).result,
  };
}

/** Every call answers with the same clear error (the agent is starting, or could not start). */
function unavailableHandlers(message: string): Handlers {
  const fail = async () => {
    throw new LifeboatError('failed', message);
  };
  return Object.fromEntries(Object.keys(CALLS).map((k) => [k, fail])) as unknown as Handlers;
}

function loginEnv() {
  return { execPath: process.execPath, configHome: process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), appImage: process.env.APPIMAGE };
}

/** Whether Lifeboat starts at login now, as the OS says (the OS setting is the one source of truth). */
async function startAtLogin(): Promise<boolean | undefined> {
  const plan = loginItemPlan(process.platform, true, loginEnv());
  if (plan.kind === 'electron') return app.getLoginItemSettings().openAtLogin;
  return fs.stat(plan.file).then(() => true, () => false);
}

async function setStartAtLogin(enabled: boolean): Promise<void> {
  const plan = loginItemPlan(process.platform, enabled, loginEnv());
  if (plan.kind === 'electron') return app.setLoginItemSettings({ openAtLogin: plan.openAtLogin });
  if (plan.content === undefined) return fs.rm(plan.file, { force: true });
  await fs.mkdir(path.dirname(plan.file), { recursive: true });
  await fs.writeFile(plan.file, plan.content, { mode: 0o644 });
}
