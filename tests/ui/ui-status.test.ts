// UI-01: the Status page in real Chromium against a real agent and a real upsd: green with the source, then a
// power cut (upsrw sets ups.status "OB DISCHRG") turns it red with a power reason, and the emergency snapshot
// shows up in the page and in `lifeboat list`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/agent-process.ts';
import { chromiumSkipReason, colorOf, isFocused, outlineOf, waitVisible } from '../helpers/chromium.ts';
import { nutSkipReason } from '../peers/nut-server.ts';
import { setNote, uiSuite } from './ui-fixture.ts';

describe('UI-01 status page', { skip: chromiumSkipReason() || nutSkipReason(), timeout: 240_000 }, () => {
  const suite = uiSuite({ nut: true });

  it('UI-01 green with the source; a power cut turns it red with a power reason and the emergency snapshot appears', async () => {
    const page = await suite.browser.newPage();
    await page.goto(suite.world.url);
    const verdict = page.locator('section.verdict');
    await waitVisible(page, verdict.and(page.locator('[data-level="ok"]')), 'a green verdict');
    assert.match(await verdict.locator('h2').innerText(), /All good/, 'the colour comes with a word');
    assert.ok(!new URL(page.url()).searchParams.has('token'), `the token is removed from the address bar (${page.url()})`);

    // The verdict's colour is the tray's green, not just a class name.
    const [r, g, b] = await colorOf(verdict.locator('h2'));
    assert.ok(g > r && g > b, `the ok verdict is green (rgb ${r}, ${g}, ${b})`);

    const source = page.locator('li.source[data-source="office"]');
    await source.waitFor();
    assert.match(await source.innerText(), /Last good snapshot/);
    const firstId = await source.locator('[data-snapshot-id]').getAttribute('data-snapshot-id');
    const listed = await suite.world.list();
    assert.ok(listed.some((s) => s.id === firstId), 'the UI shows a snapshot the CLI lists');
    assert.match(await page.locator('[data-power="online"]').innerText(), /On mains power/);
    await suite.browser.screenshot(page, 'status');

    // Keyboard: Tab walks the navigation to "Backup now", and the focus is drawn.
    const backupNow = page.getByRole('button', { name: 'Backup now' });
    const visited: string[] = [];
    for (let i = 0; i < 12 && !(await isFocused(backupNow)); i++) {
      await page.keyboard.press('Tab');
      visited.push(await page.locator(':focus').first().innerText().catch(() => '?'));
    }
    assert.ok(await isFocused(backupNow), `Tab reaches Backup now (visited ${JSON.stringify(visited)})`);
    for (const name of ['Status', 'Restore', 'History', 'Settings']) assert.ok(visited.includes(name), `the ${name} link is on the way: ${JSON.stringify(visited)}`);
    const outline = await outlineOf(backupNow);
    assert.ok(outline.style !== 'none' && outline.width >= 2, `a visible focus outline (${JSON.stringify(outline)})`);

    // A write the emergency snapshot must catch, then the power cut.
    setNote(suite.world.dbPath, 'written just before the power cut');
    await suite.world.nut!.setStatus('OB DISCHRG');
    await waitVisible(page, verdict.and(page.locator('[data-level="critical"]')), 'a red verdict after the power cut');
    const verdictText = await verdict.innerText();
    assert.match(verdictText, /Critical/);
    assert.match(verdictText, /battery|power/i, 'a power reason in words');
    const [r2, g2, b2] = await colorOf(verdict.locator('h2'));
    assert.ok(r2 > g2 && r2 > b2, `the critical verdict is red (rgb ${r2}, ${g2}, ${b2})`);
    assert.match(await page.locator('[data-power="on-battery"]').innerText(), /On battery/);

    // The emergency snapshot: in the CLI's list with reason "power"; on the page as a notice from the event
    // stream and in the Restore list (the status shows only each source's latest, which a scheduled backup
    // may already have replaced).
    const power = await waitFor('a power snapshot in lifeboat list', async () => (await suite.world.list()).find((s) => s.reason === 'power'), 60_000);
    assert.equal(power.source, 'office');
    const notices = page.locator('section[aria-labelledby="notices-title"]');
    await waitVisible(page, notices.getByText('Emergency backup done', { exact: true }), 'the emergency backup notice in Recent events');
    await suite.browser.screenshot(page, 'status-power-cut');
    // The same page in dark mode and at desktop width, for a person to look at.
    await page.emulateMedia({ colorScheme: 'dark' });
    await suite.browser.screenshot(page, 'status-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1024, height: 700 });
    await suite.browser.screenshot(page, 'status-wide');
    await page.setViewportSize({ width: 420, height: 600 });
    await page.getByRole('link', { name: 'Restore', exact: true }).click();
    const powerRow = page.locator(`li.snapshot[data-snapshot-id="${power.id}"]`);
    await waitVisible(page, powerRow, 'the power snapshot on the Restore page');
    assert.match(await powerRow.innerText(), /power cut/);
    await page.getByRole('link', { name: 'Status', exact: true }).click();

    await suite.world.nut!.setStatus('OL');
    await verdict.and(page.locator('[data-level="critical"]')).waitFor({ state: 'detached', timeout: 60_000 });
    assert.deepEqual(suite.browser.problems(), [], 'no page errors, console errors or CSP violations');
  });
});
