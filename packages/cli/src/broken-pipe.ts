/**
 * A reader that closed ce's stdout or stderr (`ce logs | head`) ends ce the
 * way SIGPIPE ends the docker CLI: at once, with 141 and no message. Node
 * ignores SIGPIPE and reports EPIPE as a stream error instead, which would
 * otherwise surface as an unrelated "Error response from daemon: write EPIPE".
 */
export function exitQuietlyOnBrokenPipe(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const out of streams) {
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      process.exit(128 + 13);
    });
  }
}
