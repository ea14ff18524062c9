// ce stop, start, restart and wait with the real binaries, against Docker 20.10's behaviour.
import { dialUnix, unary } from '@ce/protocol';
import { ContainersClient, type Container } from '@ce/protocol/gen/ce/api/v1/containers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { cgroupsFor, mountsUnder, processesMentioning } from './support/leaks.js';

let daemon: TestDaemon;
let containers: ContainersClient;
const ids: string[] = [];

beforeAll(async () => {
  daemon = await startTestDaemon();
  await importBusyboxImage(daemon.socket);
  await importBusyboxImage(daemon.socket, 'docker.io/library/stopsignal:latest', { StopSignal: 'SIGUSR2' });
  containers = dialUnix(ContainersClient, daemon.socket);
});

afterAll(async () => {
  containers?.close();
  if (!daemon) return;
  await daemon.dispose();
  expect(mountsUnder(daemon.dir)).toEqual([]);
  expect(processesMentioning(daemon.dir)).toEqual([]);
  expect(cgroupsFor(ids)).toEqual([]);
});

const run = (args: string[], timeoutMs?: number) => ce(args, { socket: daemon.socket, timeoutMs });
const inspect = (id: string) => unary<Container>((cb) => containers.inspect({ id }, cb));

/** A detached container; its id is remembered for the leak check. */
async function runDetached(args: string[]): Promise<string> {
  const r = await run(['run', '-d', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const id = r.stdout.trim();
  ids.push(id);
  return id;
}

// As pid 1 of its namespace, a shell that traps nothing ignores SIGTERM; these exit on it.
const COOPERATIVE = 'trap "exit 143" TERM; sleep 1000 & wait';

describe('ce stop', () => {
  it('kills a container that ignores its stop signal once -t runs out: 137', async () => {
    const id = await runDetached(['--name', 'ignores-term', 'busybox', 'sleep', '1000']);
    const r = await run(['stop', '-t', '1', 'ignores-term']);
    expect(r).toEqual({ code: 0, stdout: 'ignores-term\n', stderr: '' });
    const state = (await inspect(id)).state!;
    expect(state.status).toBe('exited');
    expect(state.exitCode).toBe(137);
    expect(state.finishedAt!.getTime()).toBeGreaterThanOrEqual(state.startedAt!.getTime());
  });

  it('sends SIGTERM by default, and a container that exits on it keeps its own code: 143', async () => {
    const id = await runDetached(['busybox', 'sh', '-c', COOPERATIVE]);
    const r = await run(['stop', id.slice(0, 12)]);
    expect(r).toEqual({ code: 0, stdout: `${id.slice(0, 12)}\n`, stderr: '' });
    expect((await inspect(id)).state).toMatchObject({ status: 'exited', exitCode: 143 });
  });

  it('sends --stop-signal, else the image STOPSIGNAL', async () => {
    const flag = await runDetached(['--stop-signal', 'USR1', 'busybox', 'sh', '-c', `trap "exit 10" USR1; ${COOPERATIVE}`]);
    const image = await runDetached(['stopsignal', 'sh', '-c', `trap "exit 12" USR2; ${COOPERATIVE}`]);
    expect((await run(['stop', flag, image])).code).toBe(0);
    expect((await inspect(flag)).state!.exitCode).toBe(10);
    expect((await inspect(image)).state!.exitCode).toBe(12);
  });

  it('uses --stop-timeout when -t is not given', async () => {
    const id = await runDetached(['--stop-timeout', '1', 'busybox', 'sleep', '1000']);
    // Docker's default of 10 s would overrun this bound.
    const r = await run(['stop', id], 8000);
    expect(r.code).toBe(0);
    expect((await inspect(id)).state!.exitCode).toBe(137);
  });

  it('succeeds for a container that is not running, and reports unknown ones with exit 1 after the others', async () => {
    const r = await run(['stop', 'nosuch', 'ignores-term']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('ignores-term\n');
    expect(r.stderr).toBe('ce: Error response from daemon: No such container: nosuch\n');
    expect((await inspect('ignores-term')).state!.exitCode).toBe(137);
  });

  it('refuses bad flag values as Docker does: exit 125, nothing created', async () => {
    const t = await run(['stop', '-t', 'soon', 'ignores-term']);
    expect(t.code).toBe(125);
    expect(t.stderr).toContain('invalid argument "soon" for "-t, --time" flag');
    const before = (await run(['ps', '-a', '-q'])).stdout;
    const sig = await run(['run', '-d', '--stop-signal', 'NOPE', 'busybox', 'true']);
    expect(sig.code).toBe(125);
    expect(sig.stderr).toContain('Error response from daemon: Invalid signal: NOPE');
    const timeout = await run(['run', '-d', '--stop-timeout', 'x', 'busybox', 'true']);
    expect(timeout.code).toBe(125);
    expect(timeout.stderr).toContain('invalid argument "x" for "--stop-timeout" flag');
    expect((await run(['ps', '-a', '-q'])).stdout).toBe(before);
  });
});

describe('ce start', () => {
  it('runs an exited container again on the same writable layer; -a exits with its code', async () => {
    const script = 'echo run >> /runs; echo "runs: $(wc -l < /runs)"; exit 3';
    const first = await run(['run', '--name', 'again', 'busybox', 'sh', '-c', script]);
    expect(first).toEqual({ code: 3, stdout: 'runs: 1\n', stderr: '' });
    ids.push((await inspect('again')).id);
    const firstState = (await inspect('again')).state!;
    const second = await run(['start', '-a', 'again']);
    expect(second).toEqual({ code: 3, stdout: 'runs: 2\n', stderr: '' });
    const state = (await inspect('again')).state!;
    expect(state).toMatchObject({ status: 'exited', exitCode: 3 });
    expect(state.startedAt!.getTime()).toBeGreaterThanOrEqual(firstState.finishedAt!.getTime());
  });

  it('starts created and exited containers, printing each as given; wait prints their codes', async () => {
    const created = await run(['create', '--name', 'later', 'busybox', 'sh', '-c', 'exit 5']);
    expect(created.code).toBe(0);
    ids.push(created.stdout.trim());
    expect((await inspect('later')).state!.status).toBe('created');
    const r = await run(['start', 'later', 'again']);
    expect(r).toEqual({ code: 0, stdout: 'later\nagain\n', stderr: '' });
    expect(await run(['wait', 'later', 'again'])).toEqual({ code: 0, stdout: '5\n3\n', stderr: '' });
  });

  it('starts the others and lists the failures with exit 1', async () => {
    const r = await run(['start', 'nosuch', 'later']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('later\n');
    expect(r.stderr).toBe('Error response from daemon: No such container: nosuch\nce: Error: failed to start containers: nosuch\n');
  });

  it('attaches to one container only', async () => {
    const r = await run(['start', '-a', 'later', 'again']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'ce: you cannot start and attach multiple containers at once\n' });
    const missing = await run(['start', '-a', 'nosuch']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('ce: Error: No such container: nosuch\n');
  });

  it('-i feeds stdin to a container created with -i', async () => {
    const created = await run(['create', '-i', '--name', 'reads', 'busybox', 'sh', '-c', 'read line; echo "got $line"; exit 4']);
    ids.push(created.stdout.trim());
    const r = await ce(['start', '-a', '-i', 'reads'], { socket: daemon.socket, input: 'hello\n' });
    expect(r).toEqual({ code: 4, stdout: 'got hello\n', stderr: '' });
  });
});

describe('ce restart', () => {
  it('stops a running container and starts it again', async () => {
    const id = await runDetached(['--name', 'again-and-again', 'busybox', 'sh', '-c', COOPERATIVE]);
    const before = (await inspect(id)).state!;
    const r = await run(['restart', 'again-and-again']);
    expect(r).toEqual({ code: 0, stdout: 'again-and-again\n', stderr: '' });
    const after = (await inspect(id)).state!;
    expect(after.status).toBe('running');
    expect(after.pid).not.toBe(before.pid);
    // The exit of the first run is kept until the next one, as Docker does.
    expect(after.finishedAt!.getTime()).toBeGreaterThanOrEqual(before.startedAt!.getTime());
    const waiting = run(['wait', id]);
    expect((await run(['stop', id])).code).toBe(0);
    expect(await waiting).toEqual({ code: 0, stdout: '143\n', stderr: '' });
  });

  it('starts a container that is not running, and reports unknown ones with exit 1', async () => {
    const r = await run(['restart', '-t', '0', 'nosuch', 'later']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('later\n');
    expect(r.stderr).toBe('ce: Error response from daemon: No such container: nosuch\n');
    expect(await run(['wait', 'later'])).toEqual({ code: 0, stdout: '5\n', stderr: '' });
  });
});

describe('ce restart of special cases', () => {
  it('keeps a --rm container, which its next stop removes', async () => {
    const id = await runDetached(['--rm', 'busybox', 'sh', '-c', COOPERATIVE]);
    expect((await run(['restart', id])).code).toBe(0);
    expect((await inspect(id)).state!.status).toBe('running');
    expect((await run(['stop', id])).code).toBe(0);
    await expect(inspect(id)).rejects.toThrow(/No such container/);
  });

  it('stops a container that a restarted ced follows again', async () => {
    const id = await runDetached(['busybox', 'sh', '-c', COOPERATIVE]);
    await daemon.kill9();
    await daemon.restart();
    containers.close();
    containers = dialUnix(ContainersClient, daemon.socket);
    expect((await inspect(id)).state!.status).toBe('running');
    expect(await run(['stop', '-t', '30', id])).toEqual({ code: 0, stdout: `${id}\n`, stderr: '' });
    expect((await inspect(id)).state).toMatchObject({ status: 'exited', exitCode: 143 });
  });
});

describe('ce wait', () => {
  it('blocks until the container stops, and reports unknown ones with exit 1 after the others', async () => {
    const id = await runDetached(['busybox', 'sh', '-c', COOPERATIVE]);
    const waiting = run(['wait', 'nosuch', id]);
    expect((await inspect(id)).state!.status).toBe('running');
    await run(['kill', '-s', 'TERM', id]);
    expect(await waiting).toEqual({ code: 1, stdout: '143\n', stderr: 'ce: Error response from daemon: No such container: nosuch\n' });
  });
});
