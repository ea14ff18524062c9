import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Process } from '@ce/runtime/spec';
import {
  failedPrecondition,
  invalidArgument,
  alreadyExists,
  notFound,
  Broadcaster,
  Laps,
  DEFAULT_NAMESPACE,
  type AttachOptions,
  type AttachSession,
} from '@ce/protocol';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import type * as shim from '@ce/protocol/gen/ce/shim/v1/shim';
import type { CgroupStats } from '@ce/protocol/gen/ce/types/v1/resources';
import type { LinuxResources, MonitorHandle, MonitorLogWriteReport, MonitorOptions, Stats } from '@ce/runtime';
import { TaskStatus, type ExitStatus } from '@ce/protocol/gen/ce/types/v1/task';
import type { Readable, Writable } from 'node:stream';
import { toCgroupStats, toLinuxResources } from './cgroup-figures.js';
import { ContainerLog } from './io/container-log.js';
import { criFormat, jsonFileFormat, localFormat } from './io/log-entry-format.js';
import { logWriteProblem, type LogWriteProblem } from './io/log-file-writer.js';
import { StdioHub, type ProcessStdio, type TaskStdio } from './io/stdio-hub.js';
import { IN_PROCESS_RUNTIME, MONITOR_SOCKET_PATH_MAX, monitorSocketPath, taskLogSettings, whyNotMonitored, type ShimLogSettings } from './monitor/monitor-placement.js';
import { MonitorStdio } from './monitor/monitor-stdio.js';
import { ExecMonitorStdio } from './monitor/exec-monitor-stdio.js';
import { killOrphanedExec } from './monitor/orphaned-exec.js';
import { EXECS_DIR, execMonitorPaths } from './monitor/exec-paths.js';
import { terminalStdio } from './io/terminal-stdio.js';
import { bundleProcess, execProcessSpec } from './exec-spec.js';
import type { Logger } from '@ce/protocol';
import { readExitFile, writeExitFile } from './exit-file.js';
import { followMonitorReports, monitorDone, monitorExit, monitorRequest } from './monitor/monitor-client.js';
import { removeTaskRecord, writeTaskRecord, type MonitoredExecRecord, type MonitoredTaskRecord } from './monitor/task-record.js';
import { OomWatch } from './oom-watch.js';
import { mountRootfs, unmountRootfs } from './rootfs.js';
import type { TaskApi } from './task-api.js';

/** A process the runtime started: its pid, its stdio pipes or pty master, and its exit. */
export interface RuntimeProcess {
  pid: number;
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  /** The pty master fd when the process has a terminal (the shim's to close). */
  terminal?: number | null;
  exited: Promise<{ exitStatus: number; exitedAt: Date; oomKilled?: boolean }>;
  /** Started under ce-monitor (ProcessIoOptions.monitor): it holds the stdio and writes the log. */
  monitor?: MonitorHandle;
}

/** How the shim asks for a process's stdio: pipes, or the pty master handed back. */
export interface ProcessIoOptions {
  stdio?: ['pipe' | 'ignore', 'pipe', 'pipe'];
  receiveTerminal?: boolean;
  /** In-process runtime only: start the container, or the exec, under ce-monitor (decision 0029). */
  monitor?: MonitorOptions;
}

/** The shim's choice of where a task's stdio, log and exit status are held. */
export interface ShimTaskOptions {
  /**
   * Start containers of the in-process runtime under ce-monitor, its socket in
   * this folder (`<id>.mon`), when the monitor can write their log (json-file
   * without compress, or none); otherwise, and by default, the shim holds them.
   * The execs of a task under a monitor run under monitors of their own.
   */
  monitorSocketDir?: string;
}

/** What the shim needs of @ce/runtime (or of any runtime with the same calls). */
export interface RuntimeLike {
  create(id: string, bundle: string, options: ProcessIoOptions): Promise<RuntimeProcess>;
  exec(id: string, process: Process, options: ProcessIoOptions): Promise<RuntimeProcess>;
  start(id: string): Promise<void>;
  kill(id: string, signal: number | string, options?: { all?: boolean }): Promise<void>;
  delete(id: string, options?: { force?: boolean }): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  update(id: string, resources: LinuxResources): Promise<void>;
  stats(id: string): Promise<Stats>;
  ps(id: string): Promise<number[]>;
  oomKills(id: string): Promise<number>;
  /** The container's status as the runtime knows it ('created', 'running', 'paused', 'stopped'); for adopting a task. */
  state?(id: string): Promise<{ status: string }>;
}

type ExitInfoLike = { exitStatus: number; exitedAt: Date; oomKilled?: boolean; reason?: string };

