import fs from 'node:fs/promises';
import { FileTarget } from '../../src-main/core/targets/file-target.ts';
import { MemoryTarget } from '../../src-main/core/targets/memory-target.ts';
import { targetConformance } from '../targets/conformance.ts';
import { tempDir } from '../helpers/cli.ts';

targetConformance('in-memory', async () => ({ target: new MemoryTarget(), cleanup: async () => {} }));

targetConformance('local folder (file://)', async () => {
  const t = tempDir('lifeboat-filetarget-');
  await fs.mkdir(`${t.dir}/repo`);
  return { target: new FileTarget(`${t.dir}/repo`, { createRoot: false }), cleanup: async () => t.cleanup() };
});
