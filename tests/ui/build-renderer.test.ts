// The UI build: one minified bundle with React in production mode, its CSS, and index.html with the strict
// CSP and no inline script or style.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { RENDERER_CSP, buildRenderer } from '../../scripts/build-renderer.ts';
import { tempDir } from '../helpers/cli.ts';

describe('build-renderer', () => {
  const t = tempDir('lifeboat-build-');
  after(() => t.cleanup());

  it('writes app.js, app.css and index.html with the CSP; React in production mode; no inline code', async () => {
    await buildRenderer(t.dir);
    assert.deepEqual(fs.readdirSync(t.dir).sort(), ['app.css', 'app.js', 'index.html']);
    const html = fs.readFileSync(path.join(t.dir, 'index.html'), 'utf8');
    assert.ok(html.includes(`content="${RENDERER_CSP}"`), 'the CSP meta tag');
    assert.match(RENDERER_CSP, /default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'/);
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(html, /<style|\sstyle=/, 'no inline style');
    assert.match(html, /<script src="app\.js" defer><\/script>/);
    assert.match(html, /<link rel="stylesheet" href="app\.css">/);
    const js = fs.readFileSync(path.join(t.dir, 'app.js'), 'utf8');
    assert.doesNotMatch(js, /react-dom\.development|Download the React DevTools/, 'React in production mode');
    assert.ok(js.length / js.split('\n').length > 1000, 'minified: long lines, not one statement per line');
    assert.match(fs.readFileSync(path.join(t.dir, 'app.css'), 'utf8'), /prefers-color-scheme:\s*dark/);
  });
});
