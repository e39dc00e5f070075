// A data dir with one configured SQLite source holding a fresh office database, for integration
// tests that drive the real CLI.
import path from 'node:path';
import { createOfficeDb } from '../../src-main/core/sources/demo-office-db.ts';
import { cliJson, tempDir } from './cli.ts';

export type OfficeFixture = {
  /** The temp folder holding everything below; removed by cleanup(). */
  dir: string;
  /** Lifeboat's --data-dir. */
  dataDir: string;
  /** The live office database, configured as source `source`. */
  db: string;
  source: string;
  /** Invoices in the database as created. */
  invoices: number;
  cleanup(): void;
};

const MB = 1024 * 1024;

/**
 * Creates a temp folder with an office database of about `mb` megabytes in `journal` mode and a
 * data dir where it is configured (through the CLI) as the sqlite source `source` (default
 * "office"). Nothing is backed up yet. Throws, after cleaning up, if the CLI refuses the source.
 */
export async function officeFixture(opts: { mb: number; journal: 'wal' | 'delete'; seed?: number; source?: string }): Promise<OfficeFixture> {
  const { dir, cleanup } = tempDir(`lifeboat-${opts.journal}-`);
  try {
    const db = path.join(dir, 'office.db');
    const dataDir = path.join(dir, 'data');
    const source = opts.source ?? 'office';
    const created = createOfficeDb(db, { targetBytes: opts.mb * MB, seed: opts.seed ?? 1, journalMode: opts.journal });
    await cliJson(['source', 'add', '--name', source, '--sqlite', db], { dataDir });
    return { dir, dataDir, db, source, invoices: created.invoices, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}
