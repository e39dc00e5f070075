// The SFTP target against a real OpenSSH sshd (tests/peers/sshd-server.ts): the shared Target conformance
// suite, then what only a real server shows: host keys pinned on first use and a changed one refused, a
// refused client key, nothing listening, a server that goes away and comes back, a silently dropped link, a
// stuck server, a full and a read-only server disk. Host-key pinning is also unit-tested here, without sshd.
// Skipped locally without sshd or root (the reason says what to install); under CI=true it must run.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { SftpTarget, type SftpTargetOptions } from '../../src-main/core/targets/sftp-target.ts';
import { fingerprint, hostVerifier, knownHostsName, pinnedKeys, preferPinnedTypes } from '../../src-main/core/targets/host-keys.ts';
import { bufferBody, isNotFound, TargetError, type Handle } from '../../src-main/core/targets/target.ts';
import { targetConformance, sha } from '../targets/conformance.ts';
import { startSshd, sshdSkipReason, type SshdServer } from '../peers/sshd-server.ts';
import { freePort } from '../peers/nut-server.ts';
import { mountTmpfs, tmpfsSkipReason, unmountTmpfs } from '../helpers/tmpfs.ts';
import { tempDir } from '../helpers/cli.ts';

const skip = sshdSkipReason();

function targetFor(server: SshdServer, dir: string, over: Partial<SftpTargetOptions> = {}): SftpTarget {
  return new SftpTarget({ host: server.host, port: server.port, user: server.user, path: 'repo', privateKey: server.clientKey, knownHostsFile: path.join(dir, 'known_hosts'), connectTimeoutMs: 5000, ...over });
}

const pack = (data: Buffer): Handle => ({ kind: 'pack', name: sha(data) });

/** Asserts a TargetError of this kind and code, and returns it for more checks. */
async function rejectsWith(p: Promise<unknown>, kind: TargetError['kind'], code: string): Promise<TargetError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof TargetError, `expected a TargetError, got ${String(err)}`);
  assert.equal(err.kind, kind, err.message);
  assert.equal(err.code, code, err.message);
  return err;
}

/** The fingerprint ssh-keygen itself prints for a public key file: the text a person will compare with. */
function keygenFingerprint(pubFile: string): string {
  return /SHA256:\S+/.exec(execFileSync('ssh-keygen', ['-lf', pubFile]).toString())![0];
}

if (!skip) {
  targetConformance('OpenSSH sftp', async () => {
    const t = tempDir('lifeboat-sftp-conf-');
    const server = await startSshd();
    return { target: targetFor(server, t.dir), cleanup: async () => { await server.dispose(); t.cleanup(); } };
  });
}

