// SET-04 (a unit test of the screen's own logic, in real Chromium): when a save is answered 'pin-required',
// the Settings screen asks for the admin PIN in a dialog, shows the engine's words when the PIN is wrong,
// retries with the right one and keeps it for the next change; Cancel changes nothing. The headless agent has
// no PIN store yet (src-main/api/api-deps.ts), so the API here is an in-page stand-in that enforces a PIN the
// way the handlers' guard does (same error code and message); everything else is the real component, built
// with esbuild as the app is.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { chromiumSkipReason, launchChromium, SCREENSHOT_DIR, type Chromium } from '../helpers/chromium.ts';
import { ROOT, tempDir } from '../helpers/cli.ts';

// The page's entry: the real SettingsScreen over a stand-in API that needs PIN 2468 for saveSettings.
const ENTRY = `
import { createRoot } from 'react-dom/client';
import { ApiError } from ${JSON.stringify(path.join(ROOT, 'src-shared/contract.ts'))};
import { SettingsScreen } from ${JSON.stringify(path.join(ROOT, 'src-renderer/settings/settings-screen.tsx'))};
const PIN = '2468';
const calls = [];
window.calls = calls;
let settings = { version: 2, repository: '/data/repo', sources: [], retention: { last: 3 } };
const status = { verdict: { level: 'ok', reasons: [] }, paused: null, sources: [], power: [], drives: [], targets: [], jobs: [], nextRuns: [],
  agent: { pid: 1, startedAt: new Date().toISOString(), dataDir: '/data', pinSet: true, encrypted: false } };
const guard = (pin, what) => { if (pin !== PIN) throw new ApiError({ code: 'pin-required', message: pin ? 'wrong PIN: ' + what + ' needs the admin PIN' : what + ' needs the admin PIN' }); };
const api = {
  getSettings: async () => settings,
  getStatus: async () => status,
  getSchedules: async () => [{ id: 'backup', label: 'Back up', cron: '*/15 * * * *', defaultCron: '*/15 * * * *', enabled: true, human: 'Every 15 minutes', next: [new Date(Date.now() + 6e5).toISOString()] }],
  checkSchedule: async ({ cron }) => ({ valid: true, human: cron, next: [new Date(Date.now() + 6e5).toISOString()] }),
  previewRetention: async () => [],
  listDrives: async () => [],
  saveSettings: async ({ patch, pin }) => { calls.push({ call: 'saveSettings', pin: pin ?? null }); guard(pin, 'changing settings'); settings = { ...settings, ...patch }; return settings; },
  subscribe: () => () => {},
};
createRoot(document.getElementById('root')).render(<SettingsScreen api={api} />);
`;

describe('SET-04 admin PIN prompt', { skip: chromiumSkipReason(), timeout: 120_000 }, () => {
  let browser: Chromium;
  let html: string;
  const t = tempDir('lifeboat-set04-');
  before(async () => {
    fs.writeFileSync(path.join(t.dir, 'entry.tsx'), ENTRY);
    const out = await build({ entryPoints: [path.join(t.dir, 'entry.tsx')], bundle: true, write: false, outdir: t.dir, format: 'iife', jsx: 'automatic', define: { 'process.env.NODE_ENV': '"production"' }, logLevel: 'silent', nodePaths: [path.join(ROOT, 'node_modules')] });
    const js = out.outputFiles.find((f) => f.path.endsWith('.js'))!.text;
    const css = out.outputFiles.find((f) => f.path.endsWith('.css'))!.text;
    html = `<!doctype html><html><head><meta charset="utf-8"><style>${css}</style></head><body><div id="root"></div><script>${js.replace(/<\/script/g, '<\\/script')}</script></body></html>`;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    t.cleanup();
  });

  it('SET-04 a save answered pin-required asks for the PIN, says when it is wrong, retries, and keeps it; Cancel saves nothing', async () => {
    const page = await browser.newPage();
    await page.setContent(html);
    const section = page.getByRole('region', { name: 'Retention' });
    const last = section.getByLabel('Newest snapshots', { exact: true });
    await last.waitFor({ timeout: 30_000 });

    // First save: no PIN known, the engine asks, the dialog opens with its words and focus in the PIN box.
    await last.fill('5');
    await section.getByRole('button', { name: 'Save retention' }).click();
    const dialog = page.getByRole('dialog', { name: 'Admin PIN' });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /needs the admin PIN/);
    const pinBox = dialog.getByLabel('PIN', { exact: true });
    assert.equal(await pinBox.evaluate((el) => el === el.ownerDocument.activeElement), true, 'focus is in the PIN box');

    // A wrong PIN: the dialog stays, with the engine's message, and the box is empty for another try.
    await pinBox.fill('1111');
    await pinBox.press('Enter');
    await dialog.getByText('wrong PIN: changing settings needs the admin PIN').waitFor();
    assert.equal(await pinBox.inputValue(), '');

    // The right one: saved, the dialog closes, the section says so.
    await pinBox.fill('2468');
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await section.getByRole('status').filter({ hasText: /^Saved/ }).waitFor();
    assert.equal(await dialog.count(), 0, 'the dialog is gone');

    // The next change uses the PIN it already has: no second prompt.
    await last.fill('6');
    await section.getByRole('button', { name: 'Save retention' }).click();
    await section.getByRole('status').filter({ hasText: /newest/ }).waitFor();
    assert.equal(await dialog.count(), 0);
    const calls = await page.evaluate('window.calls.map((c) => c.pin)') as Array<string | null>;
    assert.deepEqual(calls, [null, '1111', '2468', '2468']);
    await browser.screenshot(page, 'settings-pin-saved');
    assert.deepEqual(browser.problems(), []);
  });

  it('SET-04 Cancel (or Escape) in the PIN dialog saves nothing and says why', async () => {
    const page = await browser.newPage();
    await page.setContent(html);
    const section = page.getByRole('region', { name: 'Retention' });
    const last = section.getByLabel('Newest snapshots', { exact: true });
    await last.waitFor({ timeout: 30_000 });
    await last.fill('9');
    await section.getByRole('button', { name: 'Save retention' }).click();
    const dialog = page.getByRole('dialog', { name: 'Admin PIN' });
    await dialog.waitFor();
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'settings-pin-dialog.png') }); // the viewport: the dialog sits in it
    await page.keyboard.press('Escape');
    await section.getByRole('alert').filter({ hasText: 'Not changed: the admin PIN is needed for this.' }).waitFor();
    assert.equal(await dialog.count(), 0);
    assert.equal(await last.inputValue(), '9', 'the typed value stays, to save later');
    const calls = await page.evaluate('window.calls.length') as number;
    assert.equal(calls, 1, 'only the first refused call was made');
  });
});
