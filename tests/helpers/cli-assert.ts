// Assertions about how the CLI fails: the design promises one clear line on stderr and a non-zero exit,
// never a stack trace, for anything a person can act on.
import assert from 'node:assert/strict';
import type { CliResult } from './cli.ts';

function show(r: CliResult): string {
  return `exit ${r.code}${r.signal ? ` (signal ${r.signal})` : ''}\n--- stderr ---\n${r.stderr}--- stdout ---\n${r.stdout.slice(0, 2000)}`;
}

/**
 * Asserts a clean, user-facing failure: a non-zero exit, exactly one line on stderr, starting "lifeboat: ",
 * with no stack frame and not the "unexpected error" of a bug, containing every word of `words`
 * (case-insensitive; a RegExp is matched as is).
 */
export function assertCleanFailure(r: CliResult, words: Array<string | RegExp>, label = ''): void {
  const what = label ? `${label}: ` : '';
  assert.ok(r.code !== 0 && r.code !== null, `${what}expected a non-zero exit\n${show(r)}`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `${what}stderr has a stack trace\n${show(r)}`);
  assert.doesNotMatch(r.stderr, /unexpected error/i, `${what}an expected failure was reported as an unexpected error (a bug)\n${show(r)}`);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `${what}expected exactly one line on stderr\n${show(r)}`);
  assert.match(lines[0]!, /^lifeboat: /, `${what}the message should start with "lifeboat: "\n${show(r)}`);
  for (const w of words) {
    if (typeof w === 'string') assert.ok(lines[0]!.toLowerCase().includes(w.toLowerCase()), `${what}the message should mention "${w}"\n${show(r)}`);
    else assert.match(lines[0]!, w, `${what}the message should match ${w}\n${show(r)}`);
  }
}

/** Asserts exit 0, with stderr in the message otherwise. */
export function assertOk(r: CliResult, label = ''): void {
  assert.equal(r.code, 0, `${label ? `${label}: ` : ''}expected exit 0\n${show(r)}`);
}

export { show as describeResult };
