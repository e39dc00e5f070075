// A data dir with two sources (a live SQLite database "office" and a folder "files") and several snapshots of
// each, taken through the real CLI, with what each snapshot must restore to. Copies of it are cheap, so each
// test can damage its own.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cliJson, runCli, tempDir, type CliResult } from './cli.ts';
import { listFiles, readTree, diffTrees, type TreeContent } from './fs-state.ts';
import { editOfficeDb, makeOfficeDb, sqliteContent, writeOfficeFolder, type SqliteContent } from './office-fixtures.ts';
import { describeResult } from './cli-assert.ts';

export interface SnapshotFact {
  id: string;
  source: 'office' | 'files';
  version: number;
  /** Expected content: the database's logical content, or the folder tree, when the snapshot was taken. */
  sqlite?: SqliteContent;
  tree?: TreeContent;
  /** Repository files this snapshot's backup added (its packs, its index file, its manifest). */
  added: string[];
}

export interface OfficeSetup {
  root: string;
  dataDir: string;
  repoDir: string;
  dbPath: string;
  folderPath: string;
  passphrase: string | undefined;
  /** Environment for every CLI call (the passphrase when encrypted). */
  env: NodeJS.ProcessEnv;
  snapshots: SnapshotFact[];
  cleanup(): void;
}

/**
 * Builds the setup: `versions` rounds, each editing the database and the folder and then backing up each
 * source on its own (so every backup adds its own pack and index file). Encrypted when `passphrase` is given.
 */
export async function buildOfficeSetup(opts: { versions: number; passphrase?: string; dbBytes?: number }): Promise<OfficeSetup> {
  const { dir: root, cleanup } = tempDir('lifeboat-setup-');
  const dataDir = path.join(root, 'data');
  const repoDir = path.join(dataDir, 'repository');
  const dbPath = path.join(root, 'live', 'office.db');
  const folderPath = path.join(root, 'live', 'shared');
  const env: NodeJS.ProcessEnv = opts.passphrase ? { LIFEBOAT_PASSPHRASE: opts.passphrase } : {};
  const cli = { dataDir, env };
  makeOfficeDb(dbPath, opts.dbBytes ?? 2_600_000);
  writeOfficeFolder(folderPath, 1);
  await cliJson(['source', 'add', '--name', 'office', '--sqlite', dbPath], cli);
  await cliJson(['source', 'add', '--name', 'files', '--folder', folderPath], cli);
  const snapshots: SnapshotFact[] = [];
  for (let v = 1; v <= opts.versions; v++) {
    if (v > 1) {
      editOfficeDb(dbPath, v);
      writeOfficeFolder(folderPath, v);
    }
    for (const source of ['office', 'files'] as const) {
      const before = new Set(listFiles(repoDir));
      const [snap] = await cliJson<Array<{ id: string; newChunks: number }>>(['backup', '--source', source], cli);
      assert.ok(snap && snap.newChunks > 0, `backup of ${source} v${v} should add chunks: ${JSON.stringify(snap)}`);
      snapshots.push({
        id: snap.id, source, version: v,
        ...(source === 'office' ? { sqlite: sqliteContent(dbPath) } : { tree: readTree(folderPath) }),
        added: listFiles(repoDir).filter((f) => !before.has(f)),
      });
    }
  }
  return { root, dataDir, repoDir, dbPath, folderPath, passphrase: opts.passphrase, env, snapshots, cleanup };
}

/** A copy of the setup's data dir (catalog, settings, repository) under `dest`, with settings pointing at the copied repository. */
export function copySetup(setup: OfficeSetup, dest: string): { dataDir: string; repoDir: string } {
  const dataDir = path.join(dest, 'data');
  fs.cpSync(setup.dataDir, dataDir, { recursive: true });
  const settingsFile = path.join(dataDir, 'settings.json');
  const settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
  settings.repository = path.join(dataDir, 'repository');
  fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2) + '\n');
  return { dataDir, repoDir: settings.repository };
}

/**
 * Restores `snap` with `restore ID --to` into `to` (which must not exist yet) and compares the result with what
 * the snapshot held. Returns the CLI result and the differences found (empty when identical).
 */
export async function restoreAndCompare(dataDir: string, env: NodeJS.ProcessEnv, snap: SnapshotFact, to: string): Promise<{ result: CliResult; problems: string[] }> {
  const result = await runCli(['restore', snap.id, '--to', to, '--json'], { dataDir, env });
  if (result.code !== 0) return { result, problems: [`restore of ${snap.source} v${snap.version} (${snap.id}) failed: ${describeResult(result)}`] };
  const label = `${snap.source} v${snap.version} (${snap.id})`;
  if (snap.sqlite) {
    const got = sqliteContent(to);
    const problems: string[] = [];
    if (got.integrity !== 'ok') problems.push(`${label}: integrity_check says ${got.integrity}`);
    try { assert.deepEqual(got.counts, snap.sqlite.counts); } catch { problems.push(`${label}: row counts ${JSON.stringify(got.counts)}, expected ${JSON.stringify(snap.sqlite.counts)}`); }
    if (got.rowsSha256 !== snap.sqlite.rowsSha256) problems.push(`${label}: row content differs from the database at snapshot time`);
    return { result, problems };
  }
  return { result, problems: diffTrees(snap.tree!, readTree(to)).map((p) => `${label}: ${p}`) };
}
