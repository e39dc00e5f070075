import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureLimiter, allowedHosts, checkHostOrigin, tokenMatches } from '../../src-main/dashboard/dashboard-guard.ts';

const hosts = allowedHosts('127.0.0.1', 8770);

test('Host and Origin: only the dashboard\'s own address passes (DNS rebinding, foreign pages)', () => {
  const cases: Array<[string | undefined, string | undefined, number | 'ok']> = [
    ['127.0.0.1:8770', undefined, 'ok'],
    ['localhost:8770', 'http://localhost:8770', 'ok'],
    ['LOCALHOST:8770', undefined, 'ok'],
    ['127.0.0.1:8770', 'http://127.0.0.1:8770', 'ok'],
    [undefined, undefined, 421],
    ['127.0.0.1', undefined, 421],
    ['127.0.0.1:8771', undefined, 421],
    ['attacker.example:8770', undefined, 421],
    ['127.0.0.1.attacker.example:8770', undefined, 421],
    ['127.0.0.1:8770', 'http://attacker.example', 403],
    ['127.0.0.1:8770', 'https://127.0.0.1:8770', 403],
    ['127.0.0.1:8770', 'http://127.0.0.1:8770.attacker.example', 403],
    ['127.0.0.1:8770', 'null', 403],
  ];
  for (const [host, origin, want] of cases) {
    const r = checkHostOrigin(host, origin, hosts);
    assert.equal(r.ok ? 'ok' : r.status, want, `${host} ${origin}`);
  }
  assert.deepEqual(allowedHosts('192.168.1.5', 9000), ['192.168.1.5:9000'], 'a configured LAN address answers only to itself');
});

test('tokens compare whole, in constant time', () => {
  assert.equal(tokenMatches('abc', 'abc'), true);
  assert.equal(tokenMatches('abcd', 'abc'), false);
  assert.equal(tokenMatches('', 'abc'), false);
  assert.equal(tokenMatches(undefined, 'abc'), false);
});

test('failed attempts: the 10th failure in a minute locks that address out until the window passes', () => {
  let now = 0;
  const l = new FailureLimiter({ max: 10, windowMs: 60_000, now: () => now });
  for (let i = 0; i < 9; i++) l.fail('10.0.0.1');
  assert.equal(l.blocked('10.0.0.1'), false);
  l.fail('10.0.0.1');
  assert.equal(l.blocked('10.0.0.1'), true);
  assert.equal(l.blocked('10.0.0.2'), false, 'another address is not affected');
  now = 59_999;
  assert.equal(l.blocked('10.0.0.1'), true);
  now = 60_001;
  assert.equal(l.blocked('10.0.0.1'), false);
});

test('bound to every address (0.0.0.0), the dashboard answers to loopback and its own addresses only', () => {
  const hosts = allowedHosts('0.0.0.0', 8770, ['127.0.0.1', '192.168.1.20', 'fe80::1']);
  for (const ok of ['192.168.1.20:8770', '127.0.0.1:8770', 'localhost:8770', '[fe80::1]:8770']) assert.ok(hosts.includes(ok), ok);
  for (const bad of ['0.0.0.0:8770', 'attacker.example:8770', '192.168.1.21:8770']) assert.ok(!hosts.includes(bad), bad);
});
