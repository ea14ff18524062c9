// ce exec with the real binaries: each flag, the exit codes Docker 20.10 gives
// (126 for a command that cannot run, the command's own otherwise) and its refusals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { cgroupsFor, mountsUnder, processesMentioning } from './support/leaks.js';
import { until } from './support/until.js';

let daemon: TestDaemon;
const ids: string[] = [];
let box: string;

beforeAll(async () => {
  daemon = await startTestDaemon();
  await importBusyboxImage(daemon.socket, 'docker.io/library/busybox:latest', {}, [
    { name: 'tmp/noexec', data: '#!/bin/sh\necho hi\n', mode: 0o644, mtime: new Date('2024-01-01T00:00:00Z') },
  ]);
  box = await runDetached(['--name', 'box', '-e', 'FROM_RUN=1', '-w', '/root', 'busybox', 'sleep', '1000']);
});

afterAll(async () => {
  if (!daemon) return;
  await daemon.dispose();
  expect(mountsUnder(daemon.dir)).toEqual([]);
  expect(processesMentioning(daemon.dir)).toEqual([]);
  expect(cgroupsFor(ids)).toEqual([]);
});

const run = (args: string[], input?: string) => ce(args, { socket: daemon.socket, input });

async function runDetached(args: string[]): Promise<string> {
  const r = await run(['run', '-d', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const id = r.stdout.trim();
  ids.push(id);
  return id;
}

describe('ce exec', () => {
  it("runs a command in the container with the container's env and cwd, and propagates its exit code", async () => {
    expect(await run(['exec', 'box', 'sh', '-c', 'echo out; echo err >&2; echo $FROM_RUN; pwd; exit 7'])).toEqual({ code: 7, stdout: 'out\n1\n/root\n', stderr: 'err\n' });
    expect(await run(['exec', 'box', 'true'])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await run(['container', 'exec', box.slice(0, 12), 'echo', 'by', 'id'])).toEqual({ code: 0, stdout: 'by id\n', stderr: '' });
  });

  it('-e adds to the environment, -w sets the working directory, -u the user (by name, resolved in the container)', async () => {
    const env = await run(['exec', '-e', 'A=1', '-e', 'FROM_RUN=2', 'box', 'sh', '-c', 'echo $A $FROM_RUN $HOSTNAME']);
    expect(env.code).toBe(0);
    expect(env.stdout).toBe(`1 2 ${box.slice(0, 12)}\n`);
    expect(await run(['exec', '-w', '/tmp', 'box', 'pwd'])).toEqual({ code: 0, stdout: '/tmp\n', stderr: '' });
    expect(await run(['exec', '-u', 'nobody', 'box', 'id'])).toEqual({ code: 0, stdout: 'uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n', stderr: '' });
    expect(await run(['exec', '-u', '123:45', 'box', 'id', '-u'])).toEqual({ code: 0, stdout: '123\n', stderr: '' });
  });

  it('-i feeds stdin and ends it; without -i the command reads nothing', async () => {
    expect(await run(['exec', '-i', 'box', 'cat'], 'piped\nlines\n')).toEqual({ code: 0, stdout: 'piped\nlines\n', stderr: '' });
    expect(await run(['exec', 'box', 'cat'], 'ignored\n')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('-t gives the command a terminal', async () => {
    const r = await run(['exec', '-t', 'box', 'tty']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\/dev\/pts\/\d+\r\n$/);
    const term = await run(['exec', '-t', 'box', 'sh', '-c', 'echo $TERM']);
    expect(term.stdout).toBe('xterm\r\n');
  });

  it('-d returns at once and the command runs on', async () => {
    const r = await run(['exec', '-d', 'box', 'sh', '-c', 'sleep 0.3; echo done > /tmp/detached']);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    await until('the detached exec to write its file', async () => (await run(['exec', 'box', 'cat', '/tmp/detached'])).stdout === 'done\n');
  });

  it("a command that cannot run exits 126 with Docker's message", async () => {
    expect(await run(['exec', 'box', 'nope'])).toEqual({
      code: 126,
      stdout: 'OCI runtime exec failed: exec failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown\r\n',
      stderr: '',
    });
    const noexec = await run(['exec', 'box', '/tmp/noexec']);
    expect(noexec.code).toBe(126);
    expect(noexec.stdout).toMatch(/^OCI runtime exec failed: exec failed: unable to start container process: .*\/tmp\/noexec.*permission denied.*: unknown\r\n$/);
    const cwd = await run(['exec', '-w', '/nonexistent', 'box', 'pwd']);
    expect(cwd.code).toBe(126);
    expect(cwd.stdout).toContain('/nonexistent');
    expect(await run(['exec', '-u', 'nosuch', 'box', 'id'])).toEqual({ code: 126, stdout: 'unable to find user nosuch: no matching entries in passwd file\r\n', stderr: '' });
    // The container is unharmed.
    expect((await run(['exec', 'box', 'true'])).code).toBe(0);
  });

  it('refuses a stopped container, an unknown one, missing arguments and bad detach keys as Docker does', async () => {
    const stopped = await runDetached(['busybox', 'true']);
    await run(['wait', stopped]);
    expect(await run(['exec', stopped, 'ls'])).toEqual({ code: 1, stdout: '', stderr: `ce: Error response from daemon: Container ${stopped} is not running\n` });
    expect(await run(['exec', 'nosuchc', 'ls'])).toEqual({ code: 1, stdout: '', stderr: 'ce: Error: No such container: nosuchc\n' });
    const missing = await run(['exec', 'box']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('"ce exec" requires at least 2 arguments.');
    expect(await run(['exec', '--detach-keys', 'zz', 'box', 'echo', 'ok'])).toEqual({ code: 1, stdout: '', stderr: 'ce: Error response from daemon: Invalid escape keys (zz) provided\n' });
    expect(await run(['exec', '--detach-keys', 'ctrl-x,y', 'box', 'echo', 'ok'])).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
    await run(['rm', stopped]);
  });
});
