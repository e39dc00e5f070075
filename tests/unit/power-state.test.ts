import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { combine, fromApcStatus, fromNutStatus, type PowerLevel, type PowerReading, type PowerState } from '../../src-main/core/power/power-state.ts';
import { NutClient, NutError, nutSourceName, parseNutUrl } from '../../src-main/core/power/nut-client.ts';
import { parseApcupsdUrl } from '../../src-main/core/power/apcupsd-client.ts';
import { powerSourceFromUrl } from '../../src-main/core/power/power-source-url.ts';
import { backoffDelay, DEFAULT_BACKOFF } from '../../src-main/core/power/ups-monitor.ts';
import { fromBattery, type BatteryFacts } from '../../src-main/core/power/os-battery.ts';
import { LifeboatError } from '../../src-main/core/errors.ts';

/** The level plus the numbers; detail is checked separately where its words matter. */
function levelAndNumbers(s: PowerState): Omit<PowerState, 'detail'> {
  const { detail: _detail, ...rest } = s;
  return rest;
}

test('fromNutStatus: ups.status flags to a level', () => {
  const table: [status: string, level: PowerLevel][] = [
    ['OL', 'online'],
    ['OL CHRG', 'online'],
    ['OL TRIM', 'online'],
    ['OL BOOST RB', 'online'],
    ['OL LB', 'online'], // mains back, battery recharging: upsmon does not call this critical either
    ['ol chrg', 'online'],
    ['  OL  ', 'online'],
    ['OB', 'on-battery'],
    ['OB DISCHRG', 'on-battery'],
    ['OL OB', 'on-battery'], // contradictory: the worse claim wins
    ['OB LB', 'low-battery'],
    ['OB DISCHRG LB', 'low-battery'],
    ['LB', 'low-battery'],
    ['FSD', 'low-battery'],
    ['FSD OB LB', 'low-battery'],
    ['FSD OL', 'low-battery'], // the primary is cutting the power whatever the mains does
    ['WAIT', 'unknown'],
    ['', 'unknown'],
    ['OFF', 'unknown'],
    ['CAL', 'unknown'],
  ];
  for (const [status, level] of table) assert.equal(fromNutStatus(status).level, level, `"${status}"`);
});

test('fromNutStatus: detail in words, numbers from LIST VAR', () => {
  assert.deepEqual(fromNutStatus('OB DISCHRG', { 'battery.charge': '87', 'battery.runtime': '1234' }),
    { level: 'on-battery', charge: 87, runtimeSeconds: 1234, detail: 'on battery, discharging' });
  assert.deepEqual(fromNutStatus('OL CHRG', { 'battery.charge': '99.5' }), { level: 'online', charge: 99.5, detail: 'on line, charging' });
  assert.deepEqual(levelAndNumbers(fromNutStatus('OL', { 'battery.charge': 'n/a', 'battery.runtime': '-1' })), { level: 'online' });
  assert.equal(fromNutStatus('WAIT').detail, 'upsd is waiting for its driver to report');
  assert.match(fromNutStatus('OFF').detail ?? '', /neither on line nor on battery/);
});

test('fromApcStatus: STATUS, with and without SLAVE, and STATFLAG as the fallback', () => {
  const table: [record: Record<string, string>, level: PowerLevel][] = [
    [{ STATUS: 'ONLINE' }, 'online'],
    [{ STATUS: 'ONLINE ' }, 'online'],
    [{ STATUS: 'ONLINE SLAVE' }, 'online'],
    [{ STATUS: 'TRIM ONLINE' }, 'online'],
    [{ STATUS: 'ONLINE REPLACEBATT' }, 'online'],
    [{ STATUS: 'ONBATT' }, 'on-battery'],
    [{ STATUS: 'ONBATT SLAVE' }, 'on-battery'],
    [{ STATUS: 'ONBATT LOWBATT' }, 'low-battery'],
    [{ STATUS: 'ONBATT LOWBATT SLAVE' }, 'low-battery'],
    [{ STATUS: 'SHUTTING DOWN' }, 'low-battery'],
    [{ STATUS: 'COMMLOST' }, 'unknown'],
    [{ STATUS: 'ONLINE SLAVE SLAVEDOWN' }, 'unknown'],
    [{ STATFLAG: '0x05000008' }, 'online'],
    [{ STATFLAG: '0x05000010' }, 'on-battery'],
    [{ STATFLAG: '0x05000050' }, 'low-battery'],
    [{ STATFLAG: '0x05000408' }, 'online'], // slave bit
    [{ STATFLAG: '0x05000100' }, 'unknown'], // commlost
    [{ STATFLAG: '0x05000210' }, 'low-battery'], // shutting down
    [{ STATUS: 'CAL', STATFLAG: '0x05000009' }, 'online'], // STATUS says neither: the flags decide
    [{ STATUS: 'ONLINE', STATFLAG: '0x05000010' }, 'online'], // STATUS first
    [{ STATFLAG: 'garbage' }, 'unknown'],
    [{}, 'unknown'],
  ];
  for (const [record, level] of table) assert.equal(fromApcStatus(record).level, level, JSON.stringify(record));
});

