import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { failedPrecondition, OutputQueue, type AttachOptions, type AttachSession, type OutputChunk } from '@ce/protocol';
import type { ExecProcessRequest } from '@ce/protocol/gen/ce/shim/v1/shim';
import type { SupervisorApi } from '@ce/supervisor';
import { ExecService, type ExecConfig, type ExecContainers } from '../../src/containers/exec.js';
import type { ContainerRecord } from '../../src/containers/record.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const ID = 'c'.repeat(64);

function setup(status = 'running', startError?: Error) {
  const tasksDir = mkdtempSync(join(tmpdir(), 'ce-exec-test-'));
  dirs.push(tasksDir);
  mkdirSync(join(tasksDir, ID));
  writeFileSync(join(tasksDir, ID, 'config.json'), JSON.stringify({ process: { env: ['PATH=/bin', 'HOME=/root', 'A=container'], cwd: '/work' } }));
  const record = { Id: ID, Name: '/box', Config: { User: '' }, State: { Status: status } } as unknown as ContainerRecord;
  const containers: ExecContainers = {
    resolve: (ref) => {
      if (ref !== ID && ref !== 'box') throw new Error(`No such container: ${ref}`);
      return record;
    },
    userInContainer: async (_r, user) => (user === 'nobody' ? { uid: 65534, gid: 65534, additionalGids: [7], home: '/' } : { uid: 0, gid: 0, additionalGids: [], home: '/root' }),
  };
  const calls: string[] = [];
  const added: ExecProcessRequest[] = [];
  let exit!: (status: number) => void;
  const exited = new Promise<number>((r) => (exit = r));
  const output = new OutputQueue<OutputChunk>();
  const attached: AttachOptions[] = [];
  const supervisor = {
    execTask: async (req: ExecProcessRequest) => void added.push(req),
    attachTask: (o: AttachOptions): AttachSession => {
      attached.push(o);
      return { ready: Promise.resolve(), output, writeStdin() {}, closeStdin() {}, resize() {}, close() {} };
    },
    startTask: async (req: { execId?: string }) => {
      calls.push(`start ${req.execId}`);
      if (startError) throw startError;
      return { pid: 42 };
    },
    waitTask: async () => ({ exitStatus: await exited, exitedAt: new Date(), reason: '' }),
    deleteTask: async (req: { execId?: string }) => (calls.push(`delete ${req.execId}`), { pid: 0, exitStatus: 0 }),
    resizeTaskPty: async () => undefined,
  } as unknown as SupervisorApi;
  return { execs: new ExecService(containers, supervisor, tasksDir, silent), calls, added, attached, output, exit };
}

const config = (more: Partial<ExecConfig> = {}): ExecConfig => ({
  cmd: ['sh'],
  env: [],
  user: '',
  workingDir: '',
  tty: false,
  attachStdin: false,
  attachStdout: true,
  attachStderr: true,
  detachKeys: '',
  ...more,
});

describe('exec create', () => {
  it("refuses a container that is not running, or paused, with Docker's words", () => {
    expect(() => setup('exited').execs.create('box', config())).toThrow(`Container ${ID} is not running`);
    expect(() => setup('paused').execs.create('box', config())).toThrow('Container box is paused, unpause the container before exec');
  });

  it('refuses an empty command, bad detach keys and a bad user before anything runs', () => {
    const { execs, added } = setup();
    expect(() => execs.create('box', config({ cmd: [] }))).toThrow('No exec command specified');
    expect(() => execs.create('box', config({ detachKeys: 'zz' }))).toThrow('Invalid escape keys (zz) provided');
    expect(() => execs.create('box', config({ user: 'a:b:c' }))).toThrow(/invalid user/);
    expect(added).toEqual([]);
  });
});

describe('exec start', () => {
  it("runs the container's process with the exec's changes; an attach made before start is joined first; the exit code follows", async () => {
    const { execs, added, attached, calls, exit } = setup();
    const id = execs.create('box', config({ cmd: ['ls', '-l'], env: ['A=exec', 'B=1'], user: 'nobody', tty: true, attachStdin: true, consoleSize: { width: 80, height: 24 } }));
    execs.attach({ id: 'box', execId: id, stdin: true, stdout: true, stderr: true });
    expect(attached).toEqual([]); // held until the process exists
    await execs.start(id);
    expect(added).toEqual([
      {
        id: ID,
        execId: id,
        args: ['ls', '-l'],
        env: ['PATH=/bin', 'HOME=/root', 'A=exec', 'TERM=xterm', 'B=1'],
        uid: 65534,
        gid: 65534,
        additionalGids: [7],
        cwd: '/work',
        terminal: true,
        stdin: true,
        consoleSize: { width: 80, height: 24 },
      },
    ]);
    expect(attached).toEqual([{ id: ID, execId: id, stdin: true, stdout: true, stderr: true }]);
    expect(calls).toEqual([`start ${id}`]);
    expect((await execs.inspect(id, false)).state).toBe('running');
    await expect(execs.start(id)).rejects.toThrow('is already running');
    exit(3);
    const done = await execs.inspect(id, true);
    expect([done.state, done.exitCode, done.pid]).toEqual(['exited', 3, 42]);
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([`start ${id}`, `delete ${id}`]);
  });

  it("wraps a runtime failure as Docker's daemon does, with exit code 126, and forgets the process in the shim", async () => {
    const { execs, calls } = setup('running', failedPrecondition('exec: "nope": executable file not found in $PATH'));
    const id = execs.create('box', config({ cmd: ['nope'] }));
    await expect(execs.start(id)).rejects.toThrow('OCI runtime exec failed: exec failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown');
    const done = await execs.inspect(id, true);
    expect([done.state, done.exitCode]).toEqual(['exited', 126]);
    expect(calls).toEqual([`start ${id}`, `delete ${id}`]);
  });

  it('an unknown exec id is NotFound', async () => {
    await expect(setup().execs.inspect('nope', false)).rejects.toMatchObject({ code: 'NotFound', message: 'No such exec instance: nope' });
  });
});
