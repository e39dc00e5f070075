// USB-01..08: USB drives on real file systems (peers.md, "A USB drive"): an ext4 and an exFAT (FUSE) loop
// device mounted under a temp media root, found through the finder's media-root seam, adopted, copied to,
// verified and restored from on their own, pulled mid-copy (kill -9 of the FUSE process), rotated, unmounted
// between two steps, and filled up. The copy-speed comparison lives in bench/usb-copy.bench.ts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import Database from 'better-sqlite3';
import { tempDir } from '../helpers/cli.ts';
import { editOfficeDb } from '../helpers/office-fixtures.ts';
import { createLoopDrive, destroyAllLoopDrives, destroyLoopDrive, loopDriveSkipReason, mountDrive, unmountDrive, yank, type LoopDrive } from '../peers/loop-drive.ts';
import { Lifeboat } from '../../src-main/core/lifeboat.ts';
import { Repository } from '../../src-main/core/repository/repository.ts';
import { verifySnapshots } from '../../src-main/core/engine/verify.ts';
import { createOfficeDb, checkOfficeInvariant } from '../../src-main/core/sources/demo-office-db.ts';
import { findVolumes, isSystemMount } from '../../src-main/core/drives/drive-finder.ts';
import { DriveWatcher, loadUsbHotplug, type UsbHotplug, type VolumesChanged } from '../../src-main/core/drives/usb-events.ts';
import { DriveRegistry } from '../../src-main/core/drives/drive-registry.ts';
import { copyToDrive, type DriveEvent } from '../../src-main/core/drives/drive-copier.ts';
import { DRIVE_FILE, LIFEBOAT_FOLDER, driveRepoDir } from '../../src-main/core/drives/drive-marker.ts';

const MB = 1024 * 1024;
const skip = loopDriveSkipReason();

function packFiles(repoDir: string): string[] {
  const root = path.join(repoDir, 'packs');
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).flatMap((sub) => fs.readdirSync(path.join(root, sub)));
}

/** Every pack on disk is named by an index file, and every snapshot listed verifies (quick). */
async function assertConsistent(repoDir: string, tmp: string, passphrase = ''): Promise<string[]> {
  const repo = await Repository.open(repoDir, async () => passphrase);
  const ids = await repo.listSnapshotIds();
  const report = await verifySnapshots(repo, ids, { deep: false, tmpDir: tmp });
  assert.equal(report.ok, true, JSON.stringify(report.snapshots.filter((s) => !s.ok)));
  return ids;
}

/** Packs on disk that no index file names (debris), for a repository opened plain. */
async function orphanPacks(repoDir: string, passphrase = ''): Promise<string[]> {
  const repo = await Repository.open(repoDir, async () => passphrase);
  const named = new Set<string>();
  for (const f of await repo.listIndexFiles()) for (const p of await repo.readIndexFile(f)) named.add(p.id);
  return packFiles(repoDir).filter((p) => !named.has(p));
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A SQLite database of `mb` megabytes of random blobs: incompressible, so its size on a drive is known. */
function randomDb(file: string, mb: number): void {
  fs.rmSync(file, { force: true });
  const db = new Database(file);
  try {
    db.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)');
    const ins = db.prepare('INSERT INTO blobs (data) VALUES (randomblob(?))');
    db.transaction(() => { for (let i = 0; i < mb * 16; i++) ins.run(64 * 1024); })();
  } finally {
    db.close();
  }
}