test('fromApcStatus: BCHARGE percent and TIMELEFT minutes', () => {
  assert.deepEqual(levelAndNumbers(fromApcStatus({ STATUS: 'ONBATT', BCHARGE: '084.0 Percent', TIMELEFT: ' 24.5 Minutes' })),
    { level: 'on-battery', charge: 84, runtimeSeconds: 1470 });
  assert.deepEqual(levelAndNumbers(fromApcStatus({ STATUS: 'ONLINE', BCHARGE: '100.0 Percent', TIMELEFT: '30.0 Minutes' })),
    { level: 'online', charge: 100, runtimeSeconds: 1800 });
  assert.deepEqual(levelAndNumbers(fromApcStatus({ STATUS: 'ONLINE', BCHARGE: 'N/A' })), { level: 'online' });
  assert.match(fromApcStatus({ STATUS: 'COMMLOST' }).detail ?? '', /lost contact/);
});

function reading(source: string, level: PowerLevel): PowerReading {
  return { level, source, at: '2026-11-21T10:00:00.000Z', detail: `${source} says ${level}` };
}

test('combine: the worst known level wins; unknown only when nobody knows', () => {
  const table: [name: string, readings: PowerReading[], level: PowerLevel, source: string][] = [
    ['nothing configured', [], 'unknown', 'none'],
    ['one online', [reading('a', 'online')], 'online', 'a'],
    ['one unknown', [reading('a', 'unknown')], 'unknown', 'a'],
    ['unknown does not hide a known online', [reading('a', 'unknown'), reading('b', 'online')], 'online', 'b'],
    ['on battery beats online', [reading('a', 'online'), reading('b', 'on-battery')], 'on-battery', 'b'],
    ['low battery beats on battery', [reading('a', 'low-battery'), reading('b', 'on-battery'), reading('c', 'unknown')], 'low-battery', 'a'],
    ['ties: the first', [reading('a', 'on-battery'), reading('b', 'on-battery')], 'on-battery', 'a'],
    ['all unknown: the first, with its reason', [reading('a', 'unknown'), reading('b', 'unknown')], 'unknown', 'a'],
  ];
  for (const [name, readings, level, source] of table) {
    const got = combine(readings);
    assert.equal(got.level, level, name);
    assert.equal(got.source, source, name);
  }
  assert.equal(combine([]).detail, 'no power source is configured');
});

test('parseNutUrl: good addresses', () => {
  assert.deepEqual(parseNutUrl('nut://127.0.0.1/ups'), { host: '127.0.0.1', port: 3493, ups: 'ups' });
  assert.deepEqual(parseNutUrl('nut://nas.local:3500/apc-1'), { host: 'nas.local', port: 3500, ups: 'apc-1' });
  assert.deepEqual(parseNutUrl('nut://monuser:s3cret@10.0.0.2/office'), { host: '10.0.0.2', port: 3493, ups: 'office', username: 'monuser', password: 's3cret' });
  assert.deepEqual(parseNutUrl('nut://mon%20user:p%40ss%3Aword@h/u'), { host: 'h', port: 3493, ups: 'u', username: 'mon user', password: 'p@ss:word' });
  assert.deepEqual(parseNutUrl('nut://watcher@h/u'), { host: 'h', port: 3493, ups: 'u', username: 'watcher' });
  assert.deepEqual(parseNutUrl(' nut://[::1]:3493/ups '), { host: '::1', port: 3493, ups: 'ups' });
  assert.equal(nutSourceName(parseNutUrl('nut://u:secret@[::1]/ups')), 'nut://[::1]:3493/ups');
});

