// UI-03: restore through the UI in real Chromium against a real agent. The live database is changed after
// the backup, restored through the dialog (PIN asked for and given), and the test then reads the database
// file itself: its content must equal the snapshot's, not just what the page says. "Save a copy as..." is
// checked the same way.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { chromiumSkipReason, holdsFocus, isFocused, waitVisible } from '../helpers/chromium.ts';
import { api, readNote, setNote, uiSuite } from './ui-fixture.ts';

/** A digest of every row of every table, read straight from the file. */
function contentDigest(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const h = crypto.createHash('sha256');
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>;
    for (const { name } of tables) {
      h.update(`table ${name}\n`);
      for (const row of db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).iterate()) h.update(JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v)) + '\n');
    }
    return h.digest('hex');
  } finally {
    db.close();
  }
}

describe('UI-03 restore', { skip: chromiumSkipReason(), timeout: 240_000 }, () => {
  const suite = uiSuite();

  it('UI-03 restores the latest snapshot into the live database, and saves a copy elsewhere', async () => {
    // The fixture's backup holds "the original note"; its content is the expected result.
    const snapshotDigest = contentDigest(suite.world.dbPath);
    const [snap] = await suite.world.list();
    assert.ok(snap);
    setNote(suite.world.dbPath, 'changed after the backup');
    assert.notEqual(contentDigest(suite.world.dbPath), snapshotDigest);

    const page = await suite.browser.newPage();
    await page.goto(suite.world.url);
    await page.getByRole('link', { name: 'Restore' }).click();
    const row = page.locator(`li.snapshot[data-snapshot-id="${snap.id}"]`);
    await row.waitFor({ timeout: 30_000 });
    const restoreButton = row.getByRole('button', { name: /^Restore to original/ });

    // The dialog: named, modal, Esc cancels and gives focus back.
    await restoreButton.click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    assert.equal(await dialog.getAttribute('aria-modal'), 'true');
    const text = await dialog.innerText();
    assert.ok(text.includes(snap.id), 'the dialog names the snapshot');
    assert.match(text, /safety copy of the current data is kept/);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.ok(await isFocused(restoreButton), 'focus returns to the button that opened it');

    // Focus stays inside: Tab more times than there are controls and it never leaves the dialog.
    await restoreButton.click();
    await dialog.waitFor();
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press(i % 2 ? 'Shift+Tab' : 'Tab');
      assert.ok(await holdsFocus(dialog), `focus stays in the dialog (Tab ${i + 1})`);
    }
    await suite.browser.screenshot(page, 'restore-dialog');

    await dialog.getByRole('button', { name: 'Restore', exact: true }).click();
    await waitVisible(page, dialog.getByRole('heading', { name: 'Restore finished' }), 'the restore result', 60_000);
    const result = await dialog.innerText();
    assert.match(result, /What was checked/);
    await suite.browser.screenshot(page, 'restore-result');

    // The evidence: the live file itself, and the safety snapshot the CLI lists.
    assert.equal(contentDigest(suite.world.dbPath), snapshotDigest, 'the live database now holds the snapshot\'s content');
    assert.equal(readNote(suite.world.dbPath).note, 'the original note');
    const safety = (await suite.world.list()).find((s) => s.reason === 'pre-restore');
    assert.ok(safety, 'a safety snapshot of the data before the restore');
    assert.ok(result.includes(safety.id), 'the dialog names the safety snapshot');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });

    // Save a copy as...: the copy is the snapshot; the live database is not touched.
    await page.locator(`li.snapshot[data-snapshot-id="${safety.id}"]`).waitFor({ timeout: 30_000 });
    const copy = path.join(suite.world.dir, 'copy.db');
    await page.locator(`li.snapshot[data-snapshot-id="${safety.id}"]`).getByRole('button', { name: /^Save a copy as/ }).click();
    await dialog.getByLabel(/Save the copy as/).fill(copy);
    await dialog.getByRole('button', { name: 'Save the copy' }).click();
    await waitVisible(page, dialog.getByRole('heading', { name: 'Restore finished' }), 'the copy result', 60_000);
    assert.ok(fs.existsSync(copy));
    assert.equal(readNote(copy).note, 'changed after the backup', 'the copy holds the safety snapshot');
    assert.equal(readNote(suite.world.dbPath).note, 'the original note', 'the live data is untouched by a copy');
    assert.deepEqual(suite.browser.problems(), [], 'no page errors, console errors or CSP violations');
    await page.close();
  });

  it('UI-05 with an admin PIN set, the dialog asks for it after pin-required and the restore goes through', async () => {
    // The fixture's first backup: UI-03 put the live database back to it, so its content is the expected one.
    const [latest] = (await suite.world.list()).sort((a, b) => a.time.localeCompare(b.time));
    assert.ok(latest);
    const expected = contentDigest(suite.world.dbPath);
    assert.equal(readNote(suite.world.dbPath).note, 'the original note');
    setNote(suite.world.dbPath, 'changed before the PIN restore');
    await api(suite.world, 'setPin', { next: '2468' });

    const page = await suite.browser.newPage();
    // A new tab has no session token yet: open the agent's address, straight at the Restore page.
    await page.goto(`${suite.world.url}#/restore`);
    const row = page.locator(`li.snapshot[data-snapshot-id="${latest.id}"]`);
    await waitVisible(page, row, `snapshot ${latest.id} on the Restore page`);
    await row.getByRole('button', { name: /^Restore to original/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Restore', exact: true }).click();
    const pin = dialog.getByLabel('Admin PIN');
    await waitVisible(page, pin, 'the PIN field after pin-required');
    assert.match(await dialog.innerText(), /needs the admin PIN/i, 'the agent\'s reason in words');
    assert.ok(await isFocused(pin), 'the PIN field gets the focus');
    assert.equal(readNote(suite.world.dbPath).note, 'changed before the PIN restore', 'nothing was restored without the PIN');

    await pin.fill('1111');
    await dialog.getByRole('button', { name: 'Restore with this PIN' }).click();
    await waitVisible(page, dialog.getByText(/wrong PIN/i), 'the wrong-PIN message');
    await pin.fill('2468');
    await dialog.getByRole('button', { name: 'Restore with this PIN' }).click();
    await waitVisible(page, dialog.getByRole('heading', { name: 'Restore finished' }), 'the restore result', 60_000);
    assert.equal(contentDigest(suite.world.dbPath), expected, 'the live database holds the snapshot again');
    // The refused tries are HTTP 403s, which Chromium logs as failed loads; nothing else may be in the console.
    assert.deepEqual(suite.browser.problems().filter((p) => !/status of 403/.test(p)), [], 'no page errors or CSP violations');
  });
});
