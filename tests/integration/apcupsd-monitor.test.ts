// The apcupsd power source against a NIS server speaking apcupsd's wire format (tests/peers/apcupsd-nis-server.ts).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startNisServer, type NisServer } from '../peers/apcupsd-nis-server.ts';
import { UpsMonitor } from '../../src-main/core/power/ups-monitor.ts';
import { ApcupsdClient, parseApcupsdUrl } from '../../src-main/core/power/apcupsd-client.ts';
import type { PowerLevel, PowerReading } from '../../src-main/core/power/power-state.ts';
import { waitForLevel as waitForLevelOf } from '../helpers/power-wait.ts';

const FAST = { intervalMs: 100, timeoutMs: 1000, backoff: { initialMs: 50, maxMs: 200 } };

const waitForLevel = (m: UpsMonitor, level: PowerLevel, timeoutMs = 3000) => waitForLevelOf(m, level, timeoutMs);

describe('apcupsd: the NIS protocol', () => {
  let server: NisServer;
  let m: UpsMonitor;

  before(async () => {
    server = await startNisServer();
    m = new UpsMonitor(server.url, FAST);
    m.start();
  });
  after(async () => {
    await m?.stop();
    await server?.stop();
  });

  test('the raw status answer: every record, keys and values trimmed', async () => {
    const client = await ApcupsdClient.connect(parseApcupsdUrl(server.url));
    try {
      const record = await client.status();
      assert.equal(record.STATUS, 'ONLINE');
      assert.equal(record.STATFLAG, '0x05000008');
      assert.equal(record.BCHARGE, '100.0 Percent');
      assert.equal(record['END APC']?.length, 25);
      assert.equal((await client.status()).STATUS, 'ONLINE', 'a second request on the same connection');
    } finally {
      client.close();
    }
  });

  test('ONLINE -> online with charge, runtime and the source', async () => {
    const r = await waitForLevel(m, 'online');
    assert.equal(r.source, `apcupsd://127.0.0.1:${server.port}`);
    assert.equal(r.charge, 100);
    assert.equal(r.runtimeSeconds, 1800);
    assert.equal(r.detail, 'apcupsd status "ONLINE"');
  });

  test('ONBATT -> on-battery, ONBATT LOWBATT -> low-battery, ONLINE -> online, over one kept-open connection', async () => {
    const changes: PowerLevel[] = [];
    const onChange = (r: PowerReading): void => { changes.push(r.level); };
    m.on('change', onChange);
    const before = server.stats();

    server.setStatus('ONBATT');
    const ob = await waitForLevel(m, 'on-battery');
    assert.equal(ob.charge, 84);
    assert.equal(ob.runtimeSeconds, 1470);
    server.setStatus('ONBATT LOWBATT');
    const lb = await waitForLevel(m, 'low-battery');
    assert.equal(lb.charge, 9);
    server.setStatus('ONLINE');
    await waitForLevel(m, 'online');

    m.off('change', onChange);
    assert.deepEqual(changes, ['on-battery', 'low-battery', 'online']);
    const after = server.stats();
    assert.ok(after.requests - before.requests >= 3, JSON.stringify({ before, after }));
    assert.equal(after.connections, before.connections, 'no reconnects while the server is up');
  });

  test('a networked apcupsd (" SLAVE" suffix) reads the same', async () => {
    server.setStatus('ONBATT', { slave: true });
    const ob = await waitForLevel(m, 'on-battery');
    assert.equal(ob.detail, 'apcupsd status "ONBATT SLAVE"');
    server.setStatus('ONBATT LOWBATT', { slave: true });
    await waitForLevel(m, 'low-battery');
    server.setStatus('ONLINE', { slave: true });
    const ol = await waitForLevel(m, 'online');
    assert.equal(ol.detail, 'apcupsd status "ONLINE SLAVE"');
  });

  test('server gone -> unknown with the reason; back on the same port -> a real reading again', async () => {
    const port = server.port;
    await server.stop();
    const down = await waitForLevel(m, 'unknown');
    assert.match(down.detail ?? '', new RegExp(`^apcupsd not answering at 127\\.0\\.0\\.1:${port} \\(`));

    server = await startNisServer({ port, status: 'ONBATT' });
    await waitForLevel(m, 'on-battery');
  });

  test('a server that accepts but never answers -> unknown after the request timeout', async () => {
    const held = new Set<net.Socket>();
    const silent = net.createServer((socket) => { held.add(socket); });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const quiet = new UpsMonitor(`apcupsd://127.0.0.1:${port}`, { ...FAST, timeoutMs: 300 });
    try {
      quiet.start();
      const r = await waitForLevel(quiet, 'unknown');
      assert.equal(r.detail, `apcupsd not answering at 127.0.0.1:${port} (no answer within 300 ms)`);
    } finally {
      await quiet.stop();
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test('stop() is idempotent and leaves no socket behind', async () => {
    await m.stop();
    await m.stop();
    await server.stop();
    const tcp = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap').length;
    for (let i = 0; i < 50 && tcp() > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(tcp(), 0);
  });
});