test('parseNutUrl and parseApcupsdUrl: bad addresses give bad-input errors that say why and hide passwords', () => {
  const table: [parse: (url: string) => unknown, url: string, why: RegExp][] = [
    [parseNutUrl, 'not a url', /not a URL/],
    [parseNutUrl, 'http://host/ups', /scheme must be nut:\/\//],
    [parseNutUrl, 'nut://host', /no UPS name/],
    [parseNutUrl, 'nut://host/', /no UPS name/],
    [parseNutUrl, 'nut://host:99999/ups', /not a URL|port/],
    [parseNutUrl, 'nut://host:0/ups', /port must be 1-65535/],
    [parseNutUrl, 'nut://host/a/b', /not a UPS name/],
    [parseNutUrl, 'nut://host/ups?x=1', /query/],
    [parseNutUrl, 'nut://host/ups#x', /fragment/],
    [parseNutUrl, 'nut://:pw@host/ups', /password needs a user name/],
    [parseNutUrl, 'nut://u%0AUSERNAME%20x@host/ups', /control characters/],
    [parseNutUrl, 'nut://u:%E0%A4%A@host/ups', /percent-encoding/],
    [parseApcupsdUrl, 'apcupsd://u@host', /no user names/],
    [parseApcupsdUrl, 'apcupsd://host/ups', /nothing may follow/],
    [parseApcupsdUrl, 'apcupsd://host:70000', /not a URL|port/],
    [parseApcupsdUrl, 'nut://host/ups', /scheme must be apcupsd/],
  ];
  for (const [parse, url, why] of table) {
    assert.throws(() => parse(url), (err: unknown) => {
      assert.ok(err instanceof LifeboatError, url);
      assert.equal(err.code, 'bad-input', url);
      assert.match(err.message, why, url);
      return true;
    });
  }
  assert.throws(() => parseNutUrl('nut://admin:hunter2@host'), (err: Error) => !err.message.includes('hunter2') && /no UPS name/.test(err.message));
  assert.throws(() => parseNutUrl('nut://admin:hunter2@host?x'), (err: Error) => !err.message.includes('hunter2') && err.message.includes('admin:***@'));
});

test('parseApcupsdUrl: good addresses', () => {
  assert.deepEqual(parseApcupsdUrl('apcupsd://10.0.0.5'), { host: '10.0.0.5', port: 3551 });
  assert.deepEqual(parseApcupsdUrl('apcupsd://ups-box:3552/'), { host: 'ups-box', port: 3552 });
});

test('powerSourceFromUrl: picks the protocol by scheme and names the source without credentials', () => {
  assert.equal(powerSourceFromUrl('nut://a:b@127.0.0.1/ups').name, 'nut://127.0.0.1:3493/ups');
  assert.equal(powerSourceFromUrl('apcupsd://127.0.0.1').name, 'apcupsd://127.0.0.1:3551');
  assert.throws(() => powerSourceFromUrl('snmp://u:pw@127.0.0.1/ups'), (err: Error) => /use nut:\/\//.test(err.message) && !err.message.includes('pw'));
});

test('backoffDelay: exponential, capped, jittered down by at most the jitter fraction', () => {
  const none = (): number => 0;
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 10, 100].map((n) => backoffDelay(n, DEFAULT_BACKOFF, none)), [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000, 15000]);
  assert.equal(backoffDelay(2, DEFAULT_BACKOFF, () => 0.5), 1500);
  for (let i = 0; i < 200; i++) {
    const d = backoffDelay(3, DEFAULT_BACKOFF);
    assert.ok(d >= 2000 && d <= 4000, String(d));
  }
  assert.equal(backoffDelay(3, { initialMs: 100, maxMs: 250, factor: 2, jitter: 0 }), 250);
});

