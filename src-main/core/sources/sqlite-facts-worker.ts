// Runs sqliteFacts (quick_check and row counts) on a worker thread, so it overlaps with chunking.
import { parentPort, workerData } from 'node:worker_threads';
import { sqliteFacts } from './sqlite-source.ts';

try {
  parentPort!.postMessage({ facts: sqliteFacts(workerData.file as string, workerData.journalMode as string) });
} catch (err) {
  parentPort!.postMessage({ error: (err as Error).message });
}
