import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { ce, ceArgv, pipedToHead } from './support/ce.js';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import type { TestDaemon } from './support/daemon.js';
import { until } from './support/until.js';
import { cgroupsFor, filesIn, mountsUnder, notStandingShimFile, notStandingShimProcess, processesMentioning } from './support/leaks.js';

let daemon: TestDaemon;
const ids: string[] = [];

withBusyboxDaemon((d) => (daemon = d), ids);

const run = (args: string[]) => ce(args, { socket: daemon.socket });

/** Nothing of the containers is left: the shim of a deleted task ends just after ced's answer (decision 0048), so within a bound. */
async function expectNothingLeft(): Promise<void> {
  await vi.waitFor(() => {
    expect(mountsUnder(daemon.dir)).toEqual([]);
    expect(processesMentioning(daemon.dir, [daemon.process.pid!]).filter(notStandingShimProcess)).toEqual([]);
    expect(filesIn(join(daemon.state, 'shims')).filter(notStandingShimFile)).toEqual([]);
    expect(filesIn(join(daemon.state, 'tasks'))).toEqual([]);
    expect(cgroupsFor(ids)).toEqual([]);
  }, { timeout: 5_000, interval: 50 });
}

/** The pid of a process, found by its command line. */
function pidsOf(pattern: RegExp): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (pattern.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '))) found.push(Number(pid));
    } catch {
      // exited
    }
  }
  return found;
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