test('fromBattery: systeminformation battery facts to a level', () => {
  const base: BatteryFacts = { hasBattery: true, isCharging: false, acConnected: true, percent: 80, timeRemaining: null };
  const table: [name: string, facts: Partial<BatteryFacts>, level: PowerLevel, detail?: RegExp][] = [
    ['no battery (a desktop)', { hasBattery: false, acConnected: true }, 'unknown', /^no battery$/],
    ['on mains, full', {}, 'online', /on mains/],
    ['charging', { isCharging: true, acConnected: false, percent: 5 }, 'online', /charging/],
    ['unplugged', { acConnected: false }, 'on-battery', /80% left/],
    ['unplugged, low', { acConnected: false, percent: 12 }, 'low-battery'],
    ['unplugged, exactly the threshold', { acConnected: false, percent: 20 }, 'on-battery'],
    ['on mains, low charge', { percent: 3 }, 'online'],
  ];
  for (const [name, facts, level, detail] of table) {
    const got = fromBattery({ ...base, ...facts });
    assert.equal(got.level, level, name);
    if (detail) assert.match(got.detail ?? '', detail, name);
  }
  assert.equal(fromBattery({ ...base, acConnected: false, percent: 30 }, { lowPercent: 50 }).level, 'low-battery');
  assert.deepEqual(fromBattery({ ...base, acConnected: false, percent: 55, timeRemaining: 42 }),
    { level: 'on-battery', charge: 55, runtimeSeconds: 2520, detail: 'on battery, 55% left' });
});

/**
 * A scripted upsd for what a real one will not easily say (ACCESS-DENIED without LOGIN, DATA-STALE, quoted
 * values), answering each request line from `answers` and writing in 3-byte pieces to exercise line splitting.
 */
async function scriptedUpsd(answers: (request: string) => string): Promise<{ port: number; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        seen.push(line);
        const out = answers(line);
        for (let i = 0; i < out.length; i += 3) socket.write(out.slice(i, i + 3));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    seen,
    close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

test('NutClient: quoted credentials, escaped values, ERR codes as clear errors, stale data as unknown', async () => {
  let mode = 'ok';
  const upsd = await scriptedUpsd((line) => {
    if (line.startsWith('USERNAME') || line.startsWith('PASSWORD')) return mode === 'badpass' && line.startsWith('PASSWORD') ? 'ERR INVALID-PASSWORD\n' : 'OK\n';
    if (mode === 'denied') return 'ERR ACCESS-DENIED\n';
    if (mode === 'stale') return 'ERR DATA-STALE\n';
    if (line === 'LIST VAR ups') {
      return 'BEGIN LIST VAR ups\nVAR ups ups.status "OB DISCHRG"\nVAR ups battery.charge "61"\nVAR ups ups.model "Smart \\"1500\\" \\\\ RM"\nEND LIST VAR ups\n';
    }
    return 'ERR UNKNOWN-COMMAND\n';
  });
  const target = { host: '127.0.0.1', port: upsd.port, ups: 'ups', username: 'mon user', password: 'p "w\\' };
  try {
    const client = await NutClient.connect(target);
    assert.deepEqual(upsd.seen, ['USERNAME "mon user"', 'PASSWORD "p \\"w\\\\"']);
    assert.deepEqual(await client.read(), { level: 'on-battery', charge: 61, detail: 'on battery, discharging' });
    assert.equal((await client.listVars())['ups.model'], 'Smart "1500" \\ RM');

    mode = 'stale';
    assert.deepEqual(await client.read(), { level: 'unknown', detail: `the driver for "ups" on upsd at 127.0.0.1:${upsd.port} has stale data (it has lost the UPS)` });
    mode = 'denied';
    await assert.rejects(client.read(), (err: unknown) => err instanceof NutError && err.code === 'permission' && /denied access: check the user name and password/.test(err.message));
    client.close();
    client.close();
    await assert.rejects(client.read(), /was closed/);

    mode = 'badpass';
    await assert.rejects(NutClient.connect(target), (err: Error) => /refused the login \(INVALID-PASSWORD\)/.test(err.message) && !err.message.includes('p "w'));
  } finally {
    await upsd.close();
  }
});
