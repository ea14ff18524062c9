// Issue 11: SIGTERM stops ced gracefully. As the README promises (ced's
// systemd unit has KillMode=process, so containers outlive a restart of ced),
// it stops serving, removes its sockets and exits 0, while a detached
// container keeps running under its monitor; the next ced finds it running.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { dockerSocketOf } from './support/docker-cli.js';

describe('ced on SIGTERM', () => {
  let daemon: TestDaemon;
  const run = (args: string[]) => ce(args, { socket: daemon.socket });

  beforeAll(async () => {
    daemon = await startTestDaemon();
    await importBusyboxImage(daemon.socket);
  });

  afterAll(async () => {
    await daemon?.dispose();
  });

  it('exits 0 promptly and removes its sockets, the container keeps running, and the next ced finds it', async () => {
    const started = await run(['run', '-d', '--name', `keeper${process.pid}`, 'busybox', 'sleep', '100000']);
    expect(started.code, started.stderr).toBe(0);
    const id = started.stdout.trim();
    const pid = Number((await run(['inspect', '--format', '{{.State.Pid}}', id])).stdout);
    expect(pid).toBeGreaterThan(0);
    const sockets = [daemon.socket, dockerSocketOf(daemon), daemon.criSocket];
    for (const socket of sockets) expect(existsSync(socket), socket).toBe(true);

    const ced = daemon.process;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => ced.once('exit', (code, signal) => resolve({ code, signal })));
    const before = Date.now();
    ced.kill('SIGTERM');
    const timeout = new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 10_000).unref());
    expect(await Promise.race([exited, timeout])).toEqual({ code: 0, signal: null });
    expect(Date.now() - before).toBeLessThan(10_000);
    expect(daemon.stderr()).not.toMatch(/error|unhandled/i);
    expect(daemon.log()).toMatch(/"signal":"SIGTERM".*"msg":"stopping"|"msg":"stopping".*"signal":"SIGTERM"/);

    for (const socket of sockets) expect(existsSync(socket), `${socket} left behind`).toBe(false);
    // The container's process outlives ced.
    expect(() => process.kill(pid, 0)).not.toThrow();
    expect((await run(['ps'])).code).not.toBe(0);

    await daemon.restart();
    expect(daemon.stderr()).toMatch(/found 1 containers: 1 running/);
    expect((await run(['inspect', '--format', '{{.State.Status}} {{.State.Pid}}', id])).stdout).toBe(`running ${pid}\n`);
    expect(await run(['exec', id, 'echo', 'still here'])).toMatchObject({ code: 0, stdout: 'still here\n' });
    expect((await run(['rm', '-f', id])).code).toBe(0);
  });
});