describe('SFTP target: a real sshd', { skip }, () => {
  let server: SshdServer;
  let t: { dir: string; cleanup(): void };
  const targets: SftpTarget[] = [];
  const make = (over: Partial<SftpTargetOptions> = {}): SftpTarget => {
    const target = targetFor(server, t.dir, over);
    targets.push(target);
    return target;
  };

  before(async () => {
    t = tempDir('lifeboat-sftp-');
    server = await startSshd();
  });
  after(async () => {
    for (const target of targets) await target.close();
    await server?.dispose();
    t?.cleanup();
  });

  test('pins the host key on first use, as OpenSSH writes it, and a changed key is refused loudly', async () => {
    const knownHosts = path.join(t.dir, 'pin', 'known_hosts');
    const target = make({ knownHostsFile: knownHosts });
    await target.save({ kind: 'snapshot', name: 'aaaaaaaaaaaa' }, bufferBody(Buffer.from('{}')));
    const [type, b64] = fs.readFileSync(`${server.hostKeyFile}.pub`, 'utf8').split(' ');
    assert.equal(fs.readFileSync(knownHosts, 'utf8'), `[127.0.0.1]:${server.port} ${type} ${b64}\n`);
    assert.equal(fs.statSync(knownHosts).mode & 0o777, 0o600);
    const oldPrint = keygenFingerprint(`${server.hostKeyFile}.pub`);

    // A reinstalled server, or someone in the middle: same address, another key.
    await target.close();
    await server.stop();
    server.rotateHostKey();
    await server.start();
    const err = await rejectsWith(target.load({ kind: 'snapshot', name: 'aaaaaaaaaaaa' }), 'permanent', 'host-key');
    const newPrint = keygenFingerprint(`${server.hostKeyFile}.pub`);
    assert.match(err.message, /HOST KEY CHANGED for 127\.0\.0\.1:\d+/);
    assert.ok(err.message.includes(oldPrint), err.message);
    assert.ok(err.message.includes(newPrint), err.message);
    assert.ok(err.message.includes(knownHosts), 'says which file to edit');
    assert.ok(err.message.includes(`[127.0.0.1]:${server.port}`), 'says which line to remove');
    assert.equal(fs.readFileSync(knownHosts, 'utf8').split('\n').filter(Boolean).length, 1, 'the new key was not pinned');

    // What the message tells a person to do when the change is legitimate: remove the line.
    fs.writeFileSync(knownHosts, '');
    assert.equal((await target.load({ kind: 'snapshot', name: 'aaaaaaaaaaaa' })).toString(), '{}');
    assert.ok(fs.readFileSync(knownHosts, 'utf8').includes(fs.readFileSync(`${server.hostKeyFile}.pub`, 'utf8').split(' ')[1]!));
  });

  test('a client key the server does not know is a permanent "auth" error naming the user, not the key', async () => {
    const keyFile = path.join(t.dir, 'stranger_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
    const stranger = fs.readFileSync(keyFile);
    const err = await rejectsWith(make({ privateKey: stranger }).stat({ kind: 'config', name: 'lifeboat-repo.json' }), 'permanent', 'auth');
    assert.match(err.message, new RegExp(`user "${server.user}"`));
    assert.ok(!err.message.includes(stranger.toString().split('\n')[1]!));
    // This server takes no passwords: a password alone is refused the same way, and never shown.
    const pw = await rejectsWith(make({ privateKey: undefined, password: 'hunter2-secret' }).stat({ kind: 'config', name: 'lifeboat-repo.json' }), 'permanent', 'auth');
    assert.ok(!pw.message.includes('hunter2-secret'), pw.message);
  });

  test('nothing listening is "retry" (unreachable), and so is a server that went away; it works again once back', async () => {
    const nobody = new SftpTarget({ host: '127.0.0.1', port: await freePort(), user: server.user, path: 'repo', privateKey: server.clientKey, knownHostsFile: path.join(t.dir, 'known_hosts') });
    await rejectsWith(nobody.stat({ kind: 'config', name: 'lifeboat-repo.json' }), 'retry', 'unreachable');

    const target = make();
    const data = crypto.randomBytes(5000);
    await target.save(pack(data), bufferBody(data));
    await server.stop();
    await rejectsWith(target.load(pack(data)), 'retry', 'unreachable');
    await rejectsWith(target.load(pack(data)), 'retry', 'unreachable');
    await server.start();
    assert.ok((await target.load(pack(data))).equals(data), 'reconnects by itself after the drop');
  });

  test('load and stat of a missing object are "not found", with and without a range', async () => {
    const target = make();
    const h: Handle = { kind: 'pack', name: sha('never saved') };
    await assert.rejects(target.load(h), isNotFound);
    await assert.rejects(target.load(h, { offset: 10, length: 10 }), isNotFound);
    await assert.rejects(target.stat(h), isNotFound);
  });

  test('a body that fails half-way leaves no temp file on the server, and the connection stays usable', async () => {
    const target = make();
    const data = crypto.randomBytes(400_000);
    const broken = {
      size: data.length,
      open: () => Readable.from((async function* () {
        yield data.subarray(0, 200_000);
        throw new Error('source read failed');
      })()),
    };
    await assert.rejects(target.save(pack(data), broken), /source read failed/);
    assert.deepEqual(fs.readdirSync(path.join(server.dataDir, 'repo', 'tmp')), []);
    await target.save(pack(data), bufferBody(data));
    assert.equal((await target.stat(pack(data))).size, data.length);
  });

  test('a repository path whose parent does not exist is permanent and says which folder is missing', async () => {
    const target = make({ path: '/no-such-folder-for-lifeboat/repo' });
    const err = await rejectsWith(target.save({ kind: 'snapshot', name: 'bbbbbbbbbbbb' }, bufferBody(Buffer.from('x'))), 'permanent', 'not-found');
    assert.match(err.message, /the folder \/no-such-folder-for-lifeboat does not exist on 127\.0\.0\.1/);
  });

  test('a silently dropped link (iptables DROP) fails within seconds by keepalive, then reconnects', { skip: !process.env.CI && !fs.existsSync('/usr/sbin/iptables') && 'needs iptables' }, async (tc) => {
    const target = make({ keepaliveMs: 300 });
    const data = crypto.randomBytes(2000);
    await target.save(pack(data), bufferBody(data));
    const rule = ['INPUT', '-i', 'lo', '-p', 'tcp', '--dport', String(server.port), '-j', 'DROP'];
    execFileSync('iptables', ['-I', ...rule]);
    const t0 = performance.now();
    try {
      const err = await rejectsWith(target.load(pack(data)), 'retry', 'unreachable');
      tc.diagnostic(`dropped link noticed after ${Math.round(performance.now() - t0)} ms: ${err.message}`);
      assert.ok(performance.now() - t0 < 10_000);
    } finally {
      execFileSync('iptables', ['-D', ...rule]);
    }
    assert.ok((await target.load(pack(data))).equals(data));
  });

  test('a connect into a black hole gives up after connectTimeoutMs as "retry"', { skip: !process.env.CI && !fs.existsSync('/usr/sbin/iptables') && 'needs iptables' }, async () => {
    const rule = ['INPUT', '-i', 'lo', '-p', 'tcp', '--dport', String(server.port), '-j', 'DROP'];
    execFileSync('iptables', ['-I', ...rule]);
    const t0 = performance.now();
    try {
      await rejectsWith(make({ connectTimeoutMs: 1000 }).stat({ kind: 'config', name: 'lifeboat-repo.json' }), 'retry', 'unreachable');
      assert.ok(performance.now() - t0 < 5000);
    } finally {
      execFileSync('iptables', ['-D', ...rule]);
    }
  });

  test('a connection reset mid-save is "retry", leaves nothing under the name, and the next save works', { skip: !process.env.CI && !fs.existsSync('/usr/sbin/iptables') && 'needs iptables' }, async () => {
    const target = make();
    const data = crypto.randomBytes(4 * 1024 * 1024);
    const rule = ['INPUT', '-i', 'lo', '-p', 'tcp', '--dport', String(server.port), '-j', 'REJECT', '--reject-with', 'tcp-reset'];
    let inserted = false;
    // The body itself cuts the link after its first half, so the reset lands mid-transfer every time.
    const cutting = {
      size: data.length,
      open: () => Readable.from((async function* () {
        yield data.subarray(0, data.length / 2);
        execFileSync('iptables', ['-I', ...rule]);
        inserted = true;
        yield data.subarray(data.length / 2);
      })()),
    };
    try {
      await rejectsWith(target.save(pack(data), cutting), 'retry', 'unreachable');
    } finally {
      if (inserted) execFileSync('iptables', ['-D', ...rule]);
    }
    assert.ok(inserted);
    await assert.rejects(target.stat(pack(data)), isNotFound);
    // The dead connection could not remove its temp file; removeDebris does, once it is old enough.
    const tmpDir = path.join(server.dataDir, 'repo', 'tmp');
    assert.equal(fs.readdirSync(tmpDir).filter((n) => n.startsWith(sha(data))).length, 1);
    assert.deepEqual(await target.removeDebris(60_000), []);
    assert.equal((await target.removeDebris(0)).filter((n) => n.startsWith(sha(data))).length, 1);
    assert.deepEqual(fs.readdirSync(tmpDir).filter((n) => n.startsWith(sha(data))), []);
    await target.save(pack(data), bufferBody(data));
    assert.equal(sha(await target.load(pack(data))), sha(data));
  });

  test('a server that stops answering (SIGSTOP) is given up on after the inactivity timeout, never waited on for ever', async (tc) => {
    const target = make({ keepaliveMs: 60_000, inactivityTimeoutMs: 800 });
    const data = crypto.randomBytes(2000);
    await target.save(pack(data), bufferBody(data));
    const pids = server.sessionPids();
    assert.ok(pids.length > 0);
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    const t0 = performance.now();
    try {
      const err = await rejectsWith(target.load(pack(data)), 'retry', 'unreachable');
      tc.diagnostic(`stuck server given up on after ${Math.round(performance.now() - t0)} ms: ${err.message}`);
      assert.match(err.message, /no answer for/);
      assert.ok(performance.now() - t0 < 5000);
    } finally {
      for (const pid of pids) { try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ } }
    }
    assert.ok((await target.load(pack(data))).equals(data));
  });
});

