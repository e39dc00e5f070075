// What a CLI command costs before the engine does anything, for reading the short steps (d) right.
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_CHUNK_SIZE } from '../../src-main/core/repository/repo-config.ts';
import { BIN, CACHE, NODE, PASSPHRASE, ROOT, SKIP, WORK } from '../lib/config.ts';
import { run, runOk } from '../lib/proc.ts';
import { lbEnv, type LbCtx } from '../lib/lifeboat-cli.ts';

/**
 * What a CLI command costs before the engine does anything: Node itself, Lifeboat's modules under type stripping,
 * an encrypted repository's scrypt, and (unless BENCH_SKIP=compiled) the same CLI compiled to JS with tsc.
 */
export async function startupCosts(): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  const times = async (label: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<void> => {
    await runOk(cmd, args, { env }); // first run creates what it needs (data dir, repository); not counted
    out[label] = [];
    out[`${label} (cpu)`] = [];
    for (let i = 0; i < 5; i++) {
      const r = await runOk(cmd, args, { env });
      out[label].push(r.ms);
      out[`${label} (cpu)`]!.push(r.cpuMs);
    }
  };
  await times('node -e 0', NODE, ['-e', '0']);
  const plain: LbCtx = { dataDir: path.join(WORK, 'startup-plain'), passphrase: null, chunkSize: DEFAULT_CHUNK_SIZE };
  await times('lifeboat status', NODE, [BIN, '--data-dir', plain.dataDir, 'status', '--json'], lbEnv(plain));
  const enc: LbCtx = { dataDir: path.join(WORK, 'startup-enc'), passphrase: PASSPHRASE, chunkSize: DEFAULT_CHUNK_SIZE };
  await times('lifeboat status, encrypted repository', NODE, [BIN, '--data-dir', enc.dataDir, 'status', '--json'], lbEnv(enc));
  if (!SKIP.has('compiled')) {
    const dist = path.join(CACHE, 'dist');
    fs.rmSync(dist, { recursive: true, force: true });
    // Type errors elsewhere in the tree do not stop tsc from emitting; only the CLI's own files matter here.
    await run(NODE, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.json'), '--outDir', dist, '--noEmit', 'false', '--declaration', 'false', '--sourceMap', 'false']);
    const distBin = path.join(dist, 'lifeboat.js');
    if (fs.existsSync(path.join(dist, 'src-main', 'cli', 'main.js'))) {
      fs.writeFileSync(distBin, "const { main } = await import('./src-main/cli/main.js');\nprocess.exitCode = await main(process.argv.slice(2));\n");
      await times('lifeboat status, tsc-compiled JS', NODE, [distBin, '--data-dir', plain.dataDir, 'status', '--json'], lbEnv(plain));
    }
  }
  return out;
}
