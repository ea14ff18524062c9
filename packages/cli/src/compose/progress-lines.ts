// docker-compose's "Creating proj_web_1 ... done" lines on stderr: on a
// terminal the line is rewritten in place, otherwise written once when the
// step starts and once when it ends.
export class ProgressLines {
  constructor(private readonly err: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr) {}

  async step<T>(verb: string, name: string, work: () => Promise<T>): Promise<T> {
    const tty = !!this.err.isTTY;
    const head = `${verb} ${name} ... `;
    this.err.write(tty ? head : `${head}\n`);
    try {
      const result = await work();
      this.err.write(tty ? `\r${head}\x1b[32mdone\x1b[0m\n` : `${head}done\n`);
      return result;
    } catch (err) {
      this.err.write(tty ? `\r${head}\x1b[31merror\x1b[0m\n` : `${head}error\n`);
      throw err;
    }
  }

  say(line: string): void {
    this.err.write(`${line}\n`);
  }
}
