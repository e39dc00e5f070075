// What every health rule receives and returns. Internal to the health folder.

import type { HealthLevel, Reason, ReasonCode } from './health-facts.ts';
import { clockTime, parseTime, relativeAge } from './human-time.ts';

/** The clock and the words for times, fixed for one verdict. */
export class RuleContext {
  readonly now: number;
  readonly timeZone: string;

  constructor(now: number, timeZone: string) {
    this.now = now;
    this.timeZone = timeZone;
  }

  /** Epoch ms of an ISO time from the facts; throws naming `what` when it is not one. */
  time(value: unknown, what: string): number {
    return parseTime(value, what);
  }

  /** "3 min ago". */
  ago(ms: number): string {
    return relativeAge(ms, this.now);
  }

  /** "14:02", "Mon 14:02", "2026-11-20 14:02". */
  at(ms: number): string {
    return clockTime(ms, this.now, this.timeZone);
  }
}

/**
 * One fact about the installation: a reason, plus details that explain it and are listed right after
 * it whatever their own level (the emergency backup after "On battery").
 */
export interface Finding {
  reason: Reason;
  details?: Reason[];
  /** Among reasons of the same level and code, a larger weight comes first (e.g. an older backup). */
  weight?: number;
}

export function finding(level: HealthLevel, code: ReasonCode, text: string, source?: string, weight?: number): Finding {
  return { reason: reason(level, code, text, source), ...(weight === undefined ? {} : { weight }) };
}

export function reason(level: HealthLevel, code: ReasonCode, text: string, source?: string): Reason {
  return source === undefined ? { level, code, text } : { level, code, text, source };
}

/** Throws unless `value` is a finite number in [min, max]; facts come from our own code, so this is a bug. */
export function checkNumber(value: unknown, what: string, min: number, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new Error(`Invalid health facts: ${what} must be a number${max === Infinity ? ` >= ${min}` : ` in ${min}-${max}`}, got ${JSON.stringify(value)}`);
  }
  return value;
}
