// docker run/create's -a/--attach and the Config.Attach* fields it sets
// (docker/cli opts.parse): without -a, a foreground run attaches stdout and
// stderr (and stdin with -i); -d attaches nothing.

export interface AttachStreams {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

const STREAMS = ['stdin', 'stdout', 'stderr'] as const;

/** The -a values (case-insensitive, as Docker's); throws Docker's flag error for another name. */
export function parseAttachFlags(values: readonly string[]): Set<(typeof STREAMS)[number]> {
  const streams = new Set<(typeof STREAMS)[number]>();
  for (const v of values) {
    const name = v.toLowerCase();
    if (!(STREAMS as readonly string[]).includes(name)) throw new Error(`invalid argument "${v}" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR`);
    streams.add(name as (typeof STREAMS)[number]);
  }
  return streams;
}

/** What a container attaches, from -a, -i and -d as docker's CLI decides it; `-a` with `-d` is refused. */
export function attachStreams(attach: readonly string[], o: { interactive: boolean; detach: boolean }): AttachStreams {
  const given = parseAttachFlags(attach);
  if (o.detach) {
    if (given.size) throw new Error('Conflicting options: -a and -d');
    return { stdin: false, stdout: false, stderr: false };
  }
  if (given.size === 0) return { stdin: o.interactive, stdout: true, stderr: true };
  return { stdin: given.has('stdin') || o.interactive, stdout: given.has('stdout'), stderr: given.has('stderr') };
}

/** Config.AttachStdin/Stdout/Stderr and StdinOnce (stdin closes when the attached client ends it). */
export function attachConfig(streams: AttachStreams): Record<string, boolean> {
  return { AttachStdin: streams.stdin, AttachStdout: streams.stdout, AttachStderr: streams.stderr, StdinOnce: streams.stdin };
}
