import type { RetentionPolicy } from '../retention/retention-policy.ts';

/** A source the office wants protected. `name` is unique; `path` is absolute. */
export interface SourceConfig {
  name: string;
  kind: 'sqlite' | 'folder';
  path: string;
  include?: string[];
  exclude?: string[];
}

/** settings.json in the data dir: what to protect, where, and how long to keep it. */
export interface Settings {
  version: 1;
  /** The local repository's folder (default: <data dir>/repository). */
  repository: string;
  sources: SourceConfig[];
  retention: RetentionPolicy;
}
