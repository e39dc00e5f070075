// Simulates the office application that keeps using its database while Lifeboat backs it up.
// Run as its own process, so that SQLite locking between it and the backup is real:
//
//   node tests/helpers/office-writer.ts DBPATH [--rate 20] [--journal wal|delete] [--exit-with-stdin]
//
// The database must already exist (see createOfficeDb). Prints READY once the first transaction
// has committed; on SIGTERM or SIGINT it stops between transactions and prints one JSON line
// {"transactions":N,"maxStallMs":X,"errors":E}, then exits 0. --exit-with-stdin makes it stop the
// same way when stdin closes, so a crashed test runner does not leave it writing forever.
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rate: { type: 'string', default: '20' },
    journal: { type: 'string' },
    'exit-with-stdin': { type: 'boolean', default: false },
  },
});
const dbPath = positionals[0];
const rate = Number(values.rate);
if (dbPath === undefined || !(rate > 0) || (values.journal !== undefined && !['wal', 'delete'].includes(values.journal))) {
  process.stderr.write('usage: office-writer.ts DBPATH [--rate N] [--journal wal|delete] [--exit-with-stdin]\n');
  process.exit(2);
}

const STATUSES = ['sent', 'paid', 'overdue', 'void'];
const ITEMS: ReadonlyArray<readonly [string, number]> = [
  ['Emergency First Aid at Work (1 day)', 9500], ['Fire Marshal training (half day)', 6500],
  ['Refreshments per delegate', 650], ['First aid kit, small workplace', 2899], ['Hi-vis vest', 450],
  ['Training room hire (half day)', 12000], ['Certificate reprint', 1500], ['Nitrile gloves, box of 100', 899],
];

const db = new Database(dbPath, { fileMustExist: true });
// Long enough to ride out a backup's read snapshot; each wait shows up in maxStallMs.
db.pragma('busy_timeout = 10000');
if (values.journal !== undefined) db.pragma(`journal_mode = ${values.journal.toUpperCase()}`);

const maxInvoiceId = db.prepare('SELECT coalesce(max(id), 0) FROM invoices').pluck();
const maxCustomerId = db.prepare('SELECT coalesce(max(id), 0) FROM customers').pluck();
const insInvoice = db.prepare(
  'INSERT INTO invoices (id, customer_id, number, issued_at, due_at, status, total_cents) VALUES (?, ?, ?, ?, ?, ?, ?)');
const insLine = db.prepare(
  'INSERT INTO invoice_lines (invoice_id, line_no, description, qty, unit_cents) VALUES (?, ?, ?, ?, ?)');
const updInvoice = db.prepare('UPDATE invoices SET status = ?, total_cents = total_cents + ? WHERE id = ?');
const updCustomer = db.prepare('UPDATE customers SET notes = ? WHERE id = ?');

const int = (lo: number, hi: number): number => lo + Math.floor(Math.random() * (hi - lo + 1));

// IMMEDIATE takes the write lock up front: a deferred transaction that reads and then writes can
// fail with SQLITE_BUSY without waiting when a backup holds a snapshot, instead of queueing.
const writeOne = db.transaction((): void => {
  const id = (maxInvoiceId.get() as number) + 1;
  const customers = maxCustomerId.get() as number;
  const now = new Date();
  const issued = now.toISOString().slice(0, 10);
  const due = new Date(now.getTime() + 30 * 86400000).toISOString().slice(0, 10);
  const lines = [1, 2, 3].map(() => {
    const [description, unit] = ITEMS[int(0, ITEMS.length - 1)] as readonly [string, number];
    return { description, qty: int(1, 4), unit };
  });
  const total = lines.reduce((sum, l) => sum + l.qty * l.unit, 0);
  insInvoice.run(id, int(1, Math.max(1, customers)), `INV-${String(id).padStart(7, '0')}`, issued, due, 'sent', total);
  lines.forEach((l, i) => insLine.run(id, i + 1, l.description, l.qty, l.unit));
  if (Math.random() < 0.3) updInvoice.run(STATUSES[int(0, STATUSES.length - 1)], int(0, 2500), int(1, id));
  if (Math.random() < 0.2 && customers > 0) {
    updCustomer.run(`Called ${issued} ${now.toISOString().slice(11, 16)} about invoice INV-${String(id).padStart(7, '0')}.`, int(1, customers));
  }
}).immediate;

let transactions = 0;
let errors = 0;
let maxStallMs = 0;
let ready = false;
let stopping = false;
let timer: ReturnType<typeof setTimeout> | undefined;
const periodMs = 1000 / rate;
let nextAt = performance.now();

function tick(): void {
  timer = undefined;
  if (stopping) return;
  const started = performance.now();
  try {
    writeOne();
    transactions++;
    if (!ready) {
      ready = true;
      process.stdout.write('READY\n');
    }
  } catch (err) {
    // better-sqlite3 has already rolled the transaction back; count it and carry on.
    errors++;
    if (errors <= 5) process.stderr.write(`office-writer: ${(err as Error).message}\n`);
  }
  const finished = performance.now();
  maxStallMs = Math.max(maxStallMs, finished - started);
  // Keep a steady rate, but after a long stall resume from now rather than firing a burst.
  nextAt = Math.max(nextAt + periodMs, finished);
  timer = setTimeout(tick, nextAt - finished);
}

// better-sqlite3 is synchronous, so signal handlers only ever run between transactions:
// stopping here can never leave one half-done.
function stop(): void {
  if (stopping) return;
  stopping = true;
  if (timer !== undefined) clearTimeout(timer);
  db.close();
  process.stdout.write(`${JSON.stringify({ transactions, maxStallMs: Math.round(maxStallMs * 10) / 10, errors })}\n`);
  process.exit(0);
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (values['exit-with-stdin']) {
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}
tick();
