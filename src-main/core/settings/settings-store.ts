import path from 'node:path';
import { CorruptError, LifeboatError } from '../errors.ts';
import { readIfExists, writeFileDurable } from '../util/durable-file.ts';
import { DEFAULT_RETENTION, validatePolicy } from '../retention/retention-policy.ts';
import type { Settings, SourceConfig, TargetConfig } from './settings-types.ts';
import { parseTargetUrl } from '../offsite/target-url.ts';
import { parseDbUrl } from '../sources/db-url.ts';
import { parseBandwidth } from '../targets/bandwidth.ts';

export const SETTINGS_FILE = 'settings.json';
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function defaultSettings(dataDir: string): Settings {
  return { version: 1, repository: path.join(dataDir, 'repository'), sources: [], retention: { ...DEFAULT_RETENTION } };
}

/** Reads settings.json, or the defaults when there is none. A damaged file is an error, never silently replaced. */
export async function loadSettings(dataDir: string): Promise<Settings> {
  const file = path.join(dataDir, SETTINGS_FILE);
  const raw = await readIfExists(file);
  if (!raw) return defaultSettings(dataDir);
  let s: Settings;
  try {
    s = JSON.parse(raw.toString('utf8')) as Settings;
  } catch {
    throw new CorruptError(file, 'not valid JSON; fix it or move it away to start with defaults');
  }
  if (s.version !== 1 || !Array.isArray(s.sources) || typeof s.repository !== 'string') throw new CorruptError(file, 'not Lifeboat settings');
  s.retention = validatePolicy(s.retention ?? DEFAULT_RETENTION);
  for (const src of s.sources) validateSource(src);
  for (const t of s.targets ?? []) validateTarget(t);
  return s;
}

export async function saveSettings(dataDir: string, s: Settings): Promise<void> {
  await writeFileDurable(path.join(dataDir, SETTINGS_FILE), Buffer.from(JSON.stringify(s, null, 2) + '\n'));
}

/** Checks a source's shape (not whether its file exists: that is checked when it is added and at each backup). */
export function validateSource(src: SourceConfig): SourceConfig {
  if (typeof src.name !== 'string' || !NAME_RE.test(src.name)) {
    throw new LifeboatError('bad-input', `bad source name ${JSON.stringify(src.name)}: use letters, digits, '.', '_' or '-' (at most 64)`);
  }
  if (!['sqlite', 'folder', 'mysql', 'postgres'].includes(src.kind)) throw new LifeboatError('bad-input', `source ${src.name}: unknown kind ${String(src.kind)}`);
  if (src.kind === 'mysql' || src.kind === 'postgres') {
    const parsed = parseDbUrl(src.path);
    if (parsed.location.kind !== src.kind) throw new LifeboatError('bad-input', `source ${src.name}: ${src.kind} source with a ${parsed.location.kind} URL`);
    if (parsed.password !== undefined) throw new LifeboatError('bad-input', `source ${src.name}: its URL holds a password; passwords belong in the secret store ("lifeboat source add" puts them there)`);
    if (src.passwordEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(src.passwordEnv)) throw new LifeboatError('bad-input', `source ${src.name}: ${JSON.stringify(src.passwordEnv)} is not an environment variable name`);
    return src;
  }
  if (typeof src.path !== 'string' || !path.isAbsolute(src.path)) throw new LifeboatError('bad-input', `source ${src.name}: path must be absolute`);
  if (src.watch !== undefined && typeof src.watch !== 'boolean') throw new LifeboatError('bad-input', `source ${src.name}: watch must be true or false`);
  for (const g of [...(src.include ?? []), ...(src.exclude ?? [])]) if (typeof g !== 'string' || g.length === 0) throw new LifeboatError('bad-input', `source ${src.name}: empty glob`);
  return src;
}

/** Checks a target's shape: its name, its URL (which must hold no password), its bandwidth and retention. */
export function validateTarget(t: TargetConfig): TargetConfig {
  if (typeof t.name !== 'string' || !NAME_RE.test(t.name)) {
    throw new LifeboatError('bad-input', `bad target name ${JSON.stringify(t.name)}: use letters, digits, '.', '_' or '-' (at most 64)`);
  }
  if (typeof t.url !== 'string') throw new LifeboatError('bad-input', `target ${t.name}: url missing`);
  if (parseTargetUrl(t.url).password) throw new LifeboatError('bad-input', `target ${t.name}: its URL holds a password; passwords belong in the secret store ("lifeboat target add" puts them there)`);
  if (t.bandwidth !== undefined) parseBandwidth(t.bandwidth);
  if (t.retention !== undefined) t.retention = validatePolicy(t.retention);
  if (t.passwordEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(t.passwordEnv)) throw new LifeboatError('bad-input', `target ${t.name}: ${JSON.stringify(t.passwordEnv)} is not an environment variable name`);
  if (t.warnAfterHours !== undefined && !(Number.isFinite(t.warnAfterHours) && t.warnAfterHours > 0)) throw new LifeboatError('bad-input', `target ${t.name}: warnAfterHours must be a positive number`);
  return t;
}
