// Parser directives (`# escape=`, `# syntax=`) as Docker 20.10 reads them:
// only in the comment lines at the very top; the first line that is not a
// known directive (an instruction, a blank line, any other comment, also an
// unknown `# key=value`) ends them, and later ones are plain comments.

const directiveLine = /^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*$/;
const known = new Set(['escape', 'syntax']);

export class DirectiveReader {
  escape: '\\' | '`' = '\\';
  syntax?: string;
  private done = false;
  private readonly seen = new Set<string>();

  /** Reads one line from the top of the file; throws Docker's words (without prefix) on a bad directive. */
  offer(line: string): void {
    if (this.done) return;
    const match = directiveLine.exec(line);
    const key = match?.[1]?.toLowerCase();
    if (!match || !key || !known.has(key)) {
      this.done = true;
      return;
    }
    if (this.seen.has(key)) throw new Error(`only one ${key} parser directive can be used`);
    this.seen.add(key);
    const value = match[2]!;
    if (key === 'syntax') this.syntax = value;
    else if (value === '\\' || value === '`') this.escape = value;
    else throw new Error(`invalid escape token '${value}' does not match \` or \\`);
  }
}
