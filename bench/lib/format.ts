// Numbers as the bench prints them, and its plain-text tables. Pure functions: NaN and Infinity print as '-'.

export const median = (xs: number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
export const secs = (ms: number): string => (Number.isFinite(ms) ? (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`) : '-');
export const bytes = (n: number): string => {
  if (!Number.isFinite(n)) return '-';
  const a = Math.abs(n);
  if (a >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (a >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (a >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
};
export const ratio = (a: number, b: number): number => (b > 0 ? a / b : NaN);
export const x = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(2)}x` : '-');
export const ok = (pass: boolean): string => (pass ? 'PASS' : 'FAIL');
export const kib = (cs: number): string => `${cs / 1024} KiB`;

export type Row = [step: string, n: string, lifeboat: string, reference: string, ratio: string, goal: string, restic: string];

/** Columns padded to their widest cell, separated by ' | ', under a header and a rule. */
export function printTable(rows: Row[], header: Row): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: Row) => r.map((c, i) => c.padEnd(widths[i]!)).join(' | ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-+-'), ...rows.map(line)].join('\n');
}
