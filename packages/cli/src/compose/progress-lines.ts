// docker-compose's "Creating proj_web_1 ... done" lines on stderr: on a
// terminal the line is rewritten in place, otherwise written once when the
// step starts and once when it ends, each ending in "\r\n" as 1.29's do.
// The end lines are padded to the longest name the command has shown; a
// start line to the longest of its batch (down announces all its containers
// at once, up one at a time).
export class ProgressLines {
  private width = 0;

  constructor(private readonly err: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr) {}

  async step<T>(verb: string, name: string, work: () => Promise<T>, batch: string[] = [name]): Promise<T> {
    const tty = !!this.err.isTTY;
    const batchWidth = Math.max(...batch.map((n) => n.length), name.length);
    this.width = Math.max(this.width, batchWidth);
    const head = (width: number) => `${verb} ${name.padEnd(width)} ... `;
    this.err.write(tty ? head(batchWidth) : `${head(batchWidth)}\r\n`);
    try {
      const result = await work();
      this.err.write(tty ? `\r${head(this.width)}\x1b[32mdone\x1b[0m\n` : `${head(this.width)}done\r\n`);
      return result;
    } catch (err) {
      this.err.write(tty ? `\r${head(this.width)}\x1b[31merror\x1b[0m\n` : `${head(this.width)}error\r\n`);
      throw err;
    }
  }

  say(line: string): void {
    this.err.write(`${line}\n`);
  }
}
