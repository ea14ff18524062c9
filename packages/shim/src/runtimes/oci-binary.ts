import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipe, setChildSubreaper, waitPid } from '@ce/native';
import { ConsoleSocket, RuntimeError, createCgroupManager, type CgroupManager, type LinuxResources, type Stats } from '@ce/runtime';
import type { Process } from '@ce/runtime/spec';
import type { ProcessIoOptions, RuntimeLike, RuntimeProcess } from '../task.js';

/** How one call of the binary ended. */
interface BinaryResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** runc's error text: the `msg` of its last JSON log line on stderr, else stderr as is. */
export function binaryErrorText(stderr: string): string {
  const lines = stderr.trim().split('\n').filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const rec = JSON.parse(lines[i]!) as { level?: string; msg?: string };
      if (rec.msg && (rec.level === 'error' || rec.level === 'fatal')) return rec.msg;
    } catch {
      // not a log record: runc's plain fatal line
    }
  }
  return lines.at(-1) ?? '';
}

/**
 * A runc-compatible binary (runc, crun, ce-runc) driven as a command line, in
 * place of the in-process runtime. The shim is the child subreaper: once the
 * binary's `create`/`exec --detach` has exited, the container's processes are
 * the shim's children and it reaps them with the same native waitPid the
 * in-process runtime uses. Resource figures come from the binary (`events
 * --stats`, `ps`), OOM kills from the cgroup itself (runc reports none).
 */
export class OciBinaryRuntime implements RuntimeLike {
  private readonly cgroupPaths = new Map<string, string>();
  private cgroupManager: CgroupManager | null | undefined;
  private execCount = 0;

  /** The binary's --root. */
  private readonly root: string;
  /** Per task, its pid files, process.json files and console sockets. */
  private readonly ioRoot: string;

  constructor(
    readonly binary: string,
    /** Holds the binary's --root and our files for it; created on first use, shared with other shims. */
    stateDir: string,
  ) {
    this.root = join(stateDir, 'root');
    this.ioRoot = join(stateDir, 'io');
  }

  private args(...rest: string[]): string[] {
    return ['--root', this.root, '--log-format', 'json', ...rest];
  }

  /** Runs the binary to completion, its stdio all pipes to us. */
  private run(args: string[], input?: string): Promise<BinaryResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, this.args(...args), { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout!.on('data', (c: Buffer) => out.push(c));
      child.stderr!.on('data', (c: Buffer) => err.push(c));
      child.on('error', (e) => reject(new RuntimeError('Internal', `cannot run ${this.binary}: ${e.message}`, { cause: e })));
      child.on('close', (code, signal) =>
        resolve({ code: code ?? 128 + (signal ? 1 : 0), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
      );
      if (input !== undefined) child.stdin!.end(input);
    });
  }

  private async check(what: string, args: string[], input?: string): Promise<string> {
    const r = await this.run(args, input);
    if (r.code !== 0) throw new RuntimeError(errorCode(r.stderr), `${what}: ${binaryErrorText(r.stderr) || `${this.binary} exited with status ${r.code}`}`);
    return r.stdout;
  }

