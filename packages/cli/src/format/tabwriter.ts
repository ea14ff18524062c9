// Go's text/tabwriter with the settings Docker's tables use:
// tabwriter.NewWriter(out, 10, 1, 3, ' ', 0). Cells end at tabs; the text
// after a line's last tab is not part of any column.

export function tabwrite(text: string, minwidth = 10, padding = 3): string {
  const lines = text.split('\n').map((line) => line.split('\t'));
  const partial = lines.pop()!;
  const widths: number[] = [];
  let out = '';

  const runeWidth = (s: string) => [...s].length;
  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const line = lines[i]!;
      line.forEach((cell, j) => {
        out += cell;
        if (j < widths.length) out += ' '.repeat(Math.max(0, widths[j]! - runeWidth(cell)));
      });
      out += '\n';
    }
  };
  // format() of tabwriter.go: a column block is a run of lines that have a cell in this column.
  const format = (line0: number, line1: number) => {
    const column = widths.length;
    for (let current = line0; current < line1; current++) {
      if (column >= lines[current]!.length - 1) continue;
      writeLines(line0, current);
      line0 = current;
      let width = minwidth;
      for (; current < line1; current++) {
        const line = lines[current]!;
        if (column >= line.length - 1) break;
        width = Math.max(width, runeWidth(line[column]!) + padding);
      }
      widths.push(width);
      format(line0, current);
      widths.pop();
      line0 = current;
    }
    writeLines(line0, line1);
  };
  format(0, lines.length);
  return out + partial.join('\t');
}
