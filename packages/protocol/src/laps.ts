/** Times the parts of one operation for its log line: `lap('x')` records the ms since the previous lap as `xMs`. */
export class Laps {
  private last = performance.now();
  readonly ms: Record<string, number> = {};

  lap(name: string): void {
    const now = performance.now();
    this.ms[`${name}Ms`] = Math.round((now - this.last) * 10) / 10;
    this.last = now;
  }
}
