// Builds the desktop app into dist/ for electron-builder (`npm run build`; `npm run dist` also packages it):
//
//   dist/main/main.js                   the Electron main process (ESM: package.json says "type": "module")
//   dist/main/engine-entry.js           the engine, run by main.js in a utilityProcess
//   dist/main/encode-worker.js          worker threads the engine starts by a path relative to its own
//   dist/main/sqlite-facts-worker.js      module (new URL('./x.js', import.meta.url)), so they sit beside main.js
//   dist/preload/preload.js             the sandboxed preload: CommonJS, one file, only `electron` external
//   dist/renderer/index.html ...        the React UI (scripts/build-renderer.ts)
//
// The main bundle holds our TypeScript only: every npm package stays external and is loaded from the
// production node_modules that electron-builder ships anyway. That keeps native modules (better-sqlite3,
// usb, ssh2's optional cpu-features) and packages that load files relative to themselves (pino's worker
// transports, node-cron's background runner) working exactly as they do under plain Node in our tests,
// and avoids bundling CommonJS packages into ESM (esbuild's "dynamic require" trap).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Electron 45: Chromium 140, Node 22.
const NODE_TARGET = 'node22';
const CHROME_TARGET = 'chrome140';

export interface BuildAppOptions {
  /** The project root (default: this repository). */
  root?: string;
  /** Where to write (default: <root>/dist). */
  outDir?: string;
  /** Skip the renderer (for a build of the main side only). */
  renderer?: boolean;
}

/** Workers the engine starts by a file name relative to its own module: they must sit beside main.js. */
export const WORKERS = ['src-main/core/engine/encode-worker.ts', 'src-main/core/sources/sqlite-facts-worker.ts'];

/**
 * Builds the main process, its workers, the preload and the renderer into `outDir` (its main/, preload/ and
 * renderer/ folders are replaced). Rejects with esbuild's message when a bundle fails, or with one sentence
 * when an entry point or scripts/build-renderer.ts is missing.
 */
export async function buildApp(opts: BuildAppOptions = {}): Promise<void> {
  const root = opts.root ?? ROOT;
  const out = opts.outDir ?? path.join(root, 'dist');
  const mainEntry = path.join(root, 'src-main/electron/main.ts');
  const preloadEntry = path.join(root, 'src-main/electron/preload.ts');
  for (const f of [mainEntry, preloadEntry, ...WORKERS.map((w) => path.join(root, w))]) {
    if (!fs.existsSync(f)) throw new Error(`cannot build the app: ${path.relative(root, f)} does not exist`);
  }
  for (const d of ['main', 'preload', 'renderer']) fs.rmSync(path.join(out, d), { recursive: true, force: true });

  const common = { bundle: true, sourcemap: true, logLevel: 'warning', absWorkingDir: root, legalComments: 'none' } as const;
  await esbuild.build({
    ...common,
    entryPoints: [{ in: mainEntry, out: 'main' }, { in: path.join(root, 'src-main/electron/engine-entry.ts'), out: 'engine-entry' }, ...WORKERS.map((w) => ({ in: path.join(root, w), out: path.basename(w, '.ts') }))],
    outdir: path.join(out, 'main'),
    platform: 'node',
    format: 'esm',
    target: NODE_TARGET,
    packages: 'external',
    external: ['electron'],
  });
  await esbuild.build({
    ...common,
    entryPoints: [preloadEntry],
    outfile: path.join(out, 'preload', 'preload.js'),
    // A sandboxed preload gets a browser-like global and a require() that knows only a few modules:
    // 'browser' makes esbuild refuse any Node built-in instead of shipping a preload that fails at load.
    platform: 'browser',
    format: 'cjs',
    target: CHROME_TARGET,
    external: ['electron'],
  });
  // package.json says "type": "module"; this keeps the CommonJS preload CommonJS for anything that asks Node.
  fs.writeFileSync(path.join(out, 'preload', 'package.json'), '{ "type": "commonjs" }\n');

  if (opts.renderer !== false) {
    const script = path.join(root, 'scripts/build-renderer.ts');
    if (!fs.existsSync(script)) throw new Error('cannot build the app: scripts/build-renderer.ts does not exist');
    const { buildRenderer } = (await import(pathToFileURL(script).href)) as { buildRenderer: (outDir: string) => Promise<void> };
    await buildRenderer(path.join(out, 'renderer'));
    if (!fs.existsSync(path.join(out, 'renderer', 'index.html'))) throw new Error('the renderer build wrote no index.html');
  }
}

if (import.meta.main) {
  const t0 = performance.now();
  try {
    await buildApp();
    console.log(`built dist/ (main, workers, preload, renderer) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (err) {
    console.error(`build-app: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
