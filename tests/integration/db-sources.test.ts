// DB-SOURCES: MySQL/MariaDB and PostgreSQL sources against REAL servers started on loopback by the tests
// (tests/peers/mariadb-server.ts, postgres-server.ts), through the real CLI: a dump taken while a writer
// keeps writing restores with the writer's invariant intact; a dump killed halfway is never a snapshot;
// verify-by-restore leaves no scratch database behind, even when killed; bad input gives clear messages.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { cliJson, runCli, spawnCli, tempDir } from '../helpers/cli.ts';
import { waitFor } from '../helpers/agent-process.ts';
import { Lifeboat } from '../../src-main/core/lifeboat.ts';
import { restoreDrill } from '../../src-main/core/jobs/routine-jobs.ts';
import { checkInvariant, clientCommand, createOfficeSchema, sqlQuery, startSqlWriter, type SqlKind } from '../helpers/sql-writer.ts';
import { mariadbSkipReason, startMariaDb, type MariaDbServer } from '../peers/mariadb-server.ts';
import { postgresSkipReason, startPostgres, type PostgresServer } from '../peers/postgres-server.ts';

interface Snap { id: string; source: string; kind: string }

const engines: Array<{ kind: SqlKind; flag: '--mysql' | '--postgres'; dumpTool: string; dumpFile: string; skip: string | false; start: () => Promise<MariaDbServer | PostgresServer> }> = [
  { kind: 'mariadb', flag: '--mysql', dumpTool: 'mariadb-dump', dumpFile: 'dump.sql', skip: mariadbSkipReason(), start: () => startMariaDb() },
  { kind: 'postgres', flag: '--postgres', dumpTool: 'pg_dump', dumpFile: 'dump.pgdump', skip: postgresSkipReason(), start: () => startPostgres() },
];

