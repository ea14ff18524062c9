// docker-compose's log lines: each container's output prefixed with its name
// without the project ("web_1"), padded to the longest, then " | ", the
// prefix coloured on a terminal unless --no-color.
import { readStream } from '@ce/protocol';
import type { LogsResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Connection } from '../connection.js';

const COLORS = ['36', '33', '32', '35', '34', '1;36', '1;33', '1;32', '1;35', '1;34'];

export function nameWithoutProject(name: string, project: string): string {
  return name.startsWith(`${project}_`) ? name.slice(project.length + 1) : name;
}

/** docker-compose's prefix width: the longest service name of the project and three more (for "_1" and a space). */
export function prefixWidth(services: string[]): number {
  return Math.max(0, ...services.map((s) => s.length)) + 3;
}

export function logPrefixes(names: string[], color: boolean, width = Math.max(0, ...names.map((n) => n.length))): Map<string, string> {
  return new Map(
    names.map((n, i) => {
      const text = `${n.padEnd(width)} |`;
      return [n, color ? `\x1b[${COLORS[i % COLORS.length]}m${text}\x1b[0m ` : `${text} `];
    }),
  );
}

/** Splits chunks into lines and writes each with the prefix; a partial last line waits for its end. */
export class PrefixedLines {
  private partial = '';

  constructor(
    private readonly prefix: string,
    private readonly out: NodeJS.WritableStream,
  ) {}

  write(data: Uint8Array | string): void {
    const text = this.partial + (typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));
    const lines = text.split('\n');
    this.partial = lines.pop()!;
    if (lines.length) this.out.write(lines.map((l) => `${this.prefix}${l.replace(/\r$/, '')}\n`).join(''));
  }

  end(): void {
    if (this.partial) this.out.write(`${this.prefix}${this.partial}\n`);
    this.partial = '';
  }
}

export interface LogOptions {
  follow: boolean;
  tail: number;
  timestamps: boolean;
}

/** Copies one container's log, prefixed, to `out`; resolves when the log ends (with -f: when the container stops). */
export async function printContainerLog(conn: Connection, id: string, prefix: string, o: LogOptions, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const lines = new PrefixedLines(prefix, out);
  const call = conn.containers.logs({ id, follow: o.follow, since: '', until: '', tail: o.tail, timestamps: o.timestamps, details: false });
  try {
    for await (const msg of readStream<LogsResponse>(call, conn.target)) lines.write(msg.data);
  } finally {
    lines.end();
  }
}
