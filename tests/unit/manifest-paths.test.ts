// Path safety of manifests (src-main/core/repository/manifest.ts): a manifest's file paths come from the
// repository, which may have been tampered with, so they must never reach outside a restore target.
// Tables of misleading paths for isSafeRelativePath and resolveInside, and validateManifest on top.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { isSafeRelativePath, resolveInside, validateManifest } from '../../src-main/core/repository/manifest.ts';
import { CorruptError } from '../../src-main/core/errors.ts';

// Paths that would escape the target, or that are ambiguous between systems: all refused.
const UNSAFE: Array<[label: string, p: unknown]> = [
  ['parent', '..'],
  ['parent then a file', '../escape.txt'],
  ['two parents', '../../etc/passwd'],
  ['parent in the middle', 'a/../../b'],
  ['parent at the end', 'a/b/..'],
  ['parent that cancels out (still refused: no ".." at all)', 'a/../a'],
  ['current folder', '.'],
  ['current folder prefix', './a'],
  ['current folder in the middle', 'a/./b'],
  ['absolute', '/etc/passwd'],
  ['absolute root', '/'],
  ['UNC-like double slash', '//server/share/x'],
  ['empty', ''],
  ['empty component', 'a//b'],
  ['trailing slash', 'a/'],
  ['leading slash on a relative-looking path', '/a'],
  ['Windows drive, forward slashes', 'C:/Windows/win.ini'],
  ['Windows drive-relative', 'c:evil.txt'],
  ['Windows drive, lowercase', 'd:'],
  ['single letter then colon is a drive, even without a slash', 'a:b'],
  ['backslash parent', '..\\escape.txt'],
  ['backslash separator', 'a\\b'],
  ['backslash absolute', '\\Windows\\System32'],
  ['mixed separators', 'a/..\\..\\b'],
  ['NUL byte truncation', 'safe.txt\0/../../etc/passwd'],
  ['NUL alone', '\0'],
  ['too long', `${'a/'.repeat(2048)}b`],
  ['not a string: undefined', undefined],
  ['not a string: null', null],
  ['not a string: number', 42],
  ['not a string: array', ['a', 'b']],
  ['not a string: object', { toString: () => 'a' }],
  ['not a string: String object', new String('a')],
];

// Odd but harmless names: each stays inside the target, as a literal name.
const SAFE: Array<[label: string, p: string, rel: string[]]> = [
  ['plain file', 'a.txt', ['a.txt']],
  ['nested', 'letters/2026/january.txt', ['letters', '2026', 'january.txt']],
  ['three dots', '...', ['...']],
  ['dot-dot prefix in a name', '..a', ['..a']],
  ['dot-dot suffix in a name', 'a..', ['a..']],
  ['hidden file', '.env', ['.env']],
  ['hidden folder', 'app/.git/config', ['app', '.git', 'config']],
  ['leading space before dots', ' ../x', [' ..', 'x']],
  ['trailing space after dots', '.. /x', ['.. ', 'x']],
  ['tilde is not home', '~/x', ['~', 'x']],
  ['percent-encoded dots are literal', '%2e%2e/x', ['%2e%2e', 'x']],
  ['fullwidth dots are not dots', '\uff0e\uff0e/x', ['\uff0e\uff0e', 'x']],
  ['one-dot leader is not a dot', '\u2024\u2024/x', ['\u2024\u2024', 'x']],
  ['colon after a longer name (not a drive letter)', 'notes:2026', ['notes:2026']],
  ['drive-like name further down', 'x/C:/y', ['x', 'C:', 'y']],
  ['unicode', 'Rechnungen/März.pdf', ['Rechnungen', 'März.pdf']],
  ['newline in a name', 'a\nb', ['a\nb']],
  ['4096 characters', 'a'.repeat(4096), ['a'.repeat(4096)]],
];

const ROOT = path.resolve('/srv/restore/target');

describe('isSafeRelativePath', () => {
  for (const [label, p] of UNSAFE) it(`refuses ${label}: ${JSON.stringify(p)?.slice(0, 60)}`, () => assert.equal(isSafeRelativePath(p), false));
  for (const [label, p] of SAFE) it(`accepts ${label}: ${JSON.stringify(p).slice(0, 60)}`, () => assert.equal(isSafeRelativePath(p), true));
});

describe('resolveInside', () => {
  for (const [label, p] of UNSAFE.filter(([, v]) => typeof v === 'string') as Array<[string, string]>) {
    it(`throws a CorruptError for ${label}`, () => {
      assert.throws(() => resolveInside(ROOT, p), (err: unknown) => err instanceof CorruptError && err.code === 'corrupt');
    });
  }
  for (const [label, p, rel] of SAFE) {
    it(`keeps ${label} inside the target`, () => {
      const abs = resolveInside(ROOT, p);
      assert.equal(abs, path.join(ROOT, ...rel));
      assert.ok(abs.startsWith(ROOT + path.sep), `${abs} is inside ${ROOT}`);
    });
  }
  it('works the same with a relative or slash-terminated root', () => {
    assert.equal(resolveInside('restore-here/', 'a/b'), path.resolve('restore-here', 'a', 'b'));
    assert.equal(resolveInside(`${ROOT}/`, 'a'), path.join(ROOT, 'a'));
    assert.equal(resolveInside(`${ROOT}/sub/..`, 'a'), path.join(ROOT, 'a'));
  });
  it('never lands in a sibling folder whose name starts like the target', () => {
    // '/srv/restore/target-evil' starts with '/srv/restore/target': a naive prefix check would let it through.
    for (const p of ['../target-evil/x', '../target/../target-evil/x', '..\\target-evil\\x']) {
      assert.throws(() => resolveInside(ROOT, p), CorruptError, p);
    }
  });
});

describe('validateManifest refuses a manifest with any unsafe path', () => {
  const base = () => ({
    format: 1, id: '0123456789ab', source: { name: 'files', kind: 'folder', path: '/srv/files' }, time: '2026-01-05T10:00:00.000Z',
    reason: 'manual', host: 'office-pc', stats: { size: 0, chunks: 0, newChunks: 0, bytesAdded: 0, durationMs: 0 },
    files: [{ path: 'letters', type: 'dir', size: 0, mode: 0o755, mtime: '2026-01-05T10:00:00.000Z' }, { path: 'letters/a.txt', type: 'file', size: 1, mode: 0o644, mtime: '2026-01-05T10:00:00.000Z', chunks: [['ab'.repeat(32), 1]] }],
  });
  it('accepts the untampered manifest', () => {
    assert.equal(validateManifest(base(), 'manifest').id, '0123456789ab');
  });
  for (const [label, p] of UNSAFE) {
    for (const type of ['file', 'dir'] as const) {
      it(`refuses a ${type} entry with ${label}`, () => {
        const m = base();
        m.files.push({ path: p as string, type, size: 0, mode: 0o644, mtime: '2026-01-05T10:00:00.000Z' });
        assert.throws(() => validateManifest(m, 'manifest of snapshot 0123456789ab'), (err: unknown) => err instanceof CorruptError && /unsafe path/.test(err.message) && err.what === 'manifest of snapshot 0123456789ab');
      });
    }
  }
});
