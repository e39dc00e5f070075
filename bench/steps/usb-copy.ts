// USB: the copy of the latest snapshot to a drive, read-back verification included, against `cp -r` of the
// same packs + `sync` to the same drive. The measuring is bench/usb-copy.bench.ts (a node:test file: an ext4
// loop drive, a 100 MB database of its own, 3 runs); this step runs it and reads its report.
import path from 'node:path';
import { loopDriveSkipReason } from '../../tests/peers/loop-drive.ts';
import { FORCED_RUNS, NODE, ROOT, log } from '../lib/config.ts';
import { secs } from '../lib/format.ts';
import { run } from '../lib/proc.ts';

export const USB_BENCH = path.join(ROOT, 'bench', 'usb-copy.bench.ts');

export interface UsbRun { oursMs: number; returnedMs: number; oursMB: number; cpMs: number; cpMB: number; ratio: number }
export interface UsbResult { skipped?: string; error?: string; runs: UsbRun[]; medianRatio?: number; wallMs?: number }

const RUN_LINE = /run (\d+): copyToDrive to safe-to-remove (\d+) ms, returned at (\d+) ms \(([\d.]+) MB;.*?\); cp -r \+ sync (\d+) ms \(([\d.]+) MB\); ratio ([\d.]+)/g;
const MEDIAN_LINE = /median ratio of (\d+) runs ([\d.]+)/;

/** Parses the bench file's report; undefined when it has no median line. Pure. */
export function parseUsbReport(out: string): Pick<UsbResult, 'runs' | 'medianRatio'> | undefined {
  const m = MEDIAN_LINE.exec(out);
  if (!m) return undefined;
  const runs = [...out.matchAll(RUN_LINE)].map((r) => ({ oursMs: Number(r[2]), returnedMs: Number(r[3]), oursMB: Number(r[4]), cpMs: Number(r[5]), cpMB: Number(r[6]), ratio: Number(r[7]) }));
  return { runs, medianRatio: Number(m[2]) };
}

/** Runs `node --test bench/usb-copy.bench.ts`; without root (loop devices, mounts) it is a skip, not a failure. */
export async function usbStep(): Promise<UsbResult> {
  log('usb: copy of the latest snapshot (100 MB database) to an ext4 loop drive, read-back included, vs cp -r + sync');
  if (process.getuid?.() !== 0) {
    log('  skipped: needs root');
    return { skipped: 'needs root', runs: [] };
  }
  const missing = loopDriveSkipReason(['ext4']);
  if (missing) {
    log(`  skipped: ${missing}`);
    return { skipped: missing, runs: [] };
  }
  const env = { ...process.env, ...(FORCED_RUNS ? { LIFEBOAT_DRIVE_BENCH_RUNS: String(FORCED_RUNS) } : {}) };
  const r = await run(NODE, ['--test', '--test-reporter=spec', USB_BENCH], { env, cwd: ROOT, timeoutMs: 20 * 60_000 });
  const out = `${r.stdout}\n${r.stderr}`;
  const parsed = parseUsbReport(out);
  if (r.code !== 0 || !parsed) {
    const error = `${path.relative(ROOT, USB_BENCH)} ${r.timedOut ? 'timed out' : `exited with ${r.code ?? r.signal}`}${parsed ? '' : ', no median line'}: ${out.trim().slice(-1500)}`;
    log(`  error: ${error.split('\n')[0]}`);
    return { error, runs: parsed?.runs ?? [], wallMs: r.ms };
  }
  for (const u of parsed.runs) log(`  copyToDrive ${secs(u.oursMs)} (${u.oursMB} MB) vs cp -r + sync ${secs(u.cpMs)}: ${u.ratio.toFixed(2)}x`);
  log(`  median ratio ${parsed.medianRatio}`);
  return { ...parsed, wallMs: r.ms };
}