interface TaskRecord {
  id: string;
  namespace: string;
  labels: Record<string, string>;
  bundle: string;
  pid: number;
  status: TaskStatus;
  exit?: ExitStatus;
  terminal: boolean;
  stdin: boolean;
  hub: TaskStdio;
  log: ContainerLog | null;
  mounted: string[];
  exited: Promise<ExitStatus>;
  execs: Map<string, ExecRecord>;
  oom: OomWatch;
  /** Under ce-monitor with a monitor folder: what is kept on disk for a host that adopts the task. */
  record?: MonitoredTaskRecord;
}

/** An exec process: added (created), started (running), exited (stopped); each with its own exit status. */
interface ExecRecord {
  execId: string;
  /** An adopted exec keeps only its terminal and stdin flags: it has started. */
  request: shim.ExecProcessRequest;
  status: TaskStatus;
  pid: number;
  exit?: ExitStatus;
  /** The shim's own (StdioHub), or its monitor's: held until it starts (ExecMonitorStdio), adopted (MonitorStdio). */
  hub: StdioHub | ExecMonitorStdio | MonitorStdio;
  exited: Promise<ExitStatus>;
  settle: (exit: ExitStatus) => void;
  /** Under a ce-monitor of its own (its task is under one): its socket and the folder of its exit status. */
  monitor?: { socket: string; exitDir: string };
}

/**
 * How long an exec's monitor holds its output for the sessions attached before its start: they are
 * connected within milliseconds; a host killed meanwhile has its successor release it when it adopts the
 * exec, and a monitor whose host does not come back reads it anyway after this.
 */
const EXEC_OUTPUT_HOLD_MS = 30_000;

function ioOptions(terminal: boolean, stdin: boolean): ProcessIoOptions {
  return terminal ? { receiveTerminal: true } : { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] };
}

function processStdio(proc: RuntimeProcess): ProcessStdio {
  return proc.terminal != null ? terminalStdio(proc.terminal) : proc;
}

/**
 * The one task a shim owns, in containerd's order: create, start, exit,
 * delete. Its state lives in this process, which outlives ced.
 */
export class ShimTask implements TaskApi {
  private task: TaskRecord | undefined;
  private deleted = false;
  private readonly broadcaster = new Broadcaster<TaskEvent>();

  constructor(
    private runtime: RuntimeLike,
    private readonly logger: Logger,
    private readonly onShutdown: () => void,
    /** The runtime for a task whose CreateTaskRequest names a runc-compatible binary. */
    private readonly binaryRuntime?: (name: string, path: string) => RuntimeLike,
    private readonly options: ShimTaskOptions = {},
  ) {}

  async create(req: shim.CreateTaskRequest): Promise<shim.CreateTaskResponse> {
    if (this.task || this.deleted) throw alreadyExists(`task ${req.id} already exists in this shim`);
    if (!req.id) throw invalidArgument('create: id is required');
    if (!req.bundle || !existsSync(req.bundle)) throw invalidArgument(`create: bundle ${req.bundle || '(empty)'} does not exist`);
    if (req.runtime && req.runtime !== IN_PROCESS_RUNTIME) {
      if (!req.runtimePath) throw invalidArgument(`create: runtime ${req.runtime} has no runtime_path`);
      if (!this.binaryRuntime) throw failedPrecondition(`create: this shim cannot run runtime ${req.runtime}`);
      this.runtime = this.binaryRuntime(req.runtime, req.runtimePath);
    }
    const laps = new Laps();
    const logging = taskLogSettings(req);
    const logProblem = this.logProblemReporter(req.id);
    const monitor = this.monitorOptions(req, logging, logProblem);
    const mounted = req.rootfs.length ? mountRootfs(req.bundle, req.rootfs) : [];
    laps.lap('mount');
    let log: ContainerLog | null = null;
    try {
      const proc = await this.runtime.create(req.id, req.bundle, monitor ? { monitor } : ioOptions(req.terminal, req.stdin));
      laps.lap('runtimeCreate');
      log = !proc.monitor && req.logPath && logging.driver !== 'none' ? this.openLog(req.logPath, logging, logProblem) : null;
      const hub = proc.monitor ? new MonitorStdio(proc.monitor.socket, proc.monitor.done) : new StdioHub(processStdio(proc), log);
      const oom = this.oomWatch(req.id);
      await oom.start();
      laps.lap('log');
      const exited = this.followExit(req.id, req.bundle, proc.exited, proc.monitor?.socket, oom);
      // What the task is, as kept in memory and, under a monitor, in the record a later host adopts it from.
      const identity = {
        id: req.id,
        namespace: req.namespace || DEFAULT_NAMESPACE,
        labels: { ...req.labels },
        bundle: req.bundle,
        pid: proc.pid,
        terminal: req.terminal,
        stdin: req.stdin,
        mounted,
      };
      const record =
        proc.monitor && this.options.monitorSocketDir ? { ...identity, socket: proc.monitor.socket, ...(monitor?.log ? { logPath: monitor.log.path } : {}) } : undefined;
      if (record) writeTaskRecord(this.options.monitorSocketDir!, record);
      this.task = {
        ...identity,
        status: TaskStatus.TASK_STATUS_CREATED,
        hub,
        log,
        exited,
        execs: new Map(),
        oom,
        record,
      };
      void exited.then((exit) => this.onExit(exit), (err) => this.logger.error({ err }, 'waiting for the task failed'));
      laps.lap('record');
      this.logger.info({ id: req.id, pid: proc.pid, monitor: proc.monitor?.pid, timings: laps.ms }, 'task created');
      this.emit({ create: { bundle: req.bundle, pid: proc.pid } });
      return { pid: proc.pid };
    } catch (err) {
      await log?.close();
      await unmountRootfs(mounted).catch((e) => this.logger.error({ err: e }, 'unmounting rootfs after a failed create'));
      throw err;
    }
  }

