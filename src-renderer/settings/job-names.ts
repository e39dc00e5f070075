// Short names and one-line explanations for the scheduled jobs the engine knows. getSchedules gives every
// job with its default and current cron; its label describes the default timing ("every 15 minutes"),
// which would mislead next to a changed expression, so the screen words known jobs itself.

const NAMES: Record<string, { title: string; what: string }> = {
  backup: { title: 'Backup', what: 'Back up every source that changed.' },
  prune: { title: 'Prune', what: 'Forget snapshots the retention policy no longer keeps.' },
  'quick-verify': { title: 'Quick verify', what: 'Quick check of the repository.' },
  'deep-verify': { title: 'Deep verify', what: 'Read back and check every chunk.' },
  'restore-drill': { title: 'Restore drill', what: 'Restore the latest snapshot of each source to a temporary file and check it.' },
};

/** The title and explanation for job `id`; an unknown job is titled by its id and explained by the engine's label. */
export function jobName(id: string, label: string): { title: string; what: string } {
  return NAMES[id] ?? { title: id, what: label };
}
