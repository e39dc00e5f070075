// Real Chromium for UI tests: Debian's /usr/bin/chromium driven by playwright-core (never `npx playwright
// install`), with the flags from /work/shared/peers.md, a fresh --user-data-dir under a temp dir, and
// screenshots saved as test-artifacts/ui/<name>.png for a person to look at.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { ROOT } from './cli.ts';

export const CHROMIUM = process.env.LIFEBOAT_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.join(ROOT, 'test-artifacts', 'ui');
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Why the browser tests cannot run here, or false. Under CI always false: a missing Chromium must fail, not skip. */
export function chromiumSkipReason(): string | false {
  if (process.env.CI) return false;
  return fs.existsSync(CHROMIUM) ? false : `needs Chromium at ${CHROMIUM}: apt-get install --no-install-recommends chromium`;
}

export interface Chromium {
  context: BrowserContext;
  /** A new tab; page errors and console errors (CSP violations among them) are collected in problems(). */
  newPage(): Promise<Page>;
  /** Every uncaught page error and console error seen so far, across all pages. */
  problems(): string[];
  /** Saves a full-page screenshot as test-artifacts/ui/<name>.png and returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  /** Closes the browser and removes its profile. Idempotent. */
  close(): Promise<void>;
}

/**
 * Launches headless Chromium with a fresh profile and a window of `viewport` (default 420x600, the desktop
 * window's usable size). Throws naming the path when Chromium is missing.
 */
export async function launchChromium(viewport = { width: 420, height: 600 }): Promise<Chromium> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install the Debian package chromium (peers.md, "Desktop and browser")`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport, timeout: 60_000 });
  const problems: string[] = [];
  const watch = (page: Page): void => {
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  let closed: Promise<void> | undefined;
  return {
    context,
    async newPage() {
      const existing = context.pages().find((p) => p.url() === 'about:blank');
      return existing ?? context.newPage();
    },
    problems: () => [...problems],
    async screenshot(page, name) {
      fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    close: () => (closed ??= (async () => {
      await context.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
    })()),
  };
}

/**
 * Waits for `locator` to be visible; on timeout throws naming `what` with the page's visible text, so a
 * failure says what the user saw instead of only which selector was missing.
 */
export async function waitVisible(page: Page, locator: Locator, what: string, timeoutMs = 30_000): Promise<void> {
  try {
    await locator.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const text = await page.locator('body').innerText().catch(() => '(page unreadable)');
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the page showed:\n${text.slice(0, 3000)}`);
  }
}

// The checks below run in the page. The tests are type-checked for Node, without the DOM library, so the
// few browser globals they need are reached through globalThis with just the types used.
type PageGlobals = { document: { activeElement: unknown }; getComputedStyle(el: unknown): { color: string; outlineStyle: string; outlineWidth: string } };

/** True when `locator` is the focused element. */
export async function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((el: unknown) => el === (globalThis as unknown as PageGlobals).document.activeElement);
}

/** True when the focus is on `locator` or inside it. */
export async function holdsFocus(locator: Locator): Promise<boolean> {
  return locator.evaluate((el: unknown) => (el as { contains(n: unknown): boolean }).contains((globalThis as unknown as PageGlobals).document.activeElement));
}

/** The computed CSS `color` of `locator` as [r, g, b]. */
export async function colorOf(locator: Locator): Promise<[number, number, number]> {
  const css = await locator.evaluate((el: unknown) => (globalThis as unknown as PageGlobals).getComputedStyle(el).color);
  const [r = 0, g = 0, b = 0] = (css.match(/\d+(\.\d+)?/g) ?? []).map(Number);
  return [r, g, b];
}

/** The computed outline of `locator` (style and width in px), to check that keyboard focus is visible. */
export async function outlineOf(locator: Locator): Promise<{ style: string; width: number }> {
  const o = await locator.evaluate((el: unknown) => {
    const cs = (globalThis as unknown as PageGlobals).getComputedStyle(el);
    return { style: cs.outlineStyle, width: cs.outlineWidth };
  });
  return { style: o.style, width: parseFloat(o.width) || 0 };
}
