// A believable small-office SQLite database (a training centre that also runs a shop), used by
// tests, benchmarks and demos as the "live database" Lifeboat has to back up. The content is
// generated, but shaped like the real thing: B-tree pages of short rows, random-order indexes,
// overflow pages of prose, and a compressibility close to real office data (about 2.5-3x with
// zstd -3), so that dedup, compression and timing results mean something.
import fs from 'node:fs';
import Database from 'better-sqlite3';

export type OfficeDbOptions = {
  /** Stop once the database file has reached this size. */
  targetBytes: number;
  /** PRNG seed; the same seed and targetBytes give the same content. Default 1. */
  seed?: number;
  /** Journal mode the finished file is left in. Default 'wal'. */
  journalMode?: 'wal' | 'delete';
  /** Called after each committed batch with the current database size. */
  onProgress?: (bytes: number) => void;
};

export type OfficeDbResult = { path: string; bytes: number; invoices: number };

export type OfficeInvariant = { ok: boolean; invoices: number; badInvoices: number; integrity: string };

const PAGE_SIZE = 4096;
// Checking the size is a cheap pragma, so it runs often enough to land close to the target
// even for a few-megabyte test database; commits are rarer because each one costs a write-out.
const INVOICES_PER_SIZE_CHECK = 32;
const INVOICES_PER_COMMIT = 8192;
const LINES_PER_INVOICE = 3;

const SCHEMA = `
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  phone TEXT NOT NULL,
  address TEXT NOT NULL,
  notes TEXT NOT NULL DEFAULT ''
);
CREATE TABLE invoices (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  number TEXT NOT NULL,
  issued_at TEXT NOT NULL,
  due_at TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('draft', 'sent', 'paid', 'overdue', 'void')),
  total_cents INTEGER NOT NULL
);
CREATE TABLE invoice_lines (
  id INTEGER PRIMARY KEY,
  invoice_id INTEGER NOT NULL REFERENCES invoices(id),
  line_no INTEGER NOT NULL CHECK (line_no BETWEEN 1 AND 3),
  description TEXT NOT NULL,
  qty INTEGER NOT NULL,
  unit_cents INTEGER NOT NULL
);
CREATE TABLE documents (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  created_at TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX invoices_customer ON invoices(customer_id);
CREATE INDEX invoices_issued ON invoices(issued_at);
CREATE UNIQUE INDEX invoices_number ON invoices(number);
CREATE UNIQUE INDEX invoice_lines_invoice ON invoice_lines(invoice_id, line_no);
CREATE INDEX customers_email ON customers(email);
CREATE INDEX documents_customer ON documents(customer_id);
`;

