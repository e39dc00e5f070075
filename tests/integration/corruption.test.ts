// CORRUPT-01..05: damage one thing in a copy of a real repository (a flipped byte inside a pack, a truncated
// pack, a deleted pack, a flipped byte in a manifest, a deleted index file), then check that verify names
// exactly the snapshots that need the damaged bytes, that restoring one of those refuses cleanly without
// creating its target, and that every other snapshot still restores to exactly what it held.
// Which snapshots must break is worked out from the repository's own files (tests/helpers/repo-inspect.ts),
// not by asking the engine. Run for an unencrypted and an encrypted repository.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCli, tempDir } from '../helpers/cli.ts';
import { assertCleanFailure, assertOk, describeResult } from '../helpers/cli-assert.ts';
import { buildOfficeSetup, copySetup, restoreAndCompare, type OfficeSetup, type SnapshotFact } from '../helpers/office-setup.ts';
import { blobsInRange, blobsOnlyIn, mapRepository, packFile, snapshotsNeeding, type RepoMap } from '../helpers/repo-inspect.ts';

interface DamageContext { repoDir: string; map: RepoMap; snap(source: 'office' | 'files', version: number): SnapshotFact }
interface Damage { name: string; apply(ctx: DamageContext): { expected: string[]; detail: string } }

const addedPack = (s: SnapshotFact): string => {
  const packs = s.added.filter((f) => f.startsWith('packs/')).map((f) => path.basename(f));
  assert.ok(packs.length >= 1, `backup ${s.id} added no pack: ${s.added.join(', ')}`);
  return packs[0]!;
};

function flipByte(file: string, offset: number): void {
  const buf = fs.readFileSync(file);
  buf[offset] = buf[offset]! ^ 0x5a;
  fs.writeFileSync(file, buf);
}

const DAMAGES: Damage[] = [
  {
    name: 'CORRUPT-01 a flipped byte inside a pack',
    apply({ repoDir, map, snap }) {
      // In the database's first pack, the chunk the fewest snapshots need (a page the later edits changed):
      // damage to it must break those snapshots and no other.
      const pack = addedPack(snap('office', 1));
      const candidates = [...map.blobs].filter(([, l]) => l.pack === pack && l.type === 'data')
        .map(([id, l]) => ({ id, l, users: snapshotsNeeding(map, [id]).length })).filter((c) => c.users > 0)
        .sort((a, b) => a.users - b.users || a.l.offset - b.l.offset);
      const { l } = candidates[0]!;
      const at = l.offset + Math.floor(l.length / 2);
      flipByte(packFile(repoDir, pack), at);
      return { expected: snapshotsNeeding(map, blobsInRange(map, pack, at, at + 1)), detail: `pack ${pack.slice(0, 12)} byte ${at}` };
    },
  },
  {
    name: 'CORRUPT-02 a truncated pack',
    apply({ repoDir, map, snap }) {
      const pack = addedPack(snap('files', 1));
      const file = packFile(repoDir, pack);
      const keep = Math.floor(fs.statSync(file).size / 2);
      fs.truncateSync(file, keep);
      return { expected: snapshotsNeeding(map, blobsInRange(map, pack, keep, Number.MAX_SAFE_INTEGER)), detail: `pack ${pack.slice(0, 12)} cut to ${keep} bytes` };
    },
  },
  {
    name: 'CORRUPT-03 a deleted pack',
    apply({ repoDir, map, snap }) {
      const pack = addedPack(snap('office', 2));
      fs.rmSync(packFile(repoDir, pack));
      return { expected: snapshotsNeeding(map, blobsInRange(map, pack, 0, Number.MAX_SAFE_INTEGER)), detail: `pack ${pack.slice(0, 12)} deleted` };
    },
  },
  {
    name: 'CORRUPT-04 a flipped byte in a manifest',
    apply({ repoDir, snap }) {
      const s = snap('files', 2);
      const file = path.join(repoDir, 'snapshots', s.id);
      flipByte(file, Math.floor(fs.statSync(file).size / 2));
      return { expected: [s.id], detail: `manifest ${s.id}` };
    },
  },
  {
    name: 'CORRUPT-05 a deleted index file',
    apply({ repoDir, map, snap }) {
      const name = path.basename(snap('files', 2).added.find((f) => f.startsWith('index/'))!);
      fs.rmSync(path.join(repoDir, 'index', name));
      return { expected: snapshotsNeeding(map, blobsOnlyIn(map, name)), detail: `index ${name.slice(0, 12)} deleted` };
    },
  },
];

interface VerifyJson { ok: boolean; level: string; snapshots: Array<{ id: string; ok: boolean; problems: string[] }> }

function damagedIn(r: { stdout: string }): string[] {
  const report = JSON.parse(r.stdout) as VerifyJson;
  return report.snapshots.filter((v) => !v.ok).map((v) => v.id).sort();
}

