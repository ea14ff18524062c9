// Runs one plugin as the spec says (SPEC.md "Section 2: Execution Protocol"):
// the CNI_* environment, the configuration on stdin, the result or error on
// stdout. The plugin runs in its own process group so a timeout ends it and
// anything it started (iptables, ipam plugins), and optionally under a
// wrapper (e.g. `ip netns exec <ns>`) that places it in another network namespace.
import { accessSync, closeSync, constants } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { pipe, spawnFdsAsync, waitPid, type WaitResult } from '@ce/native';
import { setTimeout as delay } from 'node:timers/promises';
import { CeError, notFound } from '@ce/protocol/errors';
import { CniPluginError, errorBodyOf, type CniCommand } from './errors.js';

export interface PluginExecOptions {
  /** Where plugins are looked up, in order (also passed to them as CNI_PATH). */
  binDirs: readonly string[];
  /** Per plugin call. */
  timeoutMs: number;
  /** A command prefix the plugin runs under, e.g. ['ip', 'netns', 'exec', 'outer']; it must exec the plugin. */
  wrapper?: readonly string[];
  signal?: AbortSignal;
}

export interface PluginCall {
  type: string;
  /** The network the call is for, to name it in errors ('' for VERSION). */
  network: string;
  command: CniCommand;
  /** The CNI_* variables; the rest of the environment is ced's, without its own CNI_* variables. */
  env: Readonly<Record<string, string>>;
  stdin: string;
}

/** libcni's FindInPath: the first regular file named `type` in the bin dirs. */
export async function findPlugin(type: string, binDirs: readonly string[]): Promise<string> {
  for (const dir of binDirs) {
    const path = join(dir, type);
    const st = await stat(path).catch(() => null);
    if (st?.isFile()) return path;
  }
  throw notFound(`failed to find plugin "${type}" in path [${binDirs.join(' ')}]`);
}

const TEXT_FILE_BUSY_RETRIES = 5;
const MAX_OUTPUT = 4 << 20;

/** Runs the plugin and returns its stdout; a failure is a CniPluginError, a timeout DeadlineExceeded. */
export async function execPlugin(path: string, call: PluginCall, opts: PluginExecOptions): Promise<string> {
  // As libcni: a plugin being written as we start it (ETXTBSY) is tried again.
  for (let attempt = 0; ; attempt++) {
    try {
      return await execOnce(path, call, opts);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ETXTBSY' || attempt >= TEXT_FILE_BUSY_RETRIES) throw err;
      await delay(200 * (attempt + 1));
    }
  }
}

// ced's environment without its own CNI_* variables, taken once: reading process.env is slow, and plugins are
// run several times per pod.
let baseEnv: Array<[string, string]> | undefined;

function pluginEnv(call: PluginCall): Map<string, string> {
  baseEnv ??= Object.entries(process.env).filter((e): e is [string, string] => !e[0].startsWith('CNI_') && e[1] !== undefined);
  return new Map([...baseEnv, ...Object.entries(call.env)]);
}

/** execvp's lookup of a command without a slash (a wrapper's), in the child's PATH. */
function commandPath(command: string, env: Map<string, string>): string {
  if (command.includes('/')) return command;
  for (const dir of (env.get('PATH') ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    const path = join(dir || '.', command);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return command;
}

const signalName = (n: number) => Object.entries(osConstants.signals).find(([, v]) => v === n)?.[0] ?? `signal ${n}`;

// Started with posix_spawn on a thread of @ce/native's (spawnFdsAsync), not child_process: libuv forks the whole
// of ced on its event loop, ~1 ms of CPU per plugin at ~100 MB and several times that on a loaded machine, and
// pods run several plugins each.
async function execOnce(path: string, call: PluginCall, opts: PluginExecOptions): Promise<string> {
  const argv = [...(opts.wrapper ?? []), path];
  const label = `${call.network ? `network "${call.network}": ` : ''}plugin type="${call.type}" (${call.command.toLowerCase()})`;
  if (opts.signal?.aborted) throw new CeError('Canceled', `${label} canceled before it started`);
  const env = pluginEnv(call);
  const fds: number[] = [];
  let pid: number;
  try {
    for (let i = 0; i < 3; i++) fds.push(...pipe());
  } catch (err) {
    for (const fd of fds) closeSync(fd);
    throw err;
  }
  const [stdinR, stdinW, stdoutR, stdoutW, stderrR, stderrW] = fds as [number, number, number, number, number, number];
  try {
    pid = await spawnFdsAsync(commandPath(argv[0]!, env), argv, [stdinR, stdoutW, stderrW], { env: [...env].map(([k, v]) => `${k}=${v}`), newSession: true });
  } catch (err) {
    for (const fd of [stdinW, stdoutR, stderrR]) closeSync(fd);
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ETXTBSY') throw e;
    throw new CeError('FailedPrecondition', `${label}: cannot run ${argv.join(' ')}: ${e.message}`, { op: 'spawn', errno: e.code, path: argv[0], cause: err });
  } finally {
    // The child's ends: it has its own copies.
    for (const fd of [stdinR, stdoutW, stderrW]) closeSync(fd);
  }
  const stdin = new Socket({ fd: stdinW, readable: false, writable: true });
  const outputs = [stdoutR, stderrR].map((fd) => new Socket({ fd, readable: true, writable: false }));
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let outBytes = 0;
  let ended: CeError | undefined;
  let reaped = false;
  const killGroup = (why: CeError) => {
    ended ??= why;
    // The plugin's session, then the plugin alone while it is not reaped (after, its pid may be another's).
    for (const target of reaped ? [-pid] : [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
        break;
      } catch {
        // no such group (it left its session): the plugin alone, or it is gone
      }
    }
    // What it started may hold the output open after the plugin is gone: the call ends now all the same.
    for (const s of outputs) s.destroy();
  };
  const timer = setTimeout(() => killGroup(new CeError('DeadlineExceeded', `${label} did not finish within ${opts.timeoutMs} ms`)), opts.timeoutMs);
  const onAbort = () => killGroup(new CeError('Canceled', `${label} canceled`));
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort(); // canceled while it was being spawned
  const collect = (into: Buffer[]) => (chunk: Buffer) => {
    outBytes += chunk.length;
    if (outBytes > MAX_OUTPUT) killGroup(new CeError('ResourceExhausted', `${label} wrote more than ${MAX_OUTPUT} bytes`));
    else into.push(chunk);
  };
  outputs[0]!.on('data', collect(stdout));
  outputs[1]!.on('data', collect(stderr));
  // As child_process's 'close': the exit, and the end of the output, which what it started may hold open.
  const closed = outputs.map((s) => new Promise<void>((resolve) => s.once('close', () => resolve())));
  for (const s of outputs) s.on('error', () => undefined);
  // A plugin may exit without reading its stdin.
  stdin.on('error', () => undefined);
  stdin.end(call.stdin);
  let status: WaitResult;
  const exited = waitPid(pid).then((result) => {
    reaped = true;
    return result;
  });
  try {
    [status] = await Promise.all([exited, ...closed]);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    stdin.destroy();
    for (const s of outputs) s.destroy();
  }
  const out = Buffer.concat(stdout).toString('utf8');
  const errText = Buffer.concat(stderr).toString('utf8');
  if (ended) throw ended;
  if (status.exitCode === 0) return out;
  const exit = status.signal !== null ? `killed by ${signalName(status.signal)}` : `exit status ${status.exitCode}`;
  throw new CniPluginError(call.type, call.command, errorBodyOf(out, errText, exit), errText, call.network);
}
