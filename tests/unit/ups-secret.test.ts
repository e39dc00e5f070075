import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { splitUpsPassword, withUpsPassword, upsSecretKey } from '../../src-main/core/power/power-source-url.ts';
import { FileSecretStore } from '../../src-main/core/settings/secret-store.ts';
import { runCli, tempDir } from '../helpers/cli.ts';

test('a UPS password leaves the address for the secret store, and comes back for the monitor', async () => {
  assert.deepEqual(splitUpsPassword('nut://monuser:s3cr%40t@10.0.0.5:3493/ups'), { url: 'nut://monuser@10.0.0.5:3493/ups', password: 's3cr@t' });
  assert.deepEqual(splitUpsPassword('nut://10.0.0.5/ups'), { url: 'nut://10.0.0.5/ups' });
  assert.deepEqual(splitUpsPassword('apcupsd://127.0.0.1:3551'), { url: 'apcupsd://127.0.0.1:3551' });
  const t = tempDir();
  try {
    const store = new FileSecretStore(path.join(t.dir, 'secrets.json'));
    await store.set(upsSecretKey('nut://monuser@10.0.0.5:3493/ups'), 's3cr@t');
    assert.equal(await withUpsPassword('nut://monuser@10.0.0.5:3493/ups', store), 'nut://monuser:s3cr%40t@10.0.0.5:3493/ups');
    assert.equal(await withUpsPassword('nut://other@10.0.0.5/ups', store), 'nut://other@10.0.0.5/ups', 'no stored password: unchanged');
    assert.equal(await withUpsPassword('nut://old:inline@10.0.0.5/ups', store), 'nut://old:inline@10.0.0.5/ups', 'an older settings file with the password inline still works');

    const dataDir = path.join(t.dir, 'data');
    const add = await runCli(['ups', 'add', 'nut://monuser:hunter2@127.0.0.1:3493/ups'], { dataDir });
    assert.equal(add.code, 0, add.stderr);
    assert.ok(!fs.readFileSync(path.join(dataDir, 'settings.json'), 'utf8').includes('hunter2'));
    assert.ok(!add.stdout.includes('hunter2'));
    assert.equal(await new FileSecretStore(path.join(dataDir, 'secrets.json')).get(upsSecretKey('nut://monuser@127.0.0.1:3493/ups')), 'hunter2');
    assert.equal((await runCli(['ups', 'remove', 'nut://monuser@127.0.0.1:3493/ups'], { dataDir })).code, 0);
    assert.ok(!fs.readFileSync(path.join(dataDir, 'secrets.json'), 'utf8').includes('hunter2'), 'removing the UPS forgets its password');
  } finally {
    t.cleanup();
  }
});
