import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { APP_ORIGIN, CONTENT_SECURITY_POLICY, appUrl, isAllowedNavigation, mimeType, resolveAppFile, webPreferences } from '../../src-main/electron/window-security.ts';

test('webPreferences: every security setting written out', () => {
  const p = webPreferences('/app/dist/preload/preload.js');
  assert.equal(p.preload, '/app/dist/preload/preload.js');
  const expected = { contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, allowRunningInsecureContent: false, experimentalFeatures: false, webviewTag: false, nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false };
  for (const [key, value] of Object.entries(expected)) assert.equal(p[key as keyof typeof p], value, key);
});

test('the CSP allows our own bundle only', () => {
  assert.equal(CONTENT_SECURITY_POLICY, "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|\*|http/);
});

test('isAllowedNavigation: only app://lifeboat, whatever a URL pretends', () => {
  const table: Array<[string, boolean]> = [
    ['app://lifeboat/index.html#/status', true],
    ['app://lifeboat/', true],
    ['app://lifeboat/index.html?x=1#/settings', true],
    [appUrl('settings'), true],
    ['app://lifeboat.evil/index.html', false],
    ['app://lifeboat.evil.com/', false],
    ['app://evil/lifeboat/index.html', false],
    ['app://lifeboat@evil/index.html', false],
    ['app://user:pw@lifeboat/index.html', false],
    ['app://lifeboat:8080/index.html', false],
    ['app://evil.com#app://lifeboat/', false],
    ['file:///work/main/dist/renderer/index.html', false],
    ['file:///etc/passwd', false],
    ['file://lifeboat/index.html', false],
    ['javascript:alert(1)', false],
    ['javascript://lifeboat/%0aalert(1)', false],
    ['data:text/html,<script>alert(1)</script>', false],
    ['blob:app://lifeboat/1234', false],
    ['http://127.0.0.1:8770/', false],
    ['http://localhost/', false],
    ['https://lifeboat/', false],
    ['about:blank', false],
    ['lifeboat/index.html', false],
    ['', false],
    ['app:lifeboat/index.html', false],
  ];
  for (const [url, ok] of table) assert.equal(isAllowedNavigation(url, APP_ORIGIN), ok, url);
});

test('resolveAppFile: files under the renderer root only', () => {
  const root = path.resolve('/app/dist/renderer');
  const table: Array<[string, string | undefined]> = [
    ['app://lifeboat/', path.join(root, 'index.html')],
    ['app://lifeboat/index.html#/status', path.join(root, 'index.html')],
    ['app://lifeboat/assets/main.js?v=3', path.join(root, 'assets/main.js')],
    ['app://lifeboat/a%20b.css', path.join(root, 'a b.css')],
    ['app://lifeboat/../../etc/passwd', path.join(root, 'etc/passwd')], // the URL parser already clamps ".." at the root
    ['app://lifeboat/%2e%2e/%2e%2e/etc/passwd', path.join(root, 'etc/passwd')], // so does it for %2e%2e
    ['app://lifeboat/assets/..%2f..%2f..%2fetc%2fpasswd', undefined],
    ['app://lifeboat/..%5c..%5cwindows', undefined],
    ['app://lifeboat/x%00.html', undefined],
    ['app://lifeboat/%E0%A4%A', undefined],
    ['app://evil/index.html', undefined],
    ['app://lifeboat.evil/index.html', undefined],
    ['file:///app/dist/renderer/index.html', undefined],
    ['not a url', undefined],
  ];
  for (const [url, file] of table) {
    const got = resolveAppFile(url, root);
    assert.equal(got, file, url);
    if (got) assert.ok(got.startsWith(root + path.sep), `${url} stays under the root`);
  }
});

test('mimeType: what the built renderer holds', () => {
  assert.equal(mimeType('/r/index.html'), 'text/html; charset=utf-8');
  assert.equal(mimeType('/r/assets/main.JS'), 'text/javascript; charset=utf-8');
  assert.equal(mimeType('/r/a.css'), 'text/css; charset=utf-8');
  assert.equal(mimeType('/r/logo.svg'), 'image/svg+xml');
  assert.equal(mimeType('/r/unknown.bin'), 'application/octet-stream');
});
