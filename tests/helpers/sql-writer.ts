// An office database on a real MariaDB or PostgreSQL server (tests/peers/), with an invariant a consistent
// backup must keep, and a writer process that keeps changing it.
//
// Schema (both engines): accounts(id, name, opening, balance), ledger(id, from_id, to_id, amount, booked_at,
// memo), invoices(id, account_id, number, body TEXT, pdf BLOB/bytea, created_at) so dumps have some size.
// The writer (tests/helpers/sql-writer-process.ts, started by startSqlWriter) makes transfers: in ONE
// transaction it moves an amount between two accounts and books the ledger row (and now and then adds an
// invoice). So in any consistent copy:
//   sum(balance) == sum(opening), and for every account balance == opening + incoming - outgoing (ledger).
// A dump that mixes moments (a table copied before a transfer, another after) breaks it.
//
// The CLI clients (mariadb, psql) do the talking: no npm driver is a dependency. The password goes to them
// through MYSQL_PWD / PGPASSWORD, which is acceptable for test code only.
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { postgresBinDir } from '../peers/postgres-server.ts';

export type SqlKind = 'mariadb' | 'postgres';

/** Where and as whom to connect over TCP (a MariaDbServer or PostgresServer fits). */
export interface SqlConn {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** The client command for `kind`: batch mode, tab-separated rows without headers, stop at the first error. */
export function clientCommand(kind: SqlKind, conn: SqlConn, database = conn.database): { file: string; args: string[]; env: NodeJS.ProcessEnv } {
  if (kind === 'mariadb') {
    const file = ['/usr/bin/mariadb', '/usr/bin/mysql'].find((p) => fs.existsSync(p)) ?? 'mariadb';
    return {
      file,
      // -n: flush after each statement, so a reader sees each commit marker as soon as it is written.
      // --skip-reconnect: after a lost connection the client must fail, never carry on with the rest of a
      // transaction on a fresh connection (in autocommit) as its default auto-reconnect would.
      args: ['--no-defaults', '--skip-reconnect', '--protocol=TCP', '-h', conn.host, '-P', String(conn.port), '-u', conn.user, '-N', '-B', '-n', `--database=${database}`],
      env: { ...process.env, MYSQL_PWD: conn.password },
    };
  }
  const dir = postgresBinDir();
  return {
    file: dir ? path.join(dir, 'psql') : 'psql',
    args: ['-X', '-A', '-t', '-q', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-h', conn.host, '-p', String(conn.port), '-U', conn.user, '-d', database],
    env: { ...process.env, PGPASSWORD: conn.password, PGCONNECT_TIMEOUT: '5' },
  };
}

/** Runs SQL (one or more statements) as conn.user over TCP; resolves with the tab-separated output rows. */
export function sqlQuery(kind: SqlKind, conn: SqlConn, sql: string, database = conn.database): Promise<string> {
  const { file, args, env } = clientCommand(kind, conn, database);
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { env, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${kind} query failed: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
    // SQL on stdin rather than -e/-c: no size limit from the command line.
    child.stdin?.end(sql);
  });
}

export interface OfficeSchemaOptions {
  /** Accounts (default 100), each opening with 10,000 to 19,000 (cents). */
  rows?: number;
  /** Invoices to add (default 200). */
  invoices?: number;
  /** Bytes of blob per invoice (default 2048), besides ~1 KB of text. */
  invoiceBytes?: number;
}

/** Creates (replacing any old ones) the accounts, ledger and invoices tables in conn.database and fills them. */
export async function createOfficeSchema(kind: SqlKind, conn: SqlConn, opts: OfficeSchemaOptions = {}): Promise<void> {
  const rows = opts.rows ?? 100;
  const invoices = opts.invoices ?? 200;
  const hashes = Math.ceil((opts.invoiceBytes ?? 2048) / 32);
  const body = (n: string): string => (kind === 'mariadb'
    ? `repeat(concat('Line ', ${n}, ': first aid training for the whole team, certificates included. '), 14)`
    : `repeat('Line ' || ${n} || ': first aid training for the whole team, certificates included. ', 14)`);
  const sql = kind === 'mariadb' ? [
    'DROP TABLE IF EXISTS ledger, invoices, accounts',
    'CREATE TABLE accounts (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, opening BIGINT NOT NULL, balance BIGINT NOT NULL) ENGINE=InnoDB',
    `CREATE TABLE ledger (id BIGINT AUTO_INCREMENT PRIMARY KEY, from_id INT NOT NULL, to_id INT NOT NULL, amount BIGINT NOT NULL,
      booked_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), memo VARCHAR(200), KEY (from_id), KEY (to_id)) ENGINE=InnoDB`,
    `CREATE TABLE invoices (id BIGINT AUTO_INCREMENT PRIMARY KEY, account_id INT NOT NULL, number VARCHAR(20) NOT NULL, body TEXT NOT NULL,
      pdf LONGBLOB NOT NULL, created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP) ENGINE=InnoDB`,
    `INSERT INTO accounts SELECT seq, concat('Account ', seq), 10000 + (seq % 10) * 1000, 10000 + (seq % 10) * 1000 FROM seq_1_to_${rows}`,
    ...(invoices > 0 ? [`INSERT INTO invoices (account_id, number, body, pdf) SELECT 1 + seq % ${rows}, concat('INV-', lpad(seq, 7, '0')),
      ${body('seq')}, unhex(repeat(sha2(concat('pdf', seq), 256), ${hashes})) FROM seq_1_to_${invoices}`] : []),
  ] : [
    'DROP TABLE IF EXISTS ledger, invoices, accounts',
    'CREATE TABLE accounts (id integer PRIMARY KEY, name text NOT NULL, opening bigint NOT NULL, balance bigint NOT NULL)',
    `CREATE TABLE ledger (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, from_id integer NOT NULL, to_id integer NOT NULL,
      amount bigint NOT NULL, booked_at timestamptz NOT NULL DEFAULT now(), memo text)`,
    'CREATE INDEX ledger_from ON ledger (from_id)',
    'CREATE INDEX ledger_to ON ledger (to_id)',
    `CREATE TABLE invoices (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, account_id integer NOT NULL, number text NOT NULL,
      body text NOT NULL, pdf bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
    `INSERT INTO accounts SELECT g, 'Account ' || g, 10000 + (g % 10) * 1000, 10000 + (g % 10) * 1000 FROM generate_series(1, ${rows}) g`,
    ...(invoices > 0 ? [`INSERT INTO invoices (account_id, number, body, pdf) SELECT 1 + g % ${rows}, 'INV-' || lpad(g::text, 7, '0'),
      ${body('g')}, decode(repeat(encode(sha256(('pdf' || g)::bytea), 'hex'), ${hashes}), 'hex') FROM generate_series(1, ${invoices}) g`] : []),
  ];
  await sqlQuery(kind, conn, `${sql.join(';\n')};\n`);
}

/**
 * The SQL of one transfer as a single transaction, ending with a `SELECT 'committed N'` marker that the
 * client prints only after COMMIT succeeded. With `invoice`, the same transaction also adds an invoice.
 */
export function transferSql(kind: SqlKind, n: number, t: { from: number; to: number; amount: number; invoice: boolean }): string {
  const lines = [
    kind === 'mariadb' ? 'START TRANSACTION;' : 'BEGIN;',
    `UPDATE accounts SET balance = balance - ${t.amount} WHERE id = ${t.from};`,
    `UPDATE accounts SET balance = balance + ${t.amount} WHERE id = ${t.to};`,
    `INSERT INTO ledger (from_id, to_id, amount, memo) VALUES (${t.from}, ${t.to}, ${t.amount}, 'transfer ${n}: ${t.from} -> ${t.to}');`,
  ];
  if (t.invoice) {
    const text = `'Invoice for transfer ${n}: ${'course fees and materials; '.repeat(20)}'`;
    const pdf = kind === 'mariadb' ? `unhex(repeat(sha2('w${n}', 256), 32))` : `decode(repeat(encode(sha256('w${n}'::bytea), 'hex'), 32), 'hex')`;
    lines.push(`INSERT INTO invoices (account_id, number, body, pdf) VALUES (${t.to}, 'W-${n}', ${text}, ${pdf});`);
  }
  lines.push('COMMIT;', `SELECT 'committed ${n}';`);
  return `${lines.join('\n')}\n`;
}

export interface InvariantResult {
  ok: boolean;
  /** sum(balance) now, and what it must be: sum(opening). */
  total: number;
  expectedTotal: number;
  accounts: number;
  ledgerRows: number;
  /** Up to 10 account ids whose balance differs from opening + incoming - outgoing. */
  badAccounts: number[];
  detail: string;
}

/**
 * Checks the writer's invariant in `database` (default conn.database; e.g. a restored copy) with one
 * statement, so a running writer cannot make it see two moments. A missing table is an error, not ok: false.
 */
export async function checkInvariant(kind: SqlKind, conn: SqlConn, database = conn.database): Promise<InvariantResult> {
  const list = kind === 'mariadb' ? "group_concat(id ORDER BY id SEPARATOR ',')" : "string_agg(id::text, ',' ORDER BY id)";
  const sql = `SELECT (SELECT count(*) FROM accounts), (SELECT coalesce(sum(opening), 0) FROM accounts),
      (SELECT coalesce(sum(balance), 0) FROM accounts), (SELECT count(*) FROM ledger),
      (SELECT ${list} FROM (SELECT a.id FROM accounts a
        LEFT JOIN (SELECT to_id, sum(amount) s FROM ledger GROUP BY to_id) i ON i.to_id = a.id
        LEFT JOIN (SELECT from_id, sum(amount) s FROM ledger GROUP BY from_id) o ON o.from_id = a.id
        WHERE a.balance <> a.opening + coalesce(i.s, 0) - coalesce(o.s, 0) ORDER BY a.id LIMIT 10) bad);\n`;
  const out = (await sqlQuery(kind, conn, sql, database)).trim();
  const [accounts, expectedTotal, total, ledgerRows, bad] = out.split('\t');
  const badAccounts = bad && bad !== 'NULL' ? bad.split(',').map(Number) : [];
  const r = { accounts: Number(accounts), expectedTotal: Number(expectedTotal), total: Number(total), ledgerRows: Number(ledgerRows), badAccounts };
  if ([r.accounts, r.expectedTotal, r.total, r.ledgerRows].some((v) => !Number.isFinite(v))) throw new Error(`checkInvariant: unexpected answer ${JSON.stringify(out)}`);
  const ok = r.accounts > 0 && r.total === r.expectedTotal && badAccounts.length === 0;
  const detail = ok
    ? `${r.accounts} accounts, total ${r.total}, ${r.ledgerRows} ledger rows: consistent`
    : `${r.accounts} accounts, total ${r.total} (expected ${r.expectedTotal}), ${r.ledgerRows} ledger rows; `
      + `balances not matching the ledger: ${badAccounts.length ? badAccounts.join(', ') : 'none'}`;
  return { ok, ...r, detail };
}

export interface SqlWriterOptions {
  /** Transfers per second to aim for (default 20). */
  rate?: number;
  /** Every Nth transfer also adds an invoice (default 10; 0 = never). */
  invoiceEvery?: number;
}

/** What the writer did: transfers whose COMMIT was confirmed, failures (client or server gone), the longest wait. */
export interface SqlWriterStats { transactions: number; errors: number; maxStallMs: number }

export interface SqlWriter {
  pid: number;
  /** SIGTERMs the writer; it finishes the transfer in flight, exits and reports. */
  stop(): Promise<SqlWriterStats>;
  /** SIGKILLs the writer (its client still completes or drops the one transaction it was sent: never half). */
  kill(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./sql-writer-process.ts', import.meta.url));
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 60_000;

/**
 * Starts the writer as a separate Node process against a database made by createOfficeSchema, and resolves
 * once its first transfer has committed. Rejects with its stderr if it exits first or is not ready within
 * 20 s. The writer also stops if this process dies (it watches its stdin).
 */
export function startSqlWriter(kind: SqlKind, conn: SqlConn, opts: SqlWriterOptions = {}): Promise<SqlWriter> {
  const args = [SCRIPT, '--kind', kind, '--host', conn.host, '--port', String(conn.port), '--user', conn.user,
    '--database', conn.database, '--rate', String(opts.rate ?? 20), '--invoice-every', String(opts.invoiceEvery ?? 10), '--exit-with-stdin'];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LIFEBOAT_SQL_WRITER_PASSWORD: conn.password } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-8000); });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

  const stop = async (): Promise<SqlWriterStats> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const code = await exited;
    clearTimeout(timer);
    const last = stdout.trim().split('\n').at(-1) ?? '';
    if (code !== 0 || !last.startsWith('{')) throw new Error(`sql writer exited with ${code}; stdout: ${stdout.trim()}; stderr: ${stderr.trim()}`);
    return JSON.parse(last) as SqlWriterStats;
  };
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sql writer not ready after ${READY_TIMEOUT_MS} ms; stderr: ${stderr.trim()}`));
    }, READY_TIMEOUT_MS);
    let ready = false;
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (!ready && /^READY$/m.test(stdout)) {
        ready = true;
        clearTimeout(timer);
        resolve({ pid: child.pid as number, stop, kill });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`sql writer exited with ${code} before READY; stderr: ${stderr.trim()}`));
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
