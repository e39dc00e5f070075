import { parseArgs } from 'node:util';
import readline from 'node:readline/promises';
import { LifeboatError } from '../core/errors.ts';
import { Lifeboat } from '../core/lifeboat.ts';
import { defaultDataDir } from '../core/data-dir.ts';
import { passphraseSource } from './passphrase.ts';
import { scheduleCmd, upsCmd } from './schedule-commands.ts';
import { runAgent } from './agent-command.ts';
import { dashboardUrl } from '../dashboard/dashboard-start.ts';
import { driveCmd } from './drive-commands.ts';
import { syncCmd, targetCmd } from './target-commands.ts';
import { backupCmd, listCmd, pruneCmd, repairCmd, restoreCmd, sourceCmd, startCmd, statusCmd, verifyCmd, type Command, type Io } from './commands.ts';

const USAGE = `usage: lifeboat [--data-dir DIR] [--repo DIR] [--json] COMMAND

  start                           protect (a demo database if nothing is configured), back up, verify, show status
  source add --name NAME (--sqlite PATH [--watch] | --folder PATH [--include GLOB]... [--exclude GLOB]...
                          | --mysql URL | --postgres URL [--password-env VAR | --password-stdin])
  source list | source remove NAME
  backup [--source NAME] [--reason TEXT] [--skip-unchanged] [--wait]   exit 0 only once the snapshot is durable
  list [--source NAME]
  verify [ID... | --all] [--deep]     exit 1 when anything is damaged
  restore [ID | latest] [--source NAME] [--to PATH] [--yes] [--tables A,B] [--dry-run] [--from TARGET|URL [--key FILE] [--password-env VAR]]
  prune [--dry-run]
  status                          the health verdict, sources, power and next runs (from the running agent if any)
  agent [--dashboard [--dashboard-host H] [--dashboard-port N]]   run headless: schedules, UPS monitoring, emergency backups
                                  (JSON log lines on stdout); --dashboard serves the window's UI on 127.0.0.1:8770
  dashboard-url                   print the running dashboard's address with its token
  schedule list | set JOB CRON | enable JOB | disable JOB
  drive list | adopt PATH | forget ID | copy [PATH]   USB drives: adopted ones get copies when plugged in
  ups add URL | list | remove URL  nut://[USER[:PASS]@]HOST[:PORT]/UPSNAME or apcupsd://HOST[:PORT]
  target add NAME URL [--key FILE] [--password-env VAR | --password-stdin] [--bandwidth 2MB/s[@08:00-18:00]]
         URL: file:///PATH, sftp://USER@HOST[:PORT]/PATH, webdav(s)://HOST/PATH, s3://BUCKET/PREFIX?endpoint=URL, rclone:REMOTE:PATH
  target list | test NAME | remove NAME | verify NAME [--deep]
  sync [NAME]                     send the offsite queue now (exit 1 unless everything arrived)
  repair [--index]                rebuild the catalog (and with --index the repository's index) from the repository

Passphrase of an encrypted repository: LIFEBOAT_PASSPHRASE, or a prompt. Data dir: --data-dir or LIFEBOAT_DATA_DIR.`;

const COMMANDS: Record<string, Command> = {
  start: startCmd, source: sourceCmd, backup: backupCmd, list: listCmd, verify: verifyCmd, restore: restoreCmd,
  prune: pruneCmd, status: statusCmd, repair: repairCmd, schedule: scheduleCmd, ups: upsCmd, drive: driveCmd,
  target: targetCmd, sync: syncCmd,
};

/** Runs the CLI; returns the exit code. User mistakes are one line on stderr, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  // `lifeboat list | head`: a closed pipe is not an error worth a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); });
  const err = (s: string) => process.stderr.write(s + '\n');
  let lb: Lifeboat | undefined;
  try {
    const { values, tokens } = parseArgs({ args: argv, options: { 'data-dir': { type: 'string' }, repo: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: false, tokens: true });
    // Global options are those before the command; the rest belongs to the command (where --json may appear too).
    const first = tokens.find((t) => t.kind === 'positional');
    if (!first || values.help === true) {
      process.stdout.write(USAGE + '\n');
      return first || values.help === true ? 0 : 2;
    }
    const globalsEnd = first.index;
    const rest = argv.slice(globalsEnd + 1);
    const json = values.json === true || rest.includes('--json');
    const cmdArgs = rest.filter((a) => a !== '--json');
    const dataDirEarly = typeof values['data-dir'] === 'string' ? values['data-dir'] : defaultDataDir();
    if (first.value === 'agent') return await runAgent(dataDirEarly, cmdArgs);
    if (first.value === 'dashboard-url') {
      process.stdout.write((await dashboardUrl(dataDirEarly)) + '\n');
      return 0;
    }
    const cmd = COMMANDS[first.value];
    if (!cmd) throw new LifeboatError('bad-input', `unknown command "${first.value}" (see "lifeboat --help")`);
    const unknown = tokens.find((t) => t.kind === 'option' && t.index < globalsEnd && !['data-dir', 'repo', 'json', 'help'].includes(t.name));
    if (unknown && unknown.kind === 'option') throw new LifeboatError('bad-input', `unknown option --${unknown.name}`);
    lb = await Lifeboat.open({
      dataDir: dataDirEarly,
      repoDir: typeof values.repo === 'string' ? values.repo : undefined,
      passphrase: passphraseSource(),
      initPassphrase: process.env.LIFEBOAT_PASSPHRASE || null,
      onProgress: process.stderr.isTTY && !json ? progressLine() : undefined,
    });
    const io: Io = { out: (s) => process.stdout.write(s + '\n'), err, json, confirm: askYesNo };
    return await cmd(lb, cmdArgs, io);
  } catch (e) {
    if (e instanceof LifeboatError) {
      err(`lifeboat: ${e.message}`);
      return e.code === 'bad-input' ? 2 : 1;
    }
    if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`lifeboat: ${(e as Error).message.split('\n')[0]} (see "lifeboat --help")`);
      return 2;
    }
    err(`lifeboat: unexpected error: ${(e as Error).message ?? String(e)}${process.env.LIFEBOAT_DEBUG ? '\n' + (e as Error).stack : ' (set LIFEBOAT_DEBUG=1 for details)'}`);
    return 70;
  } finally {
    lb?.close();
  }
}

async function askYesNo(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

function progressLine() {
  let last = 0;
  return (p: { phase: string; done: number; total: number; source?: string }) => {
    const now = Date.now();
    if (now - last < 200) return;
    last = now;
    const pct = p.total > 1 ? ` ${Math.floor((100 * p.done) / p.total)}%` : '';
    process.stderr.write(`\r${p.source ?? ''} ${p.phase}${pct}\x1b[K`);
    if (p.total > 1 && p.done >= p.total) process.stderr.write('\r\x1b[K');
  };
}
