// E-mail alerts over SMTP (nodemailer): a mail when the health verdict turns to warning or critical, "All well
// again" when it recovers, a daily or weekly summary, and a test mail for the settings form. Sending never
// throws into the agent: every method resolves with what happened, and failures are logged.
import os from 'node:os';
import nodemailer from 'nodemailer';
import type { EmailSettings } from '../settings/settings-schema.ts';
import { verdictChanged, type HealthLevel, type Verdict } from '../health/health-verdict.ts';
import { alertMail, recoveryMail, summaryMail, testMail, type MailContext, type MailText, type SummaryFacts } from './alert-mail.ts';
import { DEFAULT_ALERT_LEVELS, DEFAULT_MAX_PER_HOUR, SUMMARY_RETRY_MS, mailFor, summaryIsDue, withinHourlyLimit } from './alert-policy.ts';
import { explainSmtpError } from './smtp-errors.ts';

/** The secret-store key of the SMTP password. */
export const SMTP_SECRET_KEY = 'smtp';

/** The part of a logger alerts use (pino's Logger fits). */
export interface AlertLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface EmailAlertsOptions {
  settings: EmailSettings;
  /** The SMTP password, read at each send (the secret store under SMTP_SECRET_KEY); undefined when none. */
  password: () => Promise<string | undefined>;
  /** The machine's name in every mail (default the host name). */
  machine?: string;
  /** IANA zone for times in mails and for when summaries are due (default the machine's). */
  timeZone?: string;
  /** The clock (tests move it; default the real one). */
  now?: () => Date;
  log?: AlertLogger;
  /** At most this many alert and recovery mails in any hour (default 6); more changes are held, see onVerdict. */
  maxPerHour?: number;
  /** Mail "All well again" when the verdict recovers after an alert (default true). */
  recovery?: boolean;
  /** Connection, greeting and idle timeout for the SMTP server (default 20 s). */
  timeoutMs?: number;
}

/** What a send did: `message` is one sentence for the user (whom it went to, or why it did not go). */
export interface SendResult {
  ok: boolean;
  message: string;
}

/** What onVerdict did: which mail it sent (if any), whether a mail is held back by the hourly limit, and the send's result. */
export interface VerdictMailResult {
  mail: 'alert' | 'recovery' | undefined;
  held: boolean;
  result?: SendResult;
}

/**
 * Sends Lifeboat's mails for one EmailSettings. Keeps in memory which level the admin last heard about and the
 * times of recent mails (a restart starts afresh: the first bad verdict after a start is mailed again).
 * Calls are serialised: a verdict that arrives while a mail is being sent waits its turn.
 */
