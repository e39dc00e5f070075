// SET-05..SET-08: the Settings screen's add/remove/test actions in real Chromium against a real agent, each
// checked outside the UI: settings.json and secrets.json on disk, `lifeboat ... --json`, the file system, a
// real SMTP receiver (smtp-server) and a real upsd (NUT). The UI's own words are only what the user reads.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { waitFor } from '../helpers/agent-process.ts';
import { chromiumSkipReason, SCREENSHOT_DIR, waitVisible } from '../helpers/chromium.ts';
import { cliJson } from '../helpers/cli.ts';
import { createOfficeDb } from '../../src-main/core/sources/demo-office-db.ts';
import { nutSkipReason, startNutServer } from '../peers/nut-server.ts';
import { startSmtpPeer } from '../peers/smtp-server.ts';
import { uiSuite, type UiWorld } from './ui-fixture.ts';

interface StoredSettings {
  sources: Array<{ name: string; kind: string; path: string }>;
  targets?: Array<{ name: string; url: string }>;
  ups?: string[];
  notifications?: { desktop?: boolean; email?: Record<string, unknown> };
}

function settingsText(world: UiWorld): string {
  return fs.readFileSync(path.join(world.dataDir, 'settings.json'), 'utf8');
}

function stored(world: UiWorld): StoredSettings {
  return JSON.parse(settingsText(world)) as StoredSettings;
}

function secrets(world: UiWorld): Record<string, unknown> {
  const file = path.join(world.dataDir, 'secrets.json');
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> : {};
}

/** The Settings screen, scrolled to nothing in particular; resolves once `section` is there. */
async function openSection(page: Page, world: UiWorld, section: string): Promise<Locator> {
  await page.goto(world.url);
  await page.getByRole('link', { name: 'Settings' }).click();
  const region = page.getByRole('region', { name: section });
  await waitVisible(page, region, `the ${section} section`);
  return region;
}

/**
 * A screenshot of one section (the whole screen is too tall to read), as test-artifacts/ui/<name>.png. The
 * window is made tall enough for the section first: a section taller than the window would be shot in parts,
 * with the shell's sticky header painted over it.
 */
async function shoot(page: Page, region: Locator, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const size = page.viewportSize() ?? { width: 420, height: 600 };
  const box = await region.boundingBox();
  await page.setViewportSize({ width: size.width, height: Math.ceil((box?.height ?? 0) + 200) });
  try {
    await region.scrollIntoViewIfNeeded();
    await region.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
  } finally {
    await page.setViewportSize(size);
  }
}

// A refused call (400 for bad input) is logged by Chromium as a failed resource; anything else is a problem.
const realProblems = (list: string[]): string[] => list.filter((p) => !/Failed to load resource: the server responded with a status of 4\d\d/.test(p));

