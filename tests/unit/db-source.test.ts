import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDbUrl } from '../../src-main/core/sources/db-url.ts';
import { MysqlRowCounter } from '../../src-main/core/sources/mysql-rows.ts';
import { explainDumpError } from '../../src-main/core/sources/db-dump.ts';

test('database URLs: both kinds, default ports, the password taken out, mistakes explained', () => {
  assert.deepEqual(parseDbUrl('mysql://school@db.local/library'), { location: { kind: 'mysql', user: 'school', host: 'db.local', port: 3306, database: 'library' }, url: 'mysql://school@db.local:3306/library' });
  assert.deepEqual(parseDbUrl('postgresql://booking:s%3Acret@10.0.0.4:5433/rooms'), { location: { kind: 'postgres', user: 'booking', host: '10.0.0.4', port: 5433, database: 'rooms' }, url: 'postgres://booking@10.0.0.4:5433/rooms', password: 's:cret' });
  for (const [bad, why] of [['mysql://db.local/x', /user/], ['mysql://u@db.local/', /database/], ['oracle://u@h/x', /unknown kind/], ['mysql://u:hunter2@h', /database/]] as const) {
    assert.throws(() => parseDbUrl(bad), (err: Error) => why.test(err.message) && !err.message.includes('hunter2'), bad);
  }
});

test('row counts read from a mysqldump stream, however it is split: quotes, escapes, hex and parentheses in values', () => {
  const dump = [
    '-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)',
    '/*!40101 SET NAMES utf8mb4 */;',
    'INSERT INTO `invoices` VALUES (1,\'a (b\',0xDEADBEEF),(2,\'it\'\'s\',NULL),(3,\'back\\\\slash\\\' ) (\',_binary \'x\');',
    'INSERT INTO `odd``name` VALUES (1);',
    'INSERT INTO `rows_on_lines` VALUES',
    "(1,'a'),",
    "(2,'b;c');",
    'INSERT INTO `invoices` (`id`, `note`) VALUES (4,\'(\');',
    '-- INSERT INTO `fake` VALUES (1);',
    '-- Dump completed',
    '',
  ].join('\n');
  const whole = new MysqlRowCounter();
  whole.feed(Buffer.from(dump));
  assert.deepEqual(whole.tables, { invoices: 4, 'odd`name': 1, rows_on_lines: 2 });
  for (const step of [1, 2, 7, 64]) {
    const split = new MysqlRowCounter();
    const bytes = Buffer.from(dump);
    for (let i = 0; i < bytes.length; i += step) split.feed(bytes.subarray(i, i + step));
    assert.deepEqual(split.tables, whole.tables, `split every ${step} bytes`);
  }
});

test('client tool errors become one line a person can act on, without the password', () => {
  const db = { kind: 'mysql' as const, user: 'u', host: 'h', port: 3306, database: 'office' };
  assert.equal(explainDumpError('mysql', db, "mariadb-dump: Got error: 1045: \"Access denied for user 'u'@'h' (using password: YES)\"", 2).code, 'auth');
  assert.equal(explainDumpError('mysql', db, "mariadb-dump: Got error: 1049: \"Unknown database 'office'\"", 2).code, 'not-found');
  assert.equal(explainDumpError('postgres', { ...db, kind: 'postgres' }, 'pg_dump: error: aborting because of server version mismatch', 1).code, 'failed');
  assert.match(explainDumpError('postgres', { ...db, kind: 'postgres' }, 'pg_dump: error: aborting because of server version mismatch', 1).message, /matches the server's major version/);
  assert.equal(explainDumpError('mysql', db, "Can't connect to server on 'h' (111)", 2).code, 'unreachable');
});