  /**
   * Where ce-monitor is to hold the task (decision 0029), or undefined for the shim
   * itself (a runc-compatible binary; a socket path too long). The monitor writes
   * every log driver: json-file and local, rotated and compressed, and the CRI format.
   */
  private monitorOptions(req: shim.CreateTaskRequest, logging: ShimLogSettings, onProblem: (p: LogWriteProblem) => void): MonitorOptions | undefined {
    const dir = this.options.monitorSocketDir;
    if (!dir) return undefined;
    const why = whyNotMonitored(req, dir);
    if (why) {
      this.logger.debug({ id: req.id, why }, 'the shim holds this task, not a ce-monitor');
      return undefined;
    }
    const socket = monitorSocketPath(dir, req.id);
    const format = req.logPath && logging.driver !== 'none' ? logging.driver : undefined;
    if (format) mkdirSync(dirname(req.logPath), { recursive: true, mode: 0o700 });
    return {
      socket,
      exitDir: req.bundle,
      stdin: req.stdin,
      log: format ? { path: req.logPath, maxSize: logging.maxSize, maxFiles: logging.maxFiles, format, compress: logging.compress } : undefined,
      diagnostics: join(req.bundle, 'monitor.log'),
      onLogWrite: (r) => onProblem(monitorLogProblem(req.logPath, r)),
    };
  }

  /** Logs a log-write report as a warning and sends it as the task's warning event (ced logs it). */
  private logProblemReporter(id: string): (p: LogWriteProblem) => void {
    return (p) => {
      this.logger.warn({ id, kind: p.kind, code: p.code, droppedLines: p.droppedLines, droppedBytes: p.droppedBytes }, p.message);
      this.emit({ warning: { kind: p.kind, message: p.message } }, id);
    };
  }

  private oomWatch(id: string): OomWatch {
    return new OomWatch(
      () => this.runtime.oomKills(id),
      (oomKills) => {
        this.logger.warn({ id, oomKills }, 'the OOM killer killed a process of the task');
        this.emit({ oom: { oomKills } }, id);
      },
    );
  }

  /**
   * The task's exit once it is known. The status goes to disk at once (a shim killed right after its
   * container exited must not lose it; ce-monitor writes it itself); an OOM kill that ended the task is
   * then read and reported before the exit, to waiters and to events alike.
   */
  private followExit(id: string, bundle: string, exit: Promise<ExitInfoLike>, monitorSocket: string | undefined, oom: OomWatch): Promise<ExitStatus> {
    const monitored = monitorSocket !== undefined;
    return (monitored ? exit.catch((err: Error) => this.monitorLost(id, monitorSocket, err)) : exit).then(async (e): Promise<ExitStatus> => {
      oom.stop();
      const reason = 'reason' in e ? String(e.reason) : '';
      const status: ExitStatus = { exitStatus: e.exitStatus, exitedAt: e.exitedAt, reason, oomKilled: oom.killed || e.oomKilled === true };
      if (!monitored || reason) this.recordExit(id, bundle, status);
      await oom.check();
      return { ...status, oomKilled: oom.killed || status.oomKilled };
    });
  }

