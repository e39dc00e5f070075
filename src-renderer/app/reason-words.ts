// Why a snapshot was taken, in words. Unknown reasons (a script's --reason) are shown as given.
const WORDS: Record<string, string> = {
  manual: 'backup now',
  schedule: 'scheduled',
  scheduled: 'scheduled',
  change: 'after a change',
  power: 'power cut',
  'power-low': 'battery low',
  shutdown: 'at shutdown',
  'pre-restore': 'safety copy before a restore',
  'catch-up': 'catch-up after downtime',
};

/** A snapshot's reason in words ("power cut" for "power"). */
export function reasonWord(reason: string): string {
  return WORDS[reason] ?? reason;
}
