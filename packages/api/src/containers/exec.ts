// docker exec: processes run in a running container, each with its own stdio
// and exit code, kept by ced as Docker's daemon keeps its exec configs.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CeError, DeferredAttach, failedPrecondition, failureFacts, invalidArgument, notFound, parseDetachKeys, type AttachOptions, type AttachSession, type Logger } from '@ce/protocol';
import type { SupervisorApi } from '@ce/supervisor';
import { noEvents, type EventPublisher } from '../events/event-publisher.js';
import { mergeEnv } from './process-args.js';
import { parseUserSpec, type ExecUser } from './process-user.js';
import type { ContainerRecord } from './record.js';

/** What ExecService needs of the containers. */
export interface ExecContainers {
  resolve(ref: string): ContainerRecord;
  /** `user` resolved against the container's own /etc/passwd and /etc/group, as they are now. */
  userInContainer(record: ContainerRecord, user: string): Promise<ExecUser>;
}

export interface ExecConfig {
  cmd: string[];
  env: string[];
  user: string;
  workingDir: string;
  tty: boolean;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  detachKeys: string;
  consoleSize?: { width: number; height: number };
}

export interface ExecRecord {
  id: string;
  containerId: string;
  config: ExecConfig;
  state: 'created' | 'starting' | 'running' | 'exited';
  pid: number;
  exitCode: number;
  exited: Promise<void>;
  exitedAt?: number;
}

/** Docker's exit code of an exec that could not be started (its command, user or cwd). */
export const EXEC_START_FAILED = 126;
/** How long an exited exec stays inspectable once its container has stopped or a newer exec came. */
const KEEP_EXITED_MS = 60 * 60 * 1000;

/**
 * The runtime's words for a process that could not be started, as Docker's
 * daemon wraps runc's; the facts (a missing or forbidden executable) stay, so
 * that the Docker API answers 400 for them as dockerd does.
 */
function ociExecFailure(err: unknown): Error {
  const message = (err as Error).message ?? String(err);
  return new CeError('FailedPrecondition', `OCI runtime exec failed: exec failed: unable to start container process: ${message}: unknown`, { ...failureFacts(err), cause: err });
}

export class ExecService {
  private readonly execs = new Map<string, ExecRecord & { settle: () => void; pending: Set<DeferredAttach> }>();

  constructor(
    private readonly containers: ExecContainers,
    private readonly supervisor: SupervisorApi,
    private readonly tasksDir: string,
    private readonly logger: Logger,
    private readonly events: EventPublisher = noEvents,
  ) {}

  /** docker exec's create: checked against the container now (running, not paused), run at start. */
  create(ref: string, config: ExecConfig): string {
    const record = this.containers.resolve(ref);
    const status = record.State.Status;
    if (status === 'paused') throw failedPrecondition(`Container ${ref} is paused, unpause the container before exec`);
    if (status !== 'running') throw failedPrecondition(`Container ${record.Id} is not running`);
    if (config.cmd.length === 0) throw invalidArgument('No exec command specified');
    if (config.detachKeys) {
      try {
        parseDetachKeys(config.detachKeys);
      } catch (err) {
        throw invalidArgument((err as Error).message);
      }
    }
    if (config.user) parseUserSpec(config.user);
    this.prune();
    const id = randomBytes(32).toString('hex');
    let settle!: () => void;
    const exited = new Promise<void>((resolve) => (settle = resolve));
    this.execs.set(id, { id, containerId: record.Id, config, state: 'created', pid: 0, exitCode: 0, exited, settle, pending: new Set() });
    this.events.container(record, `exec_create: ${commandLine(config.cmd)}`, { execID: id });
    this.logger.info({ id: record.Id, execId: id, cmd: config.cmd }, 'exec created');
    return id;
  }

  /**
   * Attaches to an exec: before its start the attach is held and joined to
   * the process before it runs, so no output is lost.
   */
  attach(requested: AttachOptions): AttachSession {
    const exec = this.get(requested.execId ?? '');
    const options: AttachOptions = { ...requested, id: exec.containerId, stdin: requested.stdin && exec.config.attachStdin };
    if (exec.state === 'running') return this.supervisor.attachTask(options);
    const deferred: DeferredAttach = new DeferredAttach(options, () => exec.pending.delete(deferred));
    if (exec.state === 'exited') deferred.abandon();
    else exec.pending.add(deferred);
    return deferred;
  }

