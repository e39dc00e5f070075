// The stages of a first snapshot, each timed on its own with the engine's functions (bench/lib/phases.ts),
// unencrypted and (unless BENCH_SKIP=encrypted) encrypted.
import path from 'node:path';
import { DEFAULT_CHUNK_SIZE } from '../../src-main/core/repository/repo-config.ts';
import { PASSPHRASE, SKIP, WORK, log } from '../lib/config.ts';
import { bytes, secs } from '../lib/format.ts';
import { measurePhases, type Phases } from '../lib/phases.ts';

const describe = (ms: Record<string, number>): string => Object.entries(ms).map(([k, v]) => `${k}: ${k.startsWith('(') ? bytes(v) : secs(v)}`).join('; ');

/** The plain Phases, or { plain, encrypted } when the encrypted suite is not skipped. */
export async function phasesStep(db0: string): Promise<Phases | { plain: Phases; encrypted: Phases }> {
  log('phases: the stages of a first snapshot, each on its own (engine functions, in process)');
  const plain = await measurePhases(db0, path.join(WORK, 'phases'), DEFAULT_CHUNK_SIZE, null);
  log(`  ${describe(plain.ms)}`);
  if (SKIP.has('encrypted')) return plain;
  const encrypted = await measurePhases(db0, path.join(WORK, 'phases-enc'), DEFAULT_CHUNK_SIZE, PASSPHRASE);
  log(`  encrypted: ${describe(encrypted.ms)}`);
  return { plain, encrypted };
}
