// Unit tests of the UI's pure logic (no browser): the SSE parser the HTTP transport reads events with, the
// relative times, the grouping of snapshots by source and day, the chart geometry, the hash routes, and how
// errors from either transport become the contract's ApiError.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSseParser } from '../../src-renderer/api/sse-parser.ts';
import { TransportError, toUiError } from '../../src-renderer/api/transport-error.ts';
import { relativeTime } from '../../src-renderer/app/relative-time.ts';
import { formatBytes, formatDuration } from '../../src-renderer/app/format.ts';
import { routeOf } from '../../src-renderer/app/routes.ts';
import { groupSnapshots } from '../../src-renderer/restore/group-snapshots.ts';
import { chartPoints, niceMax, niceMaxBytes } from '../../src-renderer/history/chart-geometry.ts';
import { ApiError, type Snapshot } from '../../src-shared/contract.ts';

describe('SSE parser', () => {
  it('dispatches events split across chunks anywhere, with CRLF, comments and multi-line data', () => {
    const text = ': connected\r\n\r\nevent: status\r\ndata: {"a":1}\r\n\r\nevent: progress\ndata: line1\ndata: line2\n\n: keep-alive\n\ndata: plain\n\n';
    // Every split point, including inside "\r\n", gives the same events.
    for (let cut = 0; cut <= text.length; cut++) {
      const feed = createSseParser();
      const got = [...feed(text.slice(0, cut)), ...feed(text.slice(cut))];
      assert.deepEqual(got, [
        { event: 'status', data: '{"a":1}' },
        { event: 'progress', data: 'line1\nline2' },
        { event: 'message', data: 'plain' },
      ], `cut at ${cut}`);
    }
  });
  it('holds an unfinished block until its blank line arrives', () => {
    const feed = createSseParser();
    assert.deepEqual(feed('event: notice\ndata: {"x":'), []);
    assert.deepEqual(feed('2}\n'), []);
    assert.deepEqual(feed('\n'), [{ event: 'notice', data: '{"x":2}' }]);
  });
});

describe('relative times', () => {
  const now = Date.parse('2026-11-22T12:00:00Z');
  const at = (ms: number) => new Date(now + ms).toISOString();
  const table: Array<[number, string]> = [
    [-10_000, 'just now'], [-80_000, '1 min ago'], [-3 * 60_000, '3 min ago'], [-59 * 60_000, '59 min ago'],
    [-2 * 3600_000, '2 h ago'], [-30 * 3600_000, '30 h ago'], [-40 * 3600_000, '2 days ago'], [-9 * 86_400_000, '9 days ago'],
    [20_000, 'in a moment'], [5 * 60_000, 'in 5 min'], [3 * 3600_000, 'in 3 h'],
  ];
  for (const [offset, words] of table) it(`${offset} ms → "${words}"`, () => assert.equal(relativeTime(at(offset), now), words));
  it('an unparsable time says so', () => assert.equal(relativeTime('not a time', now), 'unknown time'));
});

describe('formats', () => {
  it('bytes and durations', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(2105344), '2.0 MB');
    assert.equal(formatBytes(150 * 1024 ** 3), '150 GB');
    assert.equal(formatDuration(850), '850 ms');
    assert.equal(formatDuration(12_300), '12 s');
    assert.equal(formatDuration(245_000), '4 min 5 s');
  });
});

describe('routes', () => {
  it('maps hashes to screens; anything unknown is the status page', () => {
    assert.equal(routeOf('#/restore'), 'restore');
    assert.equal(routeOf('#/history?op=backup'), 'history');
    assert.equal(routeOf('#settings'), 'settings');
    assert.equal(routeOf(''), 'status');
    assert.equal(routeOf('#/nowhere'), 'status');
  });
});

describe('snapshots grouped by source and day', () => {
  const snap = (id: string, source: string, time: string): Snapshot => ({ id, source, kind: 'sqlite', time, reason: 'manual', size: 1, bytesAdded: 0, verified: null, verifiedAt: null, damaged: null });
  it('sources by name, days newest first, snapshots newest first; Today and Yesterday by local date', () => {
    const prevTz = process.env.TZ;
    process.env.TZ = 'UTC';
    try {
      const now = Date.parse('2026-11-22T12:00:00Z');
      const groups = groupSnapshots([
        snap('a1', 'office', '2026-11-21T09:00:00Z'),
        snap('a2', 'office', '2026-11-22T08:00:00Z'),
        snap('a3', 'office', '2026-11-22T11:00:00Z'),
        snap('d1', 'docs', '2026-11-10T10:00:00Z'),
        snap('x', 'office', 'garbage'),
      ], now);
      assert.deepEqual(groups.map((g) => g.source), ['docs', 'office']);
      const office = groups[1]!;
      assert.deepEqual(office.days.map((d) => [d.label, d.snapshots.map((s) => s.id)]), [['Today', ['a3', 'a2']], ['Yesterday', ['a1']], ['Unknown date', ['x']]]);
      assert.match(groups[0]!.days[0]!.label, /10/);
    } finally {
      if (prevTz === undefined) delete process.env.TZ;
      else process.env.TZ = prevTz;
    }
  });
});

describe('chart geometry', () => {
  it('a nice top of scale', () => {
    assert.deepEqual([0, 0.7, 1, 3, 2400, 2_105_344, 8000].map(niceMax), [1, 1, 1, 5, 2500, 2_500_000, 10_000]);
    // Bytes: nice in the unit shown (96 MB → 100 MB, 2 MB → 2 MB, 700 B → 1000 B).
    assert.deepEqual([96 * 2 ** 20, 2_105_344, 700].map(niceMaxBytes), [100 * 2 ** 20, 2.5 * 2 ** 20, 1000]);
  });
  it('points by time across the box, 0 at the bottom and the top of scale at the top', () => {
    const box = { width: 100, height: 50, left: 10, right: 10, top: 5, bottom: 5 };
    const pts = chartPoints([{ time: 300, value: 10 }, { time: 100, value: 0 }, { time: 200, value: 5 }], box, 10);
    assert.deepEqual(pts.map((p) => [p.x, p.y, p.time]), [[10, 45, 100], [50, 25, 200], [90, 5, 300]]);
    assert.deepEqual(chartPoints([{ time: 5, value: 1 }], box, 2).map((p) => [p.x, p.y]), [[50, 25]], 'one point sits in the middle');
    assert.deepEqual(chartPoints([], box, 1), []);
  });
});

describe('errors from either transport', () => {
  it('keeps ApiError and TransportError, rebuilds an IPC-flattened ApiError, and never passes a stack on', () => {
    const api = new ApiError({ code: 'busy', message: 'a backup is running' });
    assert.equal(toUiError(api), api);
    const t = new TransportError();
    assert.equal(toUiError(t), t);
    const fromIpc = toUiError({ code: 'bad-input', message: "Error invoking remote method 'restore': Error: to: a path is needed", fields: [{ path: 'to', message: 'a path is needed' }] });
    assert.ok(fromIpc instanceof ApiError);
    assert.equal(fromIpc.code, 'bad-input');
    assert.equal(fromIpc.message, 'to: a path is needed');
    assert.deepEqual((fromIpc as ApiError).fields, [{ path: 'to', message: 'a path is needed' }]);
    const plain = toUiError(new TypeError('x is undefined'));
    assert.ok(plain instanceof ApiError && plain.code === 'failed' && plain.message === 'x is undefined');
    assert.equal(toUiError(42).message, 'Something went wrong.');
  });
});
