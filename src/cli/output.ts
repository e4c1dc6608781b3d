/** Small helpers so every command prints the same way. */
import { cliIo } from './io.js';

export function printJson(value: unknown): void {
  cliIo().stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * `NAME='value'` lines that a POSIX shell can `eval` (and a .env reader can read): every value in
 * single quotes, a quote inside written as '\'', so nothing in a value is expanded or run.
 */
export function printShellAssignments(values: Record<string, string>): void {
  printLines(Object.entries(values).map(([name, value]) => `${name}='${value.replaceAll("'", "'\\''")}'`));
}

export function printLines(lines: string[]): void {
  cliIo().stdout.write(`${lines.join('\n')}\n`);
}

export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const format = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  printLines([format(headers), ...rows.map(format)]);
}

export function formatTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}