  /**
   * Starts `binary <args>` with the process's stdio: real pipes (the process
   * inherits them from the binary) or a console socket for a terminal. Resolves
   * once the binary has exited and the process waits (create) or runs (exec).
   */
  private async launch(what: string, args: string[], pidFile: string, options: ProcessIoOptions): Promise<RuntimeProcess> {
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    // The process must come to us when the binary exits (ce-shim already is a subreaper; a test process is not).
    setChildSubreaper(true);
    let console: ConsoleSocket | undefined;
    const theirs: number[] = [];
    const ours: (number | undefined)[] = [];
    try {
      const stdio: (number | 'ignore' | 'pipe')[] = ['ignore', 'pipe', 'pipe'];
      if (options.receiveTerminal) {
        console = await ConsoleSocket.listen(`${pidFile}.sock`);
        args = [...args.slice(0, -1), '--console-socket', console.path, args.at(-1)!];
      } else {
        const wanted = options.stdio ?? ['pipe', 'pipe', 'pipe'];
        for (let n = 0; n < 3; n++) {
          if (wanted[n] === 'ignore') {
            ours.push(undefined);
            continue;
          }
          const [r, w] = pipe();
          const [mine, child] = n === 0 ? [w, r] : [r, w];
          ours.push(mine);
          theirs.push(child);
          stdio[n] = child;
        }
      }
      const child = spawn(this.binary, this.args(...args), { stdio });
      for (const fd of theirs.splice(0)) closeSync(fd);
      const err: Buffer[] = [];
      // With pipes the binary's own stderr is the process's: its error is read from its log file instead.
      child.stderr?.on('data', (c: Buffer) => err.push(c));
      const code = await new Promise<number>((resolve, reject) => {
        child.on('error', (e) => reject(new RuntimeError('Internal', `cannot run ${this.binary}: ${e.message}`, { cause: e })));
        child.on('close', (c, signal) => resolve(c ?? 128 + (signal ? 1 : 0)));
      });
      const logText = readLog(`${pidFile}.log`);
      if (code !== 0) {
        const stderr = logText || Buffer.concat(err).toString();
        const text = binaryErrorText(stderr);
        // The process itself could not start: its reason alone, as the in-process runtime gives it (ced wraps it as dockerd does).
        const reason = /unable to start container process: (.*)$/.exec(text)?.[1];
        throw new RuntimeError(errorCode(stderr), reason ?? `${what}: ${text || `${this.binary} exited with status ${code}`}`, execFailureFacts(text));
      }
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      // The process is now our child (we are its subreaper): reap it as the in-process runtime does.
      const exited = waitPid(pid).then((r) => ({ exitStatus: r.exitCode ?? 128 + (r.signal ?? 0), exitedAt: new Date() }));
      const terminal = console ? await console.receive() : null;
      const wrap = (fd: number | undefined, readable: boolean) => (fd === undefined ? null : new Socket({ fd, readable, writable: !readable }));
      return {
        pid,
        stdin: wrap(ours[0], false) as Writable | null,
        stdout: wrap(ours[1], true) as Readable | null,
        stderr: wrap(ours[2], true) as Readable | null,
        terminal,
        exited,
      };
    } catch (err) {
      for (const fd of [...theirs, ...ours]) if (fd !== undefined) closeSync(fd);
      throw err;
    } finally {
      await console?.close();
      rmSync(pidFile, { force: true });
      rmSync(`${pidFile}.log`, { force: true });
    }
  }

  /** A task's own folder of files for the binary; its name is short, as socket paths must be. */
  private ioDir(id: string): string {
    return join(this.ioRoot, createHash('sha256').update(id).digest('hex').slice(0, 16));
  }

  private scratch(id: string, name: string): string {
    mkdirSync(this.ioDir(id), { recursive: true, mode: 0o700 });
    return join(this.ioDir(id), name);
  }

  async create(id: string, bundle: string, options: ProcessIoOptions): Promise<RuntimeProcess> {
    const pidFile = this.scratch(id, 'init.pid');
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { linux?: { cgroupsPath?: string } };
    try {
      const proc = await this.launch(`create container ${id}`, ['--log', `${pidFile}.log`, 'create', '--bundle', bundle, '--pid-file', pidFile, id], pidFile, options);
      if (spec.linux?.cgroupsPath) this.cgroupPaths.set(id, spec.linux.cgroupsPath);
      return proc;
    } catch (err) {
      rmSync(this.ioDir(id), { recursive: true, force: true });
      throw err;
    }
  }

  async exec(id: string, process: Process, options: ProcessIoOptions): Promise<RuntimeProcess> {
    const pidFile = this.scratch(id, `${++this.execCount}.pid`);
    const processFile = `${pidFile}.json`;
    writeFileSync(processFile, JSON.stringify(process), { mode: 0o600 });
    try {
      return await this.launch(`exec in container ${id}`, ['--log', `${pidFile}.log`, 'exec', '--detach', '--pid-file', pidFile, '--process', processFile, id], pidFile, options);
    } finally {
      rmSync(processFile, { force: true });
    }
  }

  async start(id: string): Promise<void> {
    await this.check(`start container ${id}`, ['start', id]);
  }

  async kill(id: string, signal: number | string, options: { all?: boolean } = {}): Promise<void> {
    await this.check(`kill container ${id}`, ['kill', ...(options.all ? ['--all'] : []), id, String(signal)]);
  }