  /**
   * Takes over a task that another shim host process created under ce-monitor
   * (decision 0029): the container ran on while no shim was there, its log and
   * exit status were written by its monitor. Its state comes from the record,
   * the runtime and the monitor.
   */
  async adopt(record: MonitoredTaskRecord): Promise<void> {
    if (this.task || this.deleted) throw alreadyExists(`task ${record.id} already exists in this shim`);
    const recorded = readExitFile(record.bundle);
    const runtimeStatus = (await this.runtime.state?.(record.id))?.status;
    const done = monitorDone(record.socket);
    const exitLine = recorded ? Promise.resolve(recorded) : monitorExit(record.socket);
    const exitInfo = exitLine.then((e) => {
      if (e) return e;
      // The monitor is gone: it recorded the exit on disk before it ended, or it died.
      const onDisk = readExitFile(record.bundle);
      if (onDisk) return onDisk;
      throw new Error(`its socket ${record.socket} does not answer and it recorded no exit`);
    });
    const oom = this.oomWatch(record.id);
    if (!recorded) await oom.start();
    const exited = this.followExit(record.id, record.bundle, exitInfo.then((e) => ({ ...e, exitedAt: e.exitedAt ?? new Date() })), record.socket, oom);
    const { execs: execRecords = [], ...taskRecord } = record;
    const task: TaskRecord = {
      id: record.id,
      namespace: record.namespace,
      labels: record.labels,
      bundle: record.bundle,
      pid: record.pid,
      status: runtimeStatus === 'created' ? TaskStatus.TASK_STATUS_CREATED : runtimeStatus === 'paused' ? TaskStatus.TASK_STATUS_PAUSED : TaskStatus.TASK_STATUS_RUNNING,
      terminal: record.terminal,
      stdin: record.stdin,
      hub: new MonitorStdio(record.socket, done),
      log: null,
      mounted: record.mounted,
      exited,
      execs: new Map(),
      oom,
      record: taskRecord,
    };
    this.task = task;
    void exited.then((exit) => this.onExit(exit), (err) => this.logger.error({ err }, 'waiting for the task failed'));
    if (record.logPath && !recorded) {
      const { logPath } = record;
      const logProblem = this.logProblemReporter(record.id);
      followMonitorReports(record.socket, (r) => logProblem(monitorLogProblem(logPath, r)));
    }
    for (const r of execRecords) {
      const e = await this.adoptExec(task, r);
      if (e) task.execs.set(e.execId, e);
    }
    if (execRecords.length !== task.execs.size) this.saveRecord(task);
    this.logger.info({ id: record.id, pid: record.pid, status: runtimeStatus, exited: !!recorded, execs: [...task.execs.keys()] }, 'task adopted from its monitor');
  }

  /**
   * An exec that ran on under its monitor while no host was there: its exit is on disk, or its monitor
   * tells it. One whose start the previous host did not see through (no pid, no monitor) never ran.
   */
  private async adoptExec(task: TaskRecord, r: MonitoredExecRecord): Promise<ExecRecord | undefined> {
    const recorded = readExitFile(r.exitDir);
    // The previous host may have died before it released the output held for its sessions.
    void monitorRequest(r.socket, 'release').catch(() => undefined);
    let pid = r.pid;
    if (!pid && !recorded) pid = Number(await monitorRequest(r.socket, 'pid').catch(() => '0')) || 0;
    if (!pid && !recorded) {
      this.logger.warn({ id: task.id, execId: r.execId }, 'an exec whose start did not complete before the host died is dropped');
      rmSync(r.exitDir, { recursive: true, force: true });
      return undefined;
    }
    let settle!: (exit: ExitStatus) => void;
    const exited = new Promise<ExitStatus>((resolve) => (settle = resolve));
    const e: ExecRecord = {
      execId: r.execId,
      request: { id: task.id, execId: r.execId, args: [], env: [], uid: 0, gid: 0, additionalGids: [], cwd: '', terminal: r.terminal, stdin: r.stdin },
      status: recorded ? TaskStatus.TASK_STATUS_STOPPED : TaskStatus.TASK_STATUS_RUNNING,
      pid,
      exit: recorded,
      hub: new MonitorStdio(r.socket, monitorDone(r.socket)),
      exited,
      settle,
      monitor: { socket: r.socket, exitDir: r.exitDir },
    };
    if (recorded) {
      settle(recorded);
      return e;
    }
    const exit = monitorExit(r.socket).then((x) => {
      if (x) return x;
      const onDisk = readExitFile(r.exitDir);
      if (onDisk) return { ...onDisk, exitedAt: onDisk.exitedAt ?? new Date() };
      throw new Error(`its socket ${r.socket} does not answer and it recorded no exit`);
    });
    this.followExecExit(task, e, exit);
    return e;
  }

  /**
   * The monitor died before its container (decision 0016's rule for a dead shim, one level down):
   * nobody holds the container's stdio or reaps it any more, so it is killed, and exits 137 with the reason.
   */
  private async monitorLost(id: string, socket: string, err: Error): Promise<{ exitStatus: number; exitedAt: Date; reason: string; oomKilled: boolean }> {
    this.logger.error({ id, err: err.message }, 'the container\'s monitor died: killing the container');
    rmSync(socket, { force: true }); // a killed monitor could not remove it
    await this.runtime.kill(id, 9, { all: true }).catch((e: Error) => this.logger.warn({ id, err: e.message }, 'killing the container of a dead monitor'));
    return { exitStatus: 137, exitedAt: new Date(), reason: `ce-monitor died: ${err.message}`, oomKilled: false };
  }

