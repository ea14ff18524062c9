// ExecSync over fake supervisor calls: the process spec from the bundle, the
// captured streams and their cap, the exit code, the timeout, and
// containerd's refusals.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CeError, OutputQueue, OWNER_LABEL, type AttachOptions, type AttachSession, type OutputChunk } from '@ce/protocol';
import type { ExecProcessRequest, StateResponse } from '@ce/protocol/gen/ce/shim/v1/shim';
import { TaskStatus } from '@ce/protocol/gen/ce/types/v1/task';
import type { ExecTasks } from '../../src/streaming/container-exec.js';
import { taskContainers } from '../../src/streaming/cri-containers.js';
import { CappedBuffer, execSync } from '../../src/streaming/exec-sync.js';

type Script = (out: (stream: 'stdout' | 'stderr', text: string) => void) => number | 'hang';

let bundle: string;
const execs = new Map<string, { request: ExecProcessRequest; output?: OutputQueue<OutputChunk>; exit: (code: number) => void; exited: Promise<number> }>();
const calls: string[] = [];
let script: Script = () => 0;

const tasks: ExecTasks = {
  async exec(request) {
    let exit!: (code: number) => void;
    const exited = new Promise<number>((resolve) => (exit = resolve));
    execs.set(request.execId, { request, exit, exited });
    calls.push('exec');
  },
  attach(options: AttachOptions): AttachSession {
    const output = new OutputQueue<OutputChunk>();
    execs.get(options.execId!)!.output = output;
    calls.push(`attach stdin=${options.stdin} stderr=${options.stderr}`);
    return { ready: Promise.resolve(), output, writeStdin() {}, closeStdin() {}, resize() {}, close: () => output.end() };
  },
  async start(_id, execId) {
    calls.push('start');
    const exec = execs.get(execId)!;
    const code = script((stream, text) => exec.output!.push({ stream, data: Buffer.from(text) }));
    if (code === 'hang') return;
    exec.output!.end();
    exec.exit(code);
  },
  wait: (_id, execId) => execs.get(execId)!.exited,
  async kill(_id, execId, signal) {
    calls.push(`kill ${signal}`);
    execs.get(execId)!.output!.end();
    execs.get(execId)!.exit(128 + signal);
  },
  async delete() {
    calls.push('delete');
  },
};

const states = new Map<string, Partial<StateResponse>>();
const containers = taskContainers({
  async state(id) {
    const s = states.get(id);
    if (!s) throw new CeError('NotFound', `no task ${id}`);
    return { id, bundle, pid: 1, status: TaskStatus.TASK_STATUS_RUNNING, namespace: 'k8s.io', labels: { [OWNER_LABEL]: 'ce-cri' }, terminal: false, stdin: false, ...s } as StateResponse;
  },
  namespace: 'k8s.io',
  owner: 'ce-cri',
  isSandbox: (id) => id === 'pause1',
});

beforeEach(async () => {
  bundle = await mkdtemp(join(tmpdir(), 'ce-cri-exec-sync-'));
  await writeFile(join(bundle, 'config.json'), JSON.stringify({ process: { env: ['PATH=/bin', 'TERM=dumb'], cwd: '/work', user: { uid: 1000, gid: 100, additionalGids: [10] } } }));
  execs.clear();
  calls.length = 0;
  states.clear();
  states.set('c1', {});
  script = () => 0;
});

afterEach(async () => {
  await rm(bundle, { recursive: true, force: true });
});

const run = (cmd: string[], timeout = 0n, containerId = 'c1') => execSync(containers, tasks, { containerId, cmd, timeout });

