import fs from 'node:fs/promises';
import path from 'node:path';
import { Lifeboat } from '../lifeboat.ts';
import type { RestoreResult } from '../engine/restore.ts';

/**
 * Disaster recovery: restores a snapshot held by a target (a configured target's name, or a URL) when the local
 * repository lacks it or is gone. Brings the snapshot into a local repository (this data dir's, when it has
 * none or it is the target's twin; else a cache repository, removed afterwards), then restores as usual:
 * into the live data with `overwrite` (a safety snapshot first), or as a copy at `to`.
 */
export async function restoreFrom(lb: Lifeboat, from: string, o: { ref: string; source?: string; to?: string; overwrite?: boolean; keyFile?: string; password?: string }): Promise<RestoreResult> {
  const pulled = await lb.offsite.pull(from, o.ref, { source: o.source, keyFile: o.keyFile, password: o.password });
  const engine = pulled.repoDir === lb.repoDir ? lb : await Lifeboat.open({ dataDir: lb.dataDir, repoDir: pulled.repoDir, passphrase: lb.passphraseSource, actor: lb.actor });
  try {
    return await engine.restore({ ref: pulled.id, source: pulled.manifest.source.name, to: o.to, overwrite: o.overwrite });
  } finally {
    if (engine !== lb) {
      engine.close();
      // A cache repository (this data dir already backs up to another one) is only a way through.
      await fs.rm(pulled.repoDir, { recursive: true, force: true });
      await fs.rmdir(path.dirname(pulled.repoDir)).catch(() => {}); // restore-cache/, when empty
      await fs.rm(engine.catalogFile, { force: true });
    }
  }
}
