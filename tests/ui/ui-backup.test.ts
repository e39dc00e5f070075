// UI-02: "Backup now" in real Chromium against a real agent: the page says the backup is queued or running,
// then shows the new snapshot, and the CLI confirms one more snapshot; the History page lists it and charts
// it; when the agent stops, the page says it cannot reach it and offers Retry.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/agent-process.ts';
import { chromiumSkipReason } from '../helpers/chromium.ts';
import { setNote, uiSuite } from './ui-fixture.ts';

describe('UI-02 backup now', { skip: chromiumSkipReason(), timeout: 240_000 }, () => {
  // Big enough that the backup runs for a moment, so its progress can be seen.
  const suite = uiSuite({ dbBytes: 96 << 20 });

  it('UI-02 Backup now shows queued/running, then the new snapshot; the CLI counts one more', async () => {
    const page = await suite.browser.newPage();
    await page.goto(suite.world.url);
    const source = page.locator('li.source[data-source="office"]');
    await source.locator('[data-snapshot-id]').waitFor({ timeout: 30_000 });
    const before = await suite.world.list();
    setNote(suite.world.dbPath, 'changed before Backup now');

    // Every text the state line shows is recorded in the page, so a quick backup cannot hide its states.
    // (A string, as the tests are type-checked without the DOM library.)
    await page.evaluate(`(() => {
      window.seen = [];
      window.bars = [];
      const el = document.querySelector('[data-testid="backup-state"]');
      new MutationObserver(() => window.seen.push(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
      new MutationObserver(() => {
        for (const p of document.querySelectorAll('.jobs progress')) window.bars.push(p.getAttribute('aria-label') + ' ' + (p.getAttribute('value') ?? 'indeterminate'));
      }).observe(document.body, { childList: true, attributes: true, subtree: true });
    })()`);
    await page.getByRole('button', { name: 'Backup now' }).click();
    const state = page.locator('[data-testid="backup-state"]');
    await state.filter({ hasText: /Backup finished: new snapshot at/ }).waitFor({ timeout: 60_000 });
    const seen = (await page.evaluate('window.seen')) as string[];
    assert.ok(seen.some((s) => /queued|running/i.test(s)), `the page said queued or running on the way: ${JSON.stringify(seen)}`);
    // The progress bar moved with the agent's progress events (a value, not only an indeterminate bar).
    const bars = (await page.evaluate('window.bars')) as string[];
    const values = bars.map((b) => /^Backup(?: of office)? progress (\d+)$/.exec(b)?.[1]).filter((v) => v !== undefined).map(Number);
    assert.ok(values.some((v) => v > 0 && v < 100), `a determinate progress bar for the running backup: ${JSON.stringify(bars.slice(0, 10))}`);

    const after = await waitFor('one more snapshot in lifeboat list', async () => {
      const l = await suite.world.list();
      return l.length > before.length ? l : undefined;
    });
    const added = after.filter((s) => !before.some((b) => b.id === s.id));
    const manual = added.find((s) => s.reason === 'manual');
    assert.ok(manual, `Backup now made a manual snapshot: ${JSON.stringify(added)}`);
    await source.locator(`[data-snapshot-id="${manual.id}"]`).waitFor({ timeout: 30_000 });

    // History: the backup rows, filterable, and the chart with a point per backup.
    await page.getByRole('link', { name: 'History', exact: true }).click();
    const table = page.locator('table.history');
    await table.waitFor({ timeout: 30_000 });
    await page.getByLabel('Operation').selectOption('backup');
    await waitFor('only backup rows', async () => {
      // One read of every row (typed loosely: the tests are type-checked without the DOM library).
      const ops = await table.locator('tbody tr').evaluateAll((rows: unknown[]) => rows.map((r) => (r as { getAttribute(n: string): string | null }).getAttribute('data-op')));
      return ops.length >= 2 && ops.every((o) => o === 'backup');
    });
    assert.ok(await page.locator('.chart.size circle.point').count() >= 2, 'a point per backup in the size chart');
    assert.ok(await page.locator('.chart.size polyline.line').count() === 1, 'a line through them');
    await page.getByLabel('Result').selectOption('failed');
    await page.getByText('Nothing in the history matches these filters').waitFor();
    await page.getByLabel('Result').selectOption('');
    await table.waitFor();
    await suite.browser.screenshot(page, 'history');
    assert.deepEqual(suite.browser.problems(), [], 'no page errors, console errors or CSP violations');

    // The agent goes away: the page says so in words and offers Retry (no stack trace).
    await page.getByRole('link', { name: 'Status', exact: true }).click();
    suite.world.agent.kill('SIGTERM');
    const alert = page.getByRole('alert').filter({ hasText: 'Cannot reach the Lifeboat agent' });
    await alert.waitFor({ timeout: 30_000 });
    assert.ok(await alert.getByRole('button', { name: 'Retry' }).isVisible());
    assert.doesNotMatch(await page.locator('body').innerText(), /\n\s+at /, 'no stack trace');
  });
});