  private openLog(path: string, logging: ShimLogSettings, onProblem: (p: LogWriteProblem) => void): ContainerLog {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    return new ContainerLog(path, {
      format: logging.driver === 'local' ? localFormat : logging.driver === 'cri' ? criFormat : jsonFileFormat,
      rotation: logging.maxSize >= 0 ? { maxSize: logging.maxSize, maxFiles: logging.maxFiles, compress: logging.compress } : undefined,
      onProblem,
    });
  }

  async start(req: shim.StartRequest): Promise<shim.StartResponse> {
    if (req.execId) return this.startExec(this.get(req.id), this.getExec(req.id, req.execId));
    const task = this.get(req.id);
    if (task.status !== TaskStatus.TASK_STATUS_CREATED) throw failedPrecondition(`task ${req.id} is not in the created state`);
    const laps = new Laps();
    await this.runtime.start(req.id);
    laps.lap('runtimeStart');
    if (task.status === TaskStatus.TASK_STATUS_CREATED) task.status = TaskStatus.TASK_STATUS_RUNNING;
    this.logger.info({ id: req.id, pid: task.pid, timings: laps.ms }, 'task started');
    this.emit({ start: { pid: task.pid } });
    return { pid: task.pid };
  }

  async kill(req: shim.KillRequest): Promise<void> {
    if (req.execId) return this.killExec(this.getExec(req.id, req.execId), req.signal || 15);
    const task = this.get(req.id);
    if (task.status === TaskStatus.TASK_STATUS_STOPPED) throw notFound(`task ${req.id}: process already finished`);
    await this.runtime.kill(req.id, req.signal || 15, { all: req.all });
  }

  async wait(req: shim.WaitRequest): Promise<ExitStatus> {
    if (req.execId) return this.getExec(req.id, req.execId).exited;
    return this.get(req.id).exited;
  }

  async delete(req: shim.DeleteRequest): Promise<shim.DeleteResponse> {
    if (req.execId) return this.deleteExec(this.get(req.id), this.getExec(req.id, req.execId));
    const task = this.get(req.id);
    if (task.status === TaskStatus.TASK_STATUS_RUNNING || task.status === TaskStatus.TASK_STATUS_PAUSED) {
      throw failedPrecondition(`task ${req.id} is running: kill it before deleting it`);
    }
    // A created task that never started is killed by a forced delete.
    const laps = new Laps();
    await this.runtime.delete(req.id, { force: task.status === TaskStatus.TASK_STATUS_CREATED });
    laps.lap('runtimeDelete');
    const exit = await task.exited;
    await task.hub.whenDrained();
    laps.lap('drained');
    for (const e of task.execs.values()) if (e.status === TaskStatus.TASK_STATUS_CREATED) e.hub.abandon();
    task.execs.clear();
    await task.log?.close();
    laps.lap('logClose');
    await unmountRootfs(task.mounted);
    laps.lap('unmount');
    if (task.record && this.options.monitorSocketDir) {
      rmSync(join(task.bundle, EXECS_DIR), { recursive: true, force: true });
      removeTaskRecord(this.options.monitorSocketDir, task.id);
    }
    this.task = undefined;
    this.deleted = true;
    this.logger.info({ id: req.id, exitStatus: exit.exitStatus, timings: laps.ms }, 'task deleted');
    const result = { pid: task.pid, exitStatus: exit.exitStatus, exitedAt: exit.exitedAt };
    this.emit({ delete: result }, req.id);
    return result;
  }

  async state(req: shim.StateRequest): Promise<shim.StateResponse> {
    const task = this.get(req.id);
    if (req.execId) {
      const e = this.getExec(req.id, req.execId);
      return {
        id: task.id,
        bundle: task.bundle,
        pid: e.pid,
        status: e.status,
        exitStatus: e.exit?.exitStatus ?? 0,
        exitedAt: e.exit?.exitedAt,
        terminal: e.request.terminal,
        stdin: e.request.stdin,
        shimPid: process.pid,
        namespace: task.namespace,
        labels: task.labels,
        execId: e.execId,
      };
    }
    return {
      id: task.id,
      bundle: task.bundle,
      pid: task.pid,
      status: task.status,
      exitStatus: task.exit?.exitStatus ?? 0,
      exitedAt: task.exit?.exitedAt,
      terminal: task.terminal,
      stdin: task.stdin,
      shimPid: process.pid,
      namespace: task.namespace,
      labels: task.labels,
    };
  }

  /**
   * Events from now on; a subscriber that comes after the task exited (ced
   * or the supervisor reconnecting) gets that exit first, as the shim keeps it
   * until the task is deleted.
   */
  events(signal: AbortSignal): AsyncIterable<TaskEvent> {
    const live = this.broadcaster.subscribe(signal);
    const exit = this.exitEvent();
    return exit ? withFirst(exit, live) : live;
  }

