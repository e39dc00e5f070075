// UI-04: the dashboard's guards, with plain HTTP against a real agent: no token 401, a foreign Origin 403, a
// wrong Host refused, too many wrong tokens 429 (never the right one); the static UI needs no token and carries the strict CSP.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startUiWorld, type UiWorld } from './ui-fixture.ts';

function rawRequest(port: number, opts: { path: string; method?: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: opts.path, method: opts.method ?? 'POST', headers: opts.headers, setHost: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('UI-04 dashboard security', { timeout: 120_000 }, () => {
  let world: UiWorld;
  before(async () => {
    world = await startUiWorld();
  });
  after(async () => {
    await world?.stop();
  });

  it('UI-04 token, Origin, Host and the failed-token limit are enforced', async () => {
    const call = (headers: Record<string, string>) => fetch(`${world.base}/api/getStatus`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: '{}' });
    const good = await call({ Authorization: `Bearer ${world.token}` });
    assert.equal(good.status, 200, 'the right token works');
    assert.ok(((await good.json()) as { verdict?: unknown }).verdict);

    // The UI's files hold no data: they need no token, and carry the strict CSP.
    const page = await fetch(`${world.base}/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; script-src 'self'; style-src 'self'/);
    assert.ok(!html.includes(world.token), 'the page does not carry the token');
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);

    const noToken = await call({});
    assert.equal(noToken.status, 401);
    assert.equal(((await noToken.json()) as { code: string }).code, 'unauthorized');
    const noTokenEvents = await fetch(`${world.base}/api/events`);
    assert.equal(noTokenEvents.status, 401, 'the event stream needs the token too');
    await noTokenEvents.body?.cancel();

    const foreign = await call({ Authorization: `Bearer ${world.token}`, Origin: 'http://evil.example' });
    assert.equal(foreign.status, 403, 'a foreign Origin is refused even with the token');

    const rebind = await rawRequest(world.port, { path: '/api/getStatus', headers: { Host: `evil.example:${world.port}`, Authorization: `Bearer ${world.token}`, 'Content-Type': 'application/json' }, body: '{}' });
    assert.ok(rebind.status === 421 || rebind.status === 403, `a wrong Host is refused (got ${rebind.status})`);
    const rebindPage = await rawRequest(world.port, { path: '/', method: 'GET', headers: { Host: `evil.example:${world.port}` } });
    assert.ok(rebindPage.status === 421 || rebindPage.status === 403, `the page too, under a wrong Host (got ${rebindPage.status})`);

    // Wrong tokens: refused one by one, then refused with 429; the right token still works (a page elsewhere
    // sending wrong ones must not lock the office out of its own dashboard).
    const statuses: number[] = [];
    for (let i = 0; i < 30 && !statuses.includes(429); i++) statuses.push((await call({ Authorization: `Bearer wrong-${i}` })).status);
    assert.ok(statuses.includes(429), `too many wrong tokens end in 429: ${statuses.join(',')}`);
    assert.ok(statuses.slice(0, -1).every((s) => s === 401), 'each wrong token before that is a 401');
    assert.equal((await call({ Authorization: `Bearer wrong-again` })).status, 429, 'the lockout holds for wrong tokens');
    assert.equal((await call({ Authorization: `Bearer ${world.token}` })).status, 200, 'the right token is never locked out');
  });
});
