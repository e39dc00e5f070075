// Builds the React UI for both faces (the Electron window and the headless dashboard): one minified bundle
// (React in production mode) as app.js, its CSS as app.css, and index.html with the strict CSP. Run directly
// (`node scripts/build-renderer.ts [OUT_DIR]`) it builds into dist/renderer.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'src-renderer');

/**
 * The page's Content-Security-Policy: only our own script, styles and connections; no inline code. The
 * dashboard server may send the same string as a header.
 */
export const RENDERER_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'";

/**
 * Builds the UI into `outDir` (created if missing; app.js, app.css and index.html are replaced). Rejects,
 * with esbuild's messages, when the code does not compile, and when index.html lost its CSP meta tag or
 * gained an inline script or style (the CSP would block them at run time, so this fails early instead).
 */
export async function buildRenderer(outDir: string): Promise<void> {
  await fs.mkdir(outDir, { recursive: true });
  await build({
    entryPoints: { app: path.join(SRC, 'main.tsx') },
    outdir: outDir,
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome120'],
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    sourcemap: false,
    logLevel: 'silent',
  });
  const html = await fs.readFile(path.join(SRC, 'index.html'), 'utf8');
  checkHtml(html);
  await fs.writeFile(path.join(outDir, 'index.html'), html);
}

function checkHtml(html: string): void {
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
  if (csp !== RENDERER_CSP) throw new Error('src-renderer/index.html must carry the CSP meta tag exactly as RENDERER_CSP in scripts/build-renderer.ts');
  if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(html)) throw new Error('src-renderer/index.html has an inline script: the CSP blocks it');
  if (/<style\b|\sstyle=/i.test(html)) throw new Error('src-renderer/index.html has an inline style: the CSP blocks it');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'dist', 'renderer'));
  buildRenderer(out).then(
    () => process.stdout.write(`built the UI into ${path.relative(process.cwd(), out) || '.'}\n`),
    (err: unknown) => {
      const e = err as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }>; message?: string };
      const lines = e.errors?.length ? e.errors.map((x) => `${x.location ? `${x.location.file}:${x.location.line}: ` : ''}${x.text}`) : [e.message ?? String(err)];
      process.stderr.write(`build-renderer: ${lines.join('\n')}\n`);
      process.exitCode = 1;
    },
  );
}
