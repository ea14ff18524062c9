import { chmodSync, closeSync, constants as fsc, existsSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { readFile, unlink } from 'node:fs/promises';
import { constants as osc } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { mkfifo, setChildSubreaper } from '@ce/native';
import { createCgroupManager } from './cgroups/index.js';
import type { CgroupManager } from './cgroups/types.js';
import { RuntimeError } from './errors.js';
import { spawnInit, type ExitInfo, type InitProcess, type SpawnInitOptions, type StdioSpec } from './init-process.js';
import { monitorArgs, type MonitorHandle, type MonitorOptions } from './monitor.js';
import { CONSOLE_SOCKET_FD } from './plan/ops.js';
import { compileExecPlan, compilePlan, type HostPathKind } from './plan/compile.js';
import { withHomeEnv } from './spec/home-env.js';
import { encodePlan } from './plan/encode.js';
import { type CompiledSeccomp } from './seccomp/compile.js';
import { compileSeccompCached } from './seccomp/compile-cache.js';
import { validateProcess, validateResources, validateSpec } from './spec/validate.js';
import { containerEvents } from './lifecycle/events.js';
import type { RuntimeEvent, Stats } from './cgroups/stats-types.js';
import { runHooks, type HookState } from './hooks/run-hook.js';
import { openConsoleChannel, type TerminalDelivery } from './terminal/console.js';
import { writeIdMaps } from './userns/id-maps.js';
import type { ContainerState, ContainerStatus, LinuxNamespace, LinuxNamespaceType, LinuxResources, Process, Spec } from './spec/types.js';
import { deriveStatus, isAlive, readProcInfo, realFacts, type StatusFacts } from './state/status.js';
import { checkId, StateStore, type StoredState } from './state/store.js';
import { detachMountsAbove, ownMountNs, readMountinfo, topMountAt } from './state/host-rootfs-mount.js';

/** pino-like; every method optional in spirit, all called as (obj, msg). */
export interface Logger {
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

export interface RuntimeOptions {
  /** State folder, e.g. /run/ce/runtime: one <id>/ directory per container. */
  root: string;
  logger?: Logger;
  /** The cgroup manager; detected (v1, v2 or hybrid) on first use by default. */
  cgroups?: CgroupManager;
  /** chroot instead of pivot_root (runc --no-pivot). */
  noPivotRoot?: boolean;
  /** How long create waits for the container init to be ready; default 60 s. */
  createTimeoutMs?: number;
  /**
   * Become a child subreaper and reap the processes this object starts
   * (`exited` resolves); default true. A short-lived caller (ce-runc create,
   * exec -d) sets false: its containers are reparented to its own subreaper
   * (a containerd shim) or init, and nothing keeps it alive.
   */
  trackExits?: boolean;
}

/**
 * With process.terminal, exactly one of `consoleSocket` (runc's
 * --console-socket) or `receiveTerminal` says where the pty master goes; the
 * terminal is the process's stdio, so `stdio` is unused ('pipe' is refused).
 */
export interface CreateOptions extends TerminalDelivery {
  /** The container's fds 0, 1, 2, as Node's spawn takes them; default all 'ignore'. */
  stdio?: [StdioSpec, StdioSpec, StdioSpec];
  /** Fds of this process that the container's process gets as its fds 3, 4, … (runc --preserve-fds). */
  preserveFds?: readonly number[];
  /** Keep the caller's session keyring (runc --no-new-keyring); by default the container joins its own, `_ses.<id>`. */
  noNewKeyring?: boolean;
  /**
   * Start the container under ce-monitor (decision 0029), which holds its
   * stdio or terminal, writes its log and exit status and serves attach on
   * its socket; `stdio`, `consoleSocket` and `receiveTerminal` are then refused.
   */
  monitor?: MonitorOptions;
}

/** A created container (or exec'd process): its init pid, the 'pipe' ends of its stdio, and its exit. */
export interface Container extends Omit<InitProcess, 'monitor'> {
  /** With receiveTerminal: the pty master fd (read and write it; the caller closes it). Otherwise null. */
  terminal: number | null;
  /** With CreateOptions.monitor: the container's monitor. */
  monitor?: MonitorHandle;
}

export interface ExecOptions extends TerminalDelivery {
  /** The process's fds 0, 1, 2, as for create. */
  stdio?: [StdioSpec, StdioSpec, StdioSpec];
  /** Fds of this process that the exec'd process gets as its fds 3, 4, … (runc exec --preserve-fds). */
  preserveFds?: readonly number[];
  /**
   * Run the process under a ce-monitor of its own (decision 0029), as create's
   * `monitor`: it holds the stdio or terminal, reaps the process and writes its
   * exit status to `exitDir`; `stdio`, `consoleSocket` and `receiveTerminal`
   * are then refused. An exec is logged only if `log` says so.
   */
  monitor?: MonitorOptions;
}

export interface EventsOptions {
  /** Milliseconds between two stats events; default 5000 (runc's 5s). */
  intervalMs?: number;
  /** Only one stats event, then the iteration ends (runc events --stats). */
  statsOnly?: boolean;
  /** Ends the iteration. */
  signal?: AbortSignal;
}

export interface KillOptions {
  /** Signal every process of the container's cgroup, not only its init. */
  all?: boolean;
}

export interface DeleteOptions {
  /** Kill a running container (SIGKILL) and wait for it before deleting. */
  force?: boolean;
}

/** Keeps RuntimeErrors; anything else thrown becomes Internal, so callers see one error type. */
async function asRuntimeError<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RuntimeError) throw err;
    throw new RuntimeError('Internal', `${what}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
}

const noopLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Parses 9, "9", "KILL", "SIGKILL". InvalidArgument otherwise. */
export function parseSignal(signal: number | string): number {
  const signals = osc.signals as Record<string, number>;
  if (typeof signal === 'number' || /^\d+$/.test(signal)) {
    const n = Number(signal);
    if (Number.isInteger(n) && n > 0 && n <= 64) return n;
  } else {
    const name = signal.toUpperCase();
    const n = signals[name.startsWith('SIG') ? name : `SIG${name}`];
    if (n !== undefined) return n;
  }
  throw new RuntimeError('InvalidArgument', `invalid signal ${JSON.stringify(signal)}`);
}

function checkStdio(stdio: unknown): void {
  if (stdio === undefined) return;
  const ok = (s: unknown) => s === 'pipe' || s === 'ignore' || s === 'inherit' || (typeof s === 'number' && Number.isInteger(s) && s >= 0);
  if (!Array.isArray(stdio) || stdio.length !== 3 || !stdio.every(ok)) {
    throw new RuntimeError('InvalidArgument', `stdio must be three of 'pipe', 'ignore', 'inherit' or an fd number, not ${JSON.stringify(stdio)}`);
  }
}

function checkPreserveFds(fds: readonly number[] | undefined): readonly number[] | undefined {
  for (const fd of fds ?? []) {
    if (!Number.isInteger(fd) || fd < 0) throw new RuntimeError('InvalidArgument', `preserveFds: ${JSON.stringify(fd)} is not a file descriptor`);
  }
  return fds;
}

/** spawnInit's monitor for create's or exec's `monitor` option (the OOM counter is the container's: create only). */
function spawnMonitor(opts: CreateOptions | ExecOptions, terminal: boolean, oomFile: string | undefined): SpawnInitOptions['monitor'] {
  if (!opts.monitor) return undefined;
  if (opts.stdio || opts.consoleSocket || opts.receiveTerminal) {
    throw new RuntimeError('InvalidArgument', 'a process under ce-monitor has its stdio and terminal held by the monitor: give no stdio, consoleSocket or receiveTerminal');
  }
  return {
    args: monitorArgs({ ...opts.monitor, oomFile: opts.monitor.oomFile ?? oomFile }, terminal ? CONSOLE_SOCKET_FD : undefined),
    terminal,
    diagnostics: opts.monitor.diagnostics,
    onLogWrite: opts.monitor.onLogWrite,
  };
}

function hostPathKind(path: string): HostPathKind {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

/**
 * An OCI runtime as a library: create and start containers from bundles
 * (runc's create/start/state/kill/delete), with state under `root`.
 */
export class Runtime {
  private readonly store: StateStore;
  private readonly log: Logger;
  private cgroupManager: CgroupManager | undefined | null;
  private readonly tracksExits: boolean;
  private readonly facts: StatusFacts;
  private readonly exits = new Map<string, Promise<ExitInfo>>();
  private subreaper = false;

  constructor(private readonly options: RuntimeOptions) {
    if (!options?.root) throw new RuntimeError('InvalidArgument', 'Runtime: root is required');
    this.store = new StateStore(resolve(options.root));
    this.log = options.logger ?? noopLogger;
    this.cgroupManager = options.cgroups;
    this.tracksExits = options.trackExits ?? true;
    this.facts = realFacts(
      (id) => this.store.fifoPath(id),
      (s) => (s.cgroupsPath ? (this.cgroups()?.isFrozen(s.cgroupsPath) ?? false) : false),
    );
  }

  /** The cgroup manager, or null when no cgroup hierarchy could be detected. */
  private cgroups(): CgroupManager | null {
    if (this.cgroupManager === undefined) {
      try {
        this.cgroupManager = createCgroupManager();
      } catch (err) {
        this.log.warn({ err }, 'no cgroup hierarchy detected');
        this.cgroupManager = null;
      }
    }
    return this.cgroupManager;
  }

  private async loadSpec(bundle: string): Promise<Spec> {
    let text: string;
    try {
      text = await readFile(join(bundle, 'config.json'), 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new RuntimeError('NotFound', `bundle ${bundle}: config.json not found`);
      throw new RuntimeError('InvalidArgument', `bundle ${bundle}: read config.json: ${(err as Error).message}`);
    }
    let spec: unknown;
    try {
      spec = JSON.parse(text);
    } catch (err) {
      throw new RuntimeError('InvalidArgument', `invalid config.json: ${(err as Error).message}`);
    }
    validateSpec(spec);
    return spec;
  }

  private resolveRootfs(bundle: string, spec: Spec): string {
    const p = spec.root!.path;
    const abs = isAbsolute(p) ? p : join(bundle, p);
    let real: string;
    try {
      real = realpathSync(abs);
    } catch {
      throw new RuntimeError('InvalidArgument', `root.path: ${abs} does not exist`);
    }
    if (!statSync(real).isDirectory()) throw new RuntimeError('InvalidArgument', `root.path: ${abs} is not a directory`);
    return real;
  }

  private warnUnsupported(id: string, spec: Spec): void {
    // A label that is not enforced must not pass in silence.
    const labels: string[] = [];
    if (spec.process?.apparmorProfile) labels.push('process.apparmorProfile');
    if (spec.process?.selinuxLabel) labels.push('process.selinuxLabel');
    if (spec.linux?.mountLabel) labels.push('linux.mountLabel');
    if (labels.length) this.log.warn({ id, ignored: labels }, 'AppArmor and SELinux labels cannot be applied here: the container runs without them');
    const ignored: string[] = [];
    if (spec.process?.scheduler) ignored.push('process.scheduler');
    if (spec.process?.ioPriority) ignored.push('process.ioPriority');
    if (spec.linux?.intelRdt) ignored.push('linux.intelRdt');
    if (spec.linux?.personality) ignored.push('linux.personality');
    if (ignored.length) this.log.warn({ id, ignored }, 'config fields not implemented yet are ignored');
  }

  /**
   * Creates the container: namespaces, mounts and process set up, its init
   * waiting on the exec fifo. Rejects with ce-init's message (naming the step
   * and path) and leaves nothing behind when any step fails.
   */
  create(id: string, bundleDir: string, opts: CreateOptions = {}): Promise<Container> {
    return asRuntimeError(`create container ${id}`, () => this.doCreate(id, bundleDir, opts));
  }

  private async doCreate(id: string, bundleDir: string, opts: CreateOptions): Promise<Container> {
    checkId(id);
    checkStdio(opts.stdio);
    const bundle = resolve(bundleDir);
    const spec = await this.loadSpec(bundle);
    const rootfs = this.resolveRootfs(bundle, spec);
    spec.process = await withHomeEnv(spec.process!, rootfs);
    this.warnUnsupported(id, spec);
    const cgroupsPath = spec.linux?.cgroupsPath || undefined;
    const cg = this.cgroups();
    if (cgroupsPath && !cg) throw new RuntimeError('FailedPrecondition', 'linux.cgroupsPath is set but no cgroup hierarchy is mounted');
    const execFifo = this.store.fifoPath(id);
    const seccomp = spec.linux?.seccomp ? compileSeccompCached(spec.linux.seccomp, { logger: this.log }) : undefined;
    const plan = compilePlan(spec, {
      seccomp,
      bundle,
      rootfs,
      execFifo,
      hostPathKind,
      hostPathExists: existsSync,
      cgroupMount: cg?.mountPlan(cgroupsPath),
      noPivotRoot: this.options.noPivotRoot,
      sessionKeyring: opts.noNewKeyring ? undefined : `_ses.${id}`,
    });

    if (this.tracksExits) this.ensureSubreaper();

    const linux = spec.linux ?? {};
    const hooks = spec.hooks ?? {};
    const hookState = (status: HookState['status'], pid: number): HookState => ({
      ociVersion: spec.ociVersion,
      id,
      status,
      pid,
      bundle,
      annotations: spec.annotations ?? {},
    });
    const preserveFds = checkPreserveFds(opts.preserveFds); // refused before anything is set up
    const withTerminal = spec.process!.terminal === true;
    const monitor = spawnMonitor(opts, withTerminal, cgroupsPath ? cg?.oomKillsFile?.(cgroupsPath) : undefined);
    const consoleChannel = openConsoleChannel(monitor ? false : withTerminal, monitor ? {} : opts);
    try {
      await this.store.reserve(id);
    } catch (err) {
      consoleChannel.close();
      throw err;
    }
    const state: StoredState = {
      ociVersion: spec.ociVersion,
      id,
      pid: 0,
      bundle,
      rootfs,
      annotations: spec.annotations ?? {},
      created: new Date().toISOString(),
      cgroupsPath,
      namespaces: (spec.linux?.namespaces ?? []).map((n) => n.type),
      hostRootfs: spec.linux?.namespaces?.some((n) => n.type === 'mount') ? undefined : { mountNs: ownMountNs(), below: topMountAt(rootfs, readMountinfo()) },
      seccomp: seccomp && { flags: seccomp.flags, program: seccomp.program.toString('base64') },
      sessionKeyring: opts.noNewKeyring ? undefined : `_ses.${id}`,
      hooks: hooks.poststart?.length || hooks.poststop?.length ? { poststart: hooks.poststart, poststop: hooks.poststop } : undefined,
    };
    let cgroupApplied = false;
    let init: InitProcess | undefined;
    let terminal: number | null = null;
    const stopHooks = new AbortController();
    let hooksRunning: Promise<unknown> | undefined;
    try {
      await this.store.write(state);
      mkfifo(execFifo, 0o622);
      chmodSync(execFifo, 0o622);
      if (cgroupsPath && cg) {
        cgroupApplied = true;
        await cg.apply(cgroupsPath, spec.linux?.resources);
      }
      init = await spawnInit({
        plan: encodePlan(plan),
        stdio: consoleChannel.childFd === undefined ? opts.stdio : undefined, // a terminal replaces stdio
        reap: this.tracksExits,
        logger: this.log,
        timeoutMs: this.options.createTimeoutMs,
        consoleSocket: consoleChannel.childFd,
        preserveFds,
        monitor,
        onPid: async (pid) => {
          if (cgroupsPath && cg) await cg.addProcess(cgroupsPath, pid);
        },
        onUserns: async (pid) => writeIdMaps(pid, linux.uidMappings ?? [], linux.gidMappings ?? []),
        containerHooksMs: (hooks.createContainer ?? []).reduce((ms, h) => ms + (h.timeout ? h.timeout * 1000 : Infinity), 0),
        onHooks: (pid) => {
          const run = (async () => {
            // prestart (deprecated) runs just before createRuntime, as in runc
            await runHooks('prestart', hooks.prestart, hookState('creating', pid), stopHooks.signal);
            await runHooks('createRuntime', hooks.createRuntime, hookState('creating', pid), stopHooks.signal);
            return { creating: JSON.stringify(hookState('creating', pid)), created: JSON.stringify(hookState('created', pid)) };
          })();
          hooksRunning = run.catch(() => {});
          return run;
        },
      });
      consoleChannel.releaseChild();
      terminal = await consoleChannel.receive();
      state.pid = init.pid;
      state.pidStartTime = readProcInfo(init.pid)?.startTime;
      await this.store.write(state);
      // without tracking, exited rejects at once: delete must watch the pid instead
      if (this.tracksExits) this.exits.set(id, init.exited);
      this.log.info({ id, pid: init.pid, monitor: init.monitor?.pid }, 'container created');
      return { ...init, terminal, monitor: init.monitor && opts.monitor && { ...init.monitor, socket: opts.monitor.socket } };
    } catch (err) {
      stopHooks.abort();
      await hooksRunning;
      consoleChannel.close();
      if (terminal !== null) closeSync(terminal);
      if (init) {
        // ready, but its state could not be recorded: it must not outlive the failed create
        try {
          process.kill(init.pid, 'SIGKILL');
        } catch {
          // gone
        }
        await init.exited.catch(() => {});
        for (const stream of [init.stdin, init.stdout, init.stderr]) stream?.destroy();
      }
      if (cgroupApplied && cgroupsPath && cg) await cg.destroy(cgroupsPath).catch((e) => this.log.warn({ id, err: e }, 'remove cgroup'));
      this.releaseHostRootfs(state, true);
      await this.store.remove(id);
      if (err instanceof RuntimeError) throw err;
      throw new RuntimeError('Internal', `create container ${id}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Detaches the mounts a container without a mount namespace left on its rootfs in the host's mount table. */
  private releaseHostRootfs(s: StoredState, failedCreate: boolean): void {
    if (!s.hostRootfs || !s.rootfs) return;
    const what = `${failedCreate ? 'create' : 'delete'} container ${s.id}: detach its mounts on ${s.rootfs}`;
    this.checkHostRootfsNs(s, what);
    try {
      const n = detachMountsAbove(s.rootfs, s.hostRootfs.below);
      if (n) this.log.debug({ id: s.id, rootfs: s.rootfs, detached: n }, 'detached the container\'s mounts from the host');
    } catch (err) {
      const msg = `${what}: ${(err as Error).message}`;
      if (failedCreate) this.log.warn({ id: s.id, err }, msg);
      else throw new RuntimeError('Internal', msg, { cause: err });
    }
  }

  /** Mount ids are global: from another mount namespace, the mounts at the rootfs are not the container's. */
  private checkHostRootfsNs(s: StoredState, what: string): void {
    if (!s.hostRootfs) return;
    const here = ownMountNs();
    if (here !== s.hostRootfs.mountNs) {
      throw new RuntimeError('FailedPrecondition', `${what}: the container was created in mount namespace ${s.hostRootfs.mountNs}, this process is in ${here}`);
    }
  }

  /** The process ce-init forks is reparented to this one when ce-init's parent exits. */
  private ensureSubreaper(): void {
    if (!this.subreaper) {
      setChildSubreaper(true);
      this.subreaper = true;
    }
  }

  private statusOf(s: StoredState): ContainerStatus {
    return deriveStatus(s, this.facts);
  }

  /**
   * Releases the created container's process to exec: opens the exec fifo
   * for reading and resolves once ce-init wrote its byte.
   */
  start(id: string): Promise<void> {
    return asRuntimeError(`start container ${id}`, () => this.doStart(id));
  }

  private async doStart(id: string): Promise<void> {
    const s = await this.store.read(id);
    const status = this.statusOf(s);
    if (status !== 'created') throw new RuntimeError('FailedPrecondition', `cannot start container ${id}: it is ${status}, not created`);
    const fifo = this.store.fifoPath(id);
    let fd: number;
    try {
      fd = openSync(fifo, fsc.O_RDONLY | fsc.O_NONBLOCK);
    } catch (err) {
      throw new RuntimeError('FailedPrecondition', `cannot start container ${id}: open exec fifo: ${(err as Error).message}`);
    }
    try {
      // "0", or why the container's startContainer hooks failed (one write from ce-init)
      const buf = Buffer.alloc(2048);
      const deadline = Date.now() + 10_000;
      // Once the init holds the fifo open, only its startContainer hooks (each with its own timeout) delay the byte.
      let writerOpen = false;
      for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
        let n = 0;
        try {
          n = readSync(fd, buf, 0, buf.length, null);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
          writerOpen = true;
        }
        if (n === 1 && buf[0] === 0x30) break;
        if (n > 0) throw new RuntimeError('FailedPrecondition', `cannot start container ${id}: ${buf.subarray(0, n).toString('utf8')}`);
        // EAGAIN: the init holds the fifo open but has not written yet; 0: it has not opened it (yet).
        if (!isAlive(readProcInfo(s.pid), s.pidStartTime)) {
          throw new RuntimeError('FailedPrecondition', `cannot start container ${id}: its process exited`);
        }
        if (!writerOpen && Date.now() > deadline) throw new RuntimeError('Unavailable', `cannot start container ${id}: its process did not open the exec fifo`);
        await sleep(delay);
      }
    } finally {
      closeSync(fd);
    }
    await unlink(fifo).catch(() => {});
    s.started = new Date().toISOString();
    await this.store.write(s);
    this.log.info({ id, pid: s.pid }, 'container started');
    // a failed poststart hook is a warning: the container runs on (runc logs it the same way)
    for (const hook of s.hooks?.poststart ?? []) {
      await runHooks('poststart', [hook], this.hookState(s, 'running')).catch((err) => this.log.warn({ id, err }, (err as Error).message));
    }
  }

  private hookState(s: StoredState, status: HookState['status']): HookState {
    return { ociVersion: s.ociVersion, id: s.id, status, pid: status === 'stopped' ? 0 : s.pid, bundle: s.bundle, annotations: s.annotations ?? {} };
  }

  /**
   * Runs another process in a created or running container (runc exec): it
   * joins the namespaces of the container's init and its cgroup, then runs
   * `process` (config.json's process shape) at once. Resolves when the
   * process is about to exec; its exit is the returned `exited`.
   */
  exec(id: string, process: Process, opts: ExecOptions = {}): Promise<Container> {
    return asRuntimeError(`exec in container ${id}`, () => this.doExec(id, process, opts));
  }

  private async doExec(id: string, proc: Process, opts: ExecOptions): Promise<Container> {
    checkStdio(opts.stdio);
    validateProcess(proc);
    const s = await this.store.read(id);
    const status = this.statusOf(s);
    if (status !== 'created' && status !== 'running') throw new RuntimeError('FailedPrecondition', `cannot exec in container ${id}: it is ${status}`);
    const namespaces: LinuxNamespace[] = (s.namespaces ?? ['pid', 'ipc', 'uts', 'mount', 'network']).map((type) => ({ type: type as LinuxNamespaceType }));
    const program = s.seccomp ? Buffer.from(s.seccomp.program, 'base64') : undefined;
    const seccomp: CompiledSeccomp | undefined = s.seccomp && program && { flags: s.seccomp.flags, program, length: program.length / 8 };
    if (s.rootfs) proc = await withHomeEnv(proc, s.rootfs);
    const plan = compileExecPlan(proc, s.pid, namespaces, seccomp, s.sessionKeyring);
    const cg = s.cgroupsPath ? this.cgroups() : null;
    if (this.tracksExits) this.ensureSubreaper();
    const preserveFds = checkPreserveFds(opts.preserveFds);
    const monitor = spawnMonitor(opts, proc.terminal === true, undefined);
    const consoleChannel = openConsoleChannel(monitor ? false : proc.terminal === true, monitor ? {} : opts);
    let p: InitProcess;
    let terminal: number | null;
    try {
      p = await spawnInit({
        plan: encodePlan(plan),
        stdio: consoleChannel.childFd === undefined ? opts.stdio : undefined, // a terminal replaces stdio
        reap: this.tracksExits,
        logger: this.log,
        timeoutMs: this.options.createTimeoutMs,
        consoleSocket: consoleChannel.childFd,
        preserveFds,
        monitor,
        onPid: async (pid) => {
          if (s.cgroupsPath && cg) await cg.addProcess(s.cgroupsPath, pid);
        },
      });
      consoleChannel.releaseChild();
      try {
        terminal = await consoleChannel.receive();
      } catch (err) {
        // a process whose terminal nobody can reach must not run on
        process.kill(p.pid, 'SIGKILL');
        await p.exited.catch(() => {});
        throw err;
      }
    } finally {
      consoleChannel.close();
    }
    this.log.info({ id, pid: p.pid, monitor: p.monitor?.pid }, 'process exec\'d in container');
    const handle = p.monitor && opts.monitor && { ...p.monitor, socket: opts.monitor.socket };
    return { pid: p.pid, stdin: p.stdin, stdout: p.stdout, stderr: p.stderr, exited: p.exited, terminal, monitor: handle };
  }

  /** The OCI state; NotFound for an unknown id. */
  state(id: string): Promise<ContainerState> {
    return asRuntimeError(`state of container ${id}`, () => this.doState(id));
  }

  private async doState(id: string): Promise<ContainerState> {
    const s = await this.store.read(id);
    const status = this.statusOf(s);
    return {
      ociVersion: s.ociVersion,
      id: s.id,
      status,
      pid: status === 'stopped' ? 0 : s.pid,
      bundle: s.bundle,
      rootfs: s.rootfs,
      annotations: s.annotations ?? {},
      created: s.created,
    };
  }

  list(): Promise<ContainerState[]> {
    return asRuntimeError('list containers', () => this.doList());
  }

  private async doList(): Promise<ContainerState[]> {
    const out: ContainerState[] = [];
    for (const id of await this.store.ids()) {
      try {
        out.push(await this.doState(id));
      } catch (err) {
        if (!(err instanceof RuntimeError && err.code === 'NotFound')) throw err;
      }
    }
    return out;
  }

  /** Sends a signal to the container's init, or with `all` to every process of its cgroup. */
  kill(id: string, signal: number | string = 'SIGTERM', opts: KillOptions = {}): Promise<void> {
    return asRuntimeError(`kill container ${id}`, () => this.doKill(id, signal, opts));
  }

  private async doKill(id: string, signal: number | string, opts: KillOptions): Promise<void> {
    const sig = parseSignal(signal);
    const s = await this.store.read(id);
    const status = this.statusOf(s);
    if (status !== 'created' && status !== 'running' && status !== 'paused') {
      throw new RuntimeError('FailedPrecondition', `cannot kill container ${id}: it is ${status}`);
    }
    await this.signal(s, sig, opts.all ?? false);
  }

  private async signal(s: StoredState, sig: number, all: boolean): Promise<void> {
    // never 0 or negative: kill(2) would take those as process groups
    if (!Number.isInteger(s.pid) || s.pid <= 0) return;
    const pids = new Set<number>([s.pid]);
    const cg = s.cgroupsPath ? this.cgroups() : null;
    if (all && s.cgroupsPath && cg) for (const p of await cg.pids(s.cgroupsPath)) pids.add(p);
    for (const pid of pids) {
      try {
        if (pid > 0) process.kill(pid, sig);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw new RuntimeError('Internal', `kill ${pid}: ${(err as Error).message}`);
      }
    }
  }

  private async waitStopped(s: StoredState, timeoutMs = 10_000): Promise<void> {
    const exit = this.exits.get(s.id);
    const deadline = Date.now() + timeoutMs;
    if (exit) {
      const timedOut = await Promise.race([exit.then(() => false, () => false), sleep(timeoutMs).then(() => true)]);
      if (!timedOut) return;
    }
    for (let delay = 2; isAlive(readProcInfo(s.pid), s.pidStartTime); delay = Math.min(delay * 2, 50)) {
      if (Date.now() > deadline) throw new RuntimeError('Unavailable', `container ${s.id}: process ${s.pid} did not exit`);
      await sleep(delay);
    }
  }

  /**
   * Deletes a container: its state and cgroup. A running (or creating)
   * container is refused unless `force`, which kills it and waits; a created
   * one is killed, as runc does.
   */
  delete(id: string, opts: DeleteOptions = {}): Promise<void> {
    return asRuntimeError(`delete container ${id}`, () => this.doDelete(id, opts));
  }

  private async doDelete(id: string, opts: DeleteOptions): Promise<void> {
    let s: StoredState;
    try {
      s = await this.store.read(id);
    } catch (err) {
      // a directory without state.json: a create that died before writing it
      if (err instanceof RuntimeError && err.code === 'NotFound' && existsSync(this.store.dir(id))) {
        await this.store.remove(id);
        return;
      }
      throw err;
    }
    // refused before anything is killed
    this.checkHostRootfsNs(s, `delete container ${id}: detach its mounts on ${s.rootfs}`);
    const status = this.statusOf(s);
    if ((status === 'running' || status === 'paused' || status === 'creating') && !opts.force) {
      throw new RuntimeError('FailedPrecondition', `cannot delete container ${id}: it is ${status} (stop it first, or force)`);
    }
    if (status === 'running' || status === 'created' || status === 'paused') {
      await this.signal(s, osc.signals.SIGKILL, true);
      // a frozen process only dies once thawed
      if (status === 'paused') await this.cgroups()?.freeze(s.cgroupsPath!, false);
      await this.waitStopped(s);
    }
    const cg = s.cgroupsPath ? this.cgroups() : null;
    if (s.cgroupsPath && cg) {
      // processes that escaped the init's pid namespace (none, normally)
      for (const p of await cg.pids(s.cgroupsPath)) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // gone
        }
      }
      try {
        await cg.destroy(s.cgroupsPath);
      } catch (err) {
        throw new RuntimeError('Internal', `delete container ${id}: remove cgroup ${s.cgroupsPath}: ${(err as Error).message}`, { cause: err });
      }
    }
    this.releaseHostRootfs(s, false);
    // a failed poststop hook is a warning: the delete goes on
    for (const hook of s.hooks?.poststop ?? []) {
      await runHooks('poststop', [hook], this.hookState(s, 'stopped')).catch((err) => this.log.warn({ id, err }, (err as Error).message));
    }
    await this.store.remove(id);
    this.exits.delete(id);
    this.log.info({ id }, 'container deleted');
  }

  /** The container's cgroup and its manager; FailedPrecondition when it has none. */
  private async cgroupOf(id: string, what: string): Promise<{ s: StoredState; status: ContainerStatus; cg: CgroupManager; path: string }> {
    const s = await this.store.read(id);
    const status = this.statusOf(s);
    const cg = s.cgroupsPath ? this.cgroups() : null;
    if (!s.cgroupsPath || !cg) throw new RuntimeError('FailedPrecondition', `cannot ${what} container ${id}: it has no cgroup (linux.cgroupsPath is not set)`);
    return { s, status, cg, path: s.cgroupsPath };
  }

  /** Freezes every process of a running container (runc pause); its status becomes `paused`. */
  pause(id: string): Promise<void> {
    return asRuntimeError(`pause container ${id}`, async () => {
      const { status, cg, path } = await this.cgroupOf(id, 'pause');
      if (status !== 'running') throw new RuntimeError('FailedPrecondition', `cannot pause container ${id}: it is ${status}, not running`);
      await cg.freeze(path, true);
      this.log.info({ id }, 'container paused');
    });
  }

  /** Thaws a paused container (runc resume). */
  resume(id: string): Promise<void> {
    return asRuntimeError(`resume container ${id}`, async () => {
      const { status, cg, path } = await this.cgroupOf(id, 'resume');
      if (status !== 'paused') throw new RuntimeError('FailedPrecondition', `cannot resume container ${id}: it is ${status}, not paused`);
      await cg.freeze(path, false);
      this.log.info({ id }, 'container resumed');
    });
  }

  /** Applies new linux.resources to a live container's cgroup (runc update); fields left out keep their value. */
  update(id: string, resources: LinuxResources): Promise<void> {
    return asRuntimeError(`update container ${id}`, async () => {
      validateResources(resources);
      const { status, cg, path } = await this.cgroupOf(id, 'update');
      if (status === 'stopped') throw new RuntimeError('FailedPrecondition', `cannot update container ${id}: it is stopped`);
      try {
        await cg.update(path, resources);
      } catch (err) {
        throw new RuntimeError('InvalidArgument', `update container ${id}: ${(err as Error).message}`, { cause: err });
      }
      this.log.info({ id, resources }, 'container resources updated');
    });
  }

  /** Resource usage of the container's cgroup, in runc's `events --stats` shape. */
  stats(id: string): Promise<Stats> {
    return asRuntimeError(`stats of container ${id}`, async () => {
      const { status, cg, path } = await this.cgroupOf(id, 'read the stats of');
      if (status === 'stopped') throw new RuntimeError('FailedPrecondition', `container ${id} is not running`);
      return cg.stats(path);
    });
  }

  /** How many processes the OOM killer killed in the container's cgroup so far (0 without a memory controller). */
  oomKills(id: string): Promise<number> {
    return asRuntimeError(`OOM kills of container ${id}`, async () => {
      const { cg, path } = await this.cgroupOf(id, 'count the OOM kills of');
      return cg.oomKills(path);
    });
  }

  /**
   * runc events: stats every `intervalMs` and an `oom` event each time the
   * OOM killer kills in the container's cgroup; ends when the container stops.
   */
  async *events(id: string, opts: EventsOptions = {}): AsyncGenerator<RuntimeEvent> {
    const { status, cg, path } = await asRuntimeError(`events of container ${id}`, () => this.cgroupOf(id, 'watch'));
    if (status === 'stopped') throw new RuntimeError('FailedPrecondition', `container ${id} is not running`);
    if (opts.statsOnly) {
      yield { type: 'stats', id, data: await cg.stats(path) };
      return;
    }
    yield* containerEvents(
      {
        id,
        stats: () => cg.stats(path),
        oomKills: () => cg.oomKills(path),
        running: async () => {
          try {
            return this.statusOf(await this.store.read(id)) !== 'stopped';
          } catch {
            return false;
          }
        },
      },
      opts.intervalMs ?? 5000,
      opts.signal,
    );
  }

  /** Pids of every process in the container's cgroup (runc ps), sorted. */
  ps(id: string): Promise<number[]> {
    return asRuntimeError(`ps of container ${id}`, async () => {
      const { status, cg, path } = await this.cgroupOf(id, 'list the processes of');
      if (status === 'stopped') throw new RuntimeError('FailedPrecondition', `container ${id} is not running`);
      return (await cg.pids(path)).sort((a, b) => a - b);
    });
  }

  /** The exit of a container created by this Runtime object, if it still knows it. */
  exited(id: string): Promise<ExitInfo> | undefined {
    return this.exits.get(id);
  }
}
