// The task's exit status on disk, in its bundle, written before the exit is
// announced: if the shim dies after its container exited, the supervisor
// still reports the real status instead of "shim died".
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExitStatus } from '@ce/protocol/gen/ce/types/v1/task';

const EXIT_FILE = 'exit-status.json';

interface ExitFile {
  exitStatus: number;
  exitedAt: string;
  /** Absent in files written before OOM kills were recorded. */
  oomKilled?: boolean;
}

export function writeExitFile(bundle: string, exit: ExitStatus): void {
  const file = join(bundle, EXIT_FILE);
  const body: ExitFile = { exitStatus: exit.exitStatus, exitedAt: (exit.exitedAt ?? new Date()).toISOString(), oomKilled: exit.oomKilled };
  writeFileSync(`${file}.tmp`, JSON.stringify(body));
  renameSync(`${file}.tmp`, file);
}

/** The exit a shim recorded in `bundle`, or undefined when there is none (or it cannot be read). */
export function readExitFile(bundle: string): ExitStatus | undefined {
  try {
    const body = JSON.parse(readFileSync(join(bundle, EXIT_FILE), 'utf8')) as ExitFile;
    if (typeof body.exitStatus !== 'number') return undefined;
    return { exitStatus: body.exitStatus, exitedAt: new Date(body.exitedAt), reason: '', oomKilled: body.oomKilled === true };
  } catch {
    return undefined;
  }
}