  /** The exit of the task once it stopped, as an event to tell a subscriber that comes later. */
  exitEvent(): TaskEvent | undefined {
    const task = this.task;
    if (!task?.exit) return undefined;
    return { id: task.id, timestamp: new Date(), exit: { pid: task.pid, exitStatus: task.exit.exitStatus, exitedAt: task.exit.exitedAt, reason: task.exit.reason, oomKilled: !!task.exit.oomKilled } };
  }

  attach(options: AttachOptions & { execId?: string }): AttachSession {
    if (options.execId) return this.getExec(options.id, options.execId).hub.attach(options);
    return this.get(options.id).hub.attach(options);
  }

  /** Adds an exec process (created); Start runs it. Refused unless the task's init runs. */
  async exec(req: shim.ExecProcessRequest): Promise<void> {
    const task = this.get(req.id);
    if (!req.execId) throw invalidArgument('exec: exec_id is required');
    if (task.execs.has(req.execId)) throw alreadyExists(`exec ${req.execId} already exists in task ${req.id}`);
    if (task.status !== TaskStatus.TASK_STATUS_RUNNING) throw failedPrecondition(`task ${req.id} is not running`);
    if (req.args.length === 0) throw invalidArgument(`exec ${req.execId}: args must not be empty`);
    let settle!: (exit: ExitStatus) => void;
    const exited = new Promise<ExitStatus>((resolve) => (settle = resolve));
    const monitor = this.execMonitorPaths(task, req.execId);
    const hub = monitor ? new ExecMonitorStdio() : new StdioHub(null, null);
    task.execs.set(req.execId, { execId: req.execId, request: req, status: TaskStatus.TASK_STATUS_CREATED, pid: 0, hub, exited, settle, monitor });
    this.emit({ execAdded: { execId: req.execId } });
  }

  /** Where an exec of a task under ce-monitor gets its own monitor; undefined: the shim holds it. */
  private execMonitorPaths(task: TaskRecord, execId: string): ExecRecord['monitor'] {
    const dir = this.options.monitorSocketDir;
    if (!task.record || !dir) return undefined;
    const paths = execMonitorPaths(dir, task.bundle, task.id, execId);
    if (Buffer.byteLength(paths.socket) <= MONITOR_SOCKET_PATH_MAX) return paths;
    this.logger.warn({ id: task.id, execId, socket: paths.socket }, 'the monitor socket path is too long for a unix socket: the shim holds this exec');
    return undefined;
  }

  /** The task's record with its execs under monitors that have started, for a host that adopts it. */
  private saveRecord(task: TaskRecord): void {
    const dir = this.options.monitorSocketDir;
    if (!task.record || !dir) return;
    const execs: MonitoredExecRecord[] = [];
    for (const e of task.execs.values()) {
      if (!e.monitor || e.status === TaskStatus.TASK_STATUS_CREATED) continue;
      execs.push({ execId: e.execId, pid: e.pid, terminal: e.request.terminal, stdin: e.request.stdin, ...e.monitor });
    }
    writeTaskRecord(dir, { ...task.record, execs });
  }

  async resizePty(req: shim.ResizePtyRequest): Promise<void> {
    const hub = req.execId ? this.getExec(req.id, req.execId).hub : this.get(req.id).hub;
    await hub.resize(req.width, req.height);
  }

  async closeIO(req: shim.CloseIORequest): Promise<void> {
    const hub = req.execId ? this.getExec(req.id, req.execId).hub : this.get(req.id).hub;
    if (req.stdin) await hub.closeStdin();
  }

  private async startExec(task: TaskRecord, e: ExecRecord): Promise<shim.StartResponse> {
    if (e.status !== TaskStatus.TASK_STATUS_CREATED) throw failedPrecondition(`exec ${e.execId} is not in the created state`);
    if (task.status !== TaskStatus.TASK_STATUS_RUNNING) throw failedPrecondition(`task ${task.id} is not running`);
    e.status = TaskStatus.TASK_STATUS_RUNNING; // a second Start is refused while this one runs
    let proc: RuntimeProcess;
    try {
      const spec = execProcessSpec(await bundleProcess(task.bundle), e.request);
      proc = await this.runtime.exec(task.id, spec, e.monitor ? { monitor: this.execMonitorOptions(task, e, e.monitor) } : ioOptions(e.request.terminal, e.request.stdin));
    } catch (err) {
      e.status = TaskStatus.TASK_STATUS_CREATED;
      if (e.monitor) {
        rmSync(e.monitor.exitDir, { recursive: true, force: true });
        this.saveRecord(task);
      }
      throw err;
    }
    e.pid = proc.pid;
    let started = () => {};
    if (e.hub instanceof ExecMonitorStdio) {
      this.saveRecord(task);
      // Its exit (it may come while the sessions are being connected) is told after its start.
      this.followExecExit(task, e, new Promise<void>((resolve) => (started = resolve)).then(() => proc.exited));
      // A task is under a monitor only with a runtime that starts one (the in-process runtime).
      await e.hub.connect(proc.monitor!.socket, proc.monitor!.done);
    } else if (e.hub instanceof StdioHub) {
      e.hub.connect(processStdio(proc));
      void proc.exited.then(
        (x) => this.onExecExit(task, e, { exitStatus: x.exitStatus, exitedAt: x.exitedAt, reason: '', oomKilled: false }),
        (err) => this.logger.error({ err, execId: e.execId }, 'waiting for an exec process failed'),
      );
    }
    this.logger.info({ id: task.id, execId: e.execId, pid: proc.pid, monitor: proc.monitor?.pid }, 'exec started');
    this.emit({ execStarted: { execId: e.execId, pid: proc.pid } }, task.id);
    started();
    return { pid: proc.pid };
  }

