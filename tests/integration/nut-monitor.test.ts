// The NUT power source against a real upsd with the dummy-ups driver (tests/peers/nut-server.ts).
// Skipped locally without upsd (the skip message names the Debian packages); under CI=true it must run.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNutServer, nutSkipReason, type NutServer } from '../peers/nut-server.ts';
import { UpsMonitor } from '../../src-main/core/power/ups-monitor.ts';
import { NutClient, NutError, parseNutUrl } from '../../src-main/core/power/nut-client.ts';
import type { PowerLevel } from '../../src-main/core/power/power-state.ts';
import { waitForLevel as waitForLevelOf } from '../helpers/power-wait.ts';

/** Fast polling so the flows take seconds; the backoff cap is low so a restarted upsd is found quickly. */
const FAST = { intervalMs: 200, timeoutMs: 1000, backoff: { initialMs: 100, maxMs: 400 } };

const waitForLevel = (m: UpsMonitor, level: PowerLevel, timeoutMs = 5000) => waitForLevelOf(m, level, timeoutMs);

describe('NUT: a real upsd with dummy-ups', { skip: nutSkipReason() }, () => {
  let server: NutServer;
  const monitors: UpsMonitor[] = [];
  const monitor = (url: string, options = FAST): UpsMonitor => {
    const m = new UpsMonitor(url, options);
    monitors.push(m);
    m.start();
    return m;
  };

  before(async () => { server = await startNutServer(); });
  after(async () => {
    for (const m of monitors) await m.stop();
    await server?.stop();
  });

  test('OL reads as online, with charge, runtime and the source', async () => {
    const m = monitor(server.url);
    const r = await waitForLevel(m, 'online', 3000);
    assert.equal(r.source, `nut://127.0.0.1:${server.port}/ups`);
    assert.equal(r.charge, 100);
    assert.equal(r.runtimeSeconds, 1800);
    assert.equal(r.detail, 'on line');
    await m.stop();
  });

  test('OB DISCHRG -> on-battery, OB LB -> low-battery, OL -> online; change fires only when the level changes', async (t) => {
    const m = monitor(server.url);
    await waitForLevel(m, 'online', 3000);
    const changes: PowerLevel[] = [];
    m.on('change', (r) => changes.push(r.level));

    let t0 = performance.now();
    await server.setStatus('OB DISCHRG');
    const ob = await waitForLevel(m, 'on-battery');
    t.diagnostic(`OB DISCHRG -> on-battery change after ${Math.round(performance.now() - t0)} ms (poll every ${FAST.intervalMs} ms)`);
    assert.equal(ob.detail, 'on battery, discharging');

    await server.setStatus('OB'); // same level, other flags: a reading but no change
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(m.current?.detail, 'on battery');

    t0 = performance.now();
    await server.setStatus('OB LB');
    await waitForLevel(m, 'low-battery');
    t.diagnostic(`OB LB -> low-battery change after ${Math.round(performance.now() - t0)} ms`);

    await server.setStatus('OL');
    await waitForLevel(m, 'online');
    assert.deepEqual(changes, ['on-battery', 'low-battery', 'online']);
    await m.stop();
    await m.stop(); // idempotent
  });

  test('a user name and password in the address are sent and accepted', async () => {
    const { user, password } = server.admin;
    const url = `nut://${user}:${encodeURIComponent(password)}@127.0.0.1:${server.port}/ups`;
    const client = await NutClient.connect(parseNutUrl(url));
    try {
      assert.equal((await client.read()).level, 'online');
      assert.equal(await client.getVar('battery.charge'), '100');
    } finally {
      client.close();
    }
  });

  test('an unknown UPS name gives a clear error, and the monitor shows it as the reason for unknown', async () => {
    const client = await NutClient.connect(parseNutUrl(`nut://127.0.0.1:${server.port}/nosuchups`));
    try {
      await assert.rejects(client.read(), (err: unknown) => {
        assert.ok(err instanceof NutError);
        assert.equal(err.nutCode, 'UNKNOWN-UPS');
        assert.equal(err.code, 'not-found');
        assert.match(err.message, /^upsd at 127\.0\.0\.1:\d+ has no UPS named "nosuchups"/);
        return true;
      });
    } finally {
      client.close();
    }
    const m = monitor(`nut://127.0.0.1:${server.port}/nosuchups`);
    const r = await waitForLevel(m, 'unknown', 3000);
    assert.match(r.detail ?? '', /has no UPS named "nosuchups"/);
    await m.stop();
  });

  test('upsd stopped -> unknown with the reason; upsd started again on the same port -> a real reading (reconnect)', async (t) => {
    const m = monitor(server.url);
    await waitForLevel(m, 'online', 3000);
    const port = server.port;
    const seen: string[] = [];
    m.on('reading', (r) => {
      const line = `${r.level}: ${r.detail}`;
      if (seen.at(-1) !== line) seen.push(line);
    });

    await server.stop();
    const down = await waitForLevel(m, 'unknown', 3000);
    assert.match(down.detail ?? '', new RegExp(`^upsd not answering at 127\\.0\\.0\\.1:${port} `));

    server = await startNutServer({ port, status: 'OB DISCHRG' });
    const back = await waitForLevel(m, 'on-battery', 5000);
    assert.equal(back.source, `nut://127.0.0.1:${port}/ups`);
    t.diagnostic(`readings: ${seen.join(' | ')}`);
    await m.stop();
    // Stopped monitors hold no socket, so nothing keeps the process alive (a destroyed socket's handle is
    // released a turn or two of the event loop later).
    const tcp = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    for (let i = 0; i < 50 && tcp() > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(tcp(), 0);
  });
});
