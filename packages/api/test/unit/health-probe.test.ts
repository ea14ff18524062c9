import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OutputQueue, type AttachSession, type OutputChunk } from '@ce/protocol';
import type { ExecProcessRequest, KillRequest } from '@ce/protocol/gen/ce/shim/v1/shim';
import type { SupervisorApi } from '@ce/supervisor';
import { ExecService } from '../../src/containers/exec.js';
import { ExecHealthProbe } from '../../src/containers/health-probe.js';
import type { ContainerRecord } from '../../src/containers/record.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const ID = 'c'.repeat(64);

/** An ExecService over a fake shim whose exec process writes `output` and exits when told (or when killed). */
function setup() {
  const tasksDir = mkdtempSync(join(tmpdir(), 'ce-health-probe-test-'));
  dirs.push(tasksDir);
  mkdirSync(join(tasksDir, ID));
  writeFileSync(join(tasksDir, ID, 'config.json'), JSON.stringify({ process: { env: ['PATH=/bin'], cwd: '/' } }));
  const record = { Id: ID, Name: '/box', Config: { User: 'nobody' }, State: { Status: 'running' } } as unknown as ContainerRecord;
  const added: ExecProcessRequest[] = [];
  const kills: KillRequest[] = [];
  const output = new OutputQueue<OutputChunk>();
  let exit!: (status: number) => void;
  const exited = new Promise<number>((r) => (exit = r));
  const supervisor = {
    execTask: async (req: ExecProcessRequest) => void added.push(req),
    attachTask: (): AttachSession => ({ ready: Promise.resolve(), output, writeStdin() {}, closeStdin() {}, resize() {}, close() {} }),
    startTask: async () => ({ pid: 42 }),
    killTask: async (req: KillRequest) => {
      kills.push(req);
      output.end();
      exit(137);
    },
    waitTask: async () => ({ exitStatus: await exited, exitedAt: new Date(), reason: '' }),
    deleteTask: async () => ({ pid: 0, exitStatus: 0 }),
  } as unknown as SupervisorApi;
  const execs = new ExecService(
    { resolve: () => record, userInContainer: async () => ({ uid: 65534, gid: 65534, additionalGids: [], home: '/' }) },
    supervisor,
    tasksDir,
    silent,
  );
  return { probe: new ExecHealthProbe(execs), execs, record, added, kills, output, exit };
}

describe('health probe as an exec', () => {
  it("runs the command as the container's user with stdout and stderr together, and gives its exit code", async () => {
    const { probe, record, added, output, exit } = setup();
    const running = probe.run(record, ['/bin/sh', '-c', 'check'], new AbortController().signal);
    await new Promise((r) => setImmediate(r));
    output.push({ stream: 'stdout', data: Buffer.from('out ') });
    output.push({ stream: 'stderr', data: Buffer.from('err') });
    output.end();
    exit(3);
    const result = await running;
    expect(result).toEqual({ exitCode: 3, output: Buffer.from('out err') });
    expect(added[0]).toMatchObject({ args: ['/bin/sh', '-c', 'check'], uid: 65534, terminal: false, stdin: false });
  });

  it('an abort (the timeout) kills the exec with SIGKILL; the exec is forgotten once it has exited', async () => {
    const { probe, execs, record, kills } = setup();
    const abort = new AbortController();
    const running = probe.run(record, ['sleep', '100'], abort.signal);
    await new Promise((r) => setImmediate(r));
    abort.abort();
    expect((await running).exitCode).toBe(137);
    expect(kills).toEqual([expect.objectContaining({ id: ID, signal: 9, all: false })]);
    await expect(execs.inspect(kills[0]!.execId!, false)).rejects.toThrow('No such exec instance');
  });
});
