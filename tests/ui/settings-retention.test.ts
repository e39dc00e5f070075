// SET-02: the retention preview in the Settings screen, in real Chromium against a real agent with two real
// snapshots: a policy typed in the form lists each snapshot as kept or removed with the engine's reasons,
// the same ones `lifeboat prune --dry-run` would remove once it is saved.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from '../helpers/agent-process.ts';
import { chromiumSkipReason } from '../helpers/chromium.ts';
import { cliJson } from '../helpers/cli.ts';
import { api, setNote, uiSuite } from './ui-fixture.ts';

const KEYS = ['Newest snapshots', 'Quarter-hours', 'Hours', 'Days', 'Weeks', 'Months', 'Years'];

describe('SET-02 retention preview', { skip: chromiumSkipReason(), timeout: 240_000 }, () => {
  const suite = uiSuite();

  it('SET-02 after two backups the preview lists both snapshots with keep/remove and why; saved, prune --dry-run agrees', async () => {
    // A second real snapshot, taken by the running agent.
    setNote(suite.world.dbPath, 'a change for the second snapshot');
    await api(suite.world, 'backupNow', {});
    const snaps = await waitFor('two snapshots in lifeboat list', async () => {
      const l = await suite.world.list();
      return l.length >= 2 ? l : undefined;
    }, 60_000);
    const sorted = [...snaps].sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
    const newest = sorted[0]!;
    const older = sorted.slice(1);

    const page = await suite.browser.newPage();
    await page.goto(`${suite.world.url}#/settings`);
    const section = page.getByRole('region', { name: 'Retention' });
    await section.waitFor({ timeout: 30_000 });
    // Keep only the newest: empty every box, then 1 in "Newest snapshots".
    for (const k of KEYS) await section.getByLabel(k, { exact: true }).fill('');
    await section.getByLabel('Newest snapshots', { exact: true }).fill('1');

    const preview = section.getByRole('region', { name: 'Preview with the snapshots there are now' });
    await preview.getByRole('status').filter({ hasText: `Keeps 1, removes ${older.length} of ${snaps.length} snapshots.` }).waitFor({ timeout: 30_000 });
    const rows = await preview.locator('li[data-snapshot]').evaluateAll((lis) => lis.map((li) => ({
      id: li.getAttribute('data-snapshot'),
      verdict: li.querySelector('.s-badge')?.textContent,
      reasons: li.querySelector('.s-reasons')?.textContent ?? '',
    })));
    assert.equal(rows.length, snaps.length, `one row per snapshot: ${JSON.stringify(rows)}`);
    const byId = new Map(rows.map((r) => [r.id, r]));
    assert.equal(byId.get(newest.id)?.verdict, 'Keep');
    assert.match(byId.get(newest.id)!.reasons, /newest/i, 'the newest says why it is kept');
    for (const o of older) {
      assert.equal(byId.get(o.id)?.verdict, 'Remove', `${o.id} would be removed`);
      assert.match(byId.get(o.id)!.reasons, /not selected by any rule/, 'and says why');
    }
    await suite.browser.screenshot(page, 'settings-retention-preview');

    // Saved: settings.json holds the policy, and the engine's own prune (dry run) removes exactly the rows marked Remove.
    await section.getByRole('button', { name: 'Save retention' }).click();
    await section.getByRole('status').filter({ hasText: /^Saved/ }).waitFor({ timeout: 30_000 });
    const stored = JSON.parse(fs.readFileSync(path.join(suite.world.dataDir, 'settings.json'), 'utf8')) as { retention: unknown };
    assert.deepEqual(stored.retention, { last: 1 });
    const dry = await cliJson<{ removed: Array<{ id: string }> }>(['prune', '--dry-run'], { dataDir: suite.world.dataDir });
    assert.deepEqual(dry.removed.map((r) => r.id).sort(), older.map((o) => o.id).sort());
    assert.equal((await suite.world.list()).length, snaps.length, 'a preview and a save remove nothing');
    assert.deepEqual(suite.browser.problems(), [], 'no page errors, console errors or CSP violations');
  });
});
