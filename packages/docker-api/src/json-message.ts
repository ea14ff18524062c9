// Docker's JSONMessage (pkg/jsonmessage): the lines of every streamed reply
// of the images endpoints (pull, push, import, load), as dockerd's
// streamformatter writes them and the docker CLI, docker-compose and
// dockerode read them.

/** One message; empty fields are left out, as Go's `omitempty` leaves them. */
export interface JsonMessage {
  stream?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
  id?: string;
  errorDetail?: { code?: number; message: string };
  error?: string;
  aux?: unknown;
}

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** go-units HumanSize: decimal units, four significant digits ("36.45kB", "1.07MB"). */
export function goHumanSize(bytes: number): string {
  let value = bytes;
  let i = 0;
  while (value >= 1000 && i < DECIMAL_UNITS.length - 1) {
    value /= 1000;
    i++;
  }
  return `${Number(value.toPrecision(4))}${DECIMAL_UNITS[i]}`;
}

/**
 * JSONProgress.String() as the daemon renders it (width 200, no start time):
 * `[=====>      ]  1.2MB/3.4MB`; only the size when the total is not known.
 */
export function progressText(current: number, total: number): string {
  if (current <= 0 && total <= 0) return '';
  if (total <= 0) return goHumanSize(current).padStart(8);
  const filled = Math.min(50, Math.trunc(Math.trunc((current / total) * 100) / 2));
  const bar = `[${'='.repeat(filled)}>${' '.repeat(Math.max(0, 50 - filled))}] `;
  const numbers = current > total ? goHumanSize(current).padStart(8) : `${goHumanSize(current).padStart(8)}/${goHumanSize(total)}`;
  return bar + numbers;
}

/** A layer's status ("Pulling fs layer", "Downloading" with bytes...), as dockerd writes it: progressDetail always, a bar while bytes are known. */
export function layerMessage(id: string, status: string, current = 0, total = 0): JsonMessage {
  const detail: { current?: number; total?: number } = {};
  if (current) detail.current = current;
  if (total) detail.total = total;
  const bar = progressText(current, total);
  return { status, progressDetail: detail, ...(bar ? { progress: bar } : {}), ...(id ? { id } : {}) };
}

/** An error once the stream has begun: the docker CLI prints `message` and exits 1. */
export function errorMessage(message: string): JsonMessage {
  return { errorDetail: { message }, error: message };
}

/** The JSON line of a message, with Go's key order and its escaping of <, > and &. */
export function jsonMessageLine(message: JsonMessage): string {
  const ordered: JsonMessage = {};
  for (const key of ['stream', 'status', 'progressDetail', 'progress', 'id', 'errorDetail', 'error', 'aux'] as const) {
    if (message[key] !== undefined) (ordered as Record<string, unknown>)[key] = message[key];
  }
  return `${goJson(ordered)}\n`;
}

/** JSON.stringify with Go's encoding/json HTML escaping, which dockerd's messages carry ("\u003e" in bars). */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