const FIRST_NAMES = [
  'Alice', 'Amir', 'Ana', 'Ben', 'Bronwen', 'Carla', 'Chen', 'Chloe', 'Daniel', 'Deepa', 'Duncan', 'Elena', 'Emeka',
  'Fatima', 'Fiona', 'Gareth', 'Grace', 'Hamish', 'Hannah', 'Ibrahim', 'Isla', 'Jack', 'Jamal', 'Joanna', 'Kasia',
  'Kofi', 'Laura', 'Liam', 'Lucia', 'Mairead', 'Marek', 'Maya', 'Mohammed', 'Nadia', 'Niamh', 'Oliver', 'Olu',
  'Priya', 'Rachel', 'Rhys', 'Rosa', 'Sam', 'Sanjay', 'Sofia', 'Tariq', 'Tom', 'Una', 'Victor', 'Wei', 'Yusuf', 'Zara',
];
const LAST_NAMES = [
  'Adeyemi', 'Ahmed', 'Baker', 'Brennan', 'Campbell', 'Chowdhury', 'Clarke', 'Davies', 'Dubois', 'Evans', 'Fraser',
  'Garcia', 'Green', 'Hughes', 'Jones', 'Kaur', 'Kowalski', 'Lewis', 'Li', 'MacLeod', 'Martin', 'Murphy', 'Nowak',
  'Okafor', "O'Brien", 'Patel', 'Price', 'Reid', 'Roberts', 'Rossi', 'Shah', 'Singh', 'Smith', 'Taylor', 'Thomas',
  'Walsh', 'Watson', 'Williams', 'Wilson', 'Wright', 'Young', 'Zielinski',
];
const COMPANY_WORDS = [
  'Harbour', 'Riverside', 'Northgate', 'Oakfield', 'Kestrel', 'Bluebell', 'Granite', 'Meadow', 'Lantern', 'Copper',
  'Willow', 'Summit', 'Anchor', 'Beacon', 'Thistle', 'Foxglove', 'Millbrook', 'Highland', 'Castle', 'Orchard',
];
const COMPANY_KINDS = [
  'Bakery', 'Dental Practice', 'Builders', 'Care Home', 'Nursery', 'Garage', 'Veterinary Surgery', 'Cafe', 'Hotel',
  'Accountants', 'Pharmacy', 'Surveyors', 'Joinery', 'Logistics', 'Primary School', 'Housing Association', 'Gym',
];
const COMPANY_SUFFIXES = ['Ltd', 'Ltd', 'LLP', '& Co', '', 'Group', 'Partnership', 'CIC'];
const STREETS = [
  'High', 'Station', 'Church', 'Mill', 'Victoria', 'Park', 'Queen', 'King', 'Bridge', 'Market', 'School', 'Chapel',
  'North', 'London', 'Manor', 'Castle', 'Albert', 'Green', 'Springfield', 'Orchard', 'Harbour', 'Hill',
];
const STREET_KINDS = ['Street', 'Road', 'Lane', 'Avenue', 'Close', 'Way', 'Terrace', 'Crescent', 'Place'];
const TOWNS = [
  'Aberford', 'Bramley', 'Castleton', 'Dunmore', 'Eastwick', 'Fairhaven', 'Glenrothes', 'Hartley', 'Ilford Vale',
  'Kingsbridge', 'Lowestoft', 'Marlow', 'Newbury', 'Oakham', 'Penrith', 'Redruth', 'Saltash', 'Tewkesbury', 'Wetherby',
];
const MAIL_DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example', 'office.example', 'shop.example'];

// [description, list price in pence]: courses, room hire and shop stock.
const CATALOGUE: ReadonlyArray<readonly [string, number]> = [
  ['Emergency First Aid at Work (1 day)', 9500], ['First Aid at Work (3 days)', 24500],
  ['First Aid requalification (2 days)', 17500], ['Paediatric First Aid (2 days)', 16500],
  ['Fire Marshal training (half day)', 6500], ['Manual Handling awareness', 4500], ['Food Hygiene Level 2', 3500],
  ['Food Hygiene Level 3', 19500], ['Health and Safety Level 2', 8500], ['Mental Health First Aid (2 days)', 29500],
  ['Safeguarding Children Level 1', 4000], ['Safeguarding Adults Level 2', 5500], ['COSHH awareness', 3800],
  ['Working at Height', 7500], ['Excel for the office (beginners)', 14500], ['Excel intermediate', 16500],
  ['Bookkeeping basics (2 evenings)', 12000], ['Customer service workshop', 9000], ['Minute taking workshop', 8500],
  ['Training room hire (half day)', 12000], ['Training room hire (full day)', 21000], ['Projector hire', 2500],
  ['Refreshments per delegate', 650], ['Buffet lunch per delegate', 1250], ['Certificate reprint', 1500],
  ['Course manual (printed)', 1200], ['First aid kit, small workplace', 2899], ['First aid kit, large workplace', 5499],
  ['Burns kit', 2199], ['Eye wash station', 3450], ['Defibrillator training manikin', 48900],
  ['CPR face shields (pack of 10)', 1190], ['Nitrile gloves, box of 100', 899], ['Hi-vis vest', 450],
  ['Fire extinguisher, 2 kg CO2', 4650], ['Fire blanket', 1899], ['Accident book', 699], ['Safety signs pack', 2450],
  ['On-site delivery surcharge', 7500], ['Travel and mileage', 4500], ['Late cancellation fee', 5000],
];

const STATUSES = ['paid', 'paid', 'paid', 'paid', 'paid', 'paid', 'sent', 'sent', 'overdue', 'draft', 'void'] as const;

