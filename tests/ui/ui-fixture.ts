// The world of the UI tests: the UI built into dist/renderer, a real agent (`lifeboat agent --dashboard
// --dashboard-port 0`) on a temp data dir with a real SQLite source, and optionally a real NUT upsd as its
// UPS. Not a test file itself (no .test.ts): the UI-xx files share it.
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { createOfficeDb } from '../../src-main/core/sources/demo-office-db.ts';
import { buildRenderer } from '../../scripts/build-renderer.ts';
import { ROOT, cliJson, spawnCli, tempDir } from '../helpers/cli.ts';
import { events, waitFor } from '../helpers/agent-process.ts';
import { startNutServer, type NutServer } from '../peers/nut-server.ts';
import { after, before } from 'node:test';
import { launchChromium, type Chromium } from '../helpers/chromium.ts';

export interface Snap { id: string; source: string; reason: string; time: string; size: number }

/**
 * Builds the UI into dist/renderer (where the dashboard serves it from). Each file is built in a private
 * folder and renamed into place, so two test files building at once never serve a half-written bundle.
 */
export async function buildUi(): Promise<void> {
  const out = path.join(ROOT, 'dist', 'renderer');
  const tmp = path.join(ROOT, 'dist', `.renderer-${process.pid}-${Date.now()}`);
  await buildRenderer(tmp);
  fs.mkdirSync(out, { recursive: true });
  for (const f of fs.readdirSync(tmp)) fs.renameSync(path.join(tmp, f), path.join(out, f));
  fs.rmSync(tmp, { recursive: true, force: true });
}

export interface UiWorld {
  dir: string;
  dataDir: string;
  dbPath: string;
  nut: NutServer | undefined;
  /** The dashboard's address with the token, as the agent logged it. */
  url: string;
  /** http://127.0.0.1:PORT */
  base: string;
  port: number;
  token: string;
  agent: ChildProcess;
  log(): string;
  /** Snapshots as the CLI lists them (the test's own evidence, not the UI's). */
  list(): Promise<Snap[]>;
  /** Stops the agent (SIGTERM, waiting for its clean exit), upsd, and removes the temp dir. */
  stop(): Promise<void>;
}

/** One write to the live database: the note of customer 1. */
export function setNote(dbPath: string, note: string): void {
  const db = new Database(dbPath);
  db.prepare('UPDATE customers SET notes = ? WHERE id = 1').run(note);
  db.close();
}

/** The note of customer 1 and the number of customers, read straight from the database file. */
export function readNote(dbPath: string): { note: string; customers: number } {
  const db = new Database(dbPath, { readonly: true });
  try {
    const note = (db.prepare('SELECT notes FROM customers WHERE id = 1').get() as { notes: string }).notes;
    const customers = (db.prepare('SELECT count(*) AS n FROM customers').get() as { n: number }).n;
    return { note, customers };
  } finally {
    db.close();
  }
}

/**
 * Sets up a data dir with the SQLite source "office" (2 MB unless `dbBytes` says otherwise) and one backup;
 * optionally a real upsd as the agent's UPS (`nut`) and a folder target named `folderTarget` synced with that
 * backup. Builds the UI and starts the agent with the dashboard on a free port. Resolves when the dashboard's
 * address is logged (and, with a UPS, once the agent reads it as online).
 */
export async function startUiWorld(opts: { nut?: boolean; dbBytes?: number; folderTarget?: string } = {}): Promise<UiWorld> {
  const t = tempDir('lifeboat-ui-');
  const dataDir = path.join(t.dir, 'data');
  const dbPath = path.join(t.dir, 'office.db');
  let nut: NutServer | undefined;
  let agent: ChildProcess | undefined;
  let out = '';
  let exited: Promise<number | null> = Promise.resolve(null);
  const stop = async (): Promise<void> => {
    if (agent && agent.exitCode === null && agent.signalCode === null) {
      agent.kill('SIGTERM');
      const timer = setTimeout(() => agent?.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    await nut?.stop();
    t.cleanup();
  };
  try {
    createOfficeDb(dbPath, { targetBytes: opts.dbBytes ?? 2 << 20, seed: 7 });
    setNote(dbPath, 'the original note');
    await cliJson(['source', 'add', '--name', 'office', '--sqlite', dbPath], { dataDir });
    await cliJson(['backup'], { dataDir });
    if (opts.folderTarget) {
      // A network-folder target (file://) holding a copy of the backup, for restores "from a target".
      const nas = path.join(t.dir, 'nas');
      fs.mkdirSync(nas);
      await cliJson(['target', 'add', opts.folderTarget, `file://${nas}`], { dataDir });
      await cliJson(['sync'], { dataDir });
    }
    if (opts.nut) {
      nut = await startNutServer();
      await cliJson(['ups', 'add', nut.url], { dataDir });
    }
    await buildUi();
    agent = spawnCli(['agent', '--dashboard', '--dashboard-port', '0'], { dataDir });
    const child = agent;
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    exited = new Promise((r) => child.once('close', (code) => r(code)));
    const logged = await waitFor('the dashboard address in the agent log', () => {
      if (child.exitCode !== null) throw new Error(`the agent exited with ${child.exitCode}: ${out.slice(-2000)}`);
      return events(out).find((e) => e.event === 'dashboard');
    }, 60_000);
    const url = String(logged.url);
    const u = new URL(url);
    const token = u.searchParams.get('token') ?? '';
    const world: UiWorld = {
      dir: t.dir, dataDir, dbPath, nut, url, base: u.origin, port: Number(u.port), token, agent: child,
      log: () => out,
      list: () => cliJson<Snap[]>(['list'], { dataDir }),
      stop,
    };
    if (nut) {
      await waitFor('the agent to read the UPS as online', async () => {
        const s = await api<{ power: Array<{ level: string }> }>(world, 'getStatus');
        return s.power.some((p) => p.level === 'online');
      }, 60_000).catch((err: Error) => { throw new Error(`${err.message}; agent log: ${out.slice(-2000)}`); });
    }
    return world;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Calls the dashboard API directly (for the test's own checks and set-up). */
export async function api<T>(world: Pick<UiWorld, 'base' | 'token'>, call: string, args: unknown = {}): Promise<T> {
  const res = await fetch(`${world.base}/api/${call}`, { method: 'POST', headers: { Authorization: `Bearer ${world.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(args) });
  const body = await res.json() as T;
  if (!res.ok) throw new Error(`${call}: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/**
 * For a describe(): starts a UI world (agent, dashboard, database) and a browser before its tests, stops both
 * after. Read `world` and `browser` inside the tests (they are set once the suite's before() has run).
 */
export function uiSuite(opts: Parameters<typeof startUiWorld>[0] = {}): { readonly world: UiWorld; readonly browser: Chromium } {
  const s = {} as { world: UiWorld; browser: Chromium };
  before(async () => {
    s.world = await startUiWorld(opts);
    s.browser = await launchChromium();
  });
  after(async () => {
    await s.browser?.close();
    await s.world?.stop();
  });
  return s;
}
