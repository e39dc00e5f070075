// PKG-01: the app builds (scripts/build-app.ts) and electron-builder packages it (`--dir --linux`) into the
// layout Electron expects. Electron itself NEVER runs here: its binary cannot be downloaded on these machines,
// so electron-builder is given a stand-in "unpacked Electron" (electronDist) whose executable is a shell
// script saying it is a stand-in. What this proves is the package's content and layout; not that it starts.
//
// No network: electron-builder takes the stand-in instead of downloading Electron, rebuilding is off
// (npmRebuild: false), and every proxy/mirror variable points at a closed local port, so a download attempt
// would fail this test instead of quietly fetching.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as asar from '@electron/asar';
import { LEVELS } from '../../scripts/make-icons.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = path.join(ROOT, 'dist-app', 'linux-unpacked');
const RESOURCES = path.join(OUT, 'resources');
const ARCHIVE = path.join(RESOURCES, 'app.asar');
const STAND_IN_SAYS = 'stand-in for the Electron binary (packaging test): Electron did not run';

/** A folder shaped like an unpacked Linux Electron, as app-builder-lib's ElectronFramework copies it. */
function standInElectron(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-electron-dist-'));
  fs.mkdirSync(path.join(dir, 'resources'));
  fs.mkdirSync(path.join(dir, 'locales'));
  fs.writeFileSync(path.join(dir, 'electron'), `#!/bin/sh\necho "${STAND_IN_SAYS}"\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'LICENSE'), 'stand-in\n');
  fs.writeFileSync(path.join(dir, 'locales', 'en-US.pak'), '');
  return dir;
}

function run(args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env, encoding: 'utf8', timeout: 5 * 60_000 });
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, `node ${args.join(' ')} failed:\n${out}`);
  return out;
}

/** Files in the archive, without the leading slash. */
const listed = (): Set<string> => new Set(asar.listPackage(ARCHIVE, { isPack: false }).map((f) => f.replace(/^[/\\]/, '').split(path.sep).join('/')));

/** The bare module names a bundle imports or requires (node: builtins and relative paths left out). */
function bareImports(code: string): Set<string> {
  const names = new Set<string>();
  for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)["']([^"'./][^"']*)["']/g)) {
    const spec = m[1]!;
    // Text that merely looks like an import (an error message saying 'from "rclone config"') is no package name.
    if (!/^(@[\w.~-]+\/)?[\w.~-]+(\/\S*)?$/.test(spec)) continue;
    if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
    names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
  }
  return names;
}

test('PKG-01 build + electron-builder --dir --linux with a stand-in Electron (Electron is not run): asar layout, unpacked native modules, icons', { timeout: 5 * 60_000 }, () => {
  run(['scripts/build-app.ts']);

  fs.rmSync(OUT, { recursive: true, force: true });
  const electronDist = standInElectron();
  const closed = 'http://127.0.0.1:9';
  const env = {
    ...process.env, HTTP_PROXY: closed, HTTPS_PROXY: closed, http_proxy: closed, https_proxy: closed, NO_PROXY: '', no_proxy: '',
    ELECTRON_GET_USE_PROXY: '1', ELECTRON_MIRROR: `${closed}/`, ELECTRON_BUILDER_BINARIES_MIRROR: `${closed}/`,
  };
  try {
    const log = run([path.join(ROOT, 'node_modules/electron-builder/cli.js'), '--dir', '--linux', '--x64', '--publish', 'never', `-c.electronDist=${electronDist}`], env);
    assert.match(log, /using custom unpacked Electron distribution/);
    assert.doesNotMatch(log, /\bdownloading\b/i);
  } finally {
    fs.rmSync(electronDist, { recursive: true, force: true });
  }

  // The executable is the stand-in, renamed for the product; it says so when run.
  const exe = path.join(OUT, 'lifeboat');
  assert.ok(fs.existsSync(exe), 'dist-app/linux-unpacked/lifeboat exists');
  assert.equal(spawnSync(exe, { encoding: 'utf8' }).stdout.trim(), STAND_IN_SAYS);

  // package.json in the archive points at the main bundle, and every built file is there.
  const files = listed();
  const pkg = JSON.parse(asar.extractFile(ARCHIVE, 'package.json').toString('utf8')) as { main: string; type: string };
  assert.equal(pkg.main, 'dist/main/main.js');
  assert.equal(pkg.type, 'module', 'main.js is an ES module');
  for (const f of ['dist/main/main.js', 'dist/main/engine-entry.js', 'dist/main/encode-worker.js', 'dist/main/sqlite-facts-worker.js', 'dist/preload/preload.js', 'dist/renderer/index.html']) {
    assert.ok(files.has(f), `${f} is in app.asar`);
  }
  assert.ok([...files].some((f) => f.startsWith('dist/renderer/') && f.endsWith('.js')), 'the renderer has its script');
  assert.ok(![...files].some((f) => f.startsWith('node_modules/node/')), 'the pinned Node binary package is left out');
  assert.ok(![...files].some((f) => f.startsWith('src-main/') || f.startsWith('tests/')), 'no sources or tests shipped');

  // Every package the main bundle and its workers import is shipped (a devDependency import would fail at start).
  assert.ok(bareImports(asar.extractFile(ARCHIVE, 'dist/main/engine-entry.js').toString('utf8')).has('better-sqlite3'), 'packages stay external to the engine bundle');
  for (const f of ['dist/main/main.js', 'dist/main/engine-entry.js', 'dist/main/encode-worker.js', 'dist/main/sqlite-facts-worker.js']) {
    for (const name of bareImports(asar.extractFile(ARCHIVE, f).toString('utf8'))) {
      if (name === 'electron') continue;
      assert.ok(files.has(`node_modules/${name}/package.json`), `${f} imports ${name}, which is not in app.asar`);
    }
  }

  // The sandboxed preload is one CommonJS file that requires nothing but electron.
  const preload = asar.extractFile(ARCHIVE, 'dist/preload/preload.js').toString('utf8');
  assert.deepEqual([...bareImports(preload)], ['electron']);
  assert.doesNotMatch(preload, /^\s*import\s|^\s*export\s/m, 'no ES module syntax in the preload');

  // Native modules are outside the archive, where Electron can dlopen them, and the archive says so.
  const unpacked = path.join(RESOURCES, 'app.asar.unpacked', 'node_modules');
  assert.ok(fs.existsSync(path.join(unpacked, 'better-sqlite3/prebuilds/linux-x64.node')), 'better-sqlite3 linux-x64.node unpacked');
  assert.ok(fs.existsSync(path.join(unpacked, 'usb/prebuilds/linux-x64/node.napi.glibc.node')), 'usb linux-x64 .node unpacked');
  assert.equal(asar.statFile(ARCHIVE, 'node_modules/better-sqlite3/prebuilds/linux-x64.node').unpacked, true);
  for (const e of fs.readdirSync(RESOURCES, { recursive: true, encoding: 'utf8' })) {
    if (e.endsWith('.node')) assert.ok(e.startsWith('app.asar.unpacked'), `${e} is unpacked`);
  }

  // The icons the tray adapter names (src-main/electron/icons.ts), byte for byte the committed ones.
  for (const rel of ['assets/icon.png', 'assets/icon.ico', ...LEVELS.flatMap((l) => [`${l}.png`, `${l}@2x.png`, `${l}Template.png`, `${l}Template@2x.png`, `${l}.ico`].map((f) => `assets/tray/${f}`))]) {
    assert.ok(files.has(rel), `${rel} is in app.asar`);
    assert.ok(asar.extractFile(ARCHIVE, rel).equals(fs.readFileSync(path.join(ROOT, rel))), `${rel} is the committed file`);
  }
});