// Ordered roughly by how often an office writes them: picking with a skewed index gives the
// uneven word frequencies of real prose, which is what makes it compress like real prose.
const WORDS = (
  'the of and to a in for is on that with as we be this by will at are from our your it or have an please you ' +
  'course booking invoice customer delegates training session payment attached thanks regards team office ' +
  'confirm date venue room certificate assessment staff manager site day week month next following previous ' +
  'require request update note meeting discussed agreed follow up review schedule available unfortunately ' +
  'delivery order stock quote discount price total balance account outstanding reminder due paid received ' +
  'refund cancellation policy terms conditions safety first aid fire health hygiene level awareness practical ' +
  'trainer instructor group numbers places maximum minimum attendance register feedback evaluation form ' +
  'questions answers handbook manual equipment projector manikins kit gloves parking access lunch refreshments ' +
  'morning afternoon arrive start finish lateness contact phone email address details change changes ' +
  'reschedule postpone bring identification photo evidence portfolio completed passed resit result results ' +
  'renewal expires expiry reminder annual compliance inspection report audit records retention policy ' +
  'insurance liability risk assessment procedures workplace employees volunteers parents children residents ' +
  'kitchen warehouse reception classroom hall upstairs ground floor lift ramp wheelchair accessible ' +
  'dietary requirements vegetarian vegan allergies noted arranged organised provided included excluded ' +
  'additional extra charge charged cost costs budget purchase order reference number supplier accounts ' +
  'department director owner headteacher practice partner coordinator administrator volunteer supervisor ' +
  'however therefore also still only just soon already again instead otherwise meanwhile currently ' +
  'happy pleased sorry grateful appreciate understand hope expect suggest recommend prefer advise confirmed ' +
  'monday tuesday wednesday thursday friday saturday january february march april may june july august ' +
  'september october november december spring summer autumn winter term half holiday bank closure ' +
  'printer toner paper laptop network server backup password login website booking system spreadsheet ' +
  'folder file copy signed scanned original letter envelope post courier parcel damaged missing replacement ' +
  'warranty return exchange collection collected delivered dispatched tracking label invoiced credit note ' +
  'quarterly yearly monthly weekly daily rota cover absence sickness holiday leave overtime hours timesheet ' +
  'mileage travel expenses receipt receipts petty cash float till card terminal transfer bacs cheque deposit'
).split(' ');

const TITLES = [
  'Booking confirmation', 'Course feedback summary', 'Quote', 'Meeting notes', 'Complaint and response',
  'Delegate list', 'Training needs analysis', 'Risk assessment', 'Letter', 'Purchase order query',
  'Certificate request', 'Site visit report', 'Account statement note', 'Renewal reminder', 'Email thread',
];

type Rand = () => number;

/**
 * mulberry32: tiny, fast and good enough for test data; the point is determinism, not quality.
 * Returns a generator of numbers in [0, 1); the same seed always gives the same sequence, and each
 * call of makeRand starts a new, independent sequence. Never throws (any number is a seed: seed >>> 0).
 */
