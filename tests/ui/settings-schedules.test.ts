// SET-01: the backup schedule in the Settings screen, in real Chromium against a real agent. An invalid cron
// expression is shown at its field, Save stays disabled, no save is sent and settings.json is unchanged (the
// agent refuses it too, naming the field); a valid one shows its human form and next three runs, saves, and
// the running agent's next backup moves to the first of those runs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from '../helpers/agent-process.ts';
import { chromiumSkipReason } from '../helpers/chromium.ts';
import { cliJson } from '../helpers/cli.ts';
import { uiSuite } from './ui-fixture.ts';

type NextRuns = { nextRuns: Array<{ id: string; next: string }> };

describe('SET-01 schedules', { skip: chromiumSkipReason(), timeout: 240_000 }, () => {
  const suite = uiSuite();

  it('SET-01 an invalid cron is shown at the field and not saved; a valid one shows its next runs, saves, and moves the agent\'s next run', async () => {
    const settingsFile = path.join(suite.world.dataDir, 'settings.json');
    const page = await suite.browser.newPage();
    const saves: string[] = [];
    const checked: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/saveSettings')) saves.push(r.postData() ?? '');
      if (r.url().endsWith('/api/checkSchedule')) checked.push((JSON.parse(r.postData() ?? '{}') as { cron: string }).cron);
    });
    await page.goto(suite.world.url);
    await page.getByRole('link', { name: 'Settings' }).click();
    const cron = page.getByLabel('Backup schedule (cron)');
    await cron.waitFor({ timeout: 30_000 });
    assert.equal(await cron.inputValue(), '*/15 * * * *', 'the default backup schedule is shown when there is no override');
    const save = page.getByRole('button', { name: 'Save schedules' });
    const before = fs.readFileSync(settingsFile, 'utf8');
    const agentBefore = await cliJson<NextRuns>(['status'], { dataDir: suite.world.dataDir });
    const backupBefore = agentBefore.nextRuns.find((r) => r.id === 'backup');
    assert.ok(backupBefore, `the agent schedules the backup job: ${JSON.stringify(agentBefore.nextRuns)}`);

    // Invalid: minute 61. The engine's message appears at the field, which is marked invalid.
    await cron.fill('61 * * * *');
    const fieldErr = page.locator('#f-patch-schedules-backup-cron-err');
    await fieldErr.waitFor({ timeout: 30_000 });
    const message = await fieldErr.innerText();
    assert.match(message, /61|minute/i, `the message says what is wrong: ${message}`);
    assert.equal(await cron.getAttribute('aria-invalid'), 'true');
    assert.equal(await cron.getAttribute('aria-describedby'), 'f-patch-schedules-backup-cron-err', 'the message is the field\'s description');
    assert.ok(await save.isDisabled(), 'Save is disabled while the expression is invalid');
    // Enter in the field submits the form: it must not send anything either.
    await cron.press('Enter');
    await suite.browser.screenshot(page, 'settings-cron-invalid');

    // The agent refuses the same expression on its own, naming the field (the UI is not the only guard).
    const refused = await fetch(`${suite.world.base}/api/saveSettings`, {
      method: 'POST', headers: { Authorization: `Bearer ${suite.world.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ patch: { schedules: { backup: { cron: '61 * * * *' } } } }),
    });
    const refusal = await refused.json() as { code: string; fields?: Array<{ path: string; message: string }> };
    assert.equal(refused.status, 400);
    assert.equal(refusal.code, 'bad-input');
    assert.ok(refusal.fields?.some((f) => f.path === 'patch.schedules.backup.cron'), `the refusal names the field: ${JSON.stringify(refusal)}`);

    // Valid: 02:07 every day. The human form and three next runs replace the error.
    await cron.fill('7 2 * * *');
    const hint = page.locator('#f-patch-schedules-backup-cron-hint');
    await hint.filter({ hasText: /02:07/ }).waitFor({ timeout: 30_000 });
    assert.equal(await fieldErr.count(), 0, 'the error is gone');
    assert.equal(await cron.getAttribute('aria-invalid'), null);
    const shownRuns = await hint.locator('time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime') ?? ''));
    assert.equal(shownRuns.length, 3, `three next runs: ${JSON.stringify(shownRuns)}`);
    for (const t of shownRuns) {
      const d = new Date(t);
      assert.ok(d.getTime() > Date.now(), `${t} is in the future`);
    }
    // Every request the invalid phase could have caused was sent before this check of the valid expression.
    assert.ok(checked.includes('7 2 * * *'));
    assert.deepEqual(saves, [], 'nothing was saved while the expression was invalid');
    assert.equal(fs.readFileSync(settingsFile, 'utf8'), before, 'settings.json is unchanged by the invalid expression');

    await save.click();
    await page.getByRole('status').filter({ hasText: /^Saved/ }).waitFor({ timeout: 30_000 });
    assert.equal(saves.length, 1);
    const stored = JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as { schedules?: Record<string, { cron?: string }> };
    assert.equal(stored.schedules?.backup?.cron, '7 2 * * *', 'settings.json holds the new schedule');
    assert.equal(await cron.inputValue(), '7 2 * * *', 'the field shows the saved value');

    // The running agent re-armed its timer: its next backup is the first run the page showed.
    const next = await waitFor('the agent\'s next backup to move to the new schedule', async () => {
      const s = await cliJson<NextRuns>(['status'], { dataDir: suite.world.dataDir });
      const b = s.nextRuns.find((r) => r.id === 'backup');
      return b && Date.parse(b.next) === Date.parse(shownRuns[0]!) ? b : undefined;
    }, 30_000);
    assert.notEqual(Date.parse(next.next), Date.parse(backupBefore.next));
    // The page says when the agent runs it next, from the agent's status.
    await page.locator('[data-job="backup"] .s-row-head time').and(page.locator(`[datetime="${next.next}"]`)).waitFor({ timeout: 30_000 });
    await suite.browser.screenshot(page, 'settings-schedule-saved');
    assert.deepEqual(suite.browser.problems(), [], 'no page errors, console errors or CSP violations');
  });
});