for (const e of engines) {
  describe(`${e.kind} source`, { skip: e.skip }, () => {
    const t = tempDir(`lifeboat-${e.kind}-`);
    let server: MariaDbServer | PostgresServer;
    let env: NodeJS.ProcessEnv;
    const dataDir = path.join(t.dir, 'data');
    const url = () => `${e.flag === '--mysql' ? 'mysql' : 'postgres'}://${server.user}@127.0.0.1:${server.port}/${server.database}`;
    const scratchDatabases = async () => (await sqlQuery(e.kind, server, e.kind === 'mariadb' ? "SHOW DATABASES LIKE 'lifeboat\\_verify\\_%'" : "SELECT datname FROM pg_database WHERE datname LIKE 'lifeboat_verify_%'")).split('\n').filter(Boolean);

    before(async () => {
      server = await e.start();
      env = { DB_PASSWORD: server.password };
      // About 60 MB: a dump long enough to be caught and killed in the middle (DB-02).
      await createOfficeSchema(e.kind, server, { rows: 200, invoices: 15000, invoiceBytes: 4096 });
    });
    after(async () => {
      await server?.dispose();
      t.cleanup();
    });

    it('DB-01 a dump taken while the office writes restores with the invariant intact, and deep verify restores it into a scratch database', async () => {
      const add = await runCli(['source', 'add', '--name', 'office', e.flag, url(), '--password-env', 'DB_PASSWORD'], { dataDir, env });
      assert.equal(add.code, 0, add.stderr);
      assert.ok(!fs.readFileSync(path.join(dataDir, 'settings.json'), 'utf8').includes(server.password));
      const writer = await startSqlWriter(e.kind, server, { rate: 50 });
      let snaps: Snap[];
      try {
        await new Promise((r) => setTimeout(r, 500));
        snaps = await cliJson<Snap[]>(['backup'], { dataDir, env });
        snaps.push(...(await cliJson<Snap[]>(['backup'], { dataDir, env })));
      } finally {
        const stats = await writer.stop();
        assert.ok(stats.transactions > 5, `the writer kept writing (${stats.transactions} transactions)`);
      }
      assert.equal(snaps.length, 2);
      // Restore the dump and load it into a new database with the server's own tools.
      const out = path.join(t.dir, 'restored');
      const r = await runCli(['restore', snaps[1]!.id, '--to', out], { dataDir, env });
      assert.equal(r.code, 0, r.stderr);
      const dump = path.join(out, e.dumpFile);
      await sqlQuery(e.kind, server, 'CREATE DATABASE office_restored');
      const c = clientCommand(e.kind, server, 'office_restored');
      if (e.kind === 'mariadb') execFileSync(c.file, c.args, { env: c.env, input: fs.readFileSync(dump) });
      else execFileSync('pg_restore', ['-h', '127.0.0.1', '-p', String(server.port), '-U', server.user, '-d', 'office_restored', '--no-owner', '--exit-on-error', dump], { env: { ...process.env, PGPASSWORD: server.password } });
      const inv = await checkInvariant(e.kind, server, 'office_restored');
      assert.equal(inv.ok, true, inv.detail);
      // Deep verify loads each dump into a scratch database and compares the row counts, then drops it.
      const v = await runCli(['verify', '--all', '--deep'], { dataDir, env });
      assert.equal(v.code, 0, v.stdout + v.stderr);
      assert.deepEqual(await scratchDatabases(), []);
    });

    it('DB-02 a dump killed halfway is never recorded as a snapshot', async () => {
      const before = await cliJson<Snap[]>(['list'], { dataDir, env });
      const child = spawnCli(['backup'], { dataDir, env });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const exit = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
      const pid = await waitFor(`${e.dumpTool} to start`, () => {
        try {
          // The dump itself (its arguments name the database), not a `--version` probe.
          return execFileSync('pgrep', ['-n', '-f', `${e.dumpTool} .*office`], { encoding: 'utf8' }).trim() || undefined;
        } catch {
          return undefined;
        }
      }, 20_000);
      execFileSync('kill', ['-9', pid]);
      assert.notEqual(await exit, 0, 'the backup failed');
      assert.match(stderr, /the dump of office on 127\.0\.0\.1:\d+ failed \((killed|exit \d+)\)/);
      assert.doesNotMatch(stderr, /\n\s+at /);
      const after = await cliJson<Snap[]>(['list'], { dataDir, env });
      assert.deepEqual(after.map((s) => s.id), before.map((s) => s.id), 'no new snapshot');
      assert.equal((await runCli(['verify', '--all'], { dataDir, env })).code, 0);
    });

    it('DB-03 verify-by-restore drops its scratch database, even when it is killed mid-restore', async () => {
      const child = spawnCli(['verify', '--all', '--deep'], { dataDir, env });
      const exit = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
      await waitFor('a scratch database to appear', async () => (await scratchDatabases()).length > 0 || undefined, 30_000);
      child.kill('SIGKILL');
      await exit;
      assert.ok((await scratchDatabases()).length > 0, 'killed outright, it could not drop it');
      const again = await runCli(['verify', '--all', '--deep'], { dataDir, env });
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.deepEqual(await scratchDatabases(), [], 'the next run dropped the leftover');
    });

    it('DB-05 a dry run says what a table restore would replace; the restore replaces only that table', async () => {
      await sqlQuery(e.kind, server, 'CREATE TABLE extra (id INT PRIMARY KEY); INSERT INTO extra VALUES (1), (2), (3)');
      const [snap] = await cliJson<Snap[]>(['backup'], { dataDir, env });
      const invoices = Number((await sqlQuery(e.kind, server, 'SELECT count(*) FROM invoices')).trim());
      await sqlQuery(e.kind, server, 'DELETE FROM invoices WHERE id <= 10; INSERT INTO extra VALUES (4), (5)');
      const plan = await cliJson<{ tables: Array<{ table: string; live: number; snapshot: number; replaced: boolean }> }>(['restore', snap!.id, '--dry-run', '--tables', 'invoices'], { dataDir, env });
      const row = (name: string) => plan.tables.find((x) => x.table === name || x.table === `public.${name}`)!;
      assert.deepEqual([row('invoices').live, row('invoices').snapshot, row('invoices').replaced], [invoices - 10, invoices, true]);
      assert.deepEqual([row('extra').live, row('extra').snapshot, row('extra').replaced], [5, 3, false]);
      assert.equal(Number((await sqlQuery(e.kind, server, 'SELECT count(*) FROM invoices')).trim()), invoices - 10, 'a dry run changes nothing');
      const r = await runCli(['restore', snap!.id, '--tables', 'invoices', '--yes'], { dataDir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(Number((await sqlQuery(e.kind, server, 'SELECT count(*) FROM invoices')).trim()), invoices);
      assert.equal(Number((await sqlQuery(e.kind, server, 'SELECT count(*) FROM extra')).trim()), 5, 'the other table is untouched');
      assert.deepEqual(await scratchDatabases(), []);
      const bad = await runCli(['restore', snap!.id, '--tables', 'nosuchtable', '--yes'], { dataDir, env });
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /no table nosuchtable/);
    });

    it('DB-06 a whole-database restore into the live server takes a safety snapshot first and leaves the invariant intact', async () => {
      // The newest real backup (DB-05's, with 3 rows in extra), not the safety snapshot DB-05's restore took.
      const before = await cliJson<Array<Snap & { reason: string }>>(['list'], { dataDir, env });
      const target = before.find((x) => x.source === 'office' && x.reason !== 'pre-restore')!;
      await sqlQuery(e.kind, server, 'DELETE FROM extra; DELETE FROM invoices WHERE id <= 20');
      const r = await runCli(['restore', target.id, '--yes'], { dataDir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /safety snapshot/);
      assert.equal(Number((await sqlQuery(e.kind, server, 'SELECT count(*) FROM extra')).trim()), 3);
      const inv = await checkInvariant(e.kind, server);
      assert.equal(inv.ok, true, inv.detail);
      const after = await cliJson<Array<Snap & { reason: string }>>(['list'], { dataDir, env });
      assert.ok(after.some((x) => x.reason === 'pre-restore'), 'the data the restore replaced is kept as a snapshot');
      assert.deepEqual(await scratchDatabases(), []);
    });

    it('DB-07 the weekly restore drill of a database restores its latest dump into a scratch database', async () => {
      process.env.DB_PASSWORD = server.password;
      const lb = await Lifeboat.open({ dataDir, passphrase: async () => '' });
      try {
        const drill = await restoreDrill(lb);
        assert.deepEqual(drill.results, [{ source: 'office', ok: true }]);
        assert.ok(lb.catalog.history(5).some((h) => h.op === 'verify-deep' && h.result === 'ok'), 'it ran as a verify by restore');
        assert.deepEqual(await scratchDatabases(), []);
      } finally {
        lb.close();
        delete process.env.DB_PASSWORD;
      }
    });

    it('DB-04 a wrong password, an unknown database and a missing client tool give clear messages', async () => {
      const other = path.join(t.dir, 'other');
      const wrong = await runCli(['source', 'add', '--name', 'x', e.flag, url(), '--password-env', 'WRONG'], { dataDir: other, env: { WRONG: 'not-the-password' } });
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /refused the user or password/);
      assert.ok(!wrong.stderr.includes('not-the-password'));
      const unknown = await runCli(['source', 'add', '--name', 'x', e.flag, url().replace(/\/office$/, '/nosuchdb'), '--password-env', 'DB_PASSWORD'], { dataDir: other, env });
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /no database nosuchdb/);
      // The client tools missing: a PATH with only Node on it.
      const bare = path.join(t.dir, 'bare-bin');
      fs.mkdirSync(bare, { recursive: true });
      if (!fs.existsSync(path.join(bare, 'node'))) fs.symlinkSync(process.execPath, path.join(bare, 'node'));
      const missing = await runCli(['backup'], { dataDir, env: { ...env, PATH: bare } });
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, e.kind === 'mariadb' ? /mariadb-client/ : /postgresql-client/);
      assert.doesNotMatch(missing.stderr, /\n\s+at /);
    });
  });
}
