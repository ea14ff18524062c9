// CE_TRACE_TIMINGS=1: where a command's time goes (docs/decisions/0048). Each
// mark is the time since the process started; at exit one line goes to stderr,
// with the wall-clock time of the start so that it lines up with ced's log.
const enabled = process.env.CE_TRACE_TIMINGS === '1';
const marks: [string, number][] = [];

/** Notes that the command reached `name` (a no-op unless CE_TRACE_TIMINGS=1). */
export function mark(name: string): void {
  if (!enabled) return;
  if (!marks.length) process.on('exit', report);
  marks.push([name, performance.now()]);
}

/** The line the exit prints: `ce timings: start <epoch ms> (epoch ms) | <mark> <ms> | …`; undefined without marks. */
export function timingsLine(): string | undefined {
  if (!marks.length) return undefined;
  const list = marks.map(([name, ms]) => `${name} ${ms.toFixed(1)}`).join(' | ');
  return `ce timings: start ${Math.round(performance.timeOrigin)} (epoch ms) | ${list}`;
}

function report(): void {
  mark('exit');
  process.stderr.write(`${timingsLine()}\n`);
}
