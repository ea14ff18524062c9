// ce run --init with the real binaries: ce-container-init as pid 1 at
// /sbin/docker-init, reaping a zombie-spawning workload, forwarding signals,
// and exiting with the command's status.
import { describe, expect, it } from 'vitest';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import { ce } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';
import { inspectContainer } from './support/inspect.js';

let daemon: TestDaemon;
const ids: string[] = [];
withBusyboxDaemon((d) => (daemon = d), ids);

const run = (args: string[], timeoutMs?: number) => ce(args, { socket: daemon.socket, timeoutMs });

async function runDetached(args: string[]): Promise<string> {
  const r = await run(['run', '-d', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const id = r.stdout.trim();
  ids.push(id);
  return id;
}

/**
 * Double-forks children that exit (orphans re-parented to pid 1), then polls
 * /proc until no process but pid 1 and itself is left: "left 0 zombies 0", or
 * after ~10 s what is left.
 */
const ZOMBIE_WORKLOAD = `
for i in 1 2 3 4 5 6 7 8; do ( ( sleep 0.0$i; exit $i ) & ) ; done
for i in 1 2 3 4 5 6 7 8; do ( true & ) ; done
n=0
while :; do
  others=0; zombies=0
  for s in /proc/[0-9]*/stat; do
    read -r pid comm state rest 2>/dev/null < "$s" || continue
    [ "$pid" = 1 ] || [ "$pid" = $$ ] && continue
    others=$((others + 1)); [ "$state" = Z ] && zombies=$((zombies + 1))
  done
  [ $others = 0 ] && { echo "left 0 zombies 0"; exit 0; }
  n=$((n + 1)); [ $n -gt 1000 ] && { echo "left $others zombies $zombies"; exit 1; }
  usleep 10000
done`;

describe('ce run --init', () => {
  it('runs /sbin/docker-init -- <command> as pid 1, as docker run --init does', async () => {
    const r = await run(['run', '--rm', '--init', 'busybox', 'sh', '-c', `tr '\\0' ' ' < /proc/1/cmdline; echo; cat /proc/self/mountinfo | grep -c ' /sbin/docker-init ro,'`]);
    expect(r).toEqual({ code: 0, stdout: '/sbin/docker-init -- sh -c ' + `tr '\\0' ' ' < /proc/1/cmdline; echo; cat /proc/self/mountinfo | grep -c ' /sbin/docker-init ro,'` + ' \n1\n', stderr: '' });
  });

  it('reaps the zombies of a double-forking workload', async () => {
    const r = await run(['run', '--rm', '--init', 'busybox', 'sh', '-c', ZOMBIE_WORKLOAD]);
    expect(r).toEqual({ code: 0, stdout: 'left 0 zombies 0\n', stderr: '' });
  });

  it('without --init, a pid 1 that never waits keeps the zombies of the same workload: the check can fail', async () => {
    // sleep as pid 1 does not reap; the check runs beside it and prints to the container's log.
    const checker = ZOMBIE_WORKLOAD.replaceAll("'", `'\\''`).replace('[ $n -gt 1000 ]', '[ $n -gt 50 ]');
    const id = await runDetached(['busybox', 'sh', '-c', `sh -c '${checker}' & exec sleep 1000`]);
    let out = '';
    for (const deadline = Date.now() + 30_000; !/left/.test(out) && Date.now() < deadline; ) {
      out = (await run(['logs', id])).stdout;
    }
    expect(out).toMatch(/^left \d+ zombies [1-9]\d*\n$/);
    expect((await run(['rm', '-f', id])).code).toBe(0);
  });

  it('forwards ce stop\'s SIGTERM to a command that would ignore it as pid 1: 143 at once, not 137 after -t', async () => {
    const id = await runDetached(['--init', 'busybox', 'sleep', '1000']);
    const started = Date.now();
    expect(await run(['stop', '-t', '30', id])).toEqual({ code: 0, stdout: `${id}\n`, stderr: '' });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((await inspectContainer(daemon.socket, id)).State.ExitCode).toBe(143);
    expect((await run(['rm', id])).code).toBe(0);
  });

  it('forwards ce kill -s USR1 and exits 128 + the signal', async () => {
    const id = await runDetached(['--init', 'busybox', 'sleep', '1000']);
    expect((await run(['kill', '-s', 'USR1', id])).code).toBe(0);
    expect(await run(['wait', id])).toEqual({ code: 0, stdout: '138\n', stderr: '' });
    expect((await run(['rm', id])).code).toBe(0);
  });

  it("exits with the command's code, and 127 with tini's message when the command does not exist", async () => {
    expect((await run(['run', '--rm', '--init', 'busybox', 'sh', '-c', 'exit 7'])).code).toBe(7);
    const missing = await run(['run', '--rm', '--init', 'busybox', 'no-such-command']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/^\[FATAL docker-init \(\d+\)\] exec no-such-command failed: No such file or directory\n$/);
  });

  it('shows Init in the HostConfig of inspect', async () => {
    const r = await run(['create', '--init', 'busybox', 'true']);
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    ids.push(id);
    expect((await inspectContainer(daemon.socket, id)).HostConfig.Init).toBe(true);
    expect((await run(['rm', id])).code).toBe(0);
  });
});
