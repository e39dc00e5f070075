import type { Lifeboat } from '../lifeboat.ts';
import { DriveRegistry } from './drive-registry.ts';
import type { FinderOptions } from './drive-finder.ts';
import { DEFAULT_DRIVE_POLICY, type DrivePolicy } from './drive-policy.ts';
import { settingsTimeZone } from '../settings/schedule-settings.ts';

/** The drive settings of a data dir turned into what the finder, registry and copier take. */
export async function driveContext(lb: Lifeboat): Promise<{ registry: DriveRegistry; finder: FinderOptions; policy: DrivePolicy; timeZone: string; pollMs: number }> {
  const repo = await lb.repository();
  const d = lb.settings.drives ?? {};
  const finder: FinderOptions = d.mediaRoots ? { mediaRoots: d.mediaRoots } : {};
  return {
    registry: new DriveRegistry({ dataDir: lb.dataDir, repoId: repo.config.id, finder }),
    finder,
    policy: d.policy ?? DEFAULT_DRIVE_POLICY,
    timeZone: settingsTimeZone(lb.settings),
    pollMs: (d.pollSeconds ?? 5) * 1000,
  };
}
