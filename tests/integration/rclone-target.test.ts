// The rclone target (any rclone remote) run through the Target conformance suite over REAL servers: rclone
// 1.60 from Debian speaking sftp to OpenSSH and WebDAV to Apache (tests/peers/), as /work/shared/peers.md says.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { RcloneTarget, RCLONE_INSTALL_HINT } from '../../src-main/core/targets/rclone-target.ts';
import { TargetError } from '../../src-main/core/targets/target.ts';
import { targetConformance } from '../targets/conformance.ts';
import { tempDir } from '../helpers/cli.ts';
import { sshdSkipReason, startSshd, type SshdServer } from '../peers/sshd-server.ts';
import { apacheSkipReason, startApacheWebdav, type WebdavServer } from '../peers/apache-webdav.ts';
import { obscure, rcloneConfig, rcloneSkipReason } from '../peers/rclone.ts';

let sshd: SshdServer | undefined;
let dav: WebdavServer | undefined;
const t = tempDir('lifeboat-rclone-');
const skip = rcloneSkipReason() || sshdSkipReason() || apacheSkipReason();
let n = 0;

describe('rclone targets over real servers', { skip }, () => {
  before(async () => {
    sshd = await startSshd();
    dav = await startApacheWebdav();
  });
  after(async () => {
    await sshd?.dispose();
    await dav?.destroy();
    t.cleanup();
  });

  targetConformance('rclone over OpenSSH sftp', async () => {
    const conf = path.join(t.dir, `sftp-${++n}.conf`);
    rcloneConfig(conf, 'office-nas', 'sftp', { host: '127.0.0.1', port: String(sshd!.port), user: sshd!.user, key_file: sshd!.clientKeyFile, shell_type: 'none' });
    const root = path.join(sshd!.dataDir, `rclone-${n}`);
    fs.mkdirSync(root);
    return { target: new RcloneTarget({ remote: `office-nas:${root}`, configFile: conf }), cleanup: async () => {} };
  }, { largeBytes: 17 * 1024 * 1024 });

  targetConformance('rclone over Apache WebDAV', async () => {
    const conf = path.join(t.dir, `dav-${++n}.conf`);
    rcloneConfig(conf, 'office-dav', 'webdav', { url: dav!.url, vendor: 'other', user: dav!.user, pass: obscure(dav!.password) });
    return { target: new RcloneTarget({ remote: `office-dav:rclone-${n}`, configFile: conf }), cleanup: async () => {} };
  });

  it('removeDebris clears .part files a cut save left in tmp/', async () => {
    const conf = path.join(t.dir, 'debris.conf');
    rcloneConfig(conf, 'nas', 'sftp', { host: '127.0.0.1', port: String(sshd!.port), user: sshd!.user, key_file: sshd!.clientKeyFile, shell_type: 'none' });
    const root = path.join(sshd!.dataDir, 'rclone-debris');
    fs.mkdirSync(path.join(root, 'tmp'), { recursive: true });
    fs.writeFileSync(path.join(root, 'tmp', 'abcdef0123456789.a1b2c3d4.part'), 'half');
    fs.writeFileSync(path.join(root, 'lifeboat-repo.json'), '{}');
    const target = new RcloneTarget({ remote: `nas:${root}`, configFile: conf });
    assert.deepEqual(await target.removeDebris(), ['abcdef0123456789.a1b2c3d4.part']);
    assert.deepEqual(fs.readdirSync(path.join(root, 'tmp')), []);
    assert.ok(fs.existsSync(path.join(root, 'lifeboat-repo.json')));
  });

  it('rclone not installed: a permanent error that says how to install it', async () => {
    const target = new RcloneTarget({ remote: 'x:y', bin: path.join(t.dir, 'no-such-rclone') });
    await assert.rejects(target.list('snapshot'), (err: unknown) => err instanceof TargetError && err.kind === 'permanent' && err.message === RCLONE_INSTALL_HINT);
    assert.match(RCLONE_INSTALL_HINT, /apt install rclone/);
  });

  it('an unknown remote name and a refused password are permanent, a stopped server is "retry"', async () => {
    const conf = path.join(t.dir, 'errors.conf');
    rcloneConfig(conf, 'bad-pass', 'webdav', { url: dav!.url, vendor: 'other', user: dav!.user, pass: obscure('wrong') });
    rcloneConfig(conf, 'nas', 'sftp', { host: '127.0.0.1', port: String(sshd!.port), user: sshd!.user, key_file: sshd!.clientKeyFile, shell_type: 'none' });
    await assert.rejects(new RcloneTarget({ remote: 'nosuch:x', configFile: conf }).list('snapshot'), (err: unknown) => err instanceof TargetError && err.kind === 'permanent');
    await assert.rejects(new RcloneTarget({ remote: 'bad-pass:x', configFile: conf }).save({ kind: 'snapshot', name: 'aaaaaaaaaaaa' }, { size: 1, open: () => (async function* () { yield Buffer.from('x'); })() as never }),
      (err: unknown) => err instanceof TargetError && err.kind === 'permanent' && err.code === 'auth' && !err.message.includes(dav!.password));
    await sshd!.stop();
    try {
      await assert.rejects(new RcloneTarget({ remote: `nas:${sshd!.dataDir}`, configFile: conf, connectTimeoutS: 3 }).list('snapshot'), (err: unknown) => err instanceof TargetError && err.kind === 'retry');
    } finally {
      await sshd!.start();
    }
  });
});
