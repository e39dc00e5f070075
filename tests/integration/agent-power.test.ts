// AGENT-POWER: the headless agent against a REAL upsd (NUT, dummy-ups driver) and an apcupsd NIS server:
// a power cut gives an emergency snapshot of what changed; low battery a final one; power back a source check.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createOfficeDb } from '../../src-main/core/sources/demo-office-db.ts';
import { cliJson, runCli, tempDir } from '../helpers/cli.ts';
import { agentStatus, events, startAgent, waitFor } from '../helpers/agent-process.ts';
import { nutSkipReason, startNutServer, type NutServer } from '../peers/nut-server.ts';
import { startNisServer } from '../peers/apcupsd-nis-server.ts';

interface Snap { id: string; source: string; reason: string; time: string }

function write(dbPath: string, note: string) {
  const db = new Database(dbPath);
  db.prepare('UPDATE customers SET notes = ? WHERE id = 1').run(note);
  db.close();
}

describe('agent and power', { skip: nutSkipReason() }, () => {
  const t = tempDir();
  const dbPath = path.join(t.dir, 'office.db');
  const docs = path.join(t.dir, 'docs');
  const dataDir = path.join(t.dir, 'data');
  let nut: NutServer;

  before(async () => {
    createOfficeDb(dbPath, { targetBytes: 4 << 20, seed: 41 });
    fs.mkdirSync(docs);
    fs.writeFileSync(path.join(docs, 'letter.txt'), 'unchanged');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(docs, 'letter.txt'), old, old);
    nut = await startNutServer();
    await cliJson(['source', 'add', '--name', 'office', '--sqlite', dbPath], { dataDir });
    await cliJson(['source', 'add', '--name', 'docs', '--folder', docs], { dataDir });
    await cliJson(['backup'], { dataDir });
    // With the account in the address: its password goes to the secret store, and the agent logs in with it.
    await cliJson(['ups', 'add', nut.url.replace('nut://', `nut://${nut.admin.user}:${nut.admin.password}@`)], { dataDir });
    assert.ok(!fs.readFileSync(path.join(dataDir, 'settings.json'), 'utf8').includes(nut.admin.password));
  });
  after(async () => {
    await nut?.stop();
    t.cleanup();
  });

  it('AGENT-01 on battery: an emergency snapshot of the changed source only, listed with reason power', async () => {
    const agent = startAgent(dataDir);
    try {
      // Generous: under a loaded CI the agent's start (and upsd's first answers) can take a while.
      await waitFor('the agent to see the UPS online', () => agentStatus(dataDir, agent.child.pid)?.power.some((p) => p.level === 'online'), 45_000)
        .catch((err: Error) => { throw new Error(`${err.message}; status: ${JSON.stringify(agentStatus(dataDir)?.power)}; agent log: ${agent.log().slice(-1500)}`); });
      write(dbPath, 'written just before the power cut');
      const before = await cliJson<Snap[]>(['list'], { dataDir });
      await nut.setStatus('OB DISCHRG');
      const power = await waitFor('a power snapshot', async () => (await cliJson<Snap[]>(['list'], { dataDir })).find((s) => s.reason === 'power'));
      assert.equal(power.source, 'office', 'the changed source is snapshotted');
      await waitFor('the emergency backup to finish', () => events(agent.log()).find((e) => e.event === 'emergency-backup'));
      const after = await cliJson<Snap[]>(['list'], { dataDir });
      assert.deepEqual(after.filter((s) => !before.some((b) => b.id === s.id)).map((s) => `${s.source}:${s.reason}`), ['office:power'], 'docs did not change: no snapshot');
      const st = await waitFor('a critical verdict', () => (agentStatus(dataDir, agent.child.pid)?.verdict.level === 'critical' ? agentStatus(dataDir, agent.child.pid) : undefined));
      assert.match(st.verdict.reasons[0]!.text, /battery/i);
      const status = await cliJson<{ verdict: { level: string }; agent: { pid: number } | null }>(['status'], { dataDir });
      assert.equal(status.verdict.level, 'critical');
      assert.ok(status.agent, 'status reads the running agent');

      // Low battery: a final snapshot of what changed since.
      write(dbPath, 'written on battery');
      await nut.setStatus('OB LB');
      const low = await waitFor('a final snapshot', async () => (await cliJson<Snap[]>(['list'], { dataDir })).find((s) => s.reason === 'power-low'));
      assert.equal(low.source, 'office');

      // Power back: every SQLite source is checked and reported.
      await nut.setStatus('OL');
      await waitFor('a source check after power returns', () => events(agent.log()).find((e) => e.event === 'source-check'));
      await waitFor('the verdict to leave critical', () => agentStatus(dataDir, agent.child.pid)?.verdict.level !== 'critical');
      const verify = await runCli(['verify', '--all'], { dataDir });
      assert.equal(verify.code, 0, verify.stdout);
    } finally {
      agent.child.kill('SIGTERM');
      assert.equal(await agent.exit, 0);
    }
  });

  it('AGENT-02 upsd stopped: the power state is unknown, shown as a warning, not as fine', async () => {
    const agent = startAgent(dataDir);
    try {
      // Generous, as in AGENT-01: under a loaded CI the agent's start can take a while (a run with eleven
      // heavy test files at once once missed 20 s).
      const explain = (err: Error) => { throw new Error(`${err.message}; status: ${JSON.stringify(agentStatus(dataDir)?.power)}; agent log: ${agent.log().slice(-1500)}`); };
      await waitFor('online', () => agentStatus(dataDir, agent.child.pid)?.power.some((p) => p.level === 'online'), 45_000).catch(explain);
      await nut.stop();
      const st = await waitFor('unknown power', () => (agentStatus(dataDir, agent.child.pid)?.power.some((p) => p.level === 'unknown') ? agentStatus(dataDir, agent.child.pid) : undefined), 45_000).catch(explain);
      assert.notEqual(st.verdict.level, 'ok');
      assert.ok(st.verdict.reasons.some((r) => /UPS/i.test(r.text) && r.code !== 'last-backup'), JSON.stringify(st.verdict.reasons));
    } finally {
      agent.child.kill('SIGTERM');
      const code = await agent.exit;
      await nut.stop(); // idempotent: stopped above, or not yet when the test failed early
      nut = await startNutServer({ port: nut.port }); // the next tests need it
      assert.equal(code, 0, agent.log().slice(-1500));
    }
  });

  it('AGENT-03 one agent per data dir; SIGTERM stops cleanly; after kill -9 the next start checks every source', async () => {
    const first = startAgent(dataDir);
    await waitFor('the first agent to start', () => events(first.log()).find((e) => e.event === 'started'));
    const second = await runCli(['agent'], { dataDir, timeoutMs: 20_000 });
    assert.notEqual(second.code, 0);
    assert.match(second.stderr, /another Lifeboat agent is already running/);
    assert.ok(!second.stderr.includes('    at '), 'no stack trace');
    first.child.kill('SIGKILL');
    await first.exit;
    assert.ok(fs.existsSync(path.join(dataDir, 'agent.running')), 'the marker stays after a crash');

    const next = startAgent(dataDir);
    try {
      await waitFor('an unclean-shutdown check', () => events(next.log()).find((e) => e.event === 'source-check'));
      assert.ok(events(next.log()).some((e) => e.event === 'unclean-shutdown'));
    } finally {
      next.child.kill('SIGINT');
      assert.equal(await next.exit, 0);
    }
    assert.equal(fs.existsSync(path.join(dataDir, 'agent.running')), false, 'a clean stop removes the marker');
  });
});