describe('containers from a busybox image', () => {
  it('separates stdout and stderr, applies env, workdir and hostname, and returns the exit code', async () => {
    const r = await run([
      'run', '--rm', '-e', 'GREETING=hi there', '-w', '/tmp', '-h', 'box1', 'busybox',
      'sh', '-c', 'echo "$GREETING from $(hostname) in $(pwd) as pid $$"; echo oops >&2; exit 4',
    ]);
    expect(r.stdout).toBe('hi there from box1 in /tmp as pid 1\n');
    expect(r.stderr).toBe('oops\n');
    expect(r.code).toBe(4);
    await expectNothingLeft();
  });

  it('sees only its own processes and has the standard devices', async () => {
    const r = await run(['run', '--rm', 'busybox', 'sh', '-c', 'ls /proc | grep -c "^[0-9]"; ls -l /dev/null; echo x > /dev/null && echo ok']);
    expect(r.code).toBe(0);
    const [count, devnull, ok] = r.stdout.trim().split('\n');
    expect(Number(count)).toBeLessThanOrEqual(3);
    expect(devnull).toMatch(/^crw-rw-rw-\s+1 root\s+root\s+1,\s+3 /);
    expect(ok).toBe('ok');
  });

  it('delivers large output whole and in order, up to the exit', async () => {
    const r = await run(['run', '--rm', 'busybox', 'sh', '-c', 'seq 1 200000; echo done >&2']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toHaveLength(200001);
    expect(lines[0]).toBe('1');
    expect(lines[199999]).toBe('200000');
    expect(r.stderr).toBe('done\n');
  });

  it('passes stdin with -i', async () => {
    const r = await ce(['run', '--rm', '-i', 'busybox', 'sh', '-c', 'tr a-z A-Z'], { socket: daemon.socket, input: 'shout\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('SHOUT\n');
  });

  it('writes go to the container layer only: a second container sees the image as it was', async () => {
    const first = await run(['run', '--rm', 'busybox', 'sh', '-c', 'echo changed > /etc/passwd; rm /bin/ls; cat /etc/passwd']);
    expect(first.stdout).toBe('changed\n');
    const second = await run(['run', '--rm', 'busybox', 'sh', '-c', 'head -1 /etc/passwd; ls / >/dev/null && echo ls-ok']);
    expect(second.stdout).toBe('root:x:0:0:root:/root:/bin/sh\nls-ok\n');
  });

  it('runs detached under a process of its own (its shim, or in host mode its ce-monitor), and survives ced being killed with SIGKILL', async () => {
    const started = await run(['run', '-d', '--name', 'sleeper', 'busybox', 'sleep', '300']);
    expect(started.code).toBe(0);
    const id = started.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    ids.push(id);

    // start answers as the container's init goes on to exec its command: `sleep 300` shows a moment later.
    const sleepersOf = () => pidsOf(/^sleep 300/).filter((p) => readFileSync(`/proc/${p}/cgroup`, 'utf8').includes(id));
    await until('the container to exec sleep', () => sleepersOf().length > 0);
    const sleepers = sleepersOf();
    expect(sleepers).toHaveLength(1);
    // The container's parent is its shim (or its ce-monitor, a child of the shim host), a process of its own, not ced.
    const supervisor = parentOf(sleepers[0]!);
    const commandOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    if (daemon.shimMode === 'host') {
      expect(commandOf(supervisor)).toMatch(/^\S*ce-monitor /);
      expect(commandOf(parentOf(supervisor))).toMatch(/ce-shim\S* --host /);
    } else {
      expect(commandOf(supervisor)).toMatch(/ce-shim/);
    }
    expect(supervisor).not.toBe(daemon.process.pid);

    // The standing shim: the spare that replaced the one this container took, or the shim host.
    const standing = () => processesMentioning(daemon.dir).filter((p) => !notStandingShimProcess(p));
    await until('the standing shim', () => standing().length === 1);
    const standingBefore = standing();
    await daemon.kill9();
    // The container and what supervises it outlive ced.
    expect(() => process.kill(supervisor, 0)).not.toThrow();
    expect(() => process.kill(sleepers[0]!, 0)).not.toThrow();
    expect(standing()).toEqual(standingBefore);

    await daemon.restart();
    expect(daemon.stderr()).toMatch(/found 1 containers: 1 running/);
    if (daemon.shimMode === 'host') {
      // The new ced's supervisor finds the host running and goes on with it.
      expect(standing()).toEqual(standingBefore);
    } else {
      // The spare shim of the killed ced is ended; the new ced starts its own.
      await until('a new spare shim', () => standing().length === 1 && standing()[0] !== standingBefore[0]);
    }
    const ps = await run(['ps']);
    expect(ps.stdout).toMatch(/sleeper/);
    expect(ps.stdout).toMatch(/Up /);

    expect((await run(['kill', 'sleeper'])).code).toBe(0);
    for (let i = 0; i < 100 && !(await run(['ps', '-a'])).stdout.includes('Exited (137)'); i++) await sleep(50);
    expect((await run(['ps', '-a'])).stdout).toMatch(/Exited \(137\)/);
    expect((await run(['rm', 'sleeper'])).code).toBe(0);
    await expectNothingLeft();
  });

  it('records an exit that happened while ced was down and removes the --rm container', async () => {
    // It runs until the test drops /go into its root, so that it ends while ced is down, whatever the machine's load.
    const runner = ce(['run', '--rm', '--name', 'brief', 'busybox', 'sh', '-c', 'until [ -e /go ]; do sleep 0.05; done'], { socket: daemon.socket });
    const id = await until('the container to run', async () => (await run(['ps', '-q', '--no-trunc', '--filter', 'name=brief'])).stdout.trim());
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    ids.push(id);
    await daemon.kill9();
    await runner; // the client loses its daemon; what it prints is not the point here
    writeFileSync(join(daemon.state, 'tasks', id, 'rootfs', 'go'), '');
    // Its shim records the exit on disk while ced is down.
    await until('the exit to be recorded', () => existsSync(join(daemon.state, 'tasks', id, 'exit-status.json')));
    await daemon.restart();
    expect(daemon.stderr()).toMatch(/found 1 containers: 0 running, 1 exited while ced was down/);
    await until('the --rm container to be removed', async () => (await run(['ps', '-a', '-q'])).stdout === '');
    await expectNothingLeft();
  });

  it('refuses to remove a running container unless forced', async () => {
    const id = (await run(['run', '-d', 'busybox', 'sleep', '300'])).stdout.trim();
    ids.push(id);
    const refused = await run(['rm', id.slice(0, 12)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/You cannot remove a running container/);
    expect((await run(['rm', '-f', id.slice(0, 12)])).code).toBe(0);
    expect((await run(['ps', '-a', '-q'])).stdout).toBe('');
    await expectNothingLeft();
  });

  it('ce run --rm | head: ce ends quietly with 141 as docker does, and ced still removes the container', async () => {
    const r = await pipedToHead(ceArgv(daemon.socket, 'run', '--rm', '--name', 'piped', 'busybox', 'seq', '1', '200000'), 1);
    expect(r.out).toBe('1\n');
    expect(r.err).toBe('status:141\n');
    const deadline = Date.now() + 30_000;
    while ((await run(['ps', '-a'])).stdout.includes('piped')) {
      if (Date.now() > deadline) throw new Error('the --rm container was not removed after its client went away');
      await sleep(50);
    }
    await expectNothingLeft();
  });
});

