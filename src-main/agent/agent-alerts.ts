import type { Logger } from './logger.ts';
import type { Lifeboat } from '../core/lifeboat.ts';
import type { Verdict } from '../core/health/health-verdict.ts';
import { EmailAlerts, SMTP_SECRET_KEY } from '../core/alerts/email-alerts.ts';
import { summaryFromHistory } from '../core/alerts/alert-mail.ts';
import { settingsTimeZone } from '../core/settings/schedule-settings.ts';
import { kvJson } from '../core/jobs/routine-jobs.ts';

const SUMMARY_KEY = 'alerts.summary.lastSent';

/**
 * The agent's e-mail: verdict changes to warning or critical (EmailAlerts rate-limits them) and the daily or
 * weekly summary, whose last sending is kept in the catalog so a restart does not send it twice. Off unless
 * settings turn it on; reload() after settings change. Never throws.
 */
export class AgentAlerts {
  private readonly lb: Lifeboat;
  private readonly log: Logger;
  private alerts: EmailAlerts | undefined;

  constructor(lb: Lifeboat, log: Logger) {
    this.lb = lb;
    this.log = log;
    this.reload();
  }

  reload(): void {
    const email = this.lb.settings.notifications?.email;
    this.alerts = email?.enabled ? new EmailAlerts({ settings: email, password: () => this.lb.secrets.get(SMTP_SECRET_KEY), log: this.log, timeZone: settingsTimeZone(this.lb.settings) }) : undefined;
  }

  async onVerdict(previous: Verdict | undefined, next: Verdict): Promise<void> {
    const alerts = this.alerts;
    if (!alerts) return;
    await alerts.onVerdict(previous, next);
    const now = new Date();
    const last = kvJson<string>(this.lb, SUMMARY_KEY);
    if (!alerts.summaryDue(now, last ? new Date(last) : undefined)) return;
    const days = alerts.settings.summary === 'weekly' ? 7 : 1;
    const facts = summaryFromHistory(this.lb.catalog.history(5000), { from: new Date(now.getTime() - days * 86_400_000), to: now }, next, this.lb.settings.sources.map((s) => s.name));
    const r = await alerts.sendSummary(facts);
    if (r.ok) this.lb.catalog.set(SUMMARY_KEY, JSON.stringify(now.toISOString()));
  }
}