  async delete(id: string, options: { force?: boolean } = {}): Promise<void> {
    await this.check(`delete container ${id}`, ['delete', ...(options.force ? ['--force'] : []), id]);
    this.cgroupPaths.delete(id);
    rmSync(this.ioDir(id), { recursive: true, force: true });
  }

  async pause(id: string): Promise<void> {
    await this.check(`pause container ${id}`, ['pause', id]);
  }

  async resume(id: string): Promise<void> {
    await this.check(`resume container ${id}`, ['resume', id]);
  }

  async update(id: string, resources: LinuxResources): Promise<void> {
    await this.check(`update container ${id}`, ['update', '--resources', '-', id], JSON.stringify(resources));
  }

  async stats(id: string): Promise<Stats> {
    const out = await this.check(`stats of container ${id}`, ['events', '--stats', id]);
    return withRequiredFigures((JSON.parse(out) as { data?: Partial<Stats> }).data ?? {});
  }

  async ps(id: string): Promise<number[]> {
    const out = await this.check(`ps of container ${id}`, ['ps', '--format', 'json', id]);
    return ((JSON.parse(out) as number[] | null) ?? []).sort((a, b) => a - b);
  }

  async oomKills(id: string): Promise<number> {
    const path = this.cgroupPaths.get(id);
    const cg = this.cgroups();
    if (!path || !cg) throw new RuntimeError('FailedPrecondition', `cannot count the OOM kills of container ${id}: it has no cgroup`);
    return cg.oomKills(path);
  }

  private cgroups(): CgroupManager | null {
    if (this.cgroupManager === undefined) {
      try {
        this.cgroupManager = createCgroupManager();
      } catch {
        this.cgroupManager = null;
      }
    }
    return this.cgroupManager;
  }
}

/** runc leaves out what is zero (Go's omitempty); Stats has some figures always. */
export function withRequiredFigures(data: Partial<Stats>): Stats {
  const entry = (e: Partial<Stats['memory']['usage']> | undefined) => ({ ...e, limit: e?.limit ?? 0, failcnt: e?.failcnt ?? 0 });
  const memory: Partial<Stats['memory']> = data.memory ?? {};
  const cpu: Partial<Stats['cpu']> = data.cpu ?? {};
  return {
    cpu: { usage: { ...cpu.usage, kernel: cpu.usage?.kernel ?? 0, user: cpu.usage?.user ?? 0 }, throttling: cpu.throttling ?? {} },
    memory: { ...memory, usage: entry(memory.usage), swap: entry(memory.swap), kernel: entry(memory.kernel), kernelTCP: entry(memory.kernelTCP) },
    pids: data.pids ?? {},
    blkio: data.blkio ?? {},
    hugetlb: Object.fromEntries(Object.entries(data.hugetlb ?? {}).map(([size, h]) => [size, { ...h, failcnt: h.failcnt ?? 0 }])),
  };
}

/**
 * The facts of a process runc could not run, from its wording (it gives no
 * other): `exec: "X": <reason>`, as dockerd reads them for 127 and 126.
 */
export function execFailureFacts(message: string): { op?: string; errno?: string; path?: string } {
  const m = /exec: "([^"]*)": (.*)$/.exec(message);
  if (!m) return {};
  const reason = m[2]!;
  const errno = /executable file not found|no such file or directory/.test(reason)
    ? 'ENOENT'
    : /permission denied/.test(reason)
      ? 'EACCES'
      : /is a directory/.test(reason)
        ? 'EISDIR'
        : /exec format error/.test(reason)
          ? 'ENOEXEC'
          : /not a directory/.test(reason)
            ? 'ENOTDIR'
            : undefined;
  return errno ? { op: 'exec', errno, path: m[1] } : {};
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The gRPC-ish code the shim maps to a status, guessed from runc's wording. */
function errorCode(stderr: string): 'NotFound' | 'FailedPrecondition' | 'AlreadyExists' | 'Internal' {
  if (/does not exist|not exist/.test(stderr)) return 'NotFound';
  if (/already exists/.test(stderr)) return 'AlreadyExists';
  if (/not running|not paused|is stopped|cannot (pause|resume|exec)|not a running|container not running/i.test(stderr)) return 'FailedPrecondition';
  return 'Internal';
}
