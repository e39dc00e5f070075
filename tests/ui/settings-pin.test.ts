// SET-04: the admin PIN in the Settings screen, in real Chromium against a real agent and its real PIN store.
// A PIN set through the Admin PIN section guards the engine (checked with a direct call, not the UI's word);
// on a fresh page a save is answered 'pin-required', the screen asks for the PIN, shows the engine's message
// for a wrong one, saves with the right one (settings.json on disk changes only then), Cancel saves nothing;
// finally the PIN is removed through the UI and the engine takes changes without it again.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumSkipReason, SCREENSHOT_DIR, waitVisible } from '../helpers/chromium.ts';
import { api, uiSuite, type UiWorld } from './ui-fixture.ts';

const PIN = '2468';

function stored(world: UiWorld): { retention?: Record<string, number> } {
  return JSON.parse(fs.readFileSync(path.join(world.dataDir, 'settings.json'), 'utf8')) as { retention?: Record<string, number> };
}

/** What the engine says about a settings save without a PIN: 'saved', or the refusal's text. */
async function saveWithoutPin(world: UiWorld): Promise<string> {
  const policy = stored(world).retention ?? {};
  try {
    await api(world, 'saveSettings', { patch: { retention: policy } });
    return 'saved';
  } catch (err) {
    return (err as Error).message;
  }
}

/** A fresh page on the Settings screen (a new page knows no PIN: the screen keeps it in memory only). */
async function openSettings(page: Page, world: UiWorld): Promise<void> {
  await page.goto(world.url);
  await page.getByRole('link', { name: 'Settings' }).click();
  await waitVisible(page, page.getByRole('region', { name: 'Retention' }).getByLabel('Newest snapshots', { exact: true }), 'the Retention section');
}

describe('SET-04 admin PIN', { skip: chromiumSkipReason(), timeout: 240_000 }, () => {
  const suite = uiSuite();

  it('SET-04 a PIN set in the UI guards saves: wrong PIN shows the engine message, the right one saves, Cancel saves nothing; removed in the UI', async () => {
    const { world, browser } = suite;
    assert.equal(await saveWithoutPin(world), 'saved', 'no PIN yet: the engine takes a change without one');

    // Set the PIN through the Admin PIN section.
    const page = await browser.newPage();
    await openSettings(page, world);
    const pinSection = page.getByRole('region', { name: 'Admin PIN' });
    await pinSection.getByLabel('PIN', { exact: true }).fill(PIN);
    await pinSection.getByLabel('PIN again', { exact: true }).fill(PIN);
    await pinSection.getByRole('button', { name: 'Set PIN' }).click();
    await waitVisible(page, pinSection.getByRole('status').filter({ hasText: /^PIN set/ }), 'PIN set');
    // The engine's word, not the UI's: its status says so, a change without the PIN is refused, and the
    // secret store holds a hash, never the PIN itself.
    assert.equal((await api<{ agent: { pinSet: boolean } }>(world, 'getStatus')).agent.pinSet, true);
    assert.match(await saveWithoutPin(world), /needs the admin PIN/);
    const secrets = fs.readFileSync(path.join(world.dataDir, 'secrets.json'), 'utf8');
    assert.match(secrets, /admin-pin/);
    assert.ok(!secrets.includes(`"${PIN}"`), 'the PIN is not stored in clear');
    // The section now offers change and remove.
    await waitVisible(page, pinSection.getByLabel('Current PIN', { exact: true }), 'the Current PIN box once a PIN is set');

    // A fresh page: the save is answered pin-required and the dialog opens with focus in its box.
    await openSettings(page, world);
    const before = stored(world).retention;
    const section = page.getByRole('region', { name: 'Retention' });
    const last = section.getByLabel('Newest snapshots', { exact: true });
    await last.fill('5');
    await section.getByRole('button', { name: 'Save retention' }).click();
    const dialog = page.getByRole('dialog', { name: 'Admin PIN' });
    await waitVisible(page, dialog, 'the PIN dialog');
    assert.match(await dialog.innerText(), /needs the admin PIN/);
    const pinBox = dialog.getByLabel('PIN', { exact: true });
    assert.equal(await pinBox.evaluate((el) => el === el.ownerDocument.activeElement), true, 'focus is in the PIN box');

    // A wrong PIN: the engine's message, the box emptied, nothing written.
    await pinBox.fill('1111');
    await pinBox.press('Enter');
    await waitVisible(page, dialog.getByText('wrong PIN: changing settings needs the admin PIN'), "the engine's wrong-PIN message");
    assert.equal(await pinBox.inputValue(), '');
    assert.deepEqual(stored(world).retention, before, 'a wrong PIN changes nothing on disk');

    // The right one: saved, on disk.
    await pinBox.fill(PIN);
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await waitVisible(page, section.getByRole('status').filter({ hasText: /^Saved/ }), 'Saved after the right PIN');
    assert.equal(await dialog.count(), 0, 'the dialog is gone');
    assert.equal(stored(world).retention?.last, 5, 'settings.json holds the new policy');
    await browser.screenshot(page, 'settings-pin-saved');

    // Cancel on a fresh page: the section says why, the typed value stays, the file is untouched.
    await openSettings(page, world);
    const fileBefore = fs.readFileSync(path.join(world.dataDir, 'settings.json'), 'utf8');
    await last.fill('9');
    await section.getByRole('button', { name: 'Save retention' }).click();
    await waitVisible(page, dialog, 'the PIN dialog again');
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'settings-pin-dialog.png') }); // the viewport: the dialog sits in it
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await waitVisible(page, section.getByRole('alert').filter({ hasText: 'Not changed: the admin PIN is needed for this.' }), 'the Cancel message');
    assert.equal(await dialog.count(), 0);
    assert.equal(await last.inputValue(), '9', 'the typed value stays, to save later');
    assert.equal(fs.readFileSync(path.join(world.dataDir, 'settings.json'), 'utf8'), fileBefore, 'Cancel writes nothing');

    // Remove the PIN through the UI: current PIN, Remove, confirm.
    await pinSection.getByLabel('Current PIN', { exact: true }).fill(PIN);
    await pinSection.getByRole('button', { name: 'Remove PIN' }).click();
    await pinSection.getByRole('group').getByRole('button', { name: 'Remove', exact: true }).click();
    await waitVisible(page, pinSection.getByRole('status').filter({ hasText: 'PIN removed.' }), 'PIN removed');
    assert.equal((await api<{ agent: { pinSet: boolean } }>(world, 'getStatus')).agent.pinSet, false);
    assert.equal(await saveWithoutPin(world), 'saved', 'without a PIN the engine takes changes again');
    assert.ok(!fs.readFileSync(path.join(world.dataDir, 'secrets.json'), 'utf8').includes('admin-pin'), 'the PIN hash is gone from the secret store');
    assert.deepEqual(browser.problems().filter((p) => !/status of 403/.test(p)), [], 'no page errors beyond the refused calls');
  });
});