describe('corruption', { concurrency: 2 }, () => {
  for (const mode of ['unencrypted', 'encrypted'] as const) {
    describe(`${mode} repository`, { concurrency: 2 }, () => {
      let setup: OfficeSetup;
      let map: RepoMap;
      const passphrase = mode === 'encrypted' ? 'plankton harbour 42' : undefined;

      before(async () => {
        setup = await buildOfficeSetup({ versions: 3, passphrase });
        map = mapRepository(setup.repoDir, passphrase);
        assert.equal(map.manifests.size, 6, 'three snapshots of each source');
        if (passphrase) assert.ok(JSON.parse(fs.readFileSync(path.join(setup.repoDir, 'lifeboat-repo.json'), 'utf8')).encryption, 'the repository is encrypted');
        // The two sources share no chunk, so damage to one source's data cannot excuse the other's.
        const ids = (src: string) => new Set(setup.snapshots.filter((s) => s.source === src).flatMap((s) => [...map.needs.get(s.id)!]));
        const office = ids('office');
        assert.ok(![...ids('files')].some((b) => office.has(b)), 'the database and the folder share chunks');
        // Before any damage everything verifies (otherwise later failures would mean nothing).
        assertOk(await runCli(['verify', '--all', '--deep', '--json'], { dataDir: setup.dataDir, env: setup.env }), 'baseline verify');
      });
      after(() => setup?.cleanup());

      for (const damage of DAMAGES) {
        it(damage.name, async () => {
          const { dir, cleanup } = tempDir('lifeboat-corrupt-');
          try {
            const { dataDir, repoDir } = copySetup(setup, dir);
            const snap = (source: 'office' | 'files', version: number) => setup.snapshots.find((s) => s.source === source && s.version === version)!;
            const { expected, detail } = damage.apply({ repoDir, map, snap });
            const all = setup.snapshots.map((s) => s.id).sort();
            const undamaged = all.filter((id) => !expected.includes(id));
            const names = (ids: string[]) => ids.map((id) => { const s = setup.snapshots.find((x) => x.id === id)!; return `${s.source} v${s.version} ${id}`; }).join(', ');
            // The damage must break some snapshots but not all, or this case would prove nothing.
            assert.ok(expected.length > 0 && undamaged.length > 0, `${detail}: expected damaged [${names(expected)}] should be a proper subset`);
            const cli = { dataDir, env: setup.env };

            // Quick verify through the human output (each snapshot on a line, "ok" or "DAMAGED"), deep through --json.
            const quick = await runCli(['verify', '--all'], cli);
            assert.equal(quick.code, 1, `verify --all must exit 1 after ${detail}\n${describeResult(quick)}`);
            const lines = [...quick.stdout.matchAll(/^(ok|DAMAGED)\s+([0-9a-f]{12})\b/gm)];
            assert.deepEqual(lines.map((l) => l[2]).sort(), all, `verify --all reports every snapshot once\n${quick.stdout}`);
            assert.deepEqual(lines.filter((l) => l[1] === 'DAMAGED').map((l) => l[2]).sort(), expected, `verify --all after ${detail} should name exactly [${names(expected)}]\n${quick.stdout}`);
            const deep = await runCli(['verify', '--all', '--deep', '--json'], cli);
            assert.equal(deep.code, 1, `verify --all --deep must exit 1 after ${detail}\n${describeResult(deep)}`);
            assert.equal((JSON.parse(deep.stdout) as VerifyJson).snapshots.length, all.length, 'every snapshot is reported');
            assert.deepEqual(damagedIn(deep), expected, `verify --all --deep after ${detail} should name exactly [${names(expected)}]`);
            if (damage.name.startsWith('CORRUPT-04')) {
              // One snapshot at a time too (the manifest case: its id is known only from the catalog).
              assert.equal((await runCli(['verify', expected[0]!], cli)).code, 1, `verify ${expected[0]} alone exits 1`);
              assertOk(await runCli(['verify', undamaged[0]!], cli), `verify ${undamaged[0]} alone`);
            }

            const problems: string[] = [];
            for (const s of setup.snapshots) {
              const out = path.join(dir, 'restores', `${s.source}-v${s.version}`);
              const to = path.join(out, s.source === 'office' ? 'office.db' : 'shared');
              if (expected.includes(s.id)) {
                const r = await runCli(['restore', s.id, '--to', to, '--json'], cli);
                assertCleanFailure(r, ['damaged'], `restore of damaged ${s.source} v${s.version} ${s.id} (${detail})`);
                const left = fs.existsSync(out) ? fs.readdirSync(out) : [];
                assert.deepEqual(left, [], `a refused restore must create nothing (found ${left.join(', ')} beside the target)`);
              } else {
                problems.push(...(await restoreAndCompare(dataDir, setup.env, s, to)).problems);
              }
            }
            assert.deepEqual(problems, [], `undamaged snapshots must restore exactly after ${detail}`);
          } finally {
            cleanup();
          }
        });
      }
    });
  }
});
