// UI-06: restore from a target through the UI (for when this computer's repository is lost): the Restore
// page lists the snapshots on a configured folder target, saves a copy from there and restores the live
// database from there; the test checks the files themselves.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { chromiumSkipReason, waitVisible } from '../helpers/chromium.ts';
import { readNote, setNote, uiSuite } from './ui-fixture.ts';

describe('UI-06 restore from a target', { skip: chromiumSkipReason(), timeout: 240_000 }, () => {
  const suite = uiSuite({ folderTarget: 'nas' });

  it('UI-06 lists the snapshots on a target, saves a copy from it and restores the live data from it', async () => {
    const [snap] = await suite.world.list();
    assert.ok(snap);
    setNote(suite.world.dbPath, 'changed after the copy went offsite');

    const page = await suite.browser.newPage();
    await page.goto(`${suite.world.url}#/restore`);
    await waitVisible(page, page.locator(`li.snapshot[data-snapshot-id="${snap.id}"]`), 'the local snapshot');
    await page.getByLabel('Snapshots from').selectOption('nas');
    const row = page.locator(`li.snapshot[data-snapshot-id="${snap.id}"]`);
    await waitVisible(page, row, 'the snapshot as listed on the target');
    assert.equal(await page.locator('li.snapshot').count(), 1, 'only what the target holds');

    const copy = path.join(suite.world.dir, 'from-nas.db');
    await row.getByRole('button', { name: /^Save a copy as/ }).click();
    const dialog = page.getByRole('dialog');
    assert.match(await dialog.innerText(), /read from the target nas/);
    await dialog.getByLabel(/Save the copy as/).fill(copy);
    await dialog.getByRole('button', { name: 'Save the copy' }).click();
    await waitVisible(page, dialog.getByRole('heading', { name: 'Restore finished' }), 'the copy from the target', 60_000);
    assert.equal(readNote(copy).note, 'the original note', 'the copy holds the snapshot from the target');
    await dialog.getByRole('button', { name: 'Close' }).click();

    await row.getByRole('button', { name: /^Restore to original/ }).click();
    await dialog.getByRole('button', { name: 'Restore', exact: true }).click();
    await waitVisible(page, dialog.getByRole('heading', { name: 'Restore finished' }), 'the live restore from the target', 60_000);
    assert.equal(readNote(suite.world.dbPath).note, 'the original note', 'the live database was restored from the target');
    await suite.browser.screenshot(page, 'restore-from-target');
    assert.deepEqual(suite.browser.problems(), [], 'no page errors, console errors or CSP violations');
  });
});