export function makeRand(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (rand: Rand, lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(rand: Rand, list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
const dayCache = new Map<number, string>();
// Formatting dates was a tenth of the build time; a ledger only spans a few thousand distinct days.
function day(ms: number): string {
  const n = Math.floor(ms / 86400000);
  let s = dayCache.get(n);
  if (s === undefined) {
    s = new Date(n * 86400000).toISOString().slice(0, 10);
    dayCache.set(n, s);
  }
  return s;
}
const pounds = (pence: number): string => `£${(pence / 100).toFixed(2)}`;

function word(rand: Rand): string {
  // Squaring skews towards the front of the list, like Zipf's law but cheaper.
  const r = rand();
  return WORDS[Math.floor(r * r * WORDS.length)] as string;
}

function sentence(rand: Rand, clockMs: number): string {
  const n = int(rand, 6, 18);
  let s = word(rand);
  s = s.charAt(0).toUpperCase() + s.slice(1);
  for (let i = 1; i < n; i++) {
    const r = rand();
    // Real correspondence is full of figures, dates and references; they carry most of the entropy.
    if (r < 0.04) s += ` ${pounds(int(rand, 500, 250000))}`;
    else if (r < 0.065) s += ` ${day(clockMs + int(rand, -90, 90) * 86400000)}`;
    else if (r < 0.08) s += ` INV-${String(int(rand, 1, 999999)).padStart(7, '0')}`;
    else if (r < 0.09) s += ` ${int(rand, 8, 17)}:${pick(rand, ['00', '15', '30', '45'])}`;
    else if (r < 0.12) s += ` ${pick(rand, FIRST_NAMES)} ${pick(rand, LAST_NAMES)}`;
    else s += ` ${word(rand)}`;
    if (rand() < 0.06 && i < n - 1) s += ',';
  }
  return s + (rand() < 0.08 ? '?' : '.');
}

function prose(rand: Rand, clockMs: number, paragraphs: number): string {
  const out: string[] = [];
  for (let p = 0; p < paragraphs; p++) {
    const sentences: string[] = [];
    const n = int(rand, 2, 7);
    for (let i = 0; i < n; i++) sentences.push(sentence(rand, clockMs));
    out.push(sentences.join(' '));
  }
  return out.join('\n\n');
}

function customerRow(rand: Rand, id: number, clockMs: number): unknown[] {
  const first = pick(rand, FIRST_NAMES);
  const last = pick(rand, LAST_NAMES);
  const isCompany = rand() < 0.45;
  const name = isCompany
    ? `${pick(rand, COMPANY_WORDS)} ${pick(rand, COMPANY_KINDS)} ${pick(rand, COMPANY_SUFFIXES)}`.trim()
    : `${first} ${last}`;
  const local = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '');
  const email = `${local}${rand() < 0.3 ? id : ''}@${pick(rand, MAIL_DOMAINS)}`;
  const phone = `0${int(rand, 1100, 1999)} ${int(rand, 100000, 999999)}`;
  const postcode = `${pick(rand, ['AB', 'BS', 'CF', 'DN', 'EH', 'GL', 'LS', 'NE', 'PL', 'TR'])}${int(rand, 1, 29)} ` +
    `${int(rand, 1, 9)}${String.fromCharCode(65 + int(rand, 0, 25))}${String.fromCharCode(65 + int(rand, 0, 25))}`;
  const address = `${int(rand, 1, 240)} ${pick(rand, STREETS)} ${pick(rand, STREET_KINDS)}, ${pick(rand, TOWNS)} ${postcode}`;
  const notes = rand() < 0.5 ? `Contact: ${first} ${last}. ${prose(rand, clockMs, 1)}` : '';
  return [id, name, email, phone, address, notes];
}

/**
 * Builds a fresh small-office database at `path` (any existing file and its -wal, -shm and
 * -journal siblings are deleted first) and stops as soon as the file reaches
 * `opts.targetBytes`, overshooting by a few tens of kilobytes at most. Tables: customers,
 * invoices, invoice_lines, documents, with indexes. Every invoice has exactly three lines.
 * The content is a pure function of (seed, targetBytes) for a given SQLite version. The file is
 * left closed, with a 4096-byte page size and in `opts.journalMode` (default 'wal').
 * Returns the final size and invoice count.
 */
export function createOfficeDb(path: string, opts: OfficeDbOptions): OfficeDbResult {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(path + suffix, { force: true });
  const rand = makeRand(opts.seed ?? 1);
  const db = new Database(path);
  let invoices = 0;
  try {
    db.pragma(`page_size = ${PAGE_SIZE}`);
    // Durability is pointless while building a file nobody else can see yet; the requested
    // journal mode is set at the end, and synchronous is per-connection so it dies with `db`.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -65536');
    db.exec(SCHEMA);

    const insCustomer = db.prepare('INSERT INTO customers (id, name, email, phone, address, notes) VALUES (?, ?, ?, ?, ?, ?)');
    const insInvoice = db.prepare(
      'INSERT INTO invoices (id, customer_id, number, issued_at, due_at, status, total_cents) VALUES (?, ?, ?, ?, ?, ?, ?)');
    // One statement for all three lines: the per-call overhead was a large share of the build time.
    const insLines = db.prepare(
      'INSERT INTO invoice_lines (invoice_id, line_no, description, qty, unit_cents) VALUES (?, 1, ?, ?, ?), (?, 2, ?, ?, ?), (?, 3, ?, ?, ?)');
    const insDocument = db.prepare('INSERT INTO documents (customer_id, created_at, title, body) VALUES (?, ?, ?, ?)');
    const pageCount = db.prepare('PRAGMA page_count').pluck();

    let customers = 0;
    let clockMs = Date.UTC(2016, 0, 4, 9);
    const addCustomer = (): void => {
      customers++;
      insCustomer.run(customerRow(rand, customers, clockMs));
    };
    const addInvoice = (): void => {
      invoices++;
      // Invoices are issued in order, five minutes apart on average, like a real ledger; a
      // 500 MB database then spans about nine years.
      clockMs += int(rand, 0, 600) * 1000;
      const customerId = int(rand, 1, customers);
      let total = 0;
      const lines: Array<number | string> = [];
      for (let lineNo = 1; lineNo <= LINES_PER_INVOICE; lineNo++) {
        const [item, list] = pick(rand, CATALOGUE);
        const qty = rand() < 0.6 ? 1 : int(rand, 2, 12);
        const unit = rand() < 0.8 ? list : Math.round(list * (0.8 + rand() * 0.15));
        const d = rand();
        const detail = d < 0.35 ? ` - ${day(clockMs + int(rand, 1, 60) * 86400000)}`
          : d < 0.6 ? ` - ${pick(rand, FIRST_NAMES)} ${pick(rand, LAST_NAMES)}`
            : d < 0.75 ? ` (PO ${int(rand, 10000, 99999)})` : '';
        lines.push(invoices, item + detail, qty, unit);
        total += qty * unit;
      }
      insInvoice.run(invoices, customerId, `INV-${String(invoices).padStart(7, '0')}`, day(clockMs),
        day(clockMs + pick(rand, [14, 30, 30, 60]) * 86400000), pick(rand, STATUSES), total);
      insLines.run(lines);
    };
    const addDocument = (): void => {
      const customerId = int(rand, 1, customers);
      const title = `${pick(rand, TITLES)} - ${day(clockMs)}`;
      // Quick notes and long reports: mid-sized bodies would waste a lot of each leaf page.
      const paragraphs = rand() < 0.4 ? 1 : int(rand, 6, 30);
      insDocument.run(customerId, day(clockMs), title, prose(rand, clockMs, paragraphs));
    };

    const sizeNow = (): number => (pageCount.get() as number) * PAGE_SIZE;
    const batch = db.transaction((): boolean => {
      for (let i = 0; i < INVOICES_PER_COMMIT; i++) {
        // The customer base grows along with the ledger, so indexes keep taking random inserts.
        if (customers < 20 || rand() < 0.08) addCustomer();
        addInvoice();
        if (rand() < 0.04) addDocument();
        if (i % INVOICES_PER_SIZE_CHECK === INVOICES_PER_SIZE_CHECK - 1 && sizeNow() >= opts.targetBytes) return true;
      }
      return false;
    });
    for (;;) {
      const done = batch();
      opts.onProgress?.(sizeNow());
      if (done) break;
    }
    db.pragma(`journal_mode = ${(opts.journalMode ?? 'wal').toUpperCase()}`);
  } finally {
    db.close();
  }
  return { path, bytes: fs.statSync(path).size, invoices };
}

/**
 * Opens an office database read-only (it may be live: a writer can be running) and checks it:
 * `integrity` is the joined output of `PRAGMA integrity_check` ("ok" when healthy),
 * `badInvoices` counts invoices that do not have exactly three lines, and `ok` is true only
 * when both are clean. Reads within one transaction, so the counts come from one snapshot.
 */
export function checkOfficeInvariant(path: string): OfficeInvariant {
  const db = new Database(path, { readonly: true, fileMustExist: true, timeout: 10000 });
  try {
    return db.transaction((): OfficeInvariant => {
      const integrity = (db.prepare('PRAGMA integrity_check').pluck().all() as string[]).join('\n');
      const invoices = db.prepare('SELECT count(*) FROM invoices').pluck().get() as number;
      const badInvoices = db.prepare(
        `SELECT count(*) FROM invoices i
         WHERE (SELECT count(*) FROM invoice_lines l WHERE l.invoice_id = i.id) <> ${LINES_PER_INVOICE}`,
      ).pluck().get() as number;
      return { ok: integrity === 'ok' && badInvoices === 0, invoices, badInvoices, integrity };
    })();
  } finally {
    db.close();
  }
}
