import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Lifeboat } from '../../src-main/core/lifeboat.ts';
import { Repository } from '../../src-main/core/repository/repository.ts';
import { copySnapshots } from '../../src-main/core/engine/copy-snapshots.ts';
import { verifySnapshots } from '../../src-main/core/engine/verify.ts';
import { createOfficeDb, checkOfficeInvariant } from '../../src-main/core/sources/demo-office-db.ts';
import { tempDir } from '../helpers/cli.ts';

for (const passphrase of ['', 'twin-pass']) {
  test(`copying snapshots makes a twin repository that verifies and restores on its own (${passphrase ? 'encrypted' : 'plain'})`, async () => {
    const t = tempDir();
    try {
      const dbPath = path.join(t.dir, 'office.db');
      createOfficeDb(dbPath, { targetBytes: 3 << 20, seed: 31 });
      const lb = await Lifeboat.open({ dataDir: path.join(t.dir, 'data'), passphrase: async () => passphrase, initPassphrase: passphrase || null });
      await lb.addSource({ name: 'office', kind: 'sqlite', path: dbPath });
      const a = (await lb.backup()).snapshots[0]!;
      const repo = await lb.repository();
      const drive = path.join(t.dir, 'drive', 'Lifeboat');
      // A drive that is not there (its mount point gone) is refused: nothing lands on the system disk.
      await assert.rejects(copySnapshots(repo, drive, [a.id]), /drive removed/);
      assert.equal(fs.existsSync(path.join(t.dir, 'drive')), false);
      fs.mkdirSync(path.join(t.dir, 'drive'));
      const first = await copySnapshots(repo, drive, [a.id]);
      assert.deepEqual(first.copied, [a.id]);
      assert.ok(first.packsCopied > 0);
      const again = await copySnapshots(repo, drive, [a.id]);
      assert.deepEqual(again.alreadyThere, [a.id]);
      assert.equal(again.packsCopied, 0, 'nothing is copied twice');

      // The twin stands alone: opened with only the passphrase, it verifies and restores.
      const twin = await Repository.open(drive, async () => passphrase);
      assert.equal(twin.config.id, repo.config.id);
      const report = await verifySnapshots(twin, [a.id], { deep: true, tmpDir: path.join(t.dir, 'tmp') });
      assert.equal(report.ok, true, JSON.stringify(report.snapshots));
      const fresh = await Lifeboat.open({ dataDir: path.join(t.dir, 'fresh'), repoDir: drive, passphrase: async () => passphrase });
      await fresh.restore({ ref: 'latest', to: path.join(t.dir, 'out.db') });
      assert.equal(checkOfficeInvariant(path.join(t.dir, 'out.db')).ok, true);
      fresh.close();

      // A different repository at the destination is refused, not mixed.
      const other = path.join(t.dir, 'other');
      await Repository.init(other);
      await assert.rejects(copySnapshots(repo, other, [a.id]), /different Lifeboat repository/);
      assert.equal(fs.readdirSync(path.join(other, 'snapshots')).length, 0);
      lb.close();
    } finally {
      t.cleanup();
    }
  });
}