describe('SET-05..08 settings actions', { skip: chromiumSkipReason() || nutSkipReason(), timeout: 360_000 }, () => {
  const suite = uiSuite();

  it('SET-05 a second SQLite source is added through the form, bad input is shown at its field, and it is removed', async () => {
    const { world, browser } = suite;
    const ledger = path.join(world.dir, 'ledger.db');
    createOfficeDb(ledger, { targetBytes: 256 << 10, seed: 11 });
    const names = async () => (await cliJson<Array<{ name: string }>>(['source', 'list'], { dataDir: world.dataDir })).map((s) => s.name).sort();
    assert.deepEqual(await names(), ['office']);

    const page = await browser.newPage();
    const section = await openSection(page, world, 'Sources');
    const name = section.getByLabel('Name', { exact: true });
    const file = section.getByLabel('Database file (full path)', { exact: true });
    const add = section.getByRole('button', { name: 'Add source' });

    // An invalid name: the contract's message at the Name field, nothing added.
    await name.fill('my ledger!');
    await file.fill(ledger);
    await add.click();
    const nameErr = section.locator('#f-source-name-err');
    await waitVisible(page, nameErr, 'the message at the Name field');
    assert.match(await nameErr.innerText(), /letters, digits/);
    assert.equal(await name.getAttribute('aria-invalid'), 'true');
    assert.deepEqual(await names(), ['office'], 'an invalid name adds nothing');

    // A relative path: the engine's message at the path field, nothing added.
    await name.fill('ledger');
    await file.fill('ledger.db');
    await add.click();
    const pathErr = section.locator('#f-source-path-err');
    await waitVisible(page, pathErr, 'the message at the path field');
    assert.match(await pathErr.innerText(), /absolute/);
    assert.equal(await nameErr.count(), 0, 'the old Name message is gone');
    assert.deepEqual(await names(), ['office'], 'a relative path adds nothing');

    // Valid: added, listed by the CLI with its kind and path, and shown in the list.
    await file.fill(ledger);
    await add.click();
    await waitVisible(page, section.getByRole('status').filter({ hasText: 'Added ledger.' }), 'Added ledger.');
    const listed = await cliJson<Array<{ name: string; kind: string; path: string }>>(['source', 'list'], { dataDir: world.dataDir });
    const entry = listed.find((s) => s.name === 'ledger');
    assert.ok(entry, `lifeboat source list has ledger: ${JSON.stringify(listed)}`);
    assert.equal(entry.kind, 'sqlite');
    assert.equal(entry.path, ledger);
    assert.equal(stored(world).sources.find((s) => s.name === 'ledger')?.path, ledger, 'settings.json has it too');
    const row = section.locator('li.s-row').filter({ hasText: 'ledger' });
    await waitVisible(page, row, 'the ledger row');
    assert.match(await row.innerText(), new RegExp(ledger.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    await shoot(page, section, 'settings-sources-added');

    // Remove (asks first), then gone from the engine.
    await section.getByRole('button', { name: 'Remove source ledger' }).click();
    const confirm = section.getByRole('group', { name: /Stop backing up ledger/ });
    await waitVisible(page, confirm, 'the remove question');
    await confirm.getByRole('button', { name: 'Remove', exact: true }).click();
    await waitVisible(page, section.getByRole('status').filter({ hasText: 'Removed ledger.' }), 'Removed ledger.');
    assert.deepEqual(await names(), ['office'], 'ledger is gone from lifeboat source list');
    assert.equal(await row.count(), 0, 'and from the list on the screen');
    assert.ok(fs.existsSync(ledger), 'removing a source leaves its database alone');
    assert.deepEqual(realProblems(browser.problems()), []);
  });

  it('SET-06 a file:// target is added through the form, "Test connection" shows its steps ending ok, and it is removed', async () => {
    const { world, browser } = suite;
    const offsite = path.join(world.dir, 'offsite');
    fs.mkdirSync(offsite);
    const url = `file://${offsite}`;
    const page = await browser.newPage();
    const section = await openSection(page, world, 'Offsite targets');
    await section.getByLabel('Name', { exact: true }).fill('nas2');
    await section.getByLabel('Address (URL)', { exact: true }).fill(url);
    await section.getByRole('button', { name: 'Add target' }).click();
    await waitVisible(page, section.getByRole('status').filter({ hasText: /^Added nas2\./ }), 'Added nas2.');
    const target = stored(world).targets?.find((t) => t.name === 'nas2');
    assert.ok(target, `settings.json has the target: ${settingsText(world)}`);
    assert.equal(target.url, url);
    const cliTargets = await cliJson<Array<{ name: string }>>(['target', 'list'], { dataDir: world.dataDir });
    assert.ok(cliTargets.some((t) => t.name === 'nas2'), `lifeboat target list has nas2: ${JSON.stringify(cliTargets)}`);

    // Test connection: the engine's steps, each ok, the last one too.
    await section.getByRole('button', { name: 'Test connection to nas2' }).click();
    const result = section.locator('.s-test-result');
    await waitVisible(page, result.filter({ hasText: /Connection (works|failed)\./ }), 'the test result', 60_000);
    assert.match(await result.innerText(), /Connection works\./, await result.innerText());
    const lines = await result.locator('li').allInnerTexts();
    assert.ok(lines.length >= 2, `several steps: ${JSON.stringify(lines)}`);
    for (const l of lines) assert.match(l, /^ok: /, `every step ok: ${JSON.stringify(lines)}`);
    // The test really reached the folder: something of Lifeboat's was written there.
    assert.ok(fs.readdirSync(offsite).length > 0, 'the test wrote into the target folder');
    await shoot(page, section, 'settings-target-tested');

    await section.getByRole('button', { name: 'Remove target nas2' }).click();
    await section.getByRole('group', { name: /Stop copying to nas2/ }).getByRole('button', { name: 'Remove', exact: true }).click();
    await waitVisible(page, section.getByRole('status').filter({ hasText: 'Removed nas2.' }), 'Removed nas2.');
    assert.ok(!(stored(world).targets ?? []).some((t) => t.name === 'nas2'), 'settings.json no longer has the target');
    assert.deepEqual(realProblems(browser.problems()), []);
  });

  it('SET-07 "Send test e-mail" reaches a real SMTP receiver; a wrong password says so; the saved settings hold no password', async () => {
    const { world, browser } = suite;
    const smtp = await startSmtpPeer({ auth: { user: 'alerts', password: 'right-horse-battery' } });
    try {
      const page = await browser.newPage();
      const section = await openSection(page, world, 'Notifications');
      await section.getByLabel('Send e-mail alerts', { exact: true }).check();
      await section.getByLabel('SMTP server', { exact: true }).fill(smtp.host);
      await section.getByLabel('Port', { exact: true }).fill(String(smtp.port));
      await section.getByLabel('User name (optional)', { exact: true }).fill('alerts');
      const password = section.getByLabel('Password', { exact: true });
      await password.fill('right-horse-battery');
      await section.getByLabel('From address', { exact: true }).fill('lifeboat@office.test');
      await section.getByLabel('Send to (comma-separated)', { exact: true }).fill('boss@office.test');
      const send = section.getByRole('button', { name: 'Send test e-mail' });

      await send.click();
      const [mail] = await smtp.waitFor(1, 60_000);
      assert.equal(mail!.user, 'alerts', 'the agent logged in with the typed user');
      assert.deepEqual(mail!.to, ['boss@office.test']);
      assert.equal(mail!.from, 'lifeboat@office.test');
      await waitVisible(page, section.getByRole('status').filter({ hasText: 'Test e-mail sent to boss@office.test.' }), 'the sent line');
      await shoot(page, section, 'settings-email-test');

      // A wrong password: the clear sentence, and no mail.
      await password.fill('wrong-horse');
      await send.click();
      const refused = section.getByRole('alert').filter({ hasText: /user name or password/ });
      await waitVisible(page, refused, 'the wrong-password message', 60_000);
      assert.ok(!/\n\s+at /.test(await refused.innerText()), 'no stack trace');
      assert.equal(smtp.received.length, 1, 'a refused login sends nothing');
      await shoot(page, section, 'settings-email-wrong-password');

      // Saved with the right password: settings.json has the server but no password; the secret store has it.
      await password.fill('right-horse-battery');
      await section.getByRole('button', { name: 'Save notifications' }).click();
      await waitVisible(page, section.getByRole('status').filter({ hasText: /^Saved/ }), 'Saved');
      const text = settingsText(world);
      const email = stored(world).notifications?.email;
      assert.ok(email, `settings.json has the e-mail settings: ${text}`);
      assert.equal(email.host, smtp.host);
      assert.equal(email.port, smtp.port);
      assert.equal(email.user, 'alerts');
      assert.equal(email.enabled, true);
      assert.ok(!text.includes('right-horse-battery') && !text.includes('wrong-horse'), 'no password in settings.json');
      assert.ok(!('password' in email), 'no password key either');
      assert.equal(secrets(world).smtp, 'right-horse-battery', 'the password is in the secret store');
      assert.equal(await password.inputValue(), '', 'the password box is emptied after saving');

      // A fresh page: the box is empty and says a password is saved; a test with it empty uses the stored one.
      const again = await openSection(page, world, 'Notifications');
      assert.equal(await again.getByLabel('Password', { exact: true }).getAttribute('placeholder'), 'saved (type to replace)');
      await again.getByRole('button', { name: 'Send test e-mail' }).click();
      await smtp.waitFor(2, 60_000);
      assert.equal(smtp.received[1]!.user, 'alerts');
      assert.deepEqual(realProblems(browser.problems()), []);
    } finally {
      await smtp.stop();
    }
  });

  it('SET-08 a NUT address with a password is saved without it, and the Status page shows the UPS on line', async () => {
    const { world, browser } = suite;
    const nut = await startNutServer();
    try {
      const { user, password: pw } = nut.admin;
      const typed = `nut://${user}:${pw}@127.0.0.1:${nut.port}/${nut.ups}`;
      const bare = `nut://${user}@127.0.0.1:${nut.port}/${nut.ups}`;
      const page = await browser.newPage();
      const section = await openSection(page, world, 'UPS and power');
      await section.getByRole('button', { name: 'Add a UPS' }).click();
      await section.getByLabel('UPS address 1', { exact: true }).fill(typed);
      await section.getByRole('button', { name: 'Save power settings' }).click();
      await waitVisible(page, section.getByRole('status').filter({ hasText: /^Saved/ }), 'Saved');

      const text = settingsText(world);
      assert.deepEqual(stored(world).ups, [bare], 'settings.json keeps the address without the password');
      assert.ok(!text.includes(pw), 'the password is nowhere in settings.json');
      assert.ok(Object.values(secrets(world)).includes(pw), 'it is in the secret store');
      const cliUps = JSON.stringify(await cliJson(['ups', 'list'], { dataDir: world.dataDir }));
      assert.ok(cliUps.includes(`127.0.0.1:${nut.port}`) && !cliUps.includes(pw), `lifeboat ups list has it, without the password: ${cliUps}`);
      assert.equal(await section.getByLabel('UPS address 1', { exact: true }).inputValue(), bare, 'the form shows what was saved');

      // The agent reads it (logging in with the stored password): the Status page's power panel says on line.
      await page.getByRole('link', { name: 'Status', exact: true }).click();
      const row = page.locator('[data-power="online"]').filter({ hasText: `127.0.0.1:${nut.port}` });
      await waitVisible(page, row, 'the UPS on mains power on the Status page', 60_000);
      assert.match(await row.innerText(), /On mains power/);
      assert.ok(!(await page.locator('body').innerText()).includes(pw), 'the password is not shown anywhere');
      // The shell keeps the Settings page's scroll offset on the way to Status; shoot from the top, or the
      // sticky header lands in the middle of the full-page picture.
      await page.evaluate('window.scrollTo(0, 0)');
      await browser.screenshot(page, 'settings-ups-status');

      // Removed through the form: gone from settings.json and from the secret store.
      const again = await openSection(page, world, 'UPS and power');
      await again.getByRole('button', { name: 'Remove UPS address 1' }).click();
      await again.getByRole('button', { name: 'Save power settings' }).click();
      await waitVisible(page, again.getByRole('status').filter({ hasText: /^Saved/ }), 'Saved after removing');
      assert.deepEqual(stored(world).ups ?? [], []);
      await waitFor('the UPS password to leave the secret store', () => (Object.values(secrets(world)).includes(pw) ? undefined : true), 10_000);
      assert.deepEqual(realProblems(browser.problems()), []);
    } finally {
      await nut.stop();
    }
  });
});
