// USB-BENCH: copy of the latest snapshot of a 100 MB database to an ext4 loop drive (read-back verification
// included) vs `cp -r` of the same packs + `sync`. Run by `npm run bench` (needs root for loop devices).
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { tempDir } from '../tests/helpers/cli.ts';
import { createLoopDrive, destroyAllLoopDrives } from '../tests/peers/loop-drive.ts';
import { Lifeboat } from '../src-main/core/lifeboat.ts';
import { createOfficeDb } from '../src-main/core/sources/demo-office-db.ts';
import { findVolumes } from '../src-main/core/drives/drive-finder.ts';
import { DriveRegistry } from '../src-main/core/drives/drive-registry.ts';
import { copyToDrive } from '../src-main/core/drives/drive-copier.ts';
import { driveRepoDir } from '../src-main/core/drives/drive-marker.ts';

const MB = 1024 * 1024;

function packFiles(repoDir: string): string[] {
  const root = path.join(repoDir, 'packs');
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).flatMap((sub) => fs.readdirSync(path.join(root, sub)));
}

describe('USB-BENCH copy of the latest snapshot of a 100 MB database to an ext4 loop drive vs cp + sync', () => {
  let t: { dir: string; cleanup(): void };
  after(() => {
    destroyAllLoopDrives();
    t?.cleanup();
  });

  it('reports the median ratio of 3 runs', { timeout: 600_000 }, async () => {
    t = tempDir('lifeboat-usb-bench-');
    const media = path.join(t.dir, 'media');
    const drive = createLoopDrive({ dir: t.dir, mediaRoot: media, label: 'BENCH', sizeMb: 256, fs: 'ext4' });
    const db = path.join(t.dir, 'office.db');
    createOfficeDb(db, { targetBytes: 100 * MB, seed: 5 });
    const dataDir = path.join(t.dir, 'data');
    const lb = await Lifeboat.open({ dataDir, passphrase: async () => '', initPassphrase: null });
    try {
      await lb.addSource({ name: 'office', kind: 'sqlite', path: db });
      await lb.backup();
      const registry = new DriveRegistry({ dataDir, repoId: (await lb.repository()).config.id, find: () => findVolumes({ system: false, mediaRoots: [media] }) });
      await registry.adopt(drive.mount);
      const repoPacks = path.join(lb.repoDir, 'packs');
      const packBytes = packFiles(lb.repoDir).reduce((n, p) => n + fs.statSync(path.join(repoPacks, p.slice(0, 2), p)).size, 0);
      const ratios: number[] = [];
      const rows: string[] = [];
      const runs = Number(process.env.LIFEBOAT_DRIVE_BENCH_RUNS ?? 3);
      for (let run = 0; run < runs; run++) {
        fs.rmSync(path.join(drive.mount, 'cp-packs'), { recursive: true, force: true });
        for (const sub of ['packs', 'index', 'snapshots']) fs.rmSync(path.join(driveRepoDir(drive.mount), sub), { recursive: true, force: true });
        fs.rmSync(path.join(driveRepoDir(drive.mount), 'lifeboat-repo.json'), { force: true });
        execFileSync('sync');
        let t0 = performance.now();
        let copied = 0;
        let verified = 0;
        let ours = 0;
        const res = await copyToDrive(lb, { mount: drive.mount }, undefined, (e) => {
          if (e.type === 'progress' && e.phase === 'copy') copied = performance.now() - t0;
          if (e.type === 'progress' && e.phase === 'verify') verified = performance.now() - t0;
          if (e.type === 'safe-to-remove') ours = performance.now() - t0;
        }, { registry });
        const total = performance.now() - t0;
        assert.equal(res.ok, true, JSON.stringify(res.error));
        execFileSync('sync');
        t0 = performance.now();
        execFileSync('cp', ['-r', repoPacks, path.join(drive.mount, 'cp-packs')]);
        execFileSync('sync');
        const cp = performance.now() - t0;
        ratios.push(ours / cp);
        rows.push(`run ${run + 1}: copyToDrive to safe-to-remove ${ours.toFixed(0)} ms, returned at ${total.toFixed(0)} ms (${(res.bytes / MB).toFixed(1)} MB; last pack read back at ${copied.toFixed(0)} ms, verified at ${verified.toFixed(0)} ms); cp -r + sync ${cp.toFixed(0)} ms (${(packBytes / MB).toFixed(1)} MB); ratio ${(ours / cp).toFixed(2)}`);
      }
      const median = [...ratios].sort((a, b) => a - b)[Math.floor(runs / 2)]!;
      console.log(`USB-BENCH\n${rows.join('\n')}\nmedian ratio of ${runs} runs ${median.toFixed(2)} (goal: at most 1.3)`);
    } finally {
      lb.close();
    }
  });
});
