// BADINPUT-01..14: every way a person (or a tamperer) can hand Lifeboat something wrong. Each must give one
// clear line on stderr naming the problem (no stack trace), a non-zero exit, and change NOTHING: settings.json
// and every file of the repository are byte-identical before and after, and no restore target appears.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cliJson, runCli, tempDir, type CliResult } from '../helpers/cli.ts';
import { assertCleanFailure, describeResult } from '../helpers/cli-assert.ts';
import { fileDigests, readTree } from '../helpers/fs-state.ts';
import { makeOfficeDb } from '../helpers/office-fixtures.ts';
import { readManifestFile, repoCodec, writeManifestFile } from '../helpers/repo-inspect.ts';

const PASSPHRASE = 'tide-table 7 lanterns';

interface Office { dataDir: string; repoDir: string; env: NodeJS.ProcessEnv; passphrase?: string; dbSnap: string; folderSnap: string }

let root: string;
let cleanup: () => void;
let plain: Office;
let enc: Office;

async function makeOffice(name: string, passphrase?: string): Promise<Office> {
  const dataDir = path.join(root, name, 'data');
  const env: NodeJS.ProcessEnv = passphrase ? { LIFEBOAT_PASSPHRASE: passphrase } : {};
  const db = path.join(root, name, 'live', 'office.db');
  const folder = path.join(root, name, 'live', 'shared');
  makeOfficeDb(db, 300_000);
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'letter.txt'), 'Dear customer,\n');
  fs.mkdirSync(path.join(folder, 'sub'));
  fs.writeFileSync(path.join(folder, 'sub', 'notes.txt'), 'notes\n');
  await cliJson(['source', 'add', '--name', 'office', '--sqlite', db], { dataDir, env });
  await cliJson(['source', 'add', '--name', 'files', '--folder', folder], { dataDir, env });
  const snaps = await cliJson<Array<{ id: string; source: string }>>(['backup'], { dataDir, env });
  return {
    dataDir, repoDir: path.join(dataDir, 'repository'), env, ...(passphrase ? { passphrase } : {}),
    dbSnap: snaps.find((s) => s.source === 'office')!.id, folderSnap: snaps.find((s) => s.source === 'files')!.id,
  };
}

/** settings.json and every repository file, by content. */
function state(o: Office): { settings: string; repository: Record<string, string> } {
  return { settings: fs.readFileSync(path.join(o.dataDir, 'settings.json'), 'utf8'), repository: fileDigests(o.repoDir) };
}

/**
 * Runs the CLI and asserts a clean refusal that mentions `words` and changes nothing in `o`. `mustNotExist`
 * are paths the command must not create.
 */
async function refuses(o: Office, args: string[], words: Array<string | RegExp>, opts: { env?: NodeJS.ProcessEnv; mustNotExist?: string[] } = {}): Promise<CliResult> {
  const before = state(o);
  const r = await runCli(args, { dataDir: o.dataDir, env: opts.env ?? o.env });
  assertCleanFailure(r, words, `lifeboat ${args.join(' ')}`);
  assert.deepEqual(state(o), before, `lifeboat ${args.join(' ')} must change nothing (settings.json, repository files)`);
  for (const p of opts.mustNotExist ?? []) assert.ok(!fs.existsSync(p), `lifeboat ${args.join(' ')} must not create ${p}`);
  return r;
}

const fresh = (label: string) => path.join(fs.mkdtempSync(path.join(root, `${label}-`)), 'target');

