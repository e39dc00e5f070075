import os from 'node:os';
import path from 'node:path';

/**
 * Where Lifeboat keeps its settings, catalog and default repository when no --data-dir or
 * LIFEBOAT_DATA_DIR is given: the platform's usual per-user application data folder.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.LIFEBOAT_DATA_DIR) return path.resolve(env.LIFEBOAT_DATA_DIR);
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), 'Lifeboat');
  if (platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', 'Lifeboat');
  return path.join(env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share'), 'lifeboat');
}
