import { humanDuration } from './human-duration.js';

/** The parts of a container's state its status line is made of (ce.api.v1's ContainerState). */
export interface StatusFacts {
  status: string;
  exitCode: number;
  startedAt?: Date;
  finishedAt?: Date;
  /** starting, healthy, unhealthy; empty without a health check. */
  health: string;
}

/** Docker's State.String(), as its list's Status and `docker ps` show it: "Up 3 seconds", "Exited (0) 2 seconds ago". */
export function statusText(s: StatusFacts, now: number): string {
  if (s.status === 'running' && s.startedAt) return `Up ${humanDuration(now - s.startedAt.getTime())}${healthSuffix(s.health)}`;
  if (s.status === 'paused' && s.startedAt) return `Up ${humanDuration(now - s.startedAt.getTime())} (Paused)`;
  if (s.status === 'exited' && s.finishedAt) return `Exited (${s.exitCode}) ${humanDuration(now - s.finishedAt.getTime())} ago`;
  if (s.status === 'restarting' && s.finishedAt) return `Restarting (${s.exitCode}) ${humanDuration(now - s.finishedAt.getTime())} ago`;
  if (s.status === 'created') return 'Created';
  if (s.status === 'removing') return 'Removal In Progress';
  return s.status === 'dead' ? 'Dead' : s.status;
}

/** A running container's health after its uptime. */
function healthSuffix(health: string): string {
  if (!health) return '';
  return health === 'starting' ? ' (health: starting)' : ` (${health})`;
}

/** The daemon's Command of a container list entry: the path, then the arguments, those with a space in single quotes. */
export function dockerCommand(pathAndArgs: string[]): string {
  const [path = '', ...args] = pathAndArgs;
  if (args.length === 0) return path;
  return `${path} ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
}