  /**
   * The exec's monitor options: it holds the output until the sessions attached before the start are
   * connected, and writes no log (Docker logs no exec's output); saved in the task's record before it
   * starts, so that a host that dies meanwhile leaves it to the next one.
   */
  private execMonitorOptions(task: TaskRecord, e: ExecRecord, paths: NonNullable<ExecRecord['monitor']>): MonitorOptions {
    mkdirSync(paths.exitDir, { recursive: true, mode: 0o700 });
    this.saveRecord(task);
    return { socket: paths.socket, exitDir: paths.exitDir, stdin: e.request.stdin, holdOutputMs: EXEC_OUTPUT_HOLD_MS, diagnostics: join(paths.exitDir, 'monitor.log') };
  }

  /** The exec's exit from its monitor; a monitor that dies first ends the exec (137, with the reason). */
  private followExecExit(task: TaskRecord, e: ExecRecord, exit: Promise<ExitInfoLike>): void {
    void exit
      .catch((err: Error) => this.execMonitorLost(task, e, err))
      .then((x) => this.onExecExit(task, e, { exitStatus: x.exitStatus, exitedAt: x.exitedAt, reason: 'reason' in x ? String(x.reason) : '', oomKilled: false }));
  }

  /** The exec's monitor died before its process: nobody holds its stdio or reports its exit any more, so it is killed. */
  private async execMonitorLost(task: TaskRecord, e: ExecRecord, err: Error): Promise<ExitInfoLike> {
    this.logger.error({ id: task.id, execId: e.execId, err: err.message }, 'the monitor of an exec died: killing the exec');
    const paths = e.monitor!;
    rmSync(paths.socket, { force: true });
    if (e.pid) await killOrphanedExec(e.pid, () => this.runtime.ps(task.id));
    const exit = { exitStatus: 137, exitedAt: new Date(), reason: `ce-monitor died: ${err.message}`, oomKilled: false };
    this.recordExit(task.id, paths.exitDir, exit);
    return exit;
  }