describe('ExecSync', () => {
  it('runs the command as the container\'s process (env, cwd, user), stdout and stderr apart, with the exit code; the exec is deleted', async () => {
    script = (out) => {
      out('stdout', 'one\n');
      out('stderr', 'oops\n');
      out('stdout', 'two\n');
      return 2;
    };
    const answer = await run(['sh', '-c', 'x']);
    expect({ stdout: answer.stdout.toString(), stderr: answer.stderr.toString(), exitCode: answer.exitCode }).toEqual({ stdout: 'one\ntwo\n', stderr: 'oops\n', exitCode: 2 });
    const [exec] = execs.values();
    expect(exec!.request).toMatchObject({ id: 'c1', args: ['sh', '-c', 'x'], env: ['PATH=/bin', 'TERM=dumb'], uid: 1000, gid: 100, additionalGids: [10], cwd: '/work', terminal: false, stdin: false });
    expect(exec!.request.execId).toMatch(/^[0-9a-f]{64}$/);
    expect(calls).toEqual(['exec', 'attach stdin=false stderr=true', 'start', 'delete']);
  });

  it('kills the process at the timeout and fails as containerd does (DeadlineExceeded, its words)', async () => {
    script = (out) => {
      out('stdout', 'partial');
      return 'hang';
    };
    const started = Date.now();
    await expect(run(['sleep', '100'], 1n)).rejects.toMatchObject({ code: 'DeadlineExceeded', message: 'failed to exec in container: timeout 1s exceeded: context deadline exceeded' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(calls).toEqual(['exec', 'attach stdin=false stderr=true', 'start', 'kill 9', 'delete']);
  });

  it('a cancelled call (the kubelet gave up) kills the process and stops waiting', async () => {
    script = () => 'hang';
    const abort = new AbortController();
    const answer = execSync(containers, tasks, { containerId: 'c1', cmd: ['sleep', '100'], timeout: 0n }, abort.signal);
    await expect.poll(() => calls.includes('start')).toBe(true);
    abort.abort();
    await expect(answer).rejects.toMatchObject({ code: 'Canceled', message: 'failed to exec in container: context canceled' });
    expect(calls).toEqual(['exec', 'attach stdin=false stderr=true', 'start', 'kill 9', 'delete']);
  });

  it('keeps at most 16 MiB of each stream and drops the rest, the process going on', () => {
    const capped = new CappedBuffer(10);
    capped.write(Buffer.from('0123456'));
    capped.write(Buffer.from('789abc'));
    capped.write(Buffer.from('more'));
    expect(capped.bytes().toString()).toBe('0123456789');
  });

  it('refuses a missing container, a sandbox, another owner\'s task and a stopped container in containerd\'s words', async () => {
    await expect(run(['ls'], 0n, 'gone')).rejects.toMatchObject({ code: 'NotFound', message: 'failed to exec in container: failed to find container "gone" in store: not found' });
    states.set('pause1', {});
    await expect(run(['ls'], 0n, 'pause1')).rejects.toMatchObject({ code: 'NotFound' });
    states.set('ced1', { namespace: 'default', labels: { [OWNER_LABEL]: 'ced' } });
    await expect(run(['ls'], 0n, 'ced1')).rejects.toMatchObject({ code: 'NotFound' });
    states.set('done', { status: TaskStatus.TASK_STATUS_STOPPED });
    await expect(run(['ls'], 0n, 'done')).rejects.toMatchObject({ code: 'Unknown', message: 'failed to exec in container: container is in CONTAINER_EXITED state' });
    expect(calls).toEqual([]);
  });

  it('a command that cannot start is the error, and its exec is removed', async () => {
    tasks.start = async () => {
      throw new CeError('FailedPrecondition', 'exec: "nope": executable file not found in $PATH');
    };
    try {
      await expect(run(['nope'])).rejects.toThrow(/^failed to exec in container: failed to start exec "[0-9a-f]{64}": exec: "nope": executable file not found in \$PATH$/);
      expect(calls.at(-1)).toBe('delete');
    } finally {
      tasks.start = startOriginal;
    }
  });
});

const startOriginal = tasks.start;

describe('containers known to the container RPCs', () => {
  const withRecords = taskContainers({
    state: async (id) => {
      if (id !== 'c1full') throw new CeError('NotFound', 'no task');
      return { id, bundle, pid: 1, status: TaskStatus.TASK_STATUS_RUNNING, namespace: 'k8s.io', labels: { [OWNER_LABEL]: 'ce-cri' }, terminal: true, stdin: true } as unknown as StateResponse;
    },
    namespace: 'k8s.io',
    owner: 'ce-cri',
    isSandbox: () => false,
    records: async (id) => {
      if ('c1full'.startsWith(id)) return { id: 'c1full', state: 'CONTAINER_RUNNING', stdinOnce: true };
      if (id === 'made') return { id: 'made', state: 'CONTAINER_CREATED', stdinOnce: false };
      throw new CeError('NotFound', `an error occurred when try to find container ${JSON.stringify(id)}: not found`);
    },
  });

  it('resolves an id prefix through the records, and takes the process from the task', async () => {
    expect(await withRecords('c1')).toEqual({ id: 'c1full', bundle, state: 'CONTAINER_RUNNING', terminal: true, stdin: true, stdinOnce: true });
  });

  it('a created container (no task yet) is refused for its state, a missing one is "not found"', async () => {
    await expect(execSync(withRecords, tasks, { containerId: 'made', cmd: ['ls'], timeout: 0n })).rejects.toMatchObject({
      message: 'failed to exec in container: container is in CONTAINER_CREATED state',
    });
    await expect(execSync(withRecords, tasks, { containerId: 'x', cmd: ['ls'], timeout: 0n })).rejects.toMatchObject({
      code: 'NotFound',
      message: 'failed to exec in container: failed to find container "x" in store: not found',
    });
  });
});
