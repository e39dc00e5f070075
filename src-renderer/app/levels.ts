// The status levels in the tray's colours, always with a word so colour is never the only signal.
import type { Status } from '../../src-shared/contract.ts';

/** The verdict levels plus "paused" (protection paused by the admin), as the tray shows them. */
export type UiLevel = Status['verdict']['level'] | 'paused';

/** The word shown next to each level's colour. */
export const LEVEL_WORD: Record<UiLevel, string> = {
  ok: 'All good',
  working: 'Working',
  warning: 'Needs attention',
  critical: 'Critical',
  paused: 'Paused',
};

/** The level to show for a status: paused wins over the verdict, as in the tray. */
export function uiLevel(status: Status): UiLevel {
  return status.paused ? 'paused' : status.verdict.level;
}