describe('agent and apcupsd', () => {
  it('AGENT-04 ONBATT from an apcupsd NIS server triggers the same emergency snapshot', async () => {
    const t = tempDir();
    const nis = await startNisServer({ status: 'ONLINE' });
    const dataDir = path.join(t.dir, 'data');
    const dbPath = path.join(t.dir, 'office.db');
    try {
      createOfficeDb(dbPath, { targetBytes: 2 << 20, seed: 42 });
      await cliJson(['source', 'add', '--name', 'office', '--sqlite', dbPath], { dataDir });
      await cliJson(['backup'], { dataDir });
      await cliJson(['ups', 'add', nis.url], { dataDir });
      const agent = startAgent(dataDir);
      try {
        await waitFor('online', () => agentStatus(dataDir, agent.child.pid)?.power.some((p) => p.level === 'online'));
        write(dbPath, 'before the cut');
        nis.setStatus('ONBATT', { slave: true });
        const snap = await waitFor('a power snapshot', async () => (await cliJson<Snap[]>(['list'], { dataDir })).find((s) => s.reason === 'power'));
        assert.equal(snap.source, 'office');
      } finally {
        agent.child.kill('SIGTERM');
        assert.equal(await agent.exit, 0);
      }
    } finally {
      await nis.stop();
      t.cleanup();
    }
  });
});

describe('agent watch mode', () => {
  it('AGENT-05 a watched SQLite source is snapshotted shortly after it changes (reason change)', async () => {
    const t = tempDir();
    const dataDir = path.join(t.dir, 'data');
    const dbPath = path.join(t.dir, 'office.db');
    try {
      createOfficeDb(dbPath, { targetBytes: 2 << 20, seed: 43 });
      await cliJson(['source', 'add', '--name', 'office', '--sqlite', dbPath, '--watch'], { dataDir });
      const settingsFile = path.join(dataDir, 'settings.json');
      const s = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
      fs.writeFileSync(settingsFile, JSON.stringify({ ...s, watchTiming: { quietSeconds: 1, minIntervalSeconds: 1 } }));
      await cliJson(['backup'], { dataDir });
      const agent = startAgent(dataDir);
      try {
        await waitFor('the agent to start', () => events(agent.log()).find((e) => e.event === 'started'));
        write(dbPath, 'changed while watched');
        const snap = await waitFor('a change snapshot', async () => (await cliJson<Snap[]>(['list'], { dataDir })).find((x) => x.reason === 'change'));
        assert.equal(snap.source, 'office');
      } finally {
        agent.child.kill('SIGTERM');
        assert.equal(await agent.exit, 0);
      }
    } finally {
      t.cleanup();
    }
  });
});
