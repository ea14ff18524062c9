import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ce } from './ce.js';
import { sweep } from './leaks.js';
import { cedBin } from './paths.js';
import { testNetwork, type TestNetwork } from './test-network.js';

export interface TestDaemon {
  readonly dir: string;
  /** Its default bridge, subnet and chains. */
  readonly network: TestNetwork;
  readonly root: string;
  readonly state: string;
  readonly socket: string;
  /** The Kubernetes CRI socket ced serves by default, in its own state folder. */
  readonly criSocket: string;
  /** How ced supervises containers (--shim-mode; CE_SHIM_HOST=0 is per-container): host unless told. */
  readonly shimMode: 'host' | 'per-container';
  process: ChildProcess;
  /** What ced printed on stderr since it was (re)started. */
  stderr(): string;
  log(): string;
  kill9(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** Stops ced and removes its folders (after the test has removed its containers). */
  dispose(): Promise<void>;
}

/**
 * Starts a real ced with its own root and state under a fresh temporary folder; `extraArgs` go to ced.
 * `logLevelFlag: false` leaves out `--log-level debug` (for a daemon.json that sets it).
 * CE_E2E_DEFAULT_RUNTIME=runc runs a suite's containers with that runtime (ced --default-runtime).
 */
export interface TestDaemonOptions {
  logLevelFlag?: boolean;
  /** ced takes ce.sock from systemd-socket-activate (`-H fd://`), as from a ced.socket unit. */
  socketActivated?: boolean;
  /** Set in ced's environment, over the test's own (e.g. CE_SHIM_HOST=0 for a shim per container). */
  env?: NodeJS.ProcessEnv;
}

export async function startTestDaemon(extraArgs: string[] = [], options: TestDaemonOptions = {}): Promise<TestDaemon> {
  const runtime = process.env.CE_E2E_DEFAULT_RUNTIME;
  if (runtime) extraArgs = ['--default-runtime', runtime, ...extraArgs];
  const network = testNetwork();
  extraArgs = [...network.args, ...extraArgs];
  const dir = mkdtempSync(join(tmpdir(), 'ce-e2e-'));
  const root = join(dir, 'root');
  const state = join(dir, 'state');
  const socket = join(state, 'ce.sock');
  let stderr = '';

  const launch = async (): Promise<ChildProcess> => {
    stderr = '';
    const logLevel = options.logLevelFlag === false ? [] : ['--log-level', 'debug'];
    const argv = [process.execPath, cedBin, '--root', root, '--state', state, ...logLevel, ...extraArgs];
    // systemd-socket-activate binds the socket, then execs ced with it as fd 3: the child is ced.
    // Its socket outlives a ced that ended (a ced.socket unit's would stay): the next launch binds a new one.
    if (options.socketActivated) {
      mkdirSync(state, { recursive: true, mode: 0o711 });
      rmSync(socket, { force: true });
    }
    const [command, ...args] = options.socketActivated ? ['systemd-socket-activate', '-l', socket, ...argv, '-H', 'fd://'] : argv;
    const child = spawn(command!, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...options.env } });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`ced exited with ${child.exitCode}: ${stderr}`);
      // The activator execs ced at the first connection to its socket, as a socket unit starts its service.
      const up = options.socketActivated || stderr.includes('ced: listening on');
      if (up && (await ce(['version'], { socket })).code === 0) return child;
      if (Date.now() > deadline) {
        // A ced that never listened would outlive the test, holding its folders and mounts.
        child.kill('SIGKILL');
        await waitExit(child);
        throw new Error(`ced did not start: ${stderr}`);
      }
      await sleep(50);
    }
  };

  const waitExit = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r()));

  let first: ChildProcess;
  try {
    first = await launch();
  } catch (err) {
    sweep(dir);
    await network.cleanup(root);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const daemon: TestDaemon = {
    dir,
    network,
    root,
    state,
    socket,
    criSocket: join(state, 'cri.sock'),
    shimMode: shimModeOf(extraArgs, { ...process.env, ...options.env }),
    process: first,
    stderr: () => stderr,
    log: () => (existsSync(join(root, 'ced.log')) ? readFileSync(join(root, 'ced.log'), 'utf8') : ''),
    async kill9() {
      daemon.process.kill('SIGKILL');
      await waitExit(daemon.process);
    },
    async restart() {
      daemon.process = await launch();
    },
    async stop() {
      daemon.process.kill('SIGTERM');
      await waitExit(daemon.process);
    },
    async dispose() {
      // Remove what a failed test left running, through the engine first...
      if (daemon.process.exitCode === null && daemon.process.signalCode === null) {
        const ids = (await ce(['ps', '-a', '-q', '--no-trunc'], { socket })).stdout.split('\n').filter(Boolean);
        if (ids.length) await ce(['rm', '-f', ...ids], { socket });
        await daemon.stop();
      }
      // ...then by force, so that a broken engine cannot leak into later tests.
      sweep(dir);
      await network.cleanup(root);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return daemon;
}

function shimModeOf(args: string[], env: NodeJS.ProcessEnv): 'host' | 'per-container' {
  const flag = args.indexOf('--shim-mode');
  if (flag >= 0) return args[flag + 1] === 'per-container' ? 'per-container' : 'host';
  return env.CE_SHIM_HOST === '0' ? 'per-container' : 'host';
}
