import pino from 'pino';

/**
 * ced's own log file. A full disk must not stop or hang ced: pino's async
 * destination throws its first write error (uncaught) and retries ENOSPC
 * forever when it flushes, which kept ced from ever listening. Sync writes
 * have nothing to flush; a failed write keeps its rest for the next line, at
 * most 1 MiB is held (beyond it lines are dropped), and write errors are
 * ignored: the log cannot report its own failure.
 */
export function daemonLogDestination(path: string): pino.DestinationStream {
  const destination = pino.destination({ dest: path, mkdir: true, sync: true, maxLength: 1024 * 1024 });
  destination.on('error', () => undefined);
  return destination;
}
