// LIVE-01: snapshots of a database that the office application keeps writing to.
// A separate writer process commits about 20 transactions a second (each one invoice with exactly
// three lines) into a ~30 MB office database while the real CLI takes five snapshots, in WAL mode
// and in rollback-journal mode. Every snapshot must restore to a file that passes integrity_check
// and keeps the invariant, and the snapshots must hold different states (the writer really wrote).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli, cliJson } from '../helpers/cli.ts';
import { officeFixture } from '../helpers/lifeboat-fixture.ts';
import { startOfficeWriter, type OfficeWriterStats } from '../helpers/office-writer-process.ts';
import { checkOfficeInvariant } from '../../src-main/core/sources/demo-office-db.ts';

const SNAPSHOTS = 5;
const DB_MB = 30;
const RATE = 20;
// Time for the writer to commit a few transactions between two snapshots, on top of those it
// commits while a snapshot is being taken.
const GAP_MS = 300;

type NewSnapshot = { id: string; source: string; time: string; reason: string; size: number; bytesAdded: number };
type ListedSnapshot = { id: string; damaged: string | null };

for (const journal of ['wal', 'delete'] as const) {
  test(`LIVE-01 ${journal}: ${SNAPSHOTS} snapshots under a ${RATE} tx/s writer all restore consistent and different`, async (t) => {
    const fx = await officeFixture({ mb: DB_MB, journal });
    t.after(() => fx.cleanup());

    const writer = await startOfficeWriter(fx.db, { rate: RATE, journal });
    const taken: Array<NewSnapshot & { ms: number }> = [];
    let stats: OfficeWriterStats;
    try {
      for (let i = 0; i < SNAPSHOTS; i++) {
        await sleep(GAP_MS);
        const started = performance.now();
        const r = await runCli(['backup', '--source', fx.source, '--reason', `live-${i + 1}`, '--json'], { dataDir: fx.dataDir });
        const ms = Math.round(performance.now() - started);
        assert.equal(r.code, 0, `backup ${i + 1} exited ${r.code} (signal ${r.signal}): ${r.stderr}`);
        const made = JSON.parse(r.stdout) as NewSnapshot[];
        assert.equal(made.length, 1, `backup ${i + 1} printed ${r.stdout}`);
        taken.push({ ...made[0]!, ms });
      }
    } finally {
      stats = await writer.stop();
    }
    t.diagnostic(`${journal}: backups took ${taken.map((s) => s.ms).join(', ')} ms; writer: ${JSON.stringify(stats)}`);
    assert.equal(stats.errors, 0, `the writer had ${stats.errors} failed transactions`);
    // At least half the nominal rate: a writer that stalled for the whole run proves nothing.
    const runSeconds = taken.reduce((n, s) => n + s.ms + GAP_MS, 0) / 1000;
    assert.ok(stats.transactions >= (RATE * runSeconds) / 2, `the writer committed only ${stats.transactions} transactions in ${runSeconds.toFixed(1)} s`);

    const listed = await cliJson<ListedSnapshot[]>(['list', '--source', fx.source], { dataDir: fx.dataDir });
    assert.deepEqual(new Set(listed.map((s) => s.id)), new Set(taken.map((s) => s.id)));
    assert.deepEqual(listed.filter((s) => s.damaged !== null), []);

    const counts: number[] = [];
    for (const [i, s] of taken.entries()) {
      const file = path.join(fx.dir, `restored-${i + 1}.db`);
      const r = await runCli(['restore', s.id, '--to', file, '--json'], { dataDir: fx.dataDir });
      assert.equal(r.code, 0, `restore of snapshot ${i + 1} (${s.id}) exited ${r.code}: ${r.stderr}`);
      const inv = checkOfficeInvariant(file);
      assert.equal(inv.integrity, 'ok', `snapshot ${i + 1} (${s.id}): integrity_check says ${inv.integrity}`);
      assert.equal(inv.badInvoices, 0, `snapshot ${i + 1} (${s.id}): ${inv.badInvoices} invoices without exactly 3 lines`);
      counts.push(inv.invoices);
    }
    t.diagnostic(`${journal}: invoices per snapshot ${counts.join(', ')} (created with ${fx.invoices})`);
    // The writer only adds invoices, so later snapshots must hold strictly more.
    assert.ok(counts[0]! > fx.invoices, `the first snapshot holds ${counts[0]} invoices, no more than the ${fx.invoices} created`);
    for (let i = 1; i < counts.length; i++) {
      assert.ok(counts[i]! > counts[i - 1]!, `snapshot ${i + 1} holds ${counts[i]} invoices, snapshot ${i} ${counts[i - 1]}: ${counts.join(', ')}`);
    }
  });
}
