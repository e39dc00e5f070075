// The bench's knobs (environment variables, listed in bench/README.md), its folders, and its progress log.
// Read once, when the bench starts; every step imports them from here.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(ROOT, 'bin', 'lifeboat.js');
export const NODE = process.execPath;
export const CACHE = path.join(ROOT, 'bench', '.cache');
export const RESULTS = path.join(ROOT, 'bench', 'results');
export const MB = Number(process.env.BENCH_MB ?? 500);
export const FORCED_RUNS = process.env.BENCH_RUNS ? Number(process.env.BENCH_RUNS) : undefined;
const LONG_MS = Number(process.env.BENCH_LONG_S ?? 30) * 1000;
export const SKIP = new Set((process.env.BENCH_SKIP ?? '').split(',').map((s) => s.trim()).filter(Boolean));
/** The parts BENCH_SKIP can name; any other name is an error (a typo would otherwise quietly run everything). */
export const SKIP_KEYS = ['rollback', 'encrypted', 'chunks', 'phases', 'profile', 'compiled', 'power', 'usb', 'offsite', 'db', 'main-thread'];
for (const k of SKIP) if (!SKIP_KEYS.includes(k)) throw new Error(`BENCH_SKIP: unknown part "${k}" (known: ${SKIP_KEYS.join(', ')})`);
export const KEEP = process.env.BENCH_KEEP === '1';
export const CHUNK_SIZES = [16 * 1024, 64 * 1024, 256 * 1024];
export const C_RUNS = FORCED_RUNS ?? 3;
export const PASSPHRASE = 'bench passphrase, not a secret';
export const WRITER_RATE = 20;
export const EDIT_FRACTION = 0.01;

if (!(MB > 0)) throw new Error('BENCH_MB must be a positive number of MiB');
export const WORK = path.join(CACHE, `run-${new Date().toISOString().replace(/[:.]/g, '-')}`);
export const T0 = performance.now();

/** One progress line on stdout, stamped with the seconds since the bench started. */
export const log = (s: string): void => { console.log(`[${((performance.now() - T0) / 1000).toFixed(0).padStart(5)} s] ${s}`); };

/** How many runs a step gets, given its first run's time. */
export const runsFor = (firstMs: number): number => FORCED_RUNS ?? (firstMs < LONG_MS ? 3 : 1);
