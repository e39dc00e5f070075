// SET-03: the Settings screen by keyboard alone, in real Chromium against a real agent: Tab reaches every
// control of every section, each shows a visible focus ring when it gets there, and every input has an
// accessible name from its <label for>. Also the light and dark screenshots (colorScheme emulation), with a
// check that the dark scheme really is dark.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumSkipReason } from '../helpers/chromium.ts';
import { uiSuite } from './ui-fixture.ts';

const SECTIONS = ['Sources', 'Schedules', 'Retention', 'USB drives', 'Offsite targets', 'UPS and power', 'Notifications', 'Encryption passphrase', 'Admin PIN'];

describe('SET-03 keyboard and names', { skip: chromiumSkipReason(), timeout: 240_000 }, () => {
  const suite = uiSuite();

  it('SET-03 Tab reaches every control of each section with a visible focus; every input has an accessible name', async () => {
    const page = await suite.browser.newPage();
    await page.goto(`${suite.world.url}#/settings`);
    for (const name of SECTIONS) await page.getByRole('region', { name }).waitFor({ timeout: 30_000 });
    // The schedules' live checks and the drive list have answered (their controls exist and are settled).
    await page.locator('#f-patch-schedules-backup-cron-hint time').first().waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Look for drives again' }).waitFor();

    // Every control the admin can operate, numbered, with the section it belongs to.
    // (Page code as strings: the tests are type-checked for Node, without the DOM library.)
    const controls = await page.evaluate(`[...document.querySelectorAll('.lb-settings a[href], .lb-settings button, .lb-settings input, .lb-settings select, .lb-settings textarea')]
      .filter((el) => !el.disabled && el.offsetParent !== null)
      .map((el, i) => {
        el.dataset.kbd = String(i);
        const section = el.closest('section')?.querySelector('h2')?.textContent ?? '(navigation)';
        return { i, section, what: el.tagName.toLowerCase() + ' ' + (el.getAttribute('aria-label') ?? (el.id || el.textContent)) };
      })`) as Array<{ i: number; section: string; what: string }>;
    assert.ok(controls.length > 40, `the screen has its controls (${controls.length})`);
    for (const name of SECTIONS) assert.ok(controls.some((c) => c.section === name), `${name} has controls`);

    // Keyboard only: Tab from the top of the page, through the shell, into and through the whole screen.
    const reached = new Map<number, { ring: string; visible: boolean }>();
    let left = false;
    for (let step = 0; step < controls.length + 40 && !left; step++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(`(() => {
        const el = document.activeElement;
        if (!el || !el.closest('.lb-settings')) return { inside: false };
        const cs = getComputedStyle(el);
        return { inside: true, i: Number(el.dataset.kbd), ring: cs.outlineStyle + ' ' + cs.outlineWidth + ' ' + cs.outlineColor, visible: el.matches(':focus-visible') && cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2 };
      })()`) as { inside: false } | { inside: true; i: number; ring: string; visible: boolean };
      if (f.inside) reached.set(f.i, { ring: f.ring, visible: f.visible });
      else if (reached.size > 0) left = true;
    }
    const missed = controls.filter((c) => !reached.has(c.i));
    assert.deepEqual(missed, [], 'Tab reaches every control');
    const noRing = controls.filter((c) => !reached.get(c.i)?.visible).map((c) => ({ ...c, ring: reached.get(c.i)?.ring }));
    assert.deepEqual(noRing, [], 'every control shows a focus ring of at least 2 px when reached by Tab');

    // Names: every input and select has a <label for> (so getByLabel finds it), and the accessibility tree
    // has no control without a name.
    const unlabelled = await page.evaluate(`[...document.querySelectorAll('.lb-settings input, .lb-settings select')]
      .filter((el) => !el.labels || el.labels.length === 0 || !el.labels[0].textContent.trim()).map((el) => el.id || el.outerHTML.slice(0, 80))`) as string[];
    assert.deepEqual(unlabelled, [], 'every input has a <label for>');
    const tree = await page.locator('.lb-settings').ariaSnapshot();
    const nameless = tree.split('\n').filter((l) => /^\s*- (textbox|checkbox|combobox|button|link|spinbutton|radio)(?!\s+")/.test(l));
    assert.deepEqual(nameless, [], 'no control without an accessible name');
    for (const [role, name] of [['textbox', 'Backup schedule (cron)'], ['checkbox', 'Run backup on this schedule'], ['textbox', 'Newest snapshots'], ['combobox', 'Kind'], ['textbox', 'SMTP server'], ['checkbox', 'Desktop notifications'], ['button', 'Send test e-mail'], ['button', 'Remove source office']] as const) {
      assert.equal(await page.getByRole(role, { name, exact: true }).count(), 1, `one ${role} named "${name}"`);
    }
    assert.deepEqual(suite.browser.problems(), [], 'no page errors, console errors or CSP violations');
  });

  it('SET-03 screenshots: light and dark', async () => {
    const page = await suite.browser.newPage();
    await page.goto(`${suite.world.url}#/settings`);
    await page.locator('#f-patch-schedules-backup-cron-hint time').first().waitFor({ timeout: 30_000 });
    const colours = async () => page.getByRole('region', { name: 'Schedules' }).evaluate((el) => {
      const lum = (c: string) => { const [r, g, b] = c.match(/[\d.]+/g)!.map(Number); return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!; };
      const cs = el.ownerDocument.defaultView!.getComputedStyle(el);
      return { bg: lum(cs.backgroundColor), fg: lum(cs.color) };
    });
    await page.emulateMedia({ colorScheme: 'light' });
    const light = await colours();
    assert.ok(light.bg > 200 && light.fg < 80, `light: dark text on a light panel (${JSON.stringify(light)})`);
    await suite.browser.screenshot(page, 'settings-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await colours();
    assert.ok(dark.bg < 60 && dark.fg > 180, `dark: light text on a dark panel (${JSON.stringify(dark)})`);
    await suite.browser.screenshot(page, 'settings-dark');
    assert.deepEqual(suite.browser.problems(), []);
  });
});
