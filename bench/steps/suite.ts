// A suite: one repository configuration (chunk size, encryption) that goes through steps a, c and, for
// some, d, e and f. The main suite also runs the peers (sqlite3 + zstd, restic) beside every step.
import path from 'node:path';
import { DEFAULT_CHUNK_SIZE } from '../../src-main/core/repository/repo-config.ts';
import { CHUNK_SIZES, PASSPHRASE, SKIP, WORK } from '../lib/config.ts';
import { kib } from '../lib/format.ts';
import type { LbCtx } from '../lib/lifeboat-cli.ts';
import type { ARun } from './first-snapshot.ts';
import type { CRun } from './changed-rows.ts';
import type { DResult } from './unchanged.ts';
import type { ERun } from './restore.ts';
import type { FResult } from './deep-verify.ts';

export interface Suite {
  name: string;
  chunkSize: number;
  passphrase: string | null;
  /** The main suite also runs the peers and steps b, d, e, f in full. */
  main: boolean;
  steps: Set<'a' | 'c' | 'd' | 'e' | 'f'>;
  db: string;
  ctx?: LbCtx;
  single?: LbCtx;
  resticRepo?: string;
}

export interface SuiteResult { a: ARun[]; c: { random: CRun[]; recent: CRun[] }; d?: DResult; e?: ERun[]; f?: FResult; chunkSize: number; encrypted: boolean }

/** The main suite first, then (unless skipped) the encrypted one and the other chunk sizes. */
export function makeSuites(): Suite[] {
  const suites: Suite[] = [
    { name: 'main (64 KiB, unencrypted)', chunkSize: 64 * 1024, passphrase: null, main: true, steps: new Set(['a', 'c', 'd', 'e', 'f']), db: path.join(WORK, 'main.db') },
  ];
  if (!SKIP.has('encrypted')) suites.push({ name: 'encrypted (64 KiB)', chunkSize: 64 * 1024, passphrase: PASSPHRASE, main: false, steps: new Set(['a', 'c', 'd', 'e', 'f']), db: path.join(WORK, 'enc.db') });
  if (!SKIP.has('chunks')) {
    for (const cs of CHUNK_SIZES.filter((c) => c !== DEFAULT_CHUNK_SIZE)) {
      suites.push({ name: `chunks ${kib(cs)} (unencrypted)`, chunkSize: cs, passphrase: null, main: false, steps: new Set(['a', 'c']), db: path.join(WORK, `cs${cs}.db`) });
    }
  }
  return suites;
}

/** The suite's tag in the table: nothing for the main suite, e.g. " [chunks 16 KiB]" for the others. */
export const tagOf = (s: Suite): string => (s.main ? '' : ` [${s.name.replace(' (unencrypted)', '')}]`);
