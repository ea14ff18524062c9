// Issue 9's fault test: ced is killed with SIGKILL while five containers run —
// one attached through a terminal, one logging a numbered line every 10 ms,
// one that exits with code 7 while ced is down, a plain sleeper and a --rm
// one. After ced restarts every container is in the right state, the log has
// no gap and no duplicate, and exit code 7 is reported.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ce, ceArgv } from './support/ce.js';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import type { TestDaemon } from './support/daemon.js';
import { inspectContainer } from './support/inspect.js';
import { ptyMissing, runInPty } from './support/pty.js';

let daemon: TestDaemon;
const ids: string[] = [];
withBusyboxDaemon((d) => (daemon = d), ids);
const run = (args: string[]) => ce(args, { socket: daemon.socket });

async function until(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!);
  } catch {
    return false;
  }
};

/** The pid of the process whose parent is `parent` and whose command line starts with `cmd`. */
function childOf(parent: number, cmd: string): number | undefined {
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== parent) continue;
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith(cmd)) return Number(p);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

async function detached(name: string, args: string[]): Promise<string> {
  const r = await run(['run', '-d', '--name', name, ...args]);
  expect(r.code, r.stderr).toBe(0);
  const id = r.stdout.trim();
  ids.push(id);
  return id;
}

describe.skipIf(ptyMissing)('ced killed with SIGKILL while five containers run', () => {
  it('leaves each in the right state after its restart, with a whole log and the exit code of the one that exited meanwhile', { timeout: 120_000 }, async () => {
    const tty = runInPty(ceArgv(daemon.socket, 'run', '-it', '--name', 'five-tty', 'busybox', 'sh'));
    await tty.waitFor('/ # ');
    ids.push((await inspectContainer(daemon.socket, 'five-tty')).Id);
    await detached('five-logger', ['busybox', 'sh', '-c', 'i=0; while :; do echo $i; i=$((i+1)); usleep 10000; done']);
    const exits = await detached('five-exits', ['busybox', 'sh', '-c', 'trap "exit 7" TERM; sleep 300 & wait']);
    await detached('five-sleeper', ['busybox', 'sleep', '300']);
    await detached('five-rm', ['--rm', 'busybox', 'sleep', '300']);
    const exitsPid = (await inspectContainer(daemon.socket, exits)).State.Pid as number;
    // sh must have set its trap (its sleep child exists) before it is signalled.
    expect(await until(() => childOf(exitsPid, 'sleep') !== undefined)).toBe(true);
    const before = new Map<string, number>();
    for (const name of ['five-tty', 'five-logger', 'five-sleeper', 'five-rm']) before.set(name, (await inspectContainer(daemon.socket, name)).State.Pid);

    await daemon.kill9();
    process.kill(exitsPid, 'SIGTERM');
    expect(await until(() => !alive(exitsPid))).toBe(true);
    // The attached client loses its daemon and ends; its container does not.
    await tty.exited;
    for (const pid of before.values()) expect(alive(pid)).toBe(true);

    await daemon.restart();
    expect(daemon.stderr()).toMatch(/found 5 containers: 4 running, 1 exited while ced was down, 0 lost/);
    for (const [name, pid] of before) {
      expect((await inspectContainer(daemon.socket, name)).State).toMatchObject({ Status: 'running', Pid: pid });
    }
    expect((await inspectContainer(daemon.socket, 'five-exits')).State).toMatchObject({ Status: 'exited', ExitCode: 7 });

    // The terminal container takes a new client.
    const again = runInPty(ceArgv(daemon.socket, 'attach', 'five-tty'));
    again.type('echo back-$((40+2))\r');
    await again.waitFor('back-42');
    again.type('exit 3\r');
    expect(await again.exited).toBe(3);

    // The logger kept writing while ced was down: every number once, in order.
    expect((await run(['stop', '-t', '1', 'five-logger'])).code).toBe(0);
    const lines = (await run(['logs', 'five-logger'])).stdout.trim().split('\n').map(Number);
    expect(lines.length).toBeGreaterThan(100);
    expect(lines).toEqual(lines.map((_, i) => i));

    expect((await run(['stop', '-t', '1', 'five-rm'])).code).toBe(0);
    expect(await until(async () => (await run(['ps', '-a', '-q', '--filter', 'name=five-rm'])).stdout === '')).toBe(true);
    expect((await run(['rm', '-f', 'five-tty', 'five-logger', 'five-exits', 'five-sleeper'])).code).toBe(0);
  });
});
