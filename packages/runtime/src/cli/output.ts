import { appendFileSync, writeSync } from 'node:fs';

/**
 * Writes to fd 1 or 2 without ever touching process.stdout/stderr: Node
 * makes a pipe it wraps non-blocking, and these fds are shared with the
 * container (ce-runc create/run/exec hand them down as its stdio).
 */
export function writeFd(fd: 1 | 2, text: string): void {
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length; ) {
    try {
      off += writeSync(fd, buf, off);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      if (code === 'EPIPE') return;
      throw err;
    }
  }
}

export const out = (text: string) => writeFd(1, text);

export type LogFormat = 'text' | 'json';
export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

/** runc's log time: RFC 3339 in UTC, to the second. */
function logTime(d = new Date()): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** One log line as runc's logrus writes it: `{"level":"error","msg":"...","time":"..."}` or `time="..." level=error msg="..."`. */
export function formatLogLine(level: LogLevel, msg: string, format: LogFormat, fields: Record<string, unknown> = {}, time = new Date()): string {
  if (format === 'json') return `${JSON.stringify({ ...fields, level, msg, time: logTime(time) })}\n`;
  const extra = Object.entries(fields).map(([k, v]) => ` ${k}=${JSON.stringify(typeof v === 'string' ? v : JSON.stringify(v))}`);
  return `time="${logTime(time)}" level=${level} msg=${JSON.stringify(msg)}${extra.join('')}\n`;
}

/**
 * The --log / --log-format / --debug logger. containerd's runc shim reads
 * the last error line of the --log file to report why a command failed.
 */
export class CliLog {
  constructor(
    private readonly file: string | undefined,
    private readonly format: LogFormat,
    private readonly debugOn: boolean,
  ) {}

  private write(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    const line = formatLogLine(level, msg, this.format, fields);
    if (this.file === undefined) {
      writeFd(2, line);
      return;
    }
    try {
      appendFileSync(this.file, line);
    } catch {
      writeFd(2, line);
    }
  }

  debug(msg: string, fields?: Record<string, unknown>): void {
    if (this.debugOn) this.write('debug', msg, fields);
  }

  warn(msg: string, fields?: Record<string, unknown>): void {
    this.write('warning', msg, fields);
  }

  /** A command's failure: the log line, and (when the log goes to a file) the bare message on stderr, as runc does. */
  fatal(msg: string): void {
    this.write('error', msg);
    if (this.file !== undefined) writeFd(2, `${msg}\n`);
  }

  /** The runtime library's pino-like logger, writing through this one. */
  runtimeLogger() {
    const fieldsOf = (obj: unknown): Record<string, unknown> => {
      if (!obj || typeof obj !== 'object') return {};
      const o = { ...(obj as Record<string, unknown>) };
      if (o.err instanceof Error) o.err = o.err.message;
      return o;
    };
    return {
      debug: (obj: unknown, msg?: string) => this.debug(msg ?? '', fieldsOf(obj)),
      info: (obj: unknown, msg?: string) => this.debug(msg ?? '', fieldsOf(obj)),
      warn: (obj: unknown, msg?: string) => this.warn(msg ?? '', fieldsOf(obj)),
      error: (obj: unknown, msg?: string) => this.write('error', msg ?? '', fieldsOf(obj)),
    };
  }
}

const BIG = '\u{1F4A1}ce-uint64:';

/**
 * JSON.stringify, but integers beyond 2^53 keep their exact digits: the
 * kernel's "unlimited" (9223372036854771712) reads back exactly as a double,
 * and runc prints it as such rather than JavaScript's 9223372036854772000.
 */
export function toJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) > Number.MAX_SAFE_INTEGER ? `${BIG}${BigInt(v)}` : v));
  return text.replace(new RegExp(`"${BIG}(-?\\d+)"`, 'gu'), '$1');
}