describe('SFTP target: the server disk is full, then read-only', { skip: skip || tmpfsSkipReason() }, () => {
  let server: SshdServer;
  let t: { dir: string; cleanup(): void };
  let mnt: string;
  let target: SftpTarget;

  before(async () => {
    t = tempDir('lifeboat-sftp-full-');
    mnt = path.join(t.dir, 'mnt');
    mountTmpfs(mnt, { size: '2m' });
    server = await startSshd({ dataDir: mnt });
    target = targetFor(server, t.dir);
  });
  after(async () => {
    await target?.close();
    await server?.dispose();
    unmountTmpfs(mnt);
    t?.cleanup();
  });

  test('a 3 MB object on a 2 MB disk is a permanent "no-space" error, and nothing of it stays behind', async () => {
    const free = await target.freeSpace();
    assert.ok(free !== undefined && free > 0 && free <= 2 * 1024 * 1024, `statvfs of the 2 MB disk gave ${free}`);
    const big = crypto.randomBytes(3 * 1024 * 1024);
    const err = await rejectsWith(target.save(pack(big), bufferBody(big)), 'permanent', 'no-space');
    assert.match(err.message, /^no space left on 127\.0\.0\.1 for sftp:\/\/[^@\s]+@127\.0\.0\.1:\d+\/~\/repo: \d+ KiB free, and packs\/[0-9a-f]{2}\/[0-9a-f]{64} needs 3\.0 MiB\. Free some space on the server/);
    await assert.rejects(target.stat(pack(big)), isNotFound);
    assert.deepEqual(fs.readdirSync(path.join(mnt, 'repo', 'tmp')), [], 'the temp file was removed');
    assert.ok(!(await target.list('pack')).some((o) => o.name === sha(big)));
    // The space came back with the temp file: a smaller object fits.
    const small = crypto.randomBytes(500_000);
    await target.save(pack(small), bufferBody(small));
    assert.ok((await target.load(pack(small))).equals(small));
  });

  test('a read-only server disk is a permanent "permission" error', async () => {
    execFileSync('mount', ['-o', 'remount,ro', mnt]);
    try {
      const data = crypto.randomBytes(1000);
      const err = await rejectsWith(target.save(pack(data), bufferBody(data)), 'permanent', 'permission');
      assert.match(err.message, /read-only/);
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mnt]);
    }
  });
});

