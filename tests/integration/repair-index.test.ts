// A lost index is rebuilt from the packs' own trailers: the snapshots come back without any data loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createOfficeDb, checkOfficeInvariant } from '../../src-main/core/sources/demo-office-db.ts';
import { cliJson, runCli, tempDir } from '../helpers/cli.ts';

for (const passphrase of ['', 'index-test-pass']) {
  test(`repair --index rebuilds a deleted index from the packs (${passphrase ? 'encrypted' : 'plain'})`, async () => {
    const t = tempDir();
    try {
      const env = passphrase ? { LIFEBOAT_PASSPHRASE: passphrase } : {};
      const dbPath = path.join(t.dir, 'office.db');
      createOfficeDb(dbPath, { targetBytes: 6 << 20, seed: 21 });
      const dataDir = path.join(t.dir, 'data');
      await cliJson(['source', 'add', '--name', 'office', '--sqlite', dbPath], { dataDir, env });
      const [snap] = await cliJson<Array<{ id: string }>>(['backup'], { dataDir, env });
      const indexDir = path.join(dataDir, 'repository', 'index');
      for (const f of fs.readdirSync(indexDir)) fs.rmSync(path.join(indexDir, f));

      const broken = await runCli(['verify', '--all', '--json'], { dataDir, env });
      assert.equal(broken.code, 1, 'a missing index is reported as damage');
      const repaired = await runCli(['repair', '--index', '--json'], { dataDir, env });
      assert.equal(repaired.code, 0, repaired.stderr);
      assert.ok(JSON.parse(repaired.stdout).index.blobs > 0);
      const ok = await runCli(['verify', '--all', '--deep', '--json'], { dataDir, env });
      assert.equal(ok.code, 0, ok.stdout);
      const out = path.join(t.dir, 'out.db');
      await cliJson(['restore', snap!.id, '--to', out], { dataDir, env });
      assert.equal(checkOfficeInvariant(out).ok, true);
    } finally {
      t.cleanup();
    }
  });
}
