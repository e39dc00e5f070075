// The seven numbers of a retention policy (the main policy and a USB drive's), as text kept while typing and
// parsed into a policy; an empty box means "no rule of that kind".
import type { JSX } from 'react';
import { TextField } from './field.tsx';
import { fieldError, type FormError } from './form-errors.ts';
import type { RetentionPolicy } from './settings-types.ts';

export const POLICY_KEYS = ['last', 'quarterHourly', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
export type PolicyKey = (typeof POLICY_KEYS)[number];
export type PolicyText = Record<PolicyKey, string>;

const LABELS: Record<PolicyKey, string> = {
  last: 'Newest snapshots',
  quarterHourly: 'Quarter-hours',
  hourly: 'Hours',
  daily: 'Days',
  weekly: 'Weeks',
  monthly: 'Months',
  yearly: 'Years',
};

/** The policy as the form's text. */
export function policyText(p: RetentionPolicy | undefined): PolicyText {
  return Object.fromEntries(POLICY_KEYS.map((k) => [k, p?.[k] === undefined ? '' : String(p[k])])) as PolicyText;
}

/**
 * The policy the text describes, or the field messages (keyed `${prefix}.${key}`) for boxes that do not
 * hold a whole number from 0 to 100000.
 */
export function parsePolicy(t: PolicyText, prefix: string): { policy: RetentionPolicy } | { error: FormError } {
  const policy: RetentionPolicy = {};
  const fields: Record<string, string> = {};
  for (const k of POLICY_KEYS) {
    const v = t[k].trim();
    if (v === '') continue;
    if (!/^\d+$/.test(v) || Number(v) > 100_000) fields[`${prefix}.${k}`] = 'a whole number from 0 to 100000, or empty';
    else policy[k] = Number(v);
  }
  return Object.keys(fields).length ? { error: { message: 'Some numbers are not valid.', fields } } : { policy };
}

/** The seven labelled boxes; `prefix` is the field path of the policy ("patch.retention"). */
export function RetentionFields(p: { prefix: string; text: PolicyText; err: FormError; onChange: (t: PolicyText) => void; labelSuffix?: string }): JSX.Element {
  return (
    <div className="s-policy-grid">
      {POLICY_KEYS.map((k) => (
        <TextField key={k} path={`${p.prefix}.${k}`} label={`${LABELS[k]}${p.labelSuffix ?? ''}`} inputMode="numeric" value={p.text[k]}
          error={fieldError(p.err, `${p.prefix}.${k}`)} onChange={(v) => p.onChange({ ...p.text, [k]: v })} />
      ))}
    </div>
  );
}

/** One line saying what the policy keeps ("the 3 newest, one per day for 30 days, ..."). */
export function describePolicy(policy: RetentionPolicy): string {
  const parts: string[] = [];
  if (policy.last) parts.push(`the ${policy.last} newest`);
  const per: Array<[PolicyKey, string, string]> = [['quarterHourly', 'quarter-hour', 'quarter-hours'], ['hourly', 'hour', 'hours'], ['daily', 'day', 'days'], ['weekly', 'week', 'weeks'], ['monthly', 'month', 'months'], ['yearly', 'year', 'years']];
  for (const [k, one, many] of per) if (policy[k]) parts.push(`one per ${one} for ${policy[k]} ${policy[k] === 1 ? one : many}`);
  return parts.length ? `Keeps ${parts.join(', ')}.` : 'No rule: every snapshot is kept.';
}
