// ce-monitor's report lines, as its status pipe and its socket's `reports` carry them: pure, so a
// reader that does not run containers (the shim host adopting a task) parses them without the runtime.
import { errnoName } from './errors.js';
import type { MonitorLogWriteReport } from './monitor.js';

/**
 * A ce-monitor log report line ("log-write-failed <errno> <lines> <bytes>" or "log-write-resumed
 * <lines> <bytes>", from its status pipe or its socket's `reports`), or undefined for another line.
 */
export function parseLogWriteReport(line: string): MonitorLogWriteReport | undefined {
  const [kind, ...fields] = line.split(' ');
  if (kind !== 'log-write-failed' && kind !== 'log-write-resumed') return undefined;
  const [lines, bytes] = fields.slice(kind === 'log-write-failed' ? 1 : 0).map(Number);
  const errno = Number(fields[0]);
  const code = kind === 'log-write-failed' ? (errnoName(errno) ?? `errno ${errno}`) : '';
  return { kind, code, droppedLines: lines ?? 0, droppedBytes: bytes ?? 0 };
}