describe('USB drives on loop devices', { skip }, () => {
  let t: { dir: string; cleanup(): void };
  let media: string;
  let ext: LoopDrive;
  let exf: LoopDrive;
  let lb: Lifeboat;
  let registry: DriveRegistry;
  let office: string;
  let shop: string;
  const finder = () => findVolumes({ system: false, mediaRoots: [media] });

  before(async () => {
    t = tempDir('lifeboat-usb-');
    media = path.join(t.dir, 'media');
    fs.mkdirSync(media);
    ext = createLoopDrive({ dir: t.dir, mediaRoot: media, label: 'LBEXT4', sizeMb: 128, fs: 'ext4' });
    exf = createLoopDrive({ dir: t.dir, mediaRoot: media, label: 'LBEXFAT', sizeMb: 128, fs: 'exfat' });
    const dataDir = path.join(t.dir, 'data');
    // 2 MiB packs (instead of 16) so that a pull mid-copy lands between and inside packs, not before the first.
    await Repository.init(path.join(dataDir, 'repository'), { packSize: 2 * MB });
    lb = await Lifeboat.open({ dataDir, passphrase: async () => '' });
    office = path.join(t.dir, 'office.db');
    shop = path.join(t.dir, 'shop.db');
    createOfficeDb(office, { targetBytes: 40 * MB, seed: 11 });
    createOfficeDb(shop, { targetBytes: 4 * MB, seed: 12 });
    await lb.addSource({ name: 'office', kind: 'sqlite', path: office });
    await lb.addSource({ name: 'shop', kind: 'sqlite', path: shop });
    await lb.backup();
    registry = new DriveRegistry({ dataDir, repoId: (await lb.repository()).config.id, find: finder });
  });

  after(() => {
    lb?.close();
    destroyAllLoopDrives();
    t?.cleanup();
  });

  it('USB-01 the finder sees both drives through the media-root seam, and through systeminformation', async () => {
    const vols = await finder();
    assert.deepEqual(vols.map((v) => [v.mount, v.label, v.fsType, v.driveId, v.repoId]), [
      [exf.mount, 'LBEXFAT', 'exfat', null, null],
      [ext.mount, 'LBEXT4', 'ext4', null, null],
    ]);
    for (const v of vols) {
      assert.ok(v.size > 50 * MB && v.size <= 128 * MB, `${v.label} size ${v.size}`);
      assert.ok(v.free > 50 * MB && v.free <= v.size, `${v.label} free ${v.free}`);
      assert.match(v.device, /^\/dev\/loop\d+$/);
    }
    // The default path (systeminformation's fsSize) lists them too, without any RM/TRAN flags to go by.
    const system = await findVolumes({ mediaRoots: [] });
    assert.ok(system.some((v) => v.mount === ext.mount && v.fsType === 'ext4'), JSON.stringify(system));
    assert.ok(system.some((v) => v.mount === exf.mount && v.fsType === 'exfat'), JSON.stringify(system));
    assert.ok(!system.some((v) => v.mount === '/'), 'the root file system is not a drive');
    // An unmounted folder under the media root is not a volume.
    fs.mkdirSync(path.join(media, 'EMPTY'));
    assert.equal((await finder()).length, 2);
    fs.rmdirSync(path.join(media, 'EMPTY'));
  });

  it('USB-01b system mounts are never drives (table)', () => {
    const table: Array<[string, string, NodeJS.Platform, boolean]> = [
      ['/', 'ext4', 'linux', true],
      ['/boot/efi', 'vfat', 'linux', true],
      ['/home', 'ext4', 'linux', true],
      ['/proc', 'proc', 'linux', true],
      ['/dev/shm', 'tmpfs', 'linux', true],
      ['/var/lib/docker/overlay2/x/merged', 'overlay', 'linux', true],
      ['/snap/core/1', 'squashfs', 'linux', true],
      ['/run/user/1000/gvfs', 'fuse.gvfsd-fuse', 'linux', true],
      ['/mnt/nas', 'cifs', 'linux', true],
      ['/media/alice/STICK', 'vfat', 'linux', false],
      ['/run/media/alice/STICK', 'exfat', 'linux', false],
      ['/media/alice/STICK', 'fuseblk', 'linux', false],
      ['/mnt', 'ext4', 'linux', false],
      ['/tmp/x/media/LBEXT4', 'ext4', 'linux', false],
      ['/', 'apfs', 'darwin', true],
      ['/System/Volumes/Data', 'apfs', 'darwin', true],
      ['/Volumes/BACKUP', 'apfs', 'darwin', false],
      ['/Volumes/STICK', 'msdos', 'darwin', false],
      ['C:', 'NTFS', 'win32', true],
      ['E:', 'exFAT', 'win32', false],
    ];
    for (const [mount, type, platform, expected] of table) assert.equal(isSystemMount(mount, type, platform, 'C:'), expected, `${platform} ${mount} ${type}`);
  });

  it('USB-02 the watcher: USB support loads or is skipped cleanly; the poll sees a drive pulled and plugged in; a USB event wakes it', async () => {
    const real = await loadUsbHotplug();
    assert.ok(real.usb || real.reason, 'either USB events or a reason');
    // The real thing (usb@2, native, where it loads): starts, lists, stops, and never keeps the process alive.
    const withUsb = new DriveWatcher({ find: finder, pollMs: 50 });
    await withUsb.start();
    assert.equal(withUsb.volumes.length, 2);
    assert.ok(withUsb.usbActive || withUsb.usbReason, 'USB events on, or the reason why not');
    withUsb.stop();

    const fakeUsb = new EventEmitter() as EventEmitter & UsbHotplug;
    let finds = 0;
    const w = new DriveWatcher({ find: () => (finds++, finder()), pollMs: 100, usb: async () => ({ usb: fakeUsb }), settleMs: [] });
    const events: VolumesChanged[] = [];
    w.on('volumes-changed', (e) => events.push(e));
    await w.start();
    try {
      assert.equal(w.usbActive, true);
      assert.deepEqual(events.map((e) => [e.cause, e.added.map((v) => v.label).sort(), e.removed.length]), [['start', ['LBEXFAT', 'LBEXT4'], 0]]);
      unmountDrive(ext);
      await until(() => events.length === 2, 3000, 'the pulled drive');
      assert.deepEqual([events[1]!.cause, events[1]!.removed.map((v) => v.label), events[1]!.added.length], ['poll', ['LBEXT4'], 0]);
      mountDrive(ext);
      await until(() => events.length === 3, 3000, 'the drive plugged in again');
      assert.deepEqual(events[2]!.added.map((v) => v.label), ['LBEXT4']);

      // A USB attach looks at once, not at the next poll.
      w.stop();
      const quiet = new DriveWatcher({ find: finder, pollMs: 0, usb: async () => ({ usb: fakeUsb }), settleMs: [] });
      const seen: VolumesChanged[] = [];
      quiet.on('volumes-changed', (e) => seen.push(e));
      await quiet.start();
      unmountDrive(ext);
      fakeUsb.emit('detach', {});
      await until(() => seen.length === 2, 3000, 'the USB-woken look');
      assert.equal(seen[1]!.cause, 'usb');
      mountDrive(ext);
      quiet.stop();
      assert.equal(fakeUsb.listenerCount('attach'), 0, 'stop() removes the USB listeners');
    } finally {
      w.stop();
      if (!ext.mounted) mountDrive(ext);
    }
    assert.ok(finds >= 3);
  });

  it('USB-03 adopt: marks the drive as ours with a stable id; refuses a drive holding another repository', async () => {
    const rec = await registry.adopt(ext.mount);
    assert.match(rec.id, /^[0-9a-f]{12}$/);
    assert.equal(rec.label, 'LBEXT4');
    assert.ok(fs.existsSync(path.join(ext.mount, LIFEBOAT_FOLDER, DRIVE_FILE)));
    assert.equal((await registry.adopt(ext.mount)).id, rec.id, 'adopting twice keeps the id');
    const listed = await registry.list();
    const row = listed.find((d) => d.mount === ext.mount)!;
    assert.deepEqual([row.id, row.adopted, row.ours, row.present, row.lastCopy], [rec.id, true, true, true, null]);
    assert.ok(row.free! > 50 * MB);
    const other = listed.find((d) => d.mount === exf.mount)!;
    assert.deepEqual([other.id, other.adopted, other.ours], [null, false, false]);

    // A drive with somebody else's repository is not ours, and adopting it is refused.
    await Repository.init(driveRepoDir(exf.mount));
    await assert.rejects(registry.adopt(exf.mount), (err: Error) => /holds another Lifeboat repository/.test(err.message));
    const res = await copyToDrive(lb, { mount: exf.mount }, undefined, undefined, { registry });
    assert.equal(res.error?.code, 'not-ours');
    fs.rmSync(driveRepoDir(exf.mount), { recursive: true });
  });

  it('USB-04 copy: latest of every source, read back, verified on the drive, then safe to remove; restores from the drive alone', async () => {
    const events: DriveEvent[] = [];
    const res = await copyToDrive(lb, { mount: ext.mount }, undefined, (e) => events.push(e), { registry });
    assert.equal(res.ok, true, JSON.stringify(res.error));
    const rows = await lb.list();
    assert.deepEqual(res.copied.sort(), rows.map((r) => r.id).sort());
    assert.ok(res.bytes > 10 * MB);
    const types = events.map((e) => e.type);
    assert.equal(types[0], 'start');
    assert.equal(types.at(-1), 'safe-to-remove');
    assert.ok(types.includes('progress'));
    const safe = events.at(-1) as Extract<DriveEvent, { type: 'safe-to-remove' }>;
    assert.deepEqual([safe.drive.label, safe.copied, safe.bytes], ['LBEXT4', res.copied, res.bytes]);

    // On the drive, by itself: deep verify, and a restore with nothing but the drive's folder.
    const ids = await assertConsistent(driveRepoDir(ext.mount), path.join(t.dir, 'tmp'));
    const twin = await Repository.open(driveRepoDir(ext.mount), async () => '');
    assert.equal((await verifySnapshots(twin, ids, { deep: true, tmpDir: path.join(t.dir, 'tmp') })).ok, true);
    const fresh = await Lifeboat.open({ dataDir: path.join(t.dir, 'fresh'), repoDir: driveRepoDir(ext.mount), passphrase: async () => '' });
    try {
      const out = path.join(t.dir, 'restored-office.db');
      await fresh.restore({ ref: 'latest', source: 'office', to: out });
      const inv = checkOfficeInvariant(out);
      assert.equal(inv.ok, true);
      assert.equal(inv.invoices, checkOfficeInvariant(office).invoices);
    } finally {
      fresh.close();
    }

    // Recorded: history and the registry's last copy. A second copy has nothing to do and says so quickly.
    assert.ok(lb.catalog.history(5).some((h) => h.op === 'drive-copy' && h.result === 'ok' && h.detail.includes('LBEXT4')));
    const rec = (await registry.list()).find((d) => d.mount === ext.mount)!;
    assert.deepEqual([rec.lastCopy?.result, rec.lastCopy?.copied], ['ok', 2]);
    const again = await copyToDrive(lb, { mount: ext.mount }, undefined, undefined, { registry });
    assert.deepEqual([again.ok, again.copied, again.alreadyThere.length, again.bytes, again.warnings], [true, [], 2, 0, []]);

    // A manifest on the drive that cannot be read does not stop copies; it is reported.
    const rotten = path.join(driveRepoDir(ext.mount), 'snapshots', 'aaaaaaaaaaaa');
    fs.writeFileSync(rotten, 'not a manifest');
    const warned = await copyToDrive(lb, { mount: ext.mount }, undefined, undefined, { registry });
    assert.equal(warned.ok, true);
    assert.match(warned.warnings.join('\n'), /aaaaaaaaaaaa on drive LBEXT4 cannot be read/);
    assert.equal(lb.catalog.history(1)[0]?.result, 'warning');
    fs.rmSync(rotten);
  });

  it('USB-05 exFAT pulled mid-copy (kill -9 of its FUSE process): consistent after remount, the next copy completes', async () => {
    await registry.adopt(exf.mount);
    // A fresh snapshot of each source, so the drive has both to take.
    editOfficeDb(office, 1);
    editOfficeDb(shop, 1);
    await lb.backup();
    const latest = (await lb.list()).filter((r, i, all) => all.findIndex((x) => x.source === r.source) === i);
    const bigOne = latest.find((r) => r.source === 'office')!.id;

    let yanked = false;
    const events: DriveEvent[] = [];
    const res = await copyToDrive(lb, { mount: exf.mount }, undefined, (e) => {
      events.push(e);
      // Pull the drive while the big snapshot's third pack is being written.
      if (!yanked && e.type === 'progress' && e.phase === 'copy' && e.snapshot === bigOne && e.done >= 2) {
        yanked = true;
        setTimeout(() => yank(exf), 5);
      }
    }, { registry });
    assert.equal(yanked, true, "the copy was pulled");
    assert.equal(res.ok, false);
    assert.equal(res.error?.code, 'disconnected', res.error?.message);
    assert.match(res.error!.message, /went away during the copy/);
    assert.ok(!events.some((e) => e.type === 'safe-to-remove'), 'never "safe to remove" after a pull');
    assert.equal((await registry.get(res.drive.id))?.lastCopy?.result, 'failed');

    // Plugged in again: whatever the drive lists is whole.
    mountDrive(exf);
    const listed = await assertConsistent(driveRepoDir(exf.mount), path.join(t.dir, 'tmp'));
    assert.ok(!listed.includes(bigOne), 'the snapshot being copied when pulled is not listed');
    assert.deepEqual(listed, res.copied.slice().sort(), 'exactly what was reported copied');

    const done: DriveEvent[] = [];
    const next = await copyToDrive(lb, { mount: exf.mount }, undefined, (e) => done.push(e), { registry });
    assert.equal(next.ok, true, JSON.stringify(next.error));
    assert.ok(next.copied.includes(bigOne));
    assert.equal(done.at(-1)?.type, 'safe-to-remove');
    const after = await assertConsistent(driveRepoDir(exf.mount), path.join(t.dir, 'tmp'));
    for (const r of latest) assert.ok(after.includes(r.id), `${r.source}'s latest is on the drive`);
    assert.deepEqual(await orphanPacks(driveRepoDir(exf.mount)), [], 'no pack left that no index names');
    assert.deepEqual(fs.readdirSync(path.join(driveRepoDir(exf.mount), 'tmp')), [], 'no scratch files left');
    assert.deepEqual(fs.readdirSync(path.join(driveRepoDir(exf.mount), 'locks')), [], 'no lock left behind');
  });

  it('USB-06 two adopted drives rotate, each remembering its last copy', async () => {
    editOfficeDb(shop, 2);
    await lb.backup({ source: 'shop' });
    // Monday: the ext4 drive is in; it goes home with the owner.
    assert.equal((await copyToDrive(lb, { mount: ext.mount }, undefined, undefined, { registry })).ok, true);
    unmountDrive(ext);
    // Tuesday: the exFAT drive.
    await new Promise((r) => setTimeout(r, 20));
    editOfficeDb(shop, 3);
    await lb.backup({ source: 'shop' });
    const tue = await copyToDrive(lb, { mount: exf.mount }, undefined, undefined, { registry });
    assert.equal(tue.ok, true);
    const drives = await registry.list();
    const e4 = drives.find((d) => d.label === 'LBEXT4')!;
    const ex = drives.find((d) => d.label === 'LBEXFAT')!;
    assert.deepEqual([e4.present, e4.adopted, e4.mount, e4.lastCopy?.result], [false, true, ext.mount, 'ok']);
    assert.deepEqual([ex.present, ex.adopted, ex.lastCopy?.result, ex.lastCopy?.copied], [true, true, 'ok', 1]);
    assert.ok(Date.parse(ex.lastCopy!.time) > Date.parse(e4.lastCopy!.time));
    assert.ok(e4.free! > 0 && e4.size! > 0, 'the absent drive shows its last known space');
    assert.deepEqual((await registry.ours()).map((o) => o.record.label), ['LBEXFAT']);

    // Forgotten, a drive holding our repository is no longer copied to, until adopted again.
    await registry.forget(ex.id!.slice(0, 6));
    assert.deepEqual(await registry.ours(), []);
    assert.equal((await copyToDrive(lb, { mount: exf.mount }, undefined, undefined, { registry })).error?.code, 'not-ours');
    assert.equal((await registry.adopt(exf.mount)).id, ex.id);
    mountDrive(ext);
    assert.deepEqual((await registry.ours()).map((o) => o.record.label).sort(), ['LBEXFAT', 'LBEXT4']);
  });

  it('USB-07 a drive unmounted between two steps: nothing is written into the bare mount-point folder', async () => {
    editOfficeDb(shop, 4);
    await lb.backup({ source: 'shop' });
    const events: DriveEvent[] = [];
    const res = await copyToDrive(lb, { mount: ext.mount }, undefined, (e) => {
      events.push(e);
      if (e.type === 'start') unmountDrive(ext); // after the decision, before the first byte
    }, { registry });
    assert.equal(res.error?.code, 'disconnected', JSON.stringify(res.error));
    assert.deepEqual(fs.readdirSync(ext.mount), [], 'the system disk under the mount point is untouched');
    assert.ok(!events.some((e) => e.type === 'safe-to-remove'));
    mountDrive(ext);
    const next = await copyToDrive(lb, { mount: ext.mount }, undefined, undefined, { registry });
    assert.deepEqual([next.ok, next.copied.length], [true, 1]);
  });

  it('USB-08 a full drive (encrypted repository): older copies pruned by its policy first, then a clear error; the drive stays consistent', async () => {
    const small = createLoopDrive({ dir: t.dir, mediaRoot: media, label: 'SMALL', sizeMb: 24, fs: 'ext4' });
    const dataDir = path.join(t.dir, 'data-full');
    const blobs = path.join(t.dir, 'blobs.db');
    randomDb(blobs, 6);
    const lb2 = await Lifeboat.open({ dataDir, passphrase: async () => 'full-pass', initPassphrase: 'full-pass' });
    try {
      await lb2.addSource({ name: 'blobs', kind: 'sqlite', path: blobs });
      const reg2 = new DriveRegistry({ dataDir, repoId: (await lb2.repository()).config.id, find: finder });
      await reg2.adopt(small.mount);
      const policy = { last: 2 };
      const copy = async (mb: number) => {
        randomDb(blobs, mb);
        const snap = (await lb2.backup()).snapshots[0]!.id;
        const events: DriveEvent[] = [];
        const res = await copyToDrive(lb2, { mount: small.mount }, policy, (e) => events.push(e), { registry: reg2 });
        return { snap, res, events };
      };
      const s1 = await copy(6);
      const s2 = await copy(6);
      assert.deepEqual([s1.res.ok, s2.res.ok], [true, true]);
      // 6 + 6 + 12 MB do not fit on the ~21 MB drive: the oldest goes (policy: last 2), then it fits.
      const s3 = await copy(12);
      assert.equal(s3.res.ok, true, JSON.stringify(s3.res.error));
      assert.deepEqual(s3.res.pruned, [s1.snap]);
      assert.ok(s3.events.some((e) => e.type === 'pruned' && e.why === 'full'));
      // 12 + 18 MB do not fit even after pruning s2; s3, the drive's newest, is never pruned to make room.
      const s4 = await copy(18);
      assert.equal(s4.res.ok, false);
      assert.equal(s4.res.error?.code, 'full');
      assert.match(s4.res.error!.message, /^drive SMALL is full \(.* free of .*\): snapshot [0-9a-f]{12} of blobs does not fit, after removing 1 older snapshot/);
      assert.deepEqual(s4.res.pruned, [s2.snap]);
      const err = s4.events.find((e) => e.type === 'error');
      assert.equal(err?.type === 'error' && err.message, s4.res.error!.message);
      assert.ok(!s4.events.some((e) => e.type === 'safe-to-remove'));

      const repoDir = driveRepoDir(small.mount);
      assert.deepEqual(await assertConsistent(repoDir, path.join(t.dir, 'tmp'), 'full-pass'), [s3.snap]);
      assert.deepEqual(await orphanPacks(repoDir, 'full-pass'), [], 'nothing half-written left');
      assert.deepEqual(fs.readdirSync(path.join(repoDir, 'tmp')), []);
      assert.equal((await reg2.list()).find((d) => d.label === 'SMALL')?.lastCopy?.result, 'full');
      assert.ok(lb2.catalog.history(5).some((h) => h.op === 'drive-copy' && h.result === 'failed' && /is full/.test(h.detail)));
    } finally {
      lb2.close();
      destroyLoopDrive(small);
    }
  });
});