  /** Runs the exec; a failure to start (command, user, cwd) is the error, and the exec's exit code is 126. */
  async start(execId: string): Promise<void> {
    const exec = this.get(execId);
    if (exec.state !== 'created') throw failedPrecondition(`Error: Exec command ${execId} is already running`);
    exec.state = 'starting';
    const id = exec.containerId;
    let added = false;
    try {
      const record = this.containers.resolve(id);
      if (record.State.Status !== 'running') throw failedPrecondition(`Container ${id} is not running`);
      const user = await this.containers.userInContainer(record, exec.config.user || record.Config.User);
      const base = await this.containerProcess(id);
      const env = mergeEnv(base.env, exec.config.tty && !base.env.some((e) => e.startsWith('TERM=')) ? ['TERM=xterm'] : [], exec.config.env);
      await this.supervisor.execTask({
        id,
        execId,
        args: exec.config.cmd,
        env,
        uid: user.uid,
        gid: user.gid,
        additionalGids: user.additionalGids,
        cwd: exec.config.workingDir || base.cwd,
        terminal: exec.config.tty,
        stdin: exec.config.attachStdin,
        consoleSize: exec.config.consoleSize,
      });
      added = true;
      for (const deferred of exec.pending) await deferred.connect(this.supervisor.attachTask({ ...deferred.options, execId }));
      exec.pending.clear();
      try {
        const { pid } = await this.supervisor.startTask({ id, execId });
        exec.pid = pid;
      } catch (err) {
        throw ociExecFailure(err);
      }
    } catch (err) {
      for (const deferred of exec.pending) deferred.abandon();
      exec.pending.clear();
      if (added) await this.supervisor.deleteTask({ id, execId }).catch(() => undefined);
      this.finish(exec, EXEC_START_FAILED);
      this.logger.info({ id, execId, err: (err as Error).message }, 'exec failed to start');
      throw err;
    }
    exec.state = 'running';
    this.publish(exec, `exec_start: ${commandLine(exec.config.cmd)}`, { execID: execId });
    this.logger.info({ id, execId, pid: exec.pid }, 'exec started');
    void this.supervisor.waitTask({ id, execId }).then(
      async (exit) => {
        this.finish(exec, exit.exitStatus);
        await this.supervisor.deleteTask({ id, execId }).catch(() => undefined);
      },
      // The container (and so the exec) ended and its task is gone.
      () => this.finish(exec, 137),
    );
  }

  /** The exec's state; with `wait`, once it has exited (or failed to start). */
  async inspect(execId: string, wait: boolean): Promise<ExecRecord> {
    const exec = this.get(execId);
    if (wait && exec.state !== 'created') await exec.exited;
    return exec;
  }

  resize(execId: string, width: number, height: number): Promise<void> {
    const exec = this.get(execId);
    if (exec.state !== 'running') throw failedPrecondition(`exec ${execId} is not running`);
    return this.supervisor.resizeTaskPty({ id: exec.containerId, execId, width, height });
  }

  /** Signals a running exec's process (a health probe past its timeout). */
  async kill(execId: string, signal: number): Promise<void> {
    const exec = this.get(execId);
    if (exec.state !== 'running') return;
    await this.supervisor.killTask({ id: exec.containerId, execId, signal, all: false });
  }

  /** Drops an exited exec at once (health probes: one per interval would otherwise pile up for an hour). */
  forget(execId: string): void {
    if (this.execs.get(execId)?.state === 'exited') this.execs.delete(execId);
  }

  private finish(exec: ExecRecord & { settle: () => void }, exitCode: number): void {
    if (exec.state === 'exited') return;
    exec.state = 'exited';
    exec.exitCode = exitCode;
    exec.exitedAt = Date.now();
    exec.settle();
    this.publish(exec, 'exec_die', { execID: exec.id, exitCode: String(exitCode) });
    this.logger.info({ id: exec.containerId, execId: exec.id, exitCode }, 'exec exited');
  }

  /** An exec's event on its container, if the container still exists. */
  private publish(exec: ExecRecord, action: `exec_start: ${string}` | 'exec_die', extra: Record<string, string>): void {
    let record: ContainerRecord;
    try {
      record = this.containers.resolve(exec.containerId);
    } catch {
      return;
    }
    this.events.container(record, action, extra);
  }

  /** The container's own process (env, cwd) from its bundle: the base of every exec's. */
  private async containerProcess(id: string): Promise<{ env: string[]; cwd: string }> {
    const spec = JSON.parse(await readFile(join(this.tasksDir, id, 'config.json'), 'utf8')) as { process?: { env?: string[]; cwd?: string } };
    return { env: spec.process?.env ?? [], cwd: spec.process?.cwd || '/' };
  }

  /** Forgets exited execs of containers that stopped, and those exited long ago. */
  private prune(): void {
    const now = Date.now();
    for (const [id, exec] of this.execs) {
      if (exec.state !== 'exited') continue;
      let running = false;
      try {
        running = this.containers.resolve(exec.containerId).State.Status === 'running';
      } catch {
        // removed
      }
      if (!running || now - (exec.exitedAt ?? now) > KEEP_EXITED_MS) this.execs.delete(id);
    }
  }

  private get(execId: string): ExecRecord & { settle: () => void; pending: Set<DeferredAttach> } {
    const exec = this.execs.get(execId);
    if (!exec) throw notFound(`No such exec instance: ${execId}`);
    return exec;
  }
}

/** Docker's event text of an exec's command: its entrypoint, a space, then its arguments (so "ls " for a bare ls). */
function commandLine(cmd: readonly string[]): string {
  return `${cmd[0] ?? ''} ${cmd.slice(1).join(' ')}`;
}
