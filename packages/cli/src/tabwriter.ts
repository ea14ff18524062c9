/**
 * Go's text/tabwriter as docker's CLI configures it (padding 3, padchar ' ',
 * no flags): every cell but a line's last is padded to its column's widest
 * cell plus the padding, and to at least `minWidth`.
 */
export function tabwrite(rows: readonly (readonly string[])[], minWidth: number, padding = 3): string {
  const columns = Math.max(0, ...rows.map((r) => r.length - 1));
  const widths: number[] = [];
  for (let col = 0; col < columns; col++) {
    const widest = Math.max(0, ...rows.filter((r) => col < r.length - 1).map((r) => [...r[col]!].length));
    widths.push(Math.max(widest + padding, minWidth));
  }
  return rows.map((r) => `${r.map((cell, col) => (col < r.length - 1 ? cell.padEnd(widths[col]!) : cell)).join('')}\n`).join('');
}
