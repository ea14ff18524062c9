export { humanDuration } from '@ce/protocol/container-list';

/** Docker's units.HumanSizeWithPrecision(size, precision): decimal units; HumanSize is precision 4. */
export function humanSize(bytes: number, precision = 3): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let i = 0;
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000;
    i++;
  }
  return `${Number(value.toPrecision(precision))}${units[i]}`;
}

/** Left-aligned columns separated by three spaces, as docker's tabwriter prints them. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length)));
  return rows
    .map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]! + 3))).join('').trimEnd())
    .join('\n') + '\n';
}
