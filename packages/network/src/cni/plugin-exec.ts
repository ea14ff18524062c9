// Runs one plugin as the spec says (SPEC.md "Section 2: Execution Protocol"):
// the CNI_* environment, the configuration on stdin, the result or error on
// stdout. The plugin runs in its own process group so a timeout ends it and
// anything it started (iptables, ipam plugins), and optionally under a
// wrapper (e.g. `ip netns exec <ns>`) that places it in another network namespace.
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
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

function pluginEnv(call: PluginCall): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CNI_')) env[k] = v;
  return { ...env, ...call.env };
}

function execOnce(path: string, call: PluginCall, opts: PluginExecOptions): Promise<string> {
  const argv = [...(opts.wrapper ?? []), path];
  const label = `${call.network ? `network "${call.network}": ` : ''}plugin type="${call.type}" (${call.command.toLowerCase()})`;
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new CeError('Canceled', `${label} canceled before it started`));
    const child = spawn(argv[0]!, argv.slice(1), { env: pluginEnv(call), stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let outBytes = 0;
    let ended: CeError | undefined;
    const killGroup = (why: CeError) => {
      ended ??= why;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => killGroup(new CeError('DeadlineExceeded', `${label} did not finish within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    const onAbort = () => killGroup(new CeError('Canceled', `${label} canceled`));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > MAX_OUTPUT) killGroup(new CeError('ResourceExhausted', `${label} wrote more than ${MAX_OUTPUT} bytes`));
      else into.push(chunk);
    };
    child.stdout.on('data', collect(stdout));
    child.stderr.on('data', collect(stderr));
    // A plugin may exit without reading its stdin.
    child.stdin.on('error', () => undefined);
    child.stdin.end(call.stdin);
    const finish = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      finish();
      if (err.code === 'ETXTBSY') return reject(err);
      reject(new CeError('FailedPrecondition', `${label}: cannot run ${argv.join(' ')}: ${err.message}`, { op: 'spawn', errno: err.code, path: argv[0], cause: err }));
    });
    child.on('close', (code, signal) => {
      finish();
      const out = Buffer.concat(stdout).toString('utf8');
      const errText = Buffer.concat(stderr).toString('utf8');
      if (ended) return reject(ended);
      if (code === 0) return resolve(out);
      const exit = signal ? `killed by ${signal}` : `exit status ${code}`;
      reject(new CniPluginError(call.type, call.command, errorBodyOf(out, errText, exit), errText, call.network));
    });
  });
}
