import type { UpsMonitor } from '../../src-main/core/power/ups-monitor.ts';
import type { PowerLevel, PowerReading } from '../../src-main/core/power/power-state.ts';

/** The first reading at `level` (the current one if it already is), or a rejection naming the last reading. */
export function waitForLevel(m: UpsMonitor, level: PowerLevel, timeoutMs: number): Promise<PowerReading> {
  if (m.current?.level === level) return Promise.resolve(m.current);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      m.off('reading', on);
      reject(new Error(`no ${level} reading within ${timeoutMs} ms; last: ${JSON.stringify(m.current)}`));
    }, timeoutMs);
    const on = (r: PowerReading): void => {
      if (r.level !== level) return;
      clearTimeout(timer);
      m.off('reading', on);
      resolve(r);
    };
    m.on('reading', on);
  });
}