describe('host keys: trust on first use (unit)', () => {
  // Two real keys and the fingerprints `ssh-keygen -lf` printed for them.
  const K1 = { b64: 'AAAAC3NzaC1lZDI1NTE5AAAAIMYHTHnwz0J5hUlPJmhdoU5VsjjGm7x8Wl4OHT/2onVo', print: 'SHA256:EE5rLkHnEnpnuC/cB7atPcZzV0M8WyAwvojlBz10aLQ' };
  const K2 = { b64: 'AAAAC3NzaC1lZDI1NTE5AAAAIOMRKZzSlXK8HxShpHpGAbWzq5VFhJFg0kY+B3rcUkZj', print: 'SHA256:MxYZX34dRSwXi4nW9qaBHIgIXsYMpq5hOD0VWjMLmV0' };
  const key1 = Buffer.from(K1.b64, 'base64');
  const key2 = Buffer.from(K2.b64, 'base64');
  let t: { dir: string; cleanup(): void };
  before(() => { t = tempDir('lifeboat-hostkeys-'); });
  after(() => t.cleanup());

  const verify = (file: string, host: string, port: number, key: Buffer): Promise<{ ok: boolean; err?: TargetError }> => new Promise((resolve) => {
    let err: TargetError | undefined;
    hostVerifier(file, host, port, (e) => { err = e; })(key, (ok) => resolve({ ok, ...(err ? { err } : {}) }));
  });

  test('fingerprints read like OpenSSH\'s, and names follow known_hosts ([host]:port except on 22)', () => {
    assert.equal(fingerprint(key1), K1.print);
    assert.equal(fingerprint(key2), K2.print);
    assert.equal(knownHostsName('nas.local', 22), 'nas.local');
    assert.equal(knownHostsName('10.0.0.5', 2222), '[10.0.0.5]:2222');
  });

  test('the first key is pinned (0600, one OpenSSH line) and accepted; the same key again is accepted, another refused', async () => {
    const file = path.join(t.dir, 'a', 'known_hosts');
    assert.deepEqual(await verify(file, 'nas', 2222, key1), { ok: true });
    assert.equal(fs.readFileSync(file, 'utf8'), `[nas]:2222 ssh-ed25519 ${K1.b64}\n`);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(await verify(file, 'nas', 2222, key1), { ok: true });
    const refused = await verify(file, 'nas', 2222, key2);
    assert.equal(refused.ok, false);
    assert.equal(refused.err?.kind, 'permanent');
    assert.equal(refused.err?.code, 'host-key');
    for (const part of [K1.print, K2.print, file, '[nas]:2222', 'nas:2222']) assert.ok(refused.err?.message.includes(part), `${part} in: ${refused.err?.message}`);
    assert.equal(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length, 1);
  });

  test('another port of the same host is another server; existing lines (no final newline, comments) are kept', async () => {
    const file = path.join(t.dir, 'known_hosts_b');
    fs.writeFileSync(file, `# mine\nother.host ssh-ed25519 ${K2.b64}`);
    assert.equal((await verify(file, 'nas', 22, key1)).ok, true);
    assert.equal((await verify(file, 'nas', 2222, key2)).ok, true);
    assert.equal(fs.readFileSync(file, 'utf8'), `# mine\nother.host ssh-ed25519 ${K2.b64}\nnas ssh-ed25519 ${K1.b64}\n[nas]:2222 ssh-ed25519 ${K2.b64}\n`);
    assert.equal((await verify(file, 'nas', 22, key2)).ok, false);
  });

  test('lines from OpenSSH are understood: hashed names and comma-separated names', async () => {
    const file = path.join(t.dir, 'known_hosts_c');
    const salt = crypto.randomBytes(20);
    const hashed = `|1|${salt.toString('base64')}|${crypto.createHmac('sha1', salt).update('[backup.example]:2200').digest('base64')}`;
    fs.writeFileSync(file, `${hashed} ssh-ed25519 ${K1.b64}\nalias,10.1.1.1 ssh-ed25519 ${K2.b64}\n`);
    assert.equal((await pinnedKeys(file, 'backup.example', 2200)).length, 1);
    assert.equal((await verify(file, 'backup.example', 2200, key2)).ok, false);
    assert.equal((await verify(file, '10.1.1.1', 22, key2)).ok, true);
    assert.equal((await verify(file, '10.1.1.1', 22, key1)).ok, false);
  });

  test('pins to one file at the same moment all land', async () => {
    const file = path.join(t.dir, 'known_hosts_d');
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => verify(file, `h${i}`, 22, i % 2 ? key1 : key2)));
    assert.ok(results.every((r) => r.ok));
    for (let i = 0; i < 8; i++) assert.equal((await pinnedKeys(file, `h${i}`, 22)).length, 1);
  });

  test('an unreadable known_hosts refuses the key instead of trusting it', async () => {
    const file = path.join(t.dir, 'is-a-folder');
    fs.mkdirSync(file);
    const r = await verify(file, 'nas', 22, key1);
    assert.equal(r.ok, false);
    assert.equal(r.err?.kind, 'permanent');
  });

  test('the pinned key type is asked for first, so a server that gained a new key type is not "changed"', () => {
    assert.deepEqual(preferPinnedTypes([{ type: 'ssh-rsa', blob: Buffer.alloc(0) }])?.prepend, ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    assert.deepEqual(preferPinnedTypes([{ type: 'ecdsa-sha2-nistp256', blob: Buffer.alloc(0) }])?.prepend, ['ecdsa-sha2-nistp256']);
    assert.equal(preferPinnedTypes([]), undefined);
  });
});
