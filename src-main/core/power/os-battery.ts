import si from 'systeminformation';
import { toReading, type PowerReading, type PowerState } from './power-state.ts';
import type { PowerSource } from './power-source.ts';

/** The fields of systeminformation's BatteryData this adapter reads. */
export type BatteryFacts = Pick<si.Systeminformation.BatteryData, 'hasBattery' | 'isCharging' | 'acConnected' | 'percent'> & {
  /** Minutes; systeminformation gives null when the OS does not estimate it, despite its type saying number. */
  timeRemaining?: number | null;
};

export interface OsBatteryOptions {
  /** On battery with less than this charge (percent) is low-battery (default 20): time for the final snapshot. */
  lowPercent?: number;
}

/** The name OS battery readings carry as their source. */
export const OS_BATTERY_SOURCE = 'os://battery';

/**
 * Normalizes what systeminformation says about the machine's battery. No battery -> unknown ("no battery"):
 * a desktop without a UPS cannot tell. Mains connected (or charging) -> online. Otherwise on-battery, or
 * low-battery under `lowPercent`. Pure; never throws.
 */
export function fromBattery(b: BatteryFacts, options: OsBatteryOptions = {}): PowerState {
  if (!b.hasBattery) return { level: 'unknown', detail: 'no battery' };
  const charge = Number.isFinite(b.percent) && b.percent >= 0 ? Math.min(b.percent, 100) : undefined;
  const runtimeSeconds = typeof b.timeRemaining === 'number' && b.timeRemaining >= 0 ? Math.round(b.timeRemaining * 60) : undefined;
  const extra = { ...(charge !== undefined ? { charge } : {}), ...(runtimeSeconds !== undefined ? { runtimeSeconds } : {}) };
  if (b.acConnected || b.isCharging) return { level: 'online', ...extra, detail: b.isCharging ? 'on mains, charging' : 'on mains' };
  if (charge !== undefined && charge < (options.lowPercent ?? 20)) return { level: 'low-battery', ...extra, detail: `on battery, ${charge}% left` };
  return { level: 'on-battery', ...extra, detail: charge !== undefined ? `on battery, ${charge}% left` : 'on battery' };
}

/** Reads the OS battery once. A failure of the OS query resolves as unknown with the reason, never rejects. */
export async function readOsBattery(options: OsBatteryOptions = {}): Promise<PowerReading> {
  try {
    return toReading(fromBattery(await si.battery(), options), OS_BATTERY_SOURCE);
  } catch (err) {
    return toReading({ level: 'unknown', detail: `cannot read the battery: ${err instanceof Error ? err.message : String(err)}` }, OS_BATTERY_SOURCE);
  }
}

/** The OS battery as a PowerSource, so a UpsMonitor can poll it like a UPS. Connecting costs nothing. */
export function osBatterySource(options: OsBatteryOptions = {}): PowerSource {
  return {
    name: OS_BATTERY_SOURCE,
    connect: async () => ({
      read: async () => fromBattery(await si.battery(), options),
      close: () => {},
    }),
  };
}