  private async killExec(e: ExecRecord, signal: number): Promise<void> {
    if (e.status !== TaskStatus.TASK_STATUS_RUNNING || !e.pid) throw notFound(`exec ${e.execId}: process not running`);
    if (e.monitor) return this.signalThroughMonitor(e, e.monitor.socket, signal);
    try {
      process.kill(e.pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') throw notFound(`exec ${e.execId}: process already finished`);
      throw err;
    }
  }

  /** Its monitor signals it only while it has not reaped it: its pid cannot have been taken again. */
  private async signalThroughMonitor(e: ExecRecord, socket: string, signal: number): Promise<void> {
    const answer = await monitorRequest(socket, `signal ${signal}`).catch(() => 'error gone\n');
    if (answer === 'ok\n') return;
    if (/^error (No such process|gone)/.test(answer)) throw notFound(`exec ${e.execId}: process already finished`);
    throw failedPrecondition(`exec ${e.execId}: signal ${signal}: ${answer.replace(/^error /, '').trim()}`);
  }

  private async deleteExec(task: TaskRecord, e: ExecRecord): Promise<shim.DeleteResponse> {
    if (e.status === TaskStatus.TASK_STATUS_RUNNING) throw failedPrecondition(`exec ${e.execId} is running: kill it before deleting it`);
    if (e.status === TaskStatus.TASK_STATUS_CREATED) e.hub.abandon();
    else await e.hub.whenDrained();
    task.execs.delete(e.execId);
    if (e.monitor && e.status === TaskStatus.TASK_STATUS_STOPPED) {
      rmSync(e.monitor.exitDir, { recursive: true, force: true });
      this.saveRecord(task);
    }
    return { pid: e.pid, exitStatus: e.exit?.exitStatus ?? 0, exitedAt: e.exit?.exitedAt };
  }

  private onExecExit(task: TaskRecord, e: ExecRecord, exit: ExitStatus): void {
    e.status = TaskStatus.TASK_STATUS_STOPPED;
    e.exit = exit;
    e.settle(exit);
    this.logger.info({ id: task.id, execId: e.execId, pid: e.pid, exitStatus: exit.exitStatus }, 'exec exited');
    this.emit({ exit: { pid: e.pid, exitStatus: exit.exitStatus, exitedAt: exit.exitedAt, execId: e.execId, reason: exit.reason, oomKilled: false } }, task.id);
  }

  private getExec(id: string, execId: string): ExecRecord {
    const e = this.get(id).execs.get(execId);
    if (!e) throw notFound(`exec ${execId} not found in task ${id}`);
    return e;
  }

  async shutdown(id: string): Promise<void> {
    if (this.task) throw failedPrecondition(`task ${id} still exists: delete it before shutting the shim down`);
    this.broadcaster.close();
    this.onShutdown();
  }

  async pause(req: shim.PauseRequest): Promise<void> {
    const task = this.get(req.id);
    if (task.status !== TaskStatus.TASK_STATUS_RUNNING) throw failedPrecondition(`task ${req.id} is not running`);
    await this.runtime.pause(req.id);
    if (task.status === TaskStatus.TASK_STATUS_RUNNING) task.status = TaskStatus.TASK_STATUS_PAUSED;
    this.logger.info({ id: req.id }, 'task paused');
    this.emit({ paused: {} });
  }

  async resume(req: shim.ResumeRequest): Promise<void> {
    const task = this.get(req.id);
    if (task.status !== TaskStatus.TASK_STATUS_PAUSED) throw failedPrecondition(`task ${req.id} is not paused`);
    await this.runtime.resume(req.id);
    if (task.status === TaskStatus.TASK_STATUS_PAUSED) task.status = TaskStatus.TASK_STATUS_RUNNING;
    this.logger.info({ id: req.id }, 'task resumed');
    this.emit({ resumed: {} });
  }

  async update(req: shim.UpdateTaskRequest): Promise<void> {
    const task = this.live(req.id);
    await this.runtime.update(task.id, toLinuxResources(req.resources));
  }

  async stats(req: shim.StatsRequest): Promise<CgroupStats> {
    const task = this.live(req.id);
    return toCgroupStats(await this.runtime.stats(task.id));
  }

  async pids(req: shim.PidsRequest): Promise<shim.PidsResponse> {
    const task = this.live(req.id);
    return { pids: await this.runtime.ps(task.id) };
  }

  async reopenLog(req: shim.ReopenLogRequest): Promise<void> {
    const task = this.live(req.id);
    if (task.hub instanceof MonitorStdio) return task.hub.reopenLog(req.id);
    if (!task.log) throw failedPrecondition(`task ${req.id} has no log file this shim writes`);
    await task.log.reopen();
  }

  /** The task, refused once it stopped: its cgroup is about to go. */
  private live(id: string): TaskRecord {
    const task = this.get(id);
    if (task.status === TaskStatus.TASK_STATUS_STOPPED) throw failedPrecondition(`task ${id} is not running`);
    return task;
  }

  private get(id: string): TaskRecord {
    if (!this.task || this.task.id !== id) throw notFound(`task ${id} not found`);
    return this.task;
  }

  private onExit(exit: ExitStatus): void {
    const task = this.task;
    if (!task) return;
    task.status = TaskStatus.TASK_STATUS_STOPPED;
    task.exit = exit;
    if (exit.oomKilled) this.recordExit(task.id, task.bundle, exit);
    this.logger.info({ id: task.id, pid: task.pid, exitStatus: exit.exitStatus }, 'task exited');
    this.emit({ exit: { pid: task.pid, exitStatus: exit.exitStatus, exitedAt: exit.exitedAt, reason: exit.reason, oomKilled: !!exit.oomKilled } });
  }

  private recordExit(id: string, bundle: string, exit: ExitStatus): void {
    try {
      writeExitFile(bundle, exit);
    } catch (err) {
      this.logger.error({ id, err: (err as Error).message }, 'could not record the exit status on disk');
    }
  }

  private emit(event: Omit<TaskEvent, 'id' | 'timestamp'>, id = this.task?.id ?? ''): void {
    const full: TaskEvent = { id, timestamp: new Date(), ...event };
    this.broadcaster.publish(full);
  }
}

async function* withFirst<T>(first: T, rest: AsyncIterable<T>): AsyncGenerator<T> {
  yield first;
  yield* rest;
}

/** A ce-monitor's log report in the words ced logs: the monitor drops what it cannot write and tries again with the container's next output. */
function monitorLogProblem(logPath: string, r: MonitorLogWriteReport): LogWriteProblem {
  return logWriteProblem(logPath, r.code || null, r.droppedLines, r.droppedBytes, "retrying with the container's next output");
}
