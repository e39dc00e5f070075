import path from 'node:path';
import { LifeboatError } from '../errors.ts';
import type { TargetConfig } from '../settings/settings-types.ts';
import { targetSecretKey, type SecretStore } from '../settings/secret-store.ts';
import { FileTarget } from '../targets/file-target.ts';
import { parseBandwidth } from '../targets/bandwidth.ts';
import { BandwidthTarget, LoggingTarget, RetryTarget, type RetryOptions, type TargetLog } from '../targets/target-wrappers.ts';
import type { Target } from '../targets/target.ts';
import { parseTargetUrl, type TargetSpec } from './target-url.ts';

export interface OpenTargetContext {
  dataDir: string;
  secrets: SecretStore;
  env?: NodeJS.ProcessEnv;
  log?: TargetLog;
  timeZone?: string;
  retry?: RetryOptions;
}

/**
 * Builds the Target for a configured target, wrapped for use: short retries of blips, the upload limit, logs.
 * Credentials come from the environment variable or the secret store named in the config; a missing one is
 * a 'bad-input' error saying where it was looked for. Protocol clients load only when used (the S3 SDK is big).
 */
export async function openTarget(config: TargetConfig, ctx: OpenTargetContext): Promise<Target> {
  let t = await openBare(config, ctx);
  if (ctx.log) t = new LoggingTarget(t, ctx.log);
  if (config.bandwidth) t = new BandwidthTarget(t, parseBandwidth(config.bandwidth), ctx.timeZone);
  return new RetryTarget(t, ctx.retry);
}

/** The target itself, with no wrappers (tests and `target test` see the raw errors). */
export async function openBare(config: TargetConfig, ctx: OpenTargetContext): Promise<Target> {
  const { spec } = parseTargetUrl(config.url);
  return openSpec(spec, { password: await targetPassword(config, ctx), keyFile: config.keyFile, rcloneConfig: config.rcloneConfig, knownHostsFile: path.join(ctx.dataDir, 'known_hosts') });
}

/** Builds a target from a parsed URL and its credentials. */
export async function openSpec(spec: TargetSpec, c: { password?: string; keyFile?: string; rcloneConfig?: string; knownHostsFile: string }): Promise<Target> {
  switch (spec.kind) {
    case 'file':
      // The folder is made when the target is added; later, its absence means a share that is not mounted.
      return new FileTarget(spec.path, { rootMustExist: true });
    case 'sftp': {
      const { SftpTarget } = await import('../targets/sftp-target.ts');
      const { readFile } = await import('node:fs/promises');
      const privateKey = c.keyFile ? await readFile(c.keyFile).catch((err: unknown) => { throw new LifeboatError('bad-input', `cannot read the key file ${c.keyFile}: ${(err as Error).message}`); }) : undefined;
      if (!privateKey && !c.password) throw new LifeboatError('bad-input', 'an sftp target needs a key file (--key FILE) or a password (--password-env VAR)');
      return new SftpTarget({ host: spec.host, port: spec.port, user: spec.user, path: spec.path, ...(privateKey ? { privateKey } : {}), ...(c.password ? { password: c.password } : {}), knownHostsFile: c.knownHostsFile });
    }
    case 'webdav': {
      const { WebdavTarget } = await import('../targets/webdav-target.ts');
      return new WebdavTarget({ url: spec.url, ...(spec.user ? { user: spec.user } : {}), ...(c.password ? { password: c.password } : {}) });
    }
    case 's3': {
      const { S3Target } = await import('../targets/s3-target.ts');
      const accessKeyId = spec.accessKeyId ?? process.env.AWS_ACCESS_KEY_ID;
      const secretAccessKey = c.password ?? process.env.AWS_SECRET_ACCESS_KEY;
      if (!accessKeyId || !secretAccessKey) throw new LifeboatError('bad-input', 'an s3 target needs an access key id (in the URL as access-key-id=, or AWS_ACCESS_KEY_ID) and a secret key (--password-env VAR, or AWS_SECRET_ACCESS_KEY)');
      return new S3Target({ bucket: spec.bucket, prefix: spec.prefix, region: spec.region, ...(spec.endpoint ? { endpoint: spec.endpoint } : {}), pathStyle: spec.pathStyle, accessKeyId, secretAccessKey });
    }
    case 'rclone': {
      const { RcloneTarget } = await import('../targets/rclone-target.ts');
      return new RcloneTarget({ remote: spec.remote, ...(c.rcloneConfig ? { configFile: c.rcloneConfig } : {}) });
    }
  }
}

/** The target's password or secret key: from its environment variable, else the secret store, else none. */
export async function targetPassword(config: TargetConfig, ctx: OpenTargetContext): Promise<string | undefined> {
  if (config.passwordEnv) {
    const v = (ctx.env ?? process.env)[config.passwordEnv];
    if (!v) throw new LifeboatError('bad-input', `target ${config.name} takes its password from the environment variable ${config.passwordEnv}, which is not set`);
    return v;
  }
  if (config.storedSecret) {
    const v = await ctx.secrets.get(targetSecretKey(config.name));
    if (!v) throw new LifeboatError('bad-input', `the password of target ${config.name} is missing from the secret store: add the target again`);
    return v;
  }
  return undefined;
}
