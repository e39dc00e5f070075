// A target's own host and port, watched with a real TCP listener that goes away and comes back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { ReachabilityMonitor } from '../../src-main/core/network/reachability.ts';

async function listen(port = 0): Promise<net.Server> {
  const server = net.createServer((s) => s.end());
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

test('reports unreachable when the server goes away and reachable again when it returns', async () => {
  let server = await listen();
  const port = (server.address() as net.AddressInfo).port;
  const m = new ReachabilityMonitor('127.0.0.1', port, { intervalMs: 100, backoff: { initialMs: 50, maxMs: 200 } });
  const firstUp = once(m, 'reachable');
  m.start();
  await firstUp;
  assert.equal(m.reachable, true);

  const down = once(m, 'unreachable');
  await new Promise<void>((r) => server.close(() => r()));
  const [reason] = await down;
  assert.match(String(reason), /127\.0\.0\.1:\d+ \(connection refused\)/);
  assert.equal(m.reachable, false);

  const back = once(m, 'reachable');
  server = await listen(port);
  await back;
  assert.equal(await m.check(), true);
  m.stop();
  await new Promise<void>((r) => server.close(() => r()));
});

test('a custom probe decides (the protocol\'s cheapest request)', async () => {
  let answer = false;
  const m = new ReachabilityMonitor('example.invalid', 1, { probe: async () => { if (!answer) throw new Error('HTTP 503'); } });
  assert.equal(await m.check(), false);
  answer = true;
  assert.equal(await m.check(), true);
});
