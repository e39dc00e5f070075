/**
 * The normalized power state every source (NUT, apcupsd, the OS battery) is turned into, and the pure parsers
 * that do the turning. Nothing here touches the network or the clock, so all of it is table-tested.
 *
 * Severity, worst last: unknown < online < on-battery < low-battery. `unknown` is not "fine": it means nobody
 * could tell us, and the UI says so; but when another UPS does know, its answer wins in `combine`.
 */
export type PowerLevel = 'online' | 'on-battery' | 'low-battery' | 'unknown';

/** What one source knows, before we stamp it with where and when it was read. */
export interface PowerState {
  level: PowerLevel;
  /** Battery charge in percent, 0-100, when the source reports it. */
  charge?: number;
  /** Estimated runtime on battery in seconds, when the source reports it. */
  runtimeSeconds?: number;
  /** Words for a person: the UPS's own flags ("on battery, discharging") or why the level is unknown. */
  detail?: string;
}

/** One observation of one power source. */
export interface PowerReading extends PowerState {
  /** Which source said it, without credentials, e.g. "nut://127.0.0.1:3493/ups" or "apcupsd://10.0.0.5:3551". */
  source: string;
  /** ISO time of the observation. */
  at: string;
}

/** Stamps a state with its source and time. */
export function toReading(state: PowerState, source: string, at: Date = new Date()): PowerReading {
  return { ...state, source, at: at.toISOString() };
}

/** An unknown state with the reason, e.g. "upsd not answering at 127.0.0.1:3493 (connection refused)". */
export function unknownState(reason: string): PowerState {
  return { level: 'unknown', detail: reason };
}

// The words NUT's status flags stand for (docs/new-drivers.txt, "ups.status"), shown to people as the detail.
const NUT_FLAGS: Record<string, string> = {
  OL: 'on line', OB: 'on battery', LB: 'battery low', HB: 'battery high', RB: 'replace battery',
  CHRG: 'charging', DISCHRG: 'discharging', BYPASS: 'on bypass', CAL: 'calibrating', OFF: 'output off',
  OVER: 'overloaded', TRIM: 'trimming voltage', BOOST: 'boosting voltage', FSD: 'forced shutdown',
  ALARM: 'alarm', WAIT: 'waiting for the driver',
};

/**
 * Normalizes a NUT `ups.status` (space-separated flags) plus any other variables from `LIST VAR`
 * (`battery.charge` in percent, `battery.runtime` in seconds). Never throws.
 *
 * - `FSD` (the primary upsmon is shutting everything down) or `LB` without `OL` -> low-battery: this is the
 *   last moment to act, exactly when upsmon itself would shut down.
 * - `OL LB` -> online: mains is back and the battery is recharging; upsmon does not treat it as critical
 *   either, and a "final snapshot" then would be noise.
 * - `OB` -> on-battery (`OB` wins over a contradictory `OL`: the worse claim is the safer one).
 * - `OL` -> online. `WAIT` (upsd has no data from its driver yet), an empty status, or flags without OL/OB
 *   (e.g. a lone `OFF`) -> unknown.
 */
export function fromNutStatus(status: string, vars: Readonly<Record<string, string>> = {}): PowerState {
  const flags = status.trim().toUpperCase().split(/\s+/).filter(Boolean);
  const has = (f: string): boolean => flags.includes(f);
  const words = flags.map((f) => NUT_FLAGS[f] ?? f).join(', ');
  const extra = numbers(percent(vars['battery.charge']), seconds(vars['battery.runtime']));

  let level: PowerLevel;
  if (has('FSD') || (has('LB') && !has('OL'))) level = 'low-battery';
  else if (has('OB')) level = 'on-battery';
  else if (has('OL')) level = 'online';
  else level = 'unknown';

  let detail: string;
  if (flags.length === 0) detail = 'the UPS reported an empty status';
  else if (has('WAIT')) detail = 'upsd is waiting for its driver to report';
  else if (level === 'unknown') detail = `NUT status "${flags.join(' ')}" says neither on line nor on battery`;
  else detail = words;
  return { level, ...extra, detail };
}

// apcupsd's STATFLAG bits (apcupsd include/defines.h).
const APC_ONLINE = 0x08;
const APC_ONBATT = 0x10;
const APC_BATTLOW = 0x40;
const APC_COMMLOST = 0x100;
const APC_SHUTDOWN = 0x200;
const APC_SLAVEDOWN = 0x800;