describe('bad input', () => {
  before(async () => {
    ({ dir: root, cleanup } = tempDir('lifeboat-bad-input-'));
    [plain, enc] = await Promise.all([makeOffice('plain'), makeOffice('enc', PASSPHRASE)]);
  });
  after(() => cleanup?.());

  it('BADINPUT-01 a missing file as a sqlite source', async () => {
    const missing = path.join(root, 'no-such.db');
    await refuses(enc, ['source', 'add', '--name', 'ghost', '--sqlite', missing], ['does not exist', missing]);
  });

  it('BADINPUT-02 a directory as a sqlite source', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'a-folder-'));
    await refuses(enc, ['source', 'add', '--name', 'ghost', '--sqlite', dir], ['directory', dir]);
  });

  it('BADINPUT-03 a file that is not SQLite as a sqlite source', async () => {
    const file = path.join(root, 'notes.db');
    fs.writeFileSync(file, 'This is a text file that someone named .db\n'.repeat(20));
    await refuses(enc, ['source', 'add', '--name', 'ghost', '--sqlite', file], ['not a SQLite database', file]);
  });

  it('BADINPUT-04 an empty file as a sqlite source', async () => {
    const file = path.join(root, 'empty.db');
    fs.writeFileSync(file, '');
    await refuses(enc, ['source', 'add', '--name', 'ghost', '--sqlite', file], ['empty', file]);
  });

  it('BADINPUT-05 a configured database that has since disappeared: backup refuses and stores nothing', async () => {
    const db = path.join(root, 'short-lived.db');
    makeOfficeDb(db, 100_000, 3);
    await cliJson(['source', 'add', '--name', 'short-lived', '--sqlite', db], { dataDir: plain.dataDir, env: plain.env });
    fs.rmSync(db);
    try {
      await refuses(plain, ['backup', '--source', 'short-lived'], ['does not exist', db]);
    } finally {
      await cliJson(['source', 'remove', 'short-lived'], { dataDir: plain.dataDir, env: plain.env });
    }
  });

  describe('BADINPUT-06 a wrong passphrase on an encrypted repository', () => {
    const env = { LIFEBOAT_PASSPHRASE: 'not the passphrase' };
    it('list', async () => {
      await refuses(enc, ['list'], ['wrong passphrase'], { env });
    });
    it('backup of one source', async () => {
      await refuses(enc, ['backup', '--source', 'office'], ['wrong passphrase'], { env });
    });
    it('backup of every source (one line, not one per source)', async () => {
      await refuses(enc, ['backup'], ['wrong passphrase'], { env });
    });
    it('verify', async () => {
      await refuses(enc, ['verify', '--all'], ['wrong passphrase'], { env });
    });
    it('restore', async () => {
      const to = fresh('wrong-pass');
      await refuses(enc, ['restore', enc.dbSnap, '--to', to], ['wrong passphrase'], { env, mustNotExist: [to] });
    });
  });

  it('BADINPUT-07 no passphrase at all (no terminal to ask at) on an encrypted repository', async () => {
    await refuses(enc, ['list'], ['encrypted', 'LIFEBOAT_PASSPHRASE'], { env: {} });
  });

  it('BADINPUT-08 an unknown snapshot id', async () => {
    const to = fresh('unknown-id');
    const unknown = enc.dbSnap === '0123456789ab' ? '0123456789ac' : '0123456789ab';
    await refuses(enc, ['restore', unknown, '--to', to], ['no snapshot', unknown], { mustNotExist: [to] });
    await refuses(enc, ['verify', unknown], ['no snapshot', unknown]);
  });

  it('BADINPUT-09 a malformed snapshot id', async () => {
    for (const bad of ['xyz!', '../../etc/passwd']) {
      const to = fresh('malformed-id');
      await refuses(enc, ['restore', bad, '--to', to], ['not a snapshot id'], { mustNotExist: [to] });
    }
    await refuses(enc, ['verify', 'not-an-id'], ['not a snapshot id']);
  });

  it('BADINPUT-10 restore --to an existing file or a non-empty folder without --yes', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'existing-'));
    const file = path.join(dir, 'office.db');
    fs.writeFileSync(file, 'precious data that must survive');
    await refuses(enc, ['restore', enc.dbSnap, '--to', file], ['already exists', '--yes']);
    assert.equal(fs.readFileSync(file, 'utf8'), 'precious data that must survive');
    assert.deepEqual(fs.readdirSync(dir), ['office.db'], 'no temp file left beside it');
    const folder = path.join(dir, 'shared');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'keep.txt'), 'keep me');
    await refuses(enc, ['restore', enc.folderSnap, '--to', folder], ['not empty', '--yes']);
    assert.deepEqual([...readTree(folder).files.keys()], ['keep.txt']);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['office.db', 'shared']);
  });

  for (const which of ['plain', 'encrypted'] as const) {
    it(`BADINPUT-11 a tampered manifest naming paths outside the restore target (${which} repository)`, async () => {
      const o = which === 'plain' ? plain : enc;
      const codec = repoCodec(o.repoDir, o.passphrase);
      const manifestFile = path.join(o.repoDir, 'snapshots', o.folderSnap);
      const original = fs.readFileSync(manifestFile);
      const box = fs.mkdtempSync(path.join(root, 'tamper-'));
      const escapes = [
        { path: '../escape.txt', lands: path.join(box, 'escape.txt') },
        { path: path.join(box, 'absolute-escape.txt'), lands: path.join(box, 'absolute-escape.txt') },
      ];
      try {
        for (const e of escapes) {
          fs.writeFileSync(manifestFile, original);
          const m = readManifestFile(o.repoDir, o.folderSnap, codec);
          const victim = m.files.find((f) => f.type === 'file' && f.path === 'letter.txt')!;
          victim.path = e.path;
          writeManifestFile(o.repoDir, m, codec);
          const to = path.join(box, 'target');
          const r = await refuses(o, ['restore', o.folderSnap, '--to', to], ['unsafe path', o.folderSnap], { mustNotExist: [to, e.lands] });
          assert.ok(r.stderr.includes(JSON.stringify(e.path)) || r.stderr.includes(e.path), `the message names the path ${e.path}\n${describeResult(r)}`);
          assert.deepEqual(fs.readdirSync(box), [], `nothing may appear next to the target (${e.path})`);

          const verify = await runCli(['verify', '--all', '--json'], { dataDir: o.dataDir, env: o.env });
          assert.equal(verify.code, 1, `verify must flag the tampered manifest (${e.path})\n${describeResult(verify)}`);
          const report = JSON.parse(verify.stdout) as { snapshots: Array<{ id: string; ok: boolean; problems: string[] }> };
          assert.deepEqual(report.snapshots.filter((s) => !s.ok).map((s) => s.id), [o.folderSnap], 'only the tampered snapshot is flagged');
          assert.match(report.snapshots.find((s) => s.id === o.folderSnap)!.problems.join('; '), /unsafe path/);
        }
      } finally {
        fs.writeFileSync(manifestFile, original);
      }
      assert.equal((await runCli(['verify', '--all'], { dataDir: o.dataDir, env: o.env })).code, 0, 'with the manifest put back everything verifies');
    });
  }

  it('BADINPUT-12 a duplicate source name', async () => {
    const other = path.join(root, 'other.db');
    makeOfficeDb(other, 100_000, 4);
    await refuses(enc, ['source', 'add', '--name', 'office', '--sqlite', other], ['already exists', 'office']);
    await refuses(enc, ['source', 'add', '--name', 'files', '--folder', root], ['already exists', 'files']);
  });

  it('BADINPUT-13 an unknown command', async () => {
    await refuses(enc, ['frobnicate'], ['unknown command', 'frobnicate']);
    await refuses(enc, ['source', 'rename', 'office'], ['unknown command']);
  });

  it('BADINPUT-14 an unknown option, before or after the command', async () => {
    await refuses(enc, ['backup', '--frobnicate'], ['frobnicate']);
    await refuses(enc, ['--frobnicate', 'list'], ['unknown option', 'frobnicate']);
    const to = fresh('unknown-option');
    await refuses(enc, ['restore', enc.dbSnap, '--to', to, '--overwrite-everything'], ['overwrite-everything'], { mustNotExist: [to] });
  });
});