export class EmailAlerts {
  readonly settings: EmailSettings;
  private readonly opts: EmailAlertsOptions;
  private readonly timeZone: string;
  private readonly now: () => Date;
  /** The level of the last alert sent, 'ok' before any and after "All well again". */
  private mailed: HealthLevel = 'ok';
  /** A mail is owed (held by the hourly limit or a send error): later calls try again even without a change. */
  private owed = false;
  /** Changes of level since the last mail that went out, told in the next one. */
  private changes = 0;
  /** Times (ms) of recent alert and recovery attempts, for the hourly limit. */
  private sent: number[] = [];
  private summaryFailedAt: number | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: EmailAlertsOptions) {
    this.opts = opts;
    this.settings = opts.settings;
    this.timeZone = opts.timeZone ?? new Intl.DateTimeFormat().resolvedOptions().timeZone;
    this.now = opts.now ?? (() => new Date());
  }

  /** The level of the last alert mailed ('ok' when none is outstanding). */
  get lastMailedLevel(): HealthLevel {
    return this.mailed;
  }

  /**
   * Call with every new verdict (cheap when nothing changed). Mails when the level changes to one of
   * `settings.levels` (default warning and critical), and "All well again" when it is back to ok or working
   * after an alert; at most one mail per change of level, never more than `maxPerHour` an hour. A change over
   * the limit is held: the next call with room in the hour mails the state at that time (saying how many
   * changes went unmailed), so the last word the admin gets is never stale. A failed send is logged and
   * retried the same way. Never throws; does nothing when `settings.enabled` is false.
   */
  onVerdict(previous: Verdict | undefined, next: Verdict): Promise<VerdictMailResult> {
    return this.serial(async () => {
      if (!this.settings.enabled) return { mail: undefined, held: false };
      // Changes between ok and working (a job starting or ending) are never mailed, so they are not counted.
      if (previous && previous.level !== next.level && [previous.level, next.level].some((l) => l === 'warning' || l === 'critical')) this.changes++;
      if (!verdictChanged(previous, next) && !this.owed) return { mail: undefined, held: false };
      const kind = mailFor(this.mailed, next.level, this.settings.levels ?? DEFAULT_ALERT_LEVELS, this.opts.recovery ?? true);
      if (!kind) {
        this.owed = false; // the admin's last word matches the state now (a flap ended where it began)
        return { mail: undefined, held: false };
      }
      const now = this.now().getTime();
      const max = this.opts.maxPerHour ?? DEFAULT_MAX_PER_HOUR;
      this.sent = this.sent.filter((t) => now - t < 3_600_000);
      if (!withinHourlyLimit(this.sent, now, max)) {
        // Logged once per held mail, not at every verdict while it waits.
        if (!this.owed) this.opts.log?.warn({ event: 'email-held', level: next.level }, `e-mail alert held back: at most ${max} an hour`);
        this.owed = true;
        return { mail: undefined, held: true };
      }
      const ctx = this.context();
      const text = kind === 'alert' ? alertMail(next, ctx, this.changes) : recoveryMail(next, ctx, this.mailed, this.changes);
      this.sent.push(now); // a failed try counts too, so an SMTP server that is down is not retried at every verdict
      const result = await this.send(text, `${kind} ${next.level}`);
      if (!result.ok) {
        this.owed = true;
        return { mail: undefined, held: true, result };
      }
      this.mailed = kind === 'alert' ? next.level : 'ok';
      this.owed = false;
      this.changes = 0;
      return { mail: kind, held: false, result };
    });
  }

  /**
   * True when the daily or weekly summary (`settings.summary`) should go now: e-mail on, summaries on, at or
   * after 08:00 local time on a day (or ISO week) `lastSent` is not in, and not within 30 minutes of a failed
   * try. The caller keeps `lastSent` (it survives restarts) and calls sendSummary when this says so.
   */
  summaryDue(now: Date, lastSent: Date | undefined): boolean {
    if (!this.settings.enabled) return false;
    if (this.summaryFailedAt !== undefined && now.getTime() - this.summaryFailedAt < SUMMARY_RETRY_MS) return false;
    return summaryIsDue(this.settings.summary ?? 'off', now, lastSent, this.timeZone);
  }

  /** Sends the summary (summaryFromHistory builds `facts` from the catalog). Never throws; on failure summaryDue waits 30 minutes. */
  sendSummary(facts: SummaryFacts): Promise<SendResult> {
    return this.serial(async () => {
      const kind = this.settings.summary ?? 'off';
      if (kind === 'off') return { ok: false, message: 'summaries are turned off' };
      const result = await this.send(summaryMail(facts, kind, this.context()), `${kind} summary`);
      this.summaryFailedAt = result.ok ? undefined : this.now().getTime();
      return result;
    });
  }

  /** Sends a test mail with these settings (enabled or not), for the settings form. Never throws. */
  test(): Promise<SendResult> {
    return this.serial(() => this.send(testMail(this.context()), 'test'));
  }

  private context(): MailContext {
    return { machine: this.opts.machine ?? os.hostname(), now: this.now(), timeZone: this.timeZone };
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** One mail, on a connection of its own (alerts are rare; nothing to keep open). */
  private async send(mail: MailText, what: string): Promise<SendResult> {
    const s = this.settings;
    const server = { host: s.host, port: s.port, secure: s.secure };
    let result: SendResult;
    try {
      let auth: { user: string; pass: string } | undefined;
      if (s.user) {
        const pass = await this.opts.password();
        if (pass === undefined) return this.logged({ ok: false, message: `no SMTP password is stored for ${s.user}: enter it in the e-mail settings` }, what);
        auth = { user: s.user, pass };
      }
      const timeout = this.opts.timeoutMs ?? 20_000;
      const transport = nodemailer.createTransport({
        host: s.host,
        port: s.port,
        secure: s.secure ?? false,
        ...(auth ? { auth } : {}),
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
        // The message is plain text we wrote: nothing may make nodemailer read a file or fetch a URL.
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      try {
        const info = await transport.sendMail({ from: s.from, to: s.to, subject: mail.subject, text: mail.text });
        const rejected: string[] = info.rejected ?? [];
        result = rejected.length
          ? { ok: false, message: `the server refused the recipient${rejected.length > 1 ? 's' : ''} ${rejected.join(', ')}; sent to ${s.to.filter((t) => !rejected.includes(t)).join(', ')}` }
          : { ok: true, message: `sent to ${s.to.join(', ')}` };
      } finally {
        transport.close();
      }
    } catch (err) {
      result = { ok: false, message: explainSmtpError(err, server) };
    }
    return this.logged(result, what);
  }

  private logged(result: SendResult, what: string): SendResult {
    if (result.ok) this.opts.log?.info({ event: 'email-sent', mail: what, to: this.settings.to }, `e-mail (${what}) ${result.message}`);
    else this.opts.log?.warn({ event: 'email-failed', mail: what, error: result.message }, `e-mail (${what}) not sent: ${result.message}`);
    return result;
  }
}
