// Health rules about power: on battery and low battery are critical, a configured UPS that does not
// answer is a warning, and the emergency backup is told right after the power reason it belongs to.

import type { PowerFacts, Reason } from './health-facts.ts';
import { finding, reason, type Finding, type RuleContext } from './rule-context.ts';

/**
 * - on-battery / low-battery: critical, with the emergency backup (running: working, done: ok,
 *   failed: critical) as a detail listed second. The emergency backup is only reported while on
 *   battery: once power is back, normal backups resume and a failure that needs a person arrives
 *   through `needsAttention`.
 * - unknown: a warning when a UPS is configured ("not answering"), nothing otherwise.
 * - online: an ok line when the state comes from a named source (a UPS or the battery).
 */
export function powerFindings(power: PowerFacts | undefined, ctx: RuleContext): Finding[] {
  if (!power) return [];
  const who = power.source ? ` (${power.source})` : '';
  const since = power.since === undefined ? '' : ` since ${ctx.at(ctx.time(power.since, 'power.since'))}`;
  switch (power.state) {
    case 'on-battery':
    case 'low-battery': {
      const text = power.state === 'on-battery' ? `On battery${since}${who}` : `Battery low${since}${who}: the computer may shut down soon`;
      const main = finding('critical', power.state, text, power.source);
      const detail = emergency(power, ctx);
      return [detail ? { ...main, details: [detail] } : main];
    }
    case 'unknown':
      if (!power.upsConfigured) return [];
      return [finding('warning', 'ups-not-answering', `UPS${power.source ? ` ${power.source}` : ''} not answering${since}`, power.source)];
    case 'online':
      return power.source ? [finding('ok', 'power-ok', `On mains power${who}`, power.source)] : [];
    default:
      throw new Error(`Invalid health facts: power.state must be online, on-battery, low-battery or unknown, got ${JSON.stringify(power.state)}`);
  }
}

function emergency(power: PowerFacts, ctx: RuleContext): Reason | undefined {
  const e = power.emergencyBackup;
  if (!e) return undefined;
  const prefix = power.state === 'on-battery' ? 'On battery' : 'Battery low';
  const at = ctx.at(ctx.time(e.at, 'power.emergencyBackup.at'));
  switch (e.state) {
    case 'running':
      return reason('working', 'emergency-backup-running', `${prefix}: emergency backup running (started ${at})`);
    case 'done':
      return reason('ok', 'emergency-backup-done', `${prefix}: emergency backup done ${at}`);
    case 'failed':
      return reason('critical', 'emergency-backup-failed', `${prefix}: emergency backup failed ${at}${e.error ? `: ${e.error}` : ''}`);
    default:
      throw new Error(`Invalid health facts: power.emergencyBackup.state must be running, done or failed, got ${JSON.stringify(e.state)}`);
  }
}
