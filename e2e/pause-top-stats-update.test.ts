// ce pause, unpause, top, stats and update with the real binaries, against Docker 20.10's behaviour.
import { readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { dialUnix, readStream, unary } from '@ce/protocol';
import { ContainersClient, type Container } from '@ce/protocol/gen/ce/api/v1/containers';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import { TaskClient } from '@ce/protocol/gen/ce/shim/v1/shim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ce, ceArgv } from './support/ce.js';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import type { TestDaemon } from './support/daemon.js';
import { inspectContainer } from './support/inspect.js';
import { cgroupsFor } from './support/leaks.js';

let daemon: TestDaemon;
let containers: ContainersClient;
const ids: string[] = [];
withBusyboxDaemon((d) => (daemon = d), ids);
beforeAll(() => {
  containers = dialUnix(ContainersClient, daemon.socket);
});
afterAll(() => containers?.close());

const run = (args: string[], timeoutMs?: number) => ce(args, { socket: daemon.socket, timeoutMs });
const inspect = (id: string) => unary<Container>((cb) => containers.inspect({ id }, cb));

async function runDetached(args: string[]): Promise<string> {
  const r = await run(['run', '-d', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const id = r.stdout.trim();
  ids.push(id);
  return id;
}

/** The container's directory in a v1 hierarchy (this machine: v1 controllers), wherever ced put it under "ce". */
function cgroupDir(controller: string, id: string): string {
  const dir = cgroupsFor([id]).find((d) => d.startsWith(join('/sys/fs/cgroup', controller, 'ce') + '/'));
  if (!dir) throw new Error(`no ${controller} cgroup for ${id}`);
  return dir;
}
const cgroupValue = (controller: string, id: string, file: string) => readFileSync(join(cgroupDir(controller, id), file), 'utf8').trim();

// As pid 1 of its namespace, a shell that traps nothing ignores SIGTERM; this one exits on it.
const COOPERATIVE = 'trap "exit 143" TERM; sleep 1000 & wait';

describe('ce pause / unpause', () => {
  it('freezes the cgroup, shows Paused in ps and status=paused, and thaws it again', async () => {
    const id = await runDetached(['--name', 'to-pause', 'busybox', 'sleep', '1000']);
    expect(await run(['pause', 'to-pause'])).toEqual({ code: 0, stdout: 'to-pause\n', stderr: '' });
    expect(cgroupValue('freezer', id, 'freezer.state')).toBe('FROZEN');
    expect((await inspect(id)).state).toMatchObject({ status: 'paused', running: true });
    expect((await inspectContainer(daemon.socket, id)).State).toMatchObject({ Status: 'paused', Running: true, Paused: true });
    const ps = await run(['ps']);
    expect(ps.stdout).toMatch(/Up (Less than a second|\d+ seconds?) \(Paused\)\s+to-pause/);
    expect((await run(['ps', '-q', '--no-trunc', '--filter', 'status=paused'])).stdout).toBe(`${id}\n`);
    expect((await run(['ps', '-q', '--no-trunc', '--filter', 'status=running'])).stdout).not.toContain(id);
    expect((await run(['info'])).stdout).toMatch(/^ {2}Paused: 1$/m);

    expect(await run(['pause', 'to-pause'])).toEqual({ code: 1, stdout: '', stderr: `ce: Error response from daemon: Container ${id} is already paused\n` });
    expect(await run(['container', 'unpause', 'to-pause'])).toEqual({ code: 0, stdout: 'to-pause\n', stderr: '' });
    expect(cgroupValue('freezer', id, 'freezer.state')).toBe('THAWED');
    expect((await inspect(id)).state!.status).toBe('running');
    expect(await run(['unpause', 'to-pause'])).toEqual({ code: 1, stdout: '', stderr: `ce: Error response from daemon: Container ${id} is not paused\n` });
    expect((await run(['rm', '-f', id])).code).toBe(0);
  });

  it('refuses a container that is not running, with Docker words, after doing the others', async () => {
    const exited = await runDetached(['busybox', 'true']);
    await unary((cb) => containers.wait({ id: exited, condition: 0 }, cb));
    const live = await runDetached(['busybox', 'sleep', '1000']);
    const r = await run(['pause', exited, live, 'nope']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`${live}\n`);
    expect(r.stderr).toBe(`ce: Error response from daemon: Container ${exited} is not running\nError response from daemon: No such container: nope\n`);
    expect((await run(['rm', '-f', exited, live])).code).toBe(0);
  });

  it('stop of a paused container delivers the stop signal once thawed (143); kill and rm -f end it too', async () => {
    const stopped = await runDetached(['busybox', 'sh', '-c', COOPERATIVE]);
    const killed = await runDetached(['busybox', 'sleep', '1000']);
    const removed = await runDetached(['busybox', 'sleep', '1000']);
    expect((await run(['pause', stopped, killed, removed])).code).toBe(0);
    expect(await run(['stop', '-t', '30', stopped])).toEqual({ code: 0, stdout: `${stopped}\n`, stderr: '' });
    expect((await inspect(stopped)).state).toMatchObject({ status: 'exited', exitCode: 143 });
    expect((await run(['kill', killed])).code).toBe(0);
    await unary((cb) => containers.wait({ id: killed, condition: 0 }, cb));
    expect((await inspect(killed)).state).toMatchObject({ status: 'exited', exitCode: 137 });
    expect(await run(['rm', '-f', removed])).toEqual({ code: 0, stdout: `${removed}\n`, stderr: '' });
    expect((await run(['rm', stopped, killed])).code).toBe(0);
  });
});

describe('a paused container across a ced restart', () => {
  it('is still paused after ced is killed and restarted, and unpauses then', async () => {
    const id = await runDetached(['--name', 'paused-across', 'busybox', 'sleep', '1000']);
    expect((await run(['pause', id])).code).toBe(0);
    await daemon.kill9();
    await daemon.restart();
    containers.close();
    containers = dialUnix(ContainersClient, daemon.socket);
    expect((await inspectContainer(daemon.socket, id)).State).toMatchObject({ Status: 'paused', Running: true, Paused: true });
    expect(cgroupValue('freezer', id, 'freezer.state')).toBe('FROZEN');
    expect(await run(['unpause', 'paused-across'])).toEqual({ code: 0, stdout: 'paused-across\n', stderr: '' });
    expect(cgroupValue('freezer', id, 'freezer.state')).toBe('THAWED');
    expect(await run(['stop', '-t', '0', id])).toMatchObject({ code: 0 });
    expect((await inspect(id)).state).toMatchObject({ status: 'exited', exitCode: 137 });
    expect((await run(['rm', id])).code).toBe(0);
  });
});

describe('ce top', () => {
  it("runs the host's ps -ef on the container's processes, in Docker's columns", async () => {
    // the trailing `true` keeps sh from exec'ing its last command
    const id = await runDetached(['--name', 'topped', 'busybox', 'sh', '-c', 'sleep 1000 & sleep 2000; true']);
    const r = await run(['top', 'topped']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]!.split(/\s+/)).toEqual(['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
    // minimum width 20, padding 3, as docker's tabwriter
    expect(lines[0]).toMatch(/^UID {17}PID {17}PPID {16}C {19}STIME {15}TTY {17}TIME {16}CMD$/);
    const cmds = lines.slice(1).map((l) => l.split(/\s{3,}/).at(-1));
    expect(cmds.sort()).toEqual(['sh -c sleep 1000 & sleep 2000; true', 'sleep 1000', 'sleep 2000']);
    const pid = (await inspect(id)).state!.pid;
    expect(lines.some((l) => l.split(/\s+/)[1] === String(pid))).toBe(true);
  });

  it('passes ps options through, and refuses a container that is not running', async () => {
    const r = await run(['container', 'top', 'topped', '-o', 'pid,comm']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]!.split(/\s+/)).toEqual(['PID', 'COMMAND']);
    expect(r.stdout).toContain('sleep');
    const aux = await run(['top', 'topped', 'aux']);
    expect(aux.stdout.split('\n')[0]!.split(/\s+/).slice(0, 3)).toEqual(['USER', 'PID', '%CPU']);
    const exited = await runDetached(['busybox', 'true']);
    await unary((cb) => containers.wait({ id: exited, condition: 0 }, cb));
    expect(await run(['top', exited])).toEqual({ code: 1, stdout: '', stderr: `ce: Error response from daemon: Container ${exited} is not running\n` });
    expect((await run(['rm', '-f', exited, 'topped'])).code).toBe(0);
  });
});

describe('ce stats', () => {
  const HEADER = /^CONTAINER ID {3}NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS$/;

  it('--no-stream prints one table in Docker columns, figures from the cgroup', async () => {
    const id = await runDetached(['--name', 'measured', 'busybox', 'sh', '-c', 'sleep 1000 & sleep 2000; true']);
    const r = await run(['stats', '--no-stream', 'measured']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [header, row, ...rest] = r.stdout.trimEnd().split('\n');
    expect(header).toMatch(HEADER);
    expect(rest).toEqual([]);
    const cells = row!.split(/\s{3,}/);
    expect(cells[0]).toBe(id.slice(0, 12));
    expect(cells[1]).toBe('measured');
    expect(cells[2]).toMatch(/^\d+\.\d\d%$/);
    // usage without the page cache, against the machine's memory (no limit set)
    expect(cells[3]).toMatch(/^\d+(\.\d+)?(B|KiB|MiB) \/ \d+(\.\d+)?GiB$/);
    expect(cells[4]).toMatch(/^\d+\.\d\d%$/);
    expect(cells[5]).toBe('0B / 0B');
    expect(cells[6]).toMatch(/^\d+(\.\d+)?(B|kB|MB) \/ \d+(\.\d+)?(B|kB|MB)$/);
    expect(cells[7]).toBe('3');
  });

  it('--no-trunc, -a with zeros for stopped containers, and unknown names as errors', async () => {
    const stopped = await runDetached(['--name', 'stopped-one', 'busybox', 'true']);
    await unary((cb) => containers.wait({ id: stopped, condition: 0 }, cb));
    const all = await run(['container', 'stats', '--no-stream', '--no-trunc', '-a']);
    expect(all.code).toBe(0);
    const row = all.stdout.split('\n').find((l) => l.startsWith(stopped))!;
    expect(row.split(/\s{3,}/)).toEqual([stopped, 'stopped-one', '0.00%', '0B / 0B', '0.00%', '0B / 0B', '0B / 0B', '0']);
    expect(all.stdout).toContain('measured');
    const running = await run(['stats', '--no-stream']);
    expect(running.stdout).toContain('measured');
    expect(running.stdout).not.toContain('stopped-one');
    expect(await run(['stats', '--no-stream', 'nope'])).toEqual({ code: 1, stdout: '', stderr: 'ce: Error response from daemon: No such container: nope\n' });
    expect((await run(['rm', stopped])).code).toBe(0);
  });

  /** Spawns `ce stats …`; `waitFor` resolves once a condition holds for its frames (the screen is cleared before each). */
  function statsStream(args: string[]) {
    const argv = ceArgv(daemon.socket, 'stats', ...args);
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const frames = () => out.split('\x1b[2J\x1b[H').slice(1);
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const waitFor = (holds: (frames: string[]) => boolean) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (!holds(frames())) return;
          child.stdout.off('data', check);
          resolve();
        };
        child.stdout.on('data', check);
      });
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    return { frames, waitFor, interrupt: () => (child.kill('SIGINT'), closed) };
  }

  it('streams a redrawn table until interrupted (exit 130, as a Go program killed by SIGINT)', async () => {
    const s = statsStream(['measured']);
    await s.waitFor((frames) => frames.filter((f) => f.includes('measured')).length >= 2);
    expect(await s.interrupt()).toBe(130);
    const frame = s.frames().filter((f) => f.includes('measured')).at(-1)!;
    expect(frame.split('\n')[0]).toMatch(HEADER);
  });

  it('without names, follows containers that start after it and drops those that stop', async () => {
    const s = statsStream([]);
    const lastFrame = (frames: string[]) => frames.at(-2) ?? ''; // the last one may still be arriving
    await s.waitFor((frames) => lastFrame(frames).includes('measured'));
    await runDetached(['--name', 'late-comer', 'busybox', 'sleep', '1000']);
    await s.waitFor((frames) => lastFrame(frames).includes('late-comer'));
    expect((await run(['rm', '-f', 'late-comer'])).code).toBe(0);
    await s.waitFor((frames) => !lastFrame(frames).includes('late-comer') && lastFrame(frames).includes('measured'));
    expect(await s.interrupt()).toBe(130);
    expect((await run(['rm', '-f', 'measured'])).code).toBe(0);
  });
});

describe('ce update', () => {
  it('changes the memory and pids limits of a running container, and keeps them across a restart', async () => {
    const id = await runDetached(['--name', 'updated', 'busybox', 'sleep', '1000']);
    expect(await run(['update', '--memory', '64m', '--memory-swap', '128m', '--pids-limit', '20', '--cpus', '0.5', 'updated'])).toEqual({
      code: 0,
      stdout: 'updated\n',
      stderr: '',
    });
    expect(cgroupValue('memory', id, 'memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
    expect(cgroupValue('pids', id, 'pids.max')).toBe('20');
    expect(cgroupValue('cpu', id, 'cpu.cfs_quota_us')).toBe('50000');
    expect(cgroupValue('cpu', id, 'cpu.cfs_period_us')).toBe('100000');
    const stats = await run(['stats', '--no-stream', 'updated']);
    expect(stats.stdout).toMatch(/ \/ 64MiB /);
    expect((await run(['restart', '-t', '0', 'updated'])).code).toBe(0);
    expect(cgroupValue('memory', id, 'memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
    expect(cgroupValue('pids', id, 'pids.max')).toBe('20');
  });

  it("refuses bad values with Docker's words: flags exit 125, the daemon's checks exit 1, nothing changed", async () => {
    const id = (await inspect('updated')).id;
    expect(await run(['update', '--memory', 'lots', 'updated'])).toEqual({
      code: 125,
      stdout: '',
      stderr: `ce: invalid argument "lots" for "-m, --memory" flag: invalid size: 'lots'\nSee 'ce update --help'.\n`,
    });
    expect(await run(['update', '--memory', '1m', 'updated'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ce: Error response from daemon: Minimum memory limit allowed is 6MB\n',
    });
    expect(await run(['update', '--memory', '256m', 'updated'])).toMatchObject({
      code: 1,
      stderr: `ce: Error response from daemon: Cannot update container ${id}: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time\n`,
    });
    expect(await run(['update', 'updated'])).toEqual({ code: 1, stdout: '', stderr: 'ce: you must provide one or more flags when using this command\n' });
    expect(cgroupValue('memory', id, 'memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
  });

  it('reports an OOM kill on the shim event stream before the exit, and State.OOMKilled', async () => {
    const id = await runDetached(['busybox', 'sh', '-c', 'until [ -e /go ]; do sleep 0.05; done; head -c 300m /dev/zero | tail']);
    expect((await run(['update', '--memory', '16m', '--memory-swap', '16m', id])).code).toBe(0);
    const task = dialUnix(TaskClient, join(daemon.state, 'shims', `${id}.sock`));
    const stream = task.events({});
    const events: TaskEvent[] = [];
    const done = (async () => {
      for await (const e of readStream<TaskEvent>(stream)) {
        events.push(e);
        if (e.exit) break;
      }
    })();
    writeFileSync(join(daemon.state, 'tasks', id, 'rootfs', 'go'), '');
    await done;
    stream.cancel();
    task.close();
    const kinds = events.map((e) => (e.oom ? 'oom' : e.exit ? `exit ${e.exit.exitStatus}` : 'other'));
    expect(kinds.slice(-2)).toEqual(['oom', 'exit 137']);
    expect(events.at(-2)!.oom!.oomKills).toBeGreaterThanOrEqual(1);
    await unary((cb) => containers.wait({ id, condition: 0 }, cb));
    expect((await inspectContainer(daemon.socket, id)).State).toMatchObject({ Status: 'exited', ExitCode: 137, OOMKilled: true });
    expect((await run(['rm', '-f', id, 'updated'])).code).toBe(0);
  });
});
