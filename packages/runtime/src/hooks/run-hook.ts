import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { RuntimeError } from '../errors.js';
import type { Hook, Hooks } from '../spec/types.js';

/** The OCI state a hook reads on its stdin. */
export interface HookState {
  ociVersion: string;
  id: string;
  status: 'creating' | 'created' | 'running' | 'stopped';
  pid: number;
  bundle: string;
  annotations: Record<string, string>;
}

export type HookKind = keyof Hooks;

const SAID_KEEP = 1024;
/** How long a hook's output may keep arriving after it exited (a child it left behind may hold its stdout). */
const OUTPUT_GRACE_MS = 200;

/**
 * Runs one hook in the runtime's namespaces: `path` with `args` (args[0] is
 * its argv[0]) and exactly `env`, the state JSON on stdin; killed after
 * `timeout` seconds. Rejects with a RuntimeError naming the hook kind and
 * path, and the start of what the hook wrote (as ce-init does for the
 * createContainer and startContainer hooks).
 */
export function runHook(kind: HookKind, hook: Hook, state: HookState, signal?: AbortSignal): Promise<void> {
  const args = hook.args?.length ? hook.args : [hook.path];
  const env: Record<string, string> = {};
  for (const e of hook.env ?? []) {
    const i = e.indexOf('=');
    env[e.slice(0, i)] = e.slice(i + 1);
  }
  return new Promise((resolveOnce, rejectOnce) => {
    let settled = false;
    const resolve = () => {
      if (!settled) (settled = true), resolveOnce();
    };
    const reject = (err: RuntimeError) => {
      if (!settled) (settled = true), rejectOnce(err);
    };
    // runc runs hooks from the bundle directory (it chdirs there); it may be gone by poststop
    const cwd = existsSync(state.bundle) ? state.bundle : '/';
    const child = spawn(hook.path, args.slice(1), { argv0: args[0], env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let said = ''; // stdout and stderr, for the error message
    let timedOut = false;
    let aborted = false;
    // the create this hook serves failed: the hook must not outlive it
    const abort = () => {
      aborted = true;
      child.kill('SIGKILL');
    };
    if (signal?.aborted) abort();
    signal?.addEventListener('abort', abort, { once: true });
    const timer =
      hook.timeout !== undefined && hook.timeout > 0
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, hook.timeout * 1000)
        : undefined;
    for (const out of [child.stdout!, child.stderr!]) {
      out.setEncoding('utf8');
      out.on('data', (d: string) => {
        if (said.length < SAID_KEEP) said += d;
      });
    }
    child.stdin!.on('error', () => {}); // a hook that does not read its state
    child.stdin!.end(JSON.stringify(state));
    child.on('error', (err) => {
      // a hook that could not be started; one that runs is reported once it exits
      if (child.pid !== undefined) return;
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      reject(new RuntimeError('FailedPrecondition', `${kind} hook ${hook.path}: ${err.message}`, { cause: err }));
    });
    // Decided when the hook exits: a background child that keeps its stdout open must not hold create up.
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      let done = false;
      const settle = () => {
        if (done) return;
        done = true;
        if (aborted) return reject(new RuntimeError('Unavailable', `${kind} hook ${hook.path} was stopped: the create failed meanwhile`));
        if (timedOut) return reject(new RuntimeError('Unavailable', `${kind} hook ${hook.path} timed out after ${hook.timeout} s`));
        if (code === 0) return resolve();
        const how = code !== null ? `exit status ${code}` : `killed by signal ${sig}`;
        const text = said.slice(0, SAID_KEEP).trim();
        reject(new RuntimeError('FailedPrecondition', `${kind} hook ${hook.path} failed: ${how}${text ? `: ${text}` : ''}`));
      };
      // what the hook wrote is usually all there by 'close'; wait for it only briefly
      const grace = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        settle();
      }, OUTPUT_GRACE_MS);
      child.once('close', () => {
        clearTimeout(grace);
        settle();
      });
    });
  });
}

/** Runs the hooks of `kind` in order; the first failure stops the rest and rejects; `signal` kills the running one. */
export async function runHooks(kind: HookKind, hooks: readonly Hook[] | undefined, state: HookState, signal?: AbortSignal): Promise<void> {
  for (const h of hooks ?? []) {
    if (signal?.aborted) throw new RuntimeError('Unavailable', `${kind} hook ${h.path} not run: the create failed meanwhile`);
    await runHook(kind, h, state, signal);
  }
}
