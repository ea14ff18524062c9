// Restart policies with the real binaries: Docker's back-off (100 ms, doubling),
// on-failure's maximum, the restarting state, what a user's stop, kill and rm
// do to a pending restart, and policies honoured after ced is killed (-9).
import { setTimeout as pause } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import { ce } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';
import { inspectContainer } from './support/inspect.js';

let daemon: TestDaemon;
const ids: string[] = [];
withBusyboxDaemon((d) => (daemon = d), ids);

const run = (args: string[], timeoutMs?: number) => ce(args, { socket: daemon.socket, timeoutMs });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const inspect = (id: string): Promise<any> => inspectContainer(daemon.socket, id);

async function runDetached(args: string[]): Promise<string> {
  const r = await run(['run', '-d', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const id = r.stdout.trim();
  ids.push(id);
  return id;
}

/** Polls `get` every 20 ms until `done` holds of its value, at most `ms`; returns that value or throws with the last one. */
async function pollUntil<T>(get: () => Promise<T>, done: (v: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last = await get();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms; last value: ${JSON.stringify(last)}`);
    await pause(20);
    last = await get();
  }
  return last;
}

/** Each run prints the host's uptime (10 ms steps; /proc/uptime is not namespaced) and fails. */
const PRINT_UPTIME_AND_FAIL = ['busybox', 'sh', '-c', 'cut -d" " -f1 /proc/uptime; exit 1'];

async function runStarts(id: string): Promise<number[]> {
  return (await run(['logs', id])).stdout.split('\n').filter(Boolean).map((l) => Math.round(Number(l) * 1000));
}

/** ced's log of each back-off it waited (its timer, from the decision to the restart): `delays` in order, each kept to within 150 ms. */
function expectBackoffs(id: string, delays: number[]): void {
  const waits = daemon
    .log()
    .split('\n')
    .filter((l) => l.includes(id) && l.includes('back-off over'))
    .map((l) => JSON.parse(l) as { delayMs: number; waitedMs: number });
  expect(waits.slice(0, delays.length).map((w) => w.delayMs)).toEqual(delays);
  for (const w of waits) {
    expect(w.waitedMs, JSON.stringify(waits)).toBeGreaterThanOrEqual(w.delayMs - 1);
    expect(w.waitedMs, JSON.stringify(waits)).toBeLessThan(w.delayMs + 150);
  }
}

describe('restart policies', () => {
  it('always: waits 100, 200, 400, 800, 1600 ms between the runs of a container that fails at once; ps shows Restarting', async () => {
    const id = await runDetached(['--restart', 'always', ...PRINT_UPTIME_AND_FAIL]);
    // Polled over the RPC (cheap), not with ce processes that would compete with the restarts for the CPU.
    const state = await pollUntil(() => inspect(id), (c) => c.RestartCount >= 5 && c.State.Status === 'restarting');
    expect(state.State).toMatchObject({ Restarting: true, Running: true, ExitCode: 1, Pid: 0 });
    // Restart 5 waits 1600 ms: time enough for ps to see it.
    expect((await run(['ps', '--no-trunc'])).stdout).toMatch(new RegExp(`^${id} .*Restarting \\(1\\) .* ago`, 'm'));
    const starts = await pollUntil(() => runStarts(id), (s) => s.length >= 6);
    expect((await run(['rm', '-f', id])).code).toBe(0);

    // What the container sees: each gap between two starts holds the back-off, plus the exit's handling and the
    // next start, which vary by hundreds of ms on a loaded machine: the back-off is a floor here.
    const gaps = starts.slice(1, 6).map((t, i) => t - starts[i]!);
    const delays = [100, 200, 400, 800, 1600];
    gaps.forEach((gap, i) => expect(gap, `gaps ${gaps}`).toBeGreaterThanOrEqual(delays[i]! - 10));
    // ced's own record of each wait (its timer, from the decision to the restart): the doubling itself.
    expectBackoffs(id, delays);
  });

  it('unless-stopped: the same back-off for a container that fails on its own', async () => {
    const id = await runDetached(['--restart', 'unless-stopped', ...PRINT_UPTIME_AND_FAIL]);
    // RestartCount counts a restart when it is decided; its back-off is logged when it is over.
    await pollUntil(async () => daemon.log().split('\n').filter((l) => l.includes(id) && l.includes('back-off over')).length, (n) => n >= 3);
    expect(await run(['rm', '-f', id])).toEqual({ code: 0, stdout: `${id}\n`, stderr: '' });
    expectBackoffs(id, [100, 200, 400]);
  });

  it('on-failure:3 restarts a failing container 3 times, then leaves it exited with RestartCount 3', async () => {
    const id = await runDetached(['--restart', 'on-failure:3', ...PRINT_UPTIME_AND_FAIL]);
    const done = await pollUntil(() => inspect(id), (c) => c.State.Status === 'exited' && c.RestartCount === 3);
    expect(done.State).toMatchObject({ Running: false, Restarting: false, ExitCode: 1 });
    expect(done.HostConfig.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 3 });
    expect(await runStarts(id)).toHaveLength(4);
    expectBackoffs(id, [100, 200, 400]);
    expect((await run(['rm', id])).code).toBe(0);
  });

  it('on-failure does not restart a container that exits 0', async () => {
    const id = await runDetached(['--restart', 'on-failure', 'busybox', 'true']);
    expect(await run(['wait', id])).toEqual({ code: 0, stdout: '0\n', stderr: '' });
    const c = await inspect(id);
    expect(c.State.Status).toBe('exited');
    expect(c.RestartCount).toBe(0);
    expect((await run(['rm', id])).code).toBe(0);
  });

  it('ce stop and ce rm -f cancel a pending restart; ce rm without -f refuses a restarting container', async () => {
    const stopped = await runDetached(['--restart', 'always', ...PRINT_UPTIME_AND_FAIL]);
    const removed = await runDetached(['--restart', 'always', ...PRINT_UPTIME_AND_FAIL]);
    // From RestartCount 5 on, the pending back-off is 1600 ms or more: long enough for a ce command to act within it.
    const before = await pollUntil(() => inspect(stopped), (c) => c.RestartCount >= 5 && c.State.Status === 'restarting');
    expect(await run(['stop', stopped])).toEqual({ code: 0, stdout: `${stopped}\n`, stderr: '' });
    // On a loaded machine the back-off may run out before the stop arrives: what counts is that nothing restarts after it.
    const stoppedAt = await inspect(stopped);
    await pollUntil(() => inspect(removed), (c) => c.RestartCount >= 5 && c.State.Status === 'restarting');
    const refused = await run(['rm', removed]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `Error response from daemon: You cannot remove a restarting container ${removed}. Stop the container before attempting removal or force remove\n`,
    );
    expect((await run(['rm', '-f', removed])).code).toBe(0);

    // Watched for longer than the back-off that was pending (1600 ms, or 3200 ms past RestartCount 5): nothing starts again.
    const watchedUntil = Date.now() + (before.RestartCount === 5 ? 2000 : 4000);
    while (Date.now() < watchedUntil) {
      const c = await inspect(stopped);
      expect(c.State.Status).toBe('exited');
      expect(c.RestartCount).toBe(stoppedAt.RestartCount);
      await pause(50);
    }
    expect((await run(['ps', '-a', '-q', '--no-trunc'])).stdout).not.toContain(removed);
    // A user's start starts the count over, as Docker's does.
    expect((await run(['start', stopped])).code).toBe(0);
    expect((await inspect(stopped)).RestartCount).toBe(0);
    expect((await run(['rm', '-f', stopped])).code).toBe(0);
  });

  it("ce kill makes the container's exit final: always does not restart it", async () => {
    const id = await runDetached(['--restart', 'always', 'busybox', 'sleep', '1000']);
    expect((await run(['kill', id])).code).toBe(0);
    expect(await run(['wait', id])).toEqual({ code: 0, stdout: '137\n', stderr: '' });
    const c = await inspect(id);
    expect(c.State.Status).toBe('exited');
    expect(c.RestartCount).toBe(0);
    expect((await run(['rm', id])).code).toBe(0);
  });

  it('after kill -9 of ced: always comes back when its process died meanwhile, and always (not unless-stopped) after a manual stop', async () => {
    const died = await runDetached(['--restart', 'always', 'busybox', 'sleep', '1000']);
    const alwaysStopped = await runDetached(['--restart', 'always', 'busybox', 'sleep', '1000']);
    const unlessStopped = await runDetached(['--restart', 'unless-stopped', 'busybox', 'sleep', '1000']);
    const never = await runDetached(['busybox', 'sleep', '1000']);
    for (const id of [alwaysStopped, unlessStopped, never]) expect((await run(['stop', '-t', '1', id])).code).toBe(0);
    const oldPid = (await inspect(died)).State.Pid;
    expect(oldPid).toBeGreaterThan(0);

    await daemon.kill9();
    process.kill(oldPid, 'SIGKILL');
    await daemon.restart();

    const back = await pollUntil(() => inspect(died), (c) => c.State.Status === 'running' && c.State.Pid !== oldPid);
    expect(back.State.Pid).toBeGreaterThan(0);
    // Docker: always restarts a manually stopped container when the daemon starts; unless-stopped does not.
    expect((await inspect(alwaysStopped)).State.Status).toBe('running');
    expect((await inspect(unlessStopped)).State).toMatchObject({ Status: 'exited', ExitCode: 137 });
    expect((await inspect(never)).State.Status).toBe('exited');
    expect(daemon.stderr()).toMatch(/2 started by their restart policy|1 exited while ced was down/);
    for (const id of [died, alwaysStopped, unlessStopped, never]) expect((await run(['rm', '-f', id])).code).toBe(0);
  });

  it('refuses bad policies with Docker 20.10 wording, creating nothing', async () => {
    const cases: [string[], number, string][] = [
      [['run', '--rm', '--restart', 'always', 'busybox', 'true'], 125, "ce: Conflicting options: --restart and --rm.\nSee 'ce run --help'.\n"],
      [['create', '--restart', 'a:b:c', 'busybox', 'true'], 125, "ce: invalid restart policy format.\nSee 'ce create --help'.\n"],
      [['create', '--restart', 'on-failure:x', 'busybox', 'true'], 125, "ce: maximum retry count must be an integer.\nSee 'ce create --help'.\n"],
      [['run', '--restart', 'foo', 'busybox', 'true'], 125, "ce: Error response from daemon: invalid restart policy 'foo'.\nSee 'ce run --help'.\n"],
      [['run', '--restart', 'on-failure:-1', 'busybox', 'true'], 125, "ce: Error response from daemon: maximum retry count cannot be negative.\nSee 'ce run --help'.\n"],
      [['run', '--restart', 'always:3', 'busybox', 'true'], 125, "ce: Error response from daemon: maximum retry count cannot be used with restart policy 'always'.\nSee 'ce run --help'.\n"],
    ];
    const before = (await run(['ps', '-a', '-q'])).stdout;
    for (const [args, code, stderr] of cases) {
      const r = await run(args);
      expect({ args, ...r }).toEqual({ args, code, stdout: '', stderr });
    }
    expect((await run(['ps', '-a', '-q'])).stdout).toBe(before);
  });
});

describe('ce update --restart', () => {
  it('changes the policy of an existing container, as docker update does, and refuses it for a --rm container', async () => {
    const id = await runDetached(['busybox', 'sleep', '1000']);
    expect(await run(['update', '--restart', 'on-failure:2', id])).toEqual({ code: 0, stdout: `${id}\n`, stderr: '' });
    expect((await inspect(id)).HostConfig.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 2 });
    const bad = await run(['update', '--restart', 'sometimes', id]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`Error response from daemon: Cannot update container ${id}: invalid restart policy 'sometimes'`);
    const rm = await runDetached(['--rm', 'busybox', 'sleep', '1000']);
    const refused = await run(['update', '--restart', 'always', rm]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Cannot update container ${rm}: Restart policy cannot be updated because AutoRemove is enabled for the container`);
    expect((await run(['rm', '-f', id, rm])).code).toBe(0);
  });
});
