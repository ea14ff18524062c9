// docker run/create --pull: when to pull the image before creating the container.
import { familiarReference } from '@ce/protocol/registry-auth';
import type { Connection } from './connection.js';
import { pullImage } from './commands/pull.js';

export type PullPolicy = 'always' | 'missing' | 'never';

/**
 * Docker 20.10 takes any value and treats the unknown ones as never; later
 * Docker versions refuse them in these words, which ce does (decision 0025).
 */
export function parsePullPolicy(value: string | undefined): PullPolicy {
  if (value === undefined || value === '') return 'missing';
  if (value === 'always' || value === 'missing' || value === 'never') return value;
  throw new Error(`invalid pull option: '${value}': must be one of "always", "missing" or "never"`);
}

export function isNoSuchImage(err: unknown): boolean {
  return /^No such image/.test((err as Error).message ?? '');
}

/** docker run's pull: its progress on stderr, without docker pull's last line. */
export function pullForCreate(conn: Connection, image: string): Promise<void> {
  return pullImage(conn, image, { out: process.stderr, quiet: false, fullName: false });
}

/** What docker run says before it pulls: the reference in its familiar form, tagged (`busybox:latest`). */
export function unableToFind(image: string): string {
  return `Unable to find image '${familiarReference(image)}' locally\n`;
}
