// A process run in a CRI container, as containerd's execInternal: the
// container's own process (env, cwd, user) with the command in its place,
// TERM=xterm with a terminal, through the supervisor's Exec/Attach/Start with
// an exec id; killed at the timeout; its output drained before the exit code
// is answered; the exec removed in every case.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CeError, isCeError, type AttachOptions, type AttachSession } from '@ce/protocol';
import type { ExecProcessRequest } from '@ce/protocol/gen/ce/shim/v1/shim';
import type { CriContainer } from './cri-containers.js';
import { wrapError } from '../wrap-error.js';

export interface TerminalSize {
  width: number;
  height: number;
}

/** The supervisor's calls an exec makes (sandbox/sandbox-services.ts's tasks, by exec id). */
export interface ExecTasks {
  exec(request: ExecProcessRequest): Promise<void>;
  attach(options: AttachOptions): AttachSession;
  start(id: string, execId: string): Promise<void>;
  /** The exit status once the process has exited. */
  wait(id: string, execId: string): Promise<number>;
  kill(id: string, execId: string, signal: number): Promise<void>;
  /** NotFound when it is gone already. */
  delete(id: string, execId: string): Promise<void>;
}

/** Where the process's streams go; an absent stdin is none, absent outputs are discarded. */
export interface ProcessIo {
  stdin?: AsyncIterable<Buffer>;
  /** A promise: the client is slow, wait before reading more of the process's output. */
  stdout?: (data: Buffer) => void | Promise<void>;
  stderr?: (data: Buffer) => void | Promise<void>;
  resize?: AsyncIterable<TerminalSize>;
}

export interface ExecOptions {
  cmd: string[];
  tty: boolean;
  io: ProcessIo;
  /** Kill the process after this long (ExecSync's timeout); 0 or absent: never. */
  timeoutSeconds?: number;
  /** The caller went away (ExecSync's gRPC call cancelled): the process is killed, as containerd's context ends it. */
  signal?: AbortSignal;
}

interface ProcessSpec {
  env?: string[];
  cwd?: string;
  user?: { uid?: number; gid?: number; additionalGids?: number[] };
}

const SIGKILL = 9;

/** Runs `cmd` in a running container and answers its exit code. */
export async function execInContainer(tasks: ExecTasks, container: CriContainer, options: ExecOptions): Promise<number> {
  const { id } = container;
  const { tty, io } = options;
  const spec = JSON.parse(await readFile(join(container.bundle, 'config.json'), 'utf8')) as { process?: ProcessSpec };
  const base = spec.process ?? {};
  const env = (base.env ?? []).filter((e) => !(tty && e.startsWith('TERM=')));
  if (tty) env.push('TERM=xterm');
  const execId = randomBytes(32).toString('hex');
  try {
    await tasks.exec({
      id,
      execId,
      args: options.cmd,
      env,
      uid: base.user?.uid ?? 0,
      gid: base.user?.gid ?? 0,
      additionalGids: base.user?.additionalGids ?? [],
      cwd: base.cwd ?? '/',
      terminal: tty,
      stdin: io.stdin !== undefined,
      consoleSize: undefined,
    });
  } catch (err) {
    throw wrapError(err, `failed to create exec ${JSON.stringify(execId)}`);
  }
  let session: AttachSession | undefined;
  try {
    session = tasks.attach({ id, execId, stdin: io.stdin !== undefined, stdout: true, stderr: !tty });
    await session.ready;
    const drained = pumpOutput(session, io);
    const exited = tasks.wait(id, execId);
    exited.catch(() => undefined);
    try {
      await tasks.start(id, execId);
    } catch (err) {
      throw wrapError(err, `failed to start exec ${JSON.stringify(execId)}`);
    }
    if (io.stdin) void pumpStdin(session, io.stdin);
    if (io.resize) void pumpResize(session, io.resize);
    const code = await withDeadline(exited, options.timeoutSeconds ?? 0, options.signal, () => tasks.kill(id, execId, SIGKILL));
    await untilAborted(drained, options.signal);
    return code;
  } finally {
    session?.close();
    await tasks.delete(id, execId).catch(() => undefined);
  }
}

/**
 * Resolves with `exited`; at `seconds` (0: never) or when `signal` aborts,
 * kills the process and fails as containerd's ended context does.
 */
async function withDeadline(exited: Promise<number>, seconds: number, signal: AbortSignal | undefined, kill: () => Promise<void>): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const ended = new Promise<'expired' | 'cancelled'>((resolve) => {
    if (seconds > 0) timer = setTimeout(() => resolve('expired'), seconds * 1000);
    onAbort = () => resolve('cancelled');
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort);
  });
  let first: number | 'expired' | 'cancelled';
  try {
    first = await Promise.race([exited, ended]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
  if (typeof first === 'number') return first;
  await kill().catch((err: unknown) => {
    // The process may have exited by itself meanwhile.
    if (!isCeError(err, 'NotFound')) throw wrapError(err, 'failed to kill exec');
  });
  await exited.catch(() => undefined);
  if (first === 'cancelled') throw new CeError('Canceled', 'context canceled');
  throw new CeError('DeadlineExceeded', `timeout ${goDuration(seconds)} exceeded: context deadline exceeded`);
}

/** `work`, unless `signal` aborts first (then the caller is gone and nothing waits for it). */
async function untilAborted(work: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return work;
  if (signal.aborted) throw new CeError('Canceled', 'context canceled');
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new CeError('Canceled', 'context canceled'));
    signal.addEventListener('abort', onAbort);
  });
  try {
    await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

async function pumpOutput(session: AttachSession, io: ProcessIo): Promise<void> {
  for await (const chunk of session.output) {
    const sink = chunk.stream === 'stderr' ? io.stderr : io.stdout;
    await sink?.(chunk.data);
  }
}

async function pumpStdin(session: AttachSession, stdin: AsyncIterable<Buffer>): Promise<void> {
  try {
    for await (const data of stdin) session.writeStdin(data);
  } catch {
    // The client went away: its stdin ends there.
  }
  session.closeStdin();
}

async function pumpResize(session: AttachSession, sizes: AsyncIterable<TerminalSize>): Promise<void> {
  try {
    for await (const size of sizes) session.resize(size.width, size.height);
  } catch {
    // The client went away.
  }
}

/** Go's time.Duration text of whole seconds: 5s, 1m30s, 2h0m0s. */
export function goDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}
