// The office application on a MariaDB or PostgreSQL server, as its own process (started by startSqlWriter in
// tests/helpers/sql-writer.ts, which documents the schema and the invariant):
//
//   LIFEBOAT_SQL_WRITER_PASSWORD=... node tests/helpers/sql-writer-process.ts --kind mariadb|postgres
//     --host H --port P --user U --database D [--rate 20] [--invoice-every 10] [--exit-with-stdin]
//
// It keeps one client (mariadb / psql) connected, like an app holding a connection, and feeds it one whole
// transfer transaction at a time, in a single write, followed by a commit marker it waits for. So a kill -9
// of this process never leaves half a transfer: the client either runs the whole text it was given or dies
// and the server rolls back. When the client dies (server restarted, connection cut, a lock wait timed out)
// the transfer counts as an error and a new client is started. Prints READY after the first commit; on
// SIGTERM/SIGINT (or stdin closing, with --exit-with-stdin) it lets the transfer in flight finish, then
// prints {"transactions":N,"errors":E,"maxStallMs":X} and exits 0. N counts confirmed commits only (a
// transfer cut at its very COMMIT may have committed without being counted).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { parseArgs } from 'node:util';
import { clientCommand, sqlQuery, transferSql, type SqlConn, type SqlKind } from './sql-writer.ts';

const { values } = parseArgs({
  options: {
    kind: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string' }, user: { type: 'string' },
    database: { type: 'string' }, rate: { type: 'string', default: '20' }, 'invoice-every': { type: 'string', default: '10' },
    'exit-with-stdin': { type: 'boolean', default: false },
  },
});
const kind = values.kind as SqlKind;
const rate = Number(values.rate);
const invoiceEvery = Number(values['invoice-every']);
if (!['mariadb', 'postgres'].includes(kind) || !values.port || !values.user || !values.database || !(rate > 0) || !(invoiceEvery >= 0)) {
  process.stderr.write('usage: sql-writer-process.ts --kind mariadb|postgres --host H --port P --user U --database D [--rate N] [--invoice-every N] [--exit-with-stdin]\n');
  process.exit(2);
}
const conn: SqlConn = { host: values.host, port: Number(values.port), user: values.user, password: process.env.LIFEBOAT_SQL_WRITER_PASSWORD ?? '', database: values.database };

const accounts = Number((await sqlQuery(kind, conn, 'SELECT count(*) FROM accounts;\n')).trim());
if (!(accounts >= 2)) {
  process.stderr.write(`sql-writer: need at least 2 accounts in ${conn.database}, found ${accounts}\n`);
  process.exit(2);
}

let client: ChildProcessWithoutNullStreams | undefined;
/** The transfer sent and not yet confirmed: its marker, when it was sent, and what settles it. */
let inFlight: { marker: string; sentAt: number; settle: (committed: boolean) => void } | undefined;
let transactions = 0;
let errors = 0;
let maxStallMs = 0;
let n = 0;
let ready = false;
let stopping = false;
let timer: ReturnType<typeof setTimeout> | undefined;
const periodMs = 1000 / rate;
let nextAt = performance.now();

/** A connected client, started on first use and again after one died. */
function ensureClient(): ChildProcessWithoutNullStreams {
  if (client) return client;
  const { file, args, env } = clientCommand(kind, conn);
  const c = spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  c.stdout.setEncoding('utf8');
  c.stderr.setEncoding('utf8');
  c.stdout.on('data', (chunk: string) => {
    out += chunk;
    const lines = out.split('\n');
    out = lines.pop() ?? '';
    if (inFlight && lines.includes(inFlight.marker)) inFlight.settle(true);
  });
  c.stderr.on('data', (chunk: string) => { err = (err + chunk).slice(-2000); });
  c.stdin.on('error', () => { /* EPIPE when it died: the exit handler settles */ });
  c.on('close', (code) => {
    if (client === c) client = undefined;
    if (inFlight) {
      errors++;
      if (errors <= 5) process.stderr.write(`sql-writer: client exited with ${code}: ${err.trim()}\n`);
      inFlight.settle(false);
    }
  });
  client = c;
  return c;
}

/** Sends one transfer and resolves once it committed (true) or the client died (false). */
function transfer(): Promise<boolean> {
  n++;
  const from = 1 + Math.floor(Math.random() * accounts);
  const to = 1 + ((from + Math.floor(Math.random() * (accounts - 1))) % accounts); // any other account
  const sql = transferSql(kind, n, { from, to, amount: 1 + Math.floor(Math.random() * 500), invoice: invoiceEvery > 0 && n % invoiceEvery === 0 });
  return new Promise((resolve) => {
    inFlight = {
      marker: `committed ${n}`,
      sentAt: performance.now(),
      settle: (committed) => {
        if (!inFlight) return;
        maxStallMs = Math.max(maxStallMs, performance.now() - inFlight.sentAt);
        inFlight = undefined;
        resolve(committed);
      },
    };
    ensureClient().stdin.write(sql);
  });
}

async function tick(): Promise<void> {
  timer = undefined;
  if (stopping) return;
  const committed = await transfer();
  if (committed) {
    transactions++;
    if (!ready) {
      ready = true;
      process.stdout.write('READY\n');
    }
  }
  if (stopping) return finish();
  const now = performance.now();
  // Keep a steady rate; after a stall resume from now rather than firing a burst; back off after a failure.
  nextAt = committed ? Math.max(nextAt + periodMs, now) : now + 200;
  timer = setTimeout(() => void tick(), nextAt - now);
}

let finished = false;
async function finish(): Promise<void> {
  if (finished) return;
  finished = true;
  const c = client;
  if (c) {
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.stdin.end();
    const kill = setTimeout(() => c.kill('SIGKILL'), 5000);
    await closed;
    clearTimeout(kill);
  }
  process.stdout.write(`${JSON.stringify({ transactions, errors, maxStallMs: Math.round(maxStallMs * 10) / 10 })}\n`);
  process.exit(0);
}

/** Stops between transfers: at once when idle, else when the one in flight settles (tick() then finishes). */
function stop(): void {
  if (stopping) return;
  stopping = true;
  if (timer !== undefined) clearTimeout(timer);
  if (!inFlight) void finish();
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (values['exit-with-stdin']) {
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}
void tick();