/**
 * Normalizes one apcupsd NIS `status` answer (keys as apcupsd prints them, values trimmed).
 *
 * STATUS is read first (`ONLINE`, `ONBATT`, `ONBATT LOWBATT`, any of them with ` SLAVE` when the answer comes
 * from a networked apcupsd, `COMMLOST`, `SHUTTING DOWN`, `SLAVEDOWN`); when it is missing or says neither,
 * the STATFLAG bits decide. BCHARGE is percent ("100.0 Percent"), TIMELEFT minutes ("30.0 Minutes").
 * COMMLOST and SLAVEDOWN mean apcupsd itself no longer knows: unknown. SHUTTING DOWN is low-battery.
 * Never throws.
 */
export function fromApcStatus(record: Readonly<Record<string, string>>): PowerState {
  const extra = numbers(percent(record.BCHARGE), minutesToSeconds(record.TIMELEFT));
  const status = (record.STATUS ?? '').trim().toUpperCase();
  const flags = status.split(/\s+/).filter(Boolean);
  const has = (f: string): boolean => flags.includes(f);
  const said = `apcupsd status "${status}"`;

  if (has('SHUTTING')) return { level: 'low-battery', ...extra, detail: 'apcupsd is shutting the system down' };
  if (has('COMMLOST')) return { level: 'unknown', ...extra, detail: 'apcupsd lost contact with the UPS (COMMLOST)' };
  if (has('SLAVEDOWN')) return { level: 'unknown', ...extra, detail: 'the networked apcupsd lost its master (SLAVEDOWN)' };
  if (has('ONBATT') && has('LOWBATT')) return { level: 'low-battery', ...extra, detail: said };
  if (has('ONBATT')) return { level: 'on-battery', ...extra, detail: said };
  if (has('ONLINE')) return { level: 'online', ...extra, detail: said };

  const bits = parseStatflag(record.STATFLAG);
  if (bits === undefined) {
    return { level: 'unknown', ...extra, detail: status ? `${said} says neither ONLINE nor ONBATT` : 'apcupsd sent no STATUS or STATFLAG' };
  }
  const flagDetail = `apcupsd STATFLAG ${record.STATFLAG?.trim()}`;
  if (bits & APC_SHUTDOWN) return { level: 'low-battery', ...extra, detail: `${flagDetail}: shutting down` };
  if (bits & (APC_COMMLOST | APC_SLAVEDOWN)) return { level: 'unknown', ...extra, detail: `${flagDetail}: lost contact with the UPS` };
  if (bits & APC_ONBATT) return { level: bits & APC_BATTLOW ? 'low-battery' : 'on-battery', ...extra, detail: flagDetail };
  if (bits & APC_ONLINE) return { level: 'online', ...extra, detail: flagDetail };
  return { level: 'unknown', ...extra, detail: `${flagDetail} says neither on line nor on battery` };
}

const SEVERITY: Record<PowerLevel, number> = { unknown: 0, online: 1, 'on-battery': 2, 'low-battery': 3 };

/**
 * The one reading that speaks for the office when several sources are watched: the worst known level
 * (low-battery > on-battery > online), earliest in the list on ties. Unknown only when no source knows; then
 * the first unknown reading (with its reason) is returned, or, for an empty list, an unknown reading from
 * source "none". Pure; does not modify its input.
 */
export function combine(readings: readonly PowerReading[]): PowerReading {
  let worst: PowerReading | undefined;
  for (const r of readings) {
    if (worst === undefined || SEVERITY[r.level] > SEVERITY[worst.level]) worst = r;
  }
  return worst ?? { level: 'unknown', source: 'none', detail: 'no power source is configured', at: new Date(0).toISOString() };
}

function parseStatflag(value: string | undefined): number | undefined {
  const m = /^\s*(?:0x)?([0-9a-f]+)\s*$/i.exec(value ?? '');
  return m ? Number.parseInt(m[1]!, 16) : undefined;
}

/** The leading number of a value such as "100.0 Percent" or " 30.0 Minutes", or undefined. */
function leadingNumber(value: string | undefined): number | undefined {
  const m = /^\s*(-?\d+(?:\.\d+)?)/.exec(value ?? '');
  return m ? Number(m[1]) : undefined;
}

function percent(value: string | undefined): number | undefined {
  const n = leadingNumber(value);
  return n === undefined || n < 0 ? undefined : Math.min(n, 100);
}

function seconds(value: string | undefined): number | undefined {
  const n = leadingNumber(value);
  return n === undefined || n < 0 ? undefined : Math.round(n);
}

function minutesToSeconds(value: string | undefined): number | undefined {
  const n = leadingNumber(value);
  return n === undefined || n < 0 ? undefined : Math.round(n * 60);
}

function numbers(charge: number | undefined, runtimeSeconds: number | undefined): Pick<PowerState, 'charge' | 'runtimeSeconds'> {
  return { ...(charge !== undefined ? { charge } : {}), ...(runtimeSeconds !== undefined ? { runtimeSeconds } : {}) };
}
