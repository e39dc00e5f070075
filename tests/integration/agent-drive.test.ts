// AGENT-06: with the agent running, plugging in an adopted drive (an ext4 loop device mounted under the
// configured media root) copies the latest snapshots onto it, verified, and logs "safe to remove".
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createOfficeDb, checkOfficeInvariant } from '../../src-main/core/sources/demo-office-db.ts';
import { cliJson, spawnCli, tempDir } from '../helpers/cli.ts';
import { createLoopDrive, destroyAllLoopDrives, loopDriveSkipReason, mountDrive, unmountDrive } from '../peers/loop-drive.ts';

async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('agent and USB drives', { skip: loopDriveSkipReason(['ext4']) }, () => {
  const t = tempDir();
  after(() => {
    destroyAllLoopDrives();
    t.cleanup();
  });

  it('AGENT-06 an adopted drive plugged in while the agent runs gets the latest snapshot, verified, then "safe to remove"', async () => {
    const media = path.join(t.dir, 'media');
    const dataDir = path.join(t.dir, 'data');
    const dbPath = path.join(t.dir, 'office.db');
    createOfficeDb(dbPath, { targetBytes: 3 << 20, seed: 51 });
    const drive = createLoopDrive({ dir: t.dir, mediaRoot: media, label: 'OFFICE1', sizeMb: 64, fs: 'ext4' });
    await cliJson(['source', 'add', '--name', 'office', '--sqlite', dbPath], { dataDir });
    const [snap] = await cliJson<Array<{ id: string }>>(['backup'], { dataDir });
    const settingsFile = path.join(dataDir, 'settings.json');
    fs.writeFileSync(settingsFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(settingsFile, 'utf8')), drives: { mediaRoots: [media], pollSeconds: 1 } }));
    await cliJson(['drive', 'adopt', drive.mount], { dataDir });
    unmountDrive(drive);

    const agent = spawnCli(['agent'], { dataDir });
    let log = '';
    agent.stdout!.on('data', (d) => (log += d));
    const exit = new Promise<number | null>((r) => agent.once('close', (c) => r(c)));
    try {
      await waitFor('the agent to start', () => log.includes('"event":"started"'));
      mountDrive(drive); // plugged in
      const line = await waitFor('safe to remove', () => log.split('\n').find((l) => l.includes('"event":"drive-safe-to-remove"')));
      const ev = JSON.parse(line) as { copied: string[] };
      assert.deepEqual(ev.copied, [snap!.id]);
      const drives = await cliJson<Array<{ label: string; present: boolean; lastCopy: { result: string } | null }>>(['drive', 'list'], { dataDir });
      assert.equal(drives.find((d) => d.label === 'OFFICE1')?.lastCopy?.result, 'ok');
    } finally {
      agent.kill('SIGTERM');
      assert.equal(await exit, 0);
    }
    // The drive alone restores, on a fresh data dir.
    const out = path.join(t.dir, 'from-drive.db');
    await cliJson(['--repo', path.join(drive.mount, 'Lifeboat'), 'restore', 'latest', '--to', out], { dataDir: path.join(t.dir, 'fresh') });
    assert.equal(checkOfficeInvariant(out).ok, true);
  });
});
