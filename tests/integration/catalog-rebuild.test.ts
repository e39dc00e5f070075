// CATALOG-01..03: catalog.db is only an index of the repository ("losing it never loses a backup").
// 01: delete it (with its -wal and -shm); list finds every snapshot again, with the same ids and facts, and each
// restores exactly. 02: delete it again; repair rebuilds it on its own. 03: a damaged (not deleted) catalog.db
// must not lock the office out of its backups: repair rebuilds it. 04: the rebuilt catalog reports the same
// "bytes added" as the one it replaces. Unencrypted and encrypted repositories.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { cliJson, runCli, tempDir } from '../helpers/cli.ts';
import { assertCleanFailure, assertOk, describeResult } from '../helpers/cli-assert.ts';
import { buildOfficeSetup, restoreAndCompare, type OfficeSetup } from '../helpers/office-setup.ts';
import { sqliteContent } from '../helpers/office-fixtures.ts';

interface Row { id: string; source: string; kind: string; time: string; reason: string; size: number; bytesAdded: number }

/** What a rebuilt catalog must list exactly as before: everything the manifest records (bytesAdded: see CATALOG-04). */
const facts = (rows: Row[]) => rows.map(({ id, source, kind, time, reason, size }) => ({ id, source, kind, time, reason, size }));

function deleteCatalog(dataDir: string): void {
  const file = path.join(dataDir, 'catalog.db');
  assert.ok(fs.existsSync(file), 'catalog.db exists before it is deleted');
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
}

describe('catalog rebuild', { concurrency: 2 }, () => {
  for (const mode of ['unencrypted', 'encrypted'] as const) {
    describe(`${mode} repository`, { concurrency: 1 }, () => {
      let setup: OfficeSetup;
      let listed: Row[];
      let rebuilt: Row[] | undefined;
      const cli = () => ({ dataDir: setup.dataDir, env: setup.env });

      before(async () => {
        setup = await buildOfficeSetup({ versions: 2, dbBytes: 600_000, ...(mode === 'encrypted' ? { passphrase: 'kelp forest 9' } : {}) });
        listed = await cliJson<Row[]>(['list'], cli());
        assert.deepEqual(listed.map((r) => r.id).sort(), setup.snapshots.map((s) => s.id).sort(), 'the setup lists its snapshots');
      });
      after(() => setup?.cleanup());

      it('CATALOG-01 without catalog.db, list shows every snapshot again and each restores', async () => {
        deleteCatalog(setup.dataDir);
        rebuilt = await cliJson<Row[]>(['list'], cli());
        assert.deepEqual(facts(rebuilt), facts(listed), 'same snapshots, same order, same facts');
        assert.ok(fs.existsSync(path.join(setup.dataDir, 'catalog.db')), 'the catalog is recreated');
        const { dir, cleanup } = tempDir('lifeboat-catalog-restore-');
        try {
          const problems: string[] = [];
          for (const s of setup.snapshots) problems.push(...(await restoreAndCompare(setup.dataDir, setup.env, s, path.join(dir, s.id, s.source === 'office' ? 'office.db' : 'shared'))).problems);
          assert.deepEqual(problems, []);
          // "latest" is resolved through the rebuilt catalog too.
          const newest = setup.snapshots.filter((s) => s.source === 'office').at(-1)!;
          const to = path.join(dir, 'latest.db');
          assertOk(await runCli(['restore', 'latest', '--source', 'office', '--to', to, '--json'], cli()), 'restore latest');
          assert.deepEqual(sqliteContent(to), newest.sqlite);
        } finally {
          cleanup();
        }
      });

      it('CATALOG-04 a rebuilt catalog reports the same bytes added per snapshot as the original one', () => {
        assert.ok(rebuilt, 'CATALOG-01 ran');
        assert.deepEqual(rebuilt.map((r) => [r.id, r.bytesAdded]), listed.map((r) => [r.id, r.bytesAdded]));
      });

      it('CATALOG-02 repair rebuilds a deleted catalog on its own', async () => {
        deleteCatalog(setup.dataDir);
        const r = await runCli(['repair', '--json'], cli());
        assertOk(r, 'repair');
        const report = JSON.parse(r.stdout) as { catalog?: { added: number; unreadable: string[] }; added?: number; unreadable?: string[] };
        const c = report.catalog ?? (report as { added: number; unreadable: string[] });
        assert.deepEqual({ added: c.added, unreadable: c.unreadable }, { added: setup.snapshots.length, unreadable: [] });
        // Read the catalog file itself: the rows are there before any other command could have synced them.
        const db = new Database(path.join(setup.dataDir, 'catalog.db'), { readonly: true });
        try {
          assert.deepEqual((db.prepare('SELECT id FROM snapshots ORDER BY id').pluck().all() as string[]), setup.snapshots.map((s) => s.id).sort());
        } finally {
          db.close();
        }
        assert.deepEqual(facts(await cliJson<Row[]>(['list'], cli())), facts(listed));
      });

      it('CATALOG-03 a damaged catalog.db does not lock the office out: repair rebuilds it', async () => {
        const file = path.join(setup.dataDir, 'catalog.db');
        for (const f of [`${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
        fs.writeFileSync(file, Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4080, 0xa5)]));
        const list = await runCli(['list', '--json'], cli());
        // Either list copes by itself, or it says clearly what is wrong and what to do.
        if (list.code !== 0) assertCleanFailure(list, ['catalog', 'repair'], 'list with a damaged catalog');
        const r = await runCli(['repair', '--json'], cli());
        assertOk(r, 'repair of a damaged catalog');
        assert.deepEqual(facts(await cliJson<Row[]>(['list'], cli())), facts(listed), `after repair every snapshot is listed\n${describeResult(r)}`);
      });
    });
  }
});
