import { closeSync, openSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { initPath, monitorPath, pipe, spawnFds, waitPid } from '@ce/native';
import { RuntimeError } from './errors.js';
import { CONSOLE_SOCKET_FD, Msg } from './plan/ops.js';
import { encodeRecord, RecordDecoder } from './plan/encode.js';
import { errorFromFailureRecord } from './plan/failure-record.js';
import { MonitorStatus, type MonitorOptions } from './monitor.js';

/** Node-spawn-style stdio for one of the container's fds 0, 1, 2. */
export type StdioSpec = 'pipe' | 'ignore' | 'inherit' | number;

export interface ExitInfo {
  /** The exit code, or 128 + the signal that ended the process. */
  exitStatus: number;
  signal: number | null;
  exitedAt: Date;
  /** The OOM killer killed in the container's cgroup (known when ce-monitor reaped it). */
  oomKilled?: boolean;
}

export interface InitProcess {
  pid: number;
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  exited: Promise<ExitInfo>;
  /** With `monitor`: the ce-monitor process and when it is done (its container exited, its output drained). */
  monitor?: { pid: number; done: Promise<void> };
}

export interface SpawnInitOptions {
  plan: Buffer;
  stdio?: readonly [StdioSpec, StdioSpec, StdioSpec];
  /** Called with the container init's pid before it goes on (cgroups are applied here). */
  onPid?: (pid: number) => Promise<void>;
  /** Called with ce-init's own pid once it unshared a user namespace: write its id maps. */
  onUserns?: (pid: number) => Promise<void>;
  /**
   * Called (plan op HOOKS_SYNC) while the container init waits with its
   * namespaces and mounts in place: run prestart and createRuntime hooks,
   * and return the OCI state JSON for its createContainer and startContainer hooks.
   */
  onHooks?: (pid: number) => Promise<{ creating: string; created: string }>;
  /** A unix socket ce-init gets as fd 6 (CONSOLE_SOCKET_FD), to send the terminal's master over. */
  consoleSocket?: number;
  /** Fds of this process that become the container process's fds 3, 4, … (runc --preserve-fds). */
  preserveFds?: readonly number[];
  logger?: { debug(obj: unknown, msg?: string): void };
  /** Give up (and kill everything) when the init has not reported ready by then; default 60 s. */
  timeoutMs?: number;
  /** The time ce-init's createContainer hooks may take (the sum of their timeouts; Infinity when one has none). */
  containerHooksMs?: number;
  /**
   * Reap the container init (the caller is its subreaper); default true.
   * When false, `exited` rejects at once: the init is someone else's to reap.
   */
  reap?: boolean;
  /**
   * Start ce-init under ce-monitor with these flags (decision 0029): the
   * monitor holds the stdio (`stdio` is unused), receives the terminal
   * (`consoleSocket` is unused), reaps the init and reports its exit.
   */
  monitor?: { args: string[]; terminal: boolean; diagnostics?: string; onLogWrite?: MonitorOptions['onLogWrite'] };
}

type Outcome = { ok: true } | { ok: false; error: RuntimeError };

const SIGSYS = 31;

function earlyExitText(exit: ExitInfo | undefined): string {
  if (!exit) return 'its exit status is unknown';
  if (exit.signal === SIGSYS) return 'killed by SIGSYS: the seccomp filter kills a syscall that ce-init makes after installing it (the runtime README lists them)';
  return exit.signal ? `killed by signal ${exit.signal}` : `exit status ${exit.exitStatus}`;
}

function toExit(r: { exitCode: number | null; signal: number | null }): ExitInfo {
  return { exitStatus: r.exitCode ?? 128 + (r.signal ?? 0), signal: r.signal, exitedAt: new Date() };
}

function closeQuietly(fds: Iterable<number | undefined>): void {
  for (const fd of fds) {
    if (fd === undefined) continue;
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Starts ce-init (P) with posix_spawn — Node's own spawn forks the whole
 * Node process, which costs ~15 ms here — with
 *   fd 0-2 the container's stdio, fd 3 the plan, fd 4 the sync channel
 *   (ce-init → runtime), fd 5 the go channel (runtime → ce-init),
 * and resolves once the container init (C) reported ready; it then blocks on
 * the exec fifo. On failure everything started is killed and reaped before
 * the promise rejects with ce-init's message.
 */
export async function spawnInit(opts: SpawnInitOptions): Promise<InitProcess> {
  const t0 = performance.now();
  const specs = opts.stdio ?? ['ignore', 'ignore', 'ignore'];
  const childFds: number[] = [];
  const childOnly: number[] = []; // fds to close here once the helper has them
  const ours: Array<number | undefined> = [];
  let planW: number | undefined;
  let syncR: number | undefined;
  let goW: number | undefined;
  let parent: number;
  let statusR: number | undefined;
  const monitor = opts.monitor;
  try {
    if (monitor) {
      // The monitor's own stdin and stdout are /dev/null, its stderr its diagnostics.
      for (const i of [0, 1, 2]) {
        const fd = i === 2 && monitor.diagnostics ? openSync(monitor.diagnostics, 'a', 0o640) : openSync('/dev/null', i === 0 ? 'r' : 'w');
        childFds.push(fd);
        childOnly.push(fd);
        ours.push(undefined);
      }
    }
    (monitor ? [] : specs).forEach((s, i) => {
      if (s === 'pipe') {
        const [r, w] = pipe();
        const [child, mine] = i === 0 ? [r, w] : [w, r];
        childFds.push(child);
        childOnly.push(child);
        ours.push(mine);
      } else if (s === 'ignore') {
        const fd = openSync('/dev/null', i === 0 ? 'r' : 'w');
        childFds.push(fd);
        childOnly.push(fd);
        ours.push(undefined);
      } else {
        childFds.push(s === 'inherit' ? i : s);
        ours.push(undefined);
      }
    });
    const [planR, pw] = pipe();
    planW = pw;
    childOnly.push(planR);
    const [sr, syncW] = pipe();
    syncR = sr;
    childOnly.push(syncW);
    const [goR, gw] = pipe();
    goW = gw;
    childOnly.push(goR);
    const fds = [...childFds, planR, syncW, goR];
    const args = [monitor ? initPath() : 'ce-init', '3', '4', '5'];
    if (opts.consoleSocket !== undefined && !monitor) {
      fds.push(opts.consoleSocket);
      args.push(String(CONSOLE_SOCKET_FD)); // ce-init keeps it open for OP_CONSOLE
    } else if (monitor?.terminal) {
      const placeholder = openSync('/dev/null', 'r'); // the monitor puts its own console socket there
      childOnly.push(placeholder);
      fds.push(placeholder);
      args.push(String(CONSOLE_SOCKET_FD));
    } else {
      args.push('-1');
    }
    const preserved = opts.preserveFds ?? [];
    if (preserved.length) {
      // ce-init keeps them through its fd sweep and moves them to 3, 4, … just before execve
      args.push(String(fds.length), String(preserved.length));
      fds.push(...preserved);
    }
    if (monitor) {
      const [sr2, statusW] = pipe();
      statusR = sr2;
      childOnly.push(statusW);
      const monitorArgs = ['ce-monitor', ...monitor.args, '--status-fd', String(fds.length), '--', ...args];
      fds.push(statusW);
      // From its file, not a sealed copy: every monitor then shares the same pages. It runs no
      // container code; the sealed copy is for ce-init, which the monitor makes itself.
      parent = spawnFds(monitorPath(), monitorArgs, fds, { sealedCopy: false });
    } else {
      parent = spawnFds(initPath(), args, fds, { sealedCopy: true });
    }
  } catch (err) {
    closeQuietly([...ours, planW, syncR, goW, statusR]);
    throw new RuntimeError('Internal', `spawn ${monitor ? 'ce-monitor' : 'ce-init'}: ${(err as Error).message}`, { cause: err });
  } finally {
    closeQuietly(childOnly);
  }

  const wrap = (fd: number | undefined, readable: boolean) => (fd === undefined ? null : new Socket({ fd, readable, writable: !readable }));
  const stdin = wrap(ours[0], false) as Writable | null;
  const stdout = wrap(ours[1], true) as Readable | null;
  const stderr = wrap(ours[2], true) as Readable | null;
  const planStream = wrap(planW, false)!;
  const sync = wrap(syncR, true)!;
  const go = wrap(goW, false)!;
  // EPIPE when ce-init fails early: the sync channel says why
  planStream.on('error', () => {});
  go.on('error', () => {});
  sync.on('error', () => {});
  planStream.end(opts.plan);

  const status = statusR === undefined ? undefined : new MonitorStatus(wrap(statusR, true)!, parent, monitor?.onLogWrite);
  // P (or the monitor) is not libuv's child: reap it on the native wait thread.
  let parentDone = false;
  const spawned = waitPid(parent);
  const monitorDone = spawned.then(
    () => undefined,
    () => undefined,
  );
  const exitCode = (r: { exitCode: number | null; signal: number | null }) => r.exitCode ?? 128 + (r.signal ?? 0);
  // Under a monitor, P's exit is the monitor's to see: it reports it once no container init started.
  const parentExited = (status ? Promise.race([status.ceInitExited, spawned.then(exitCode)]) : spawned.then(exitCode)).then(
    (code) => {
      parentDone = true;
      return code;
    },
    () => {
      parentDone = true;
      return null;
    },
  );

  const timeoutMs = opts.timeoutMs ?? 60_000;
  let pid = 0;
  let exited: Promise<ExitInfo> | undefined;
  const startReaper = (p: number) => {
    // C is reparented to us (a subreaper) only once P has exited.
    exited ??= status
      ? status.exited
      : opts.reap === false
        ? Promise.reject(new RuntimeError('FailedPrecondition', `process ${p} is not reaped by this runtime (trackExits is off)`))
        : parentExited.then(() => waitPid(p)).then(toExit);
    exited.catch(() => {});
    return exited;
  };

  const outcome = await new Promise<Outcome>((resolve) => {
    const decoder = new RecordDecoder();
    let done = false;
    const finish = (r: Outcome) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        resolve(r);
      }
    };
    // The runtime's own hooks (prestart, createRuntime) have their own
    // timeouts: the clock stops while they run and starts afresh after them.
    // ce-init's createContainer hooks run after that, within their own timeouts: the clock gets those too.
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number) => {
      if (!Number.isFinite(ms)) return; // a hook without a timeout: wait as long as it runs, as runc does
      timer = setTimeout(
        () => finish({ ok: false, error: new RuntimeError('Unavailable', `container init did not report ready within ${ms} ms`) }),
        ms,
      );
    };
    arm(timeoutMs);
    // The go channel carries, in order: a byte once the user namespace's id
    // maps are written (for P), a byte once the cgroup is set, the hooks'
    // state (for C). A failed step ends everything (finish), never the channel.
    const step = (what: string, work: Promise<Buffer>) =>
      work.then(
        (reply) => go.write(reply),
        (err: unknown) =>
          finish({
            ok: false,
            error: err instanceof RuntimeError ? err : new RuntimeError('Internal', `${what}: ${(err as Error).message}`, { cause: err }),
          }),
      );
    const one = Buffer.from('1');
    sync.on('data', (chunk: Buffer) => {
      for (const rec of decoder.push(chunk)) {
        const text = rec.args[0]?.toString('utf8') ?? '';
        if (rec.op === Msg.PID) {
          pid = Number(text);
          opts.logger?.debug({ pid, ms: Math.round(performance.now() - t0) }, 'container init forked');
          startReaper(pid);
          step(`set up container init ${pid}`, (opts.onPid ? opts.onPid(pid) : Promise.resolve()).then(() => one));
        } else if (rec.op === Msg.USERNS) {
          const work = opts.onUserns
            ? (status ? status.ceInitPid : Promise.resolve(parent)).then((ceInit) => opts.onUserns!(ceInit))
            : Promise.reject(new Error('no id maps were given'));
          step(status ? 'user namespace of ce-init' : `user namespace of ce-init ${parent}`, work.then(() => one));
        } else if (rec.op === Msg.HOOKS) {
          clearTimeout(timer);
          const work = opts.onHooks ? opts.onHooks(pid) : Promise.resolve({ creating: '{}', created: '{}' });
          step(
            'hooks',
            work.then((st) => {
              if (!done) arm(timeoutMs + (opts.containerHooksMs ?? 0));
              return encodeRecord(Msg.HOOKS_DONE, [st.creating, st.created]);
            }),
          );
        } else if (rec.op === Msg.READY) {
          opts.logger?.debug({ pid, ms: Math.round(performance.now() - t0) }, 'container init ready');
          finish({ ok: true });
        } else if (rec.op === Msg.ERROR) {
          finish({ ok: false, error: errorFromFailureRecord(rec.args) });
        }
      }
    });
    sync.on('close', () => {
      // Both ends closed without ready: say how the container init ended, if it had started.
      // (Under a monitor P's exit is reported only when no container init started.)
      void (pid && status ? Promise.resolve(null) : parentExited)
        .then(async (code) => {
          if (pid) return earlyExitText(await startReaper(pid).catch(() => undefined));
          return status?.lastError ? `ce-monitor: ${status.lastError}` : `ce-init exit status ${code}`;
        })
        .then((how) => finish({ ok: false, error: new RuntimeError('Internal', `container init exited before it was ready (${how})`) }));
    });
  });

  sync.destroy();
  planStream.destroy();
  go.destroy();
  if (!outcome.ok && status) {
    // ce-init ends when its channels close, the container init is killed here; the monitor then ends by
    // itself, and is killed only if it does not (it is our child: its pid cannot have been reused).
    if (pid) killQuietly(pid);
    const stuck = setTimeout(() => killQuietly(parent), 5000);
    await monitorDone;
    clearTimeout(stuck);
    status.exited.catch(() => {});
    throw outcome.error;
  }
  if (!outcome.ok) {
    if (!parentDone) killQuietly(parent);
    if (pid) {
      killQuietly(pid);
      await startReaper(pid).catch(() => {});
    } else {
      await parentExited;
    }
    for (const s of [stdin, stdout, stderr]) (s as Socket | null)?.destroy();
    throw outcome.error;
  }
  if (status) return { pid, stdin: null, stdout: null, stderr: null, exited: startReaper(pid), monitor: { pid: parent, done: monitorDone } };
  await parentExited;
  return { pid, stdin, stdout, stderr, exited: startReaper(pid) };
}
