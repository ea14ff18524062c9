import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ce } from './support/ce.js';
import { cedBin } from './support/paths.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { filesIn, mountsUnder, notStandingShimFile, notStandingShimProcess, processesMentioning } from './support/leaks.js';

let daemon: TestDaemon;

beforeAll(async () => {
  daemon = await startTestDaemon();
});

afterAll(async () => {
  if (!daemon) return;
  await daemon.dispose();
  expect(mountsUnder(daemon.dir)).toEqual([]);
  expect(processesMentioning(daemon.dir)).toEqual([]);
});

/** Nothing of the containers is left: the shim of a deleted task ends just after ced's answer (decision 0048), so within a bound. */
async function expectNothingLeft(): Promise<void> {
  await vi.waitFor(() => {
    expect(mountsUnder(daemon.dir)).toEqual([]);
    // Only ced itself may still mention the test folder: no shim, no ce-init.
    expect(processesMentioning(daemon.dir, [daemon.process.pid!]).filter(notStandingShimProcess)).toEqual([]);
    expect(filesIn(join(daemon.state, 'shims')).filter(notStandingShimFile)).toEqual([]);
    expect(filesIn(join(daemon.state, 'tasks'))).toEqual([]);
    expect(filesIn(join(daemon.state, 'runtime'))).toEqual([]);
    expect(filesIn(join(daemon.root, 'containers'))).toEqual([]);
  }, { timeout: 5_000, interval: 50 });
}

describe('ce run --rm hello-world', () => {
  it('prints the greeting through ce → ced → ce-shim → runtime, removes the container and leaves nothing behind', async () => {
    const r = await ce(['run', '--rm', 'hello-world'], { socket: daemon.socket });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Hello from ce!/);
    // The greeting reports facts from inside: it is pid 1 of its own pid namespace.
    expect(r.stdout).toMatch(/pid 1\b/);
    expect((await ce(['ps', '-a', '-q'], { socket: daemon.socket })).stdout).toBe('');
    await expectNothingLeft();
    // The daemon logged each layer's part of the start.
    expect(daemon.log()).toMatch(/"msg":"container started"/);
    expect(daemon.log()).toMatch(/"msg":"container removed"/);
  });

  it("propagates the container's exit code", async () => {
    const r = await ce(['run', '--rm', 'hello-world', '3'], { socket: daemon.socket });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^Hello from ce!/);
    await expectNothingLeft();
  });

  it('keeps a container run without --rm until it is removed', async () => {
    const r = await ce(['run', '--name', 'kept', 'hello-world'], { socket: daemon.socket });
    expect(r.code).toBe(0);
    const ps = await ce(['ps', '-a'], { socket: daemon.socket });
    expect(ps.stdout).toMatch(/kept/);
    expect(ps.stdout).toMatch(/Exited \(0\)/);
    const again = await ce(['run', '--name', 'kept', 'hello-world'], { socket: daemon.socket });
    expect(again.code).toBe(125);
    expect(again.stderr).toMatch(/The container name "\/kept" is already in use by container/);
    expect((await ce(['rm', 'kept'], { socket: daemon.socket })).code).toBe(0);
    await expectNothingLeft();
  });
});

describe('bad input', () => {
  it('reports an unknown image as docker does and exits 125', async () => {
    // Not here, so ce run pulls it, which fails (no such repository, or no registry reachable).
    const r = await ce(['run', '--rm', 'no-such-image'], { socket: daemon.socket });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/^Unable to find image 'no-such-image:latest' locally\nce: Error response from daemon: .*\nSee 'ce run --help'\.\n$/);
    const never = await ce(['run', '--rm', '--pull', 'never', 'no-such-image'], { socket: daemon.socket });
    expect(never).toMatchObject({ code: 125, stderr: "ce: Error response from daemon: No such image: no-such-image:latest.\nSee 'ce run --help'.\n" });
  });

  it('reports a missing executable with exit code 127 and leaves nothing behind', async () => {
    const r = await ce(['run', '--rm', '--entrypoint', '/no/such/binary', 'hello-world'], { socket: daemon.socket });
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/no such file or directory|executable file not found/i);
    expect((await ce(['ps', '-a', '-q'], { socket: daemon.socket })).stdout).toBe('');
    await expectNothingLeft();
  });

  it('reports an unknown container', async () => {
    const r = await ce(['rm', 'nothing-here'], { socket: daemon.socket });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('ce: Error response from daemon: No such container: nothing-here\n');
  });

  it('with --force, reports a missing container without failing, as docker rm -f does', async () => {
    const r = await ce(['rm', '-f', 'nothing-here'], { socket: daemon.socket });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('ce: Error response from daemon: No such container: nothing-here\n');
  });

  it('gives a name to one container only, even when two ask for it at once', async () => {
    const [a, b] = await Promise.all([
      ce(['run', '-d', '--name', 'twin', 'hello-world'], { socket: daemon.socket }),
      ce(['run', '-d', '--name', 'twin', 'hello-world'], { socket: daemon.socket }),
    ]);
    expect([a.code, b.code].sort()).toEqual([0, 125]);
    expect(a.stderr + b.stderr).toMatch(/The container name "\/twin" is already in use/);
    for (let i = 0; i < 100 && !(await ce(['ps', '-a'], { socket: daemon.socket })).stdout.includes('Exited'); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const ps = await ce(['ps', '-a', '--no-trunc'], { socket: daemon.socket });
    expect(ps.stdout.match(/twin/g)).toHaveLength(1);
    expect((await ce(['rm', 'twin'], { socket: daemon.socket })).code).toBe(0);
    await expectNothingLeft();
  });

  it('refuses a second ced on the same state while the first keeps serving', () => {
    let out = '';
    let code = 0;
    try {
      execFileSync(process.execPath, [cedBin, '--root', daemon.root, '--state', daemon.state], {
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 20_000,
      });
    } catch (err) {
      const e = err as { status: number; stderr: Buffer };
      code = e.status;
      out = e.stderr.toString();
    }
    expect(code).toBe(1);
    expect(out).toMatch(/another ced \(pid \d+\) is already running/);
    expect(daemon.process.exitCode).toBeNull();
  });

  it('ce version prints the client, and the server while ced runs', async () => {
    const r = await ce(['version'], { socket: daemon.socket });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Client:\n Version: +\d+\.\d+\.\d+/);
    expect(r.stdout).toMatch(/Server: ced\n Engine:\n  Version: +\d+\.\d+\.\d+/);
    const down = await ce(['version'], { socket: join(daemon.dir, 'nothing.sock') });
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/Client:/);
    expect(down.stderr).toMatch(/Cannot connect to the ce daemon at unix:\/\/.*nothing\.sock\. Is the ced daemon running\?/);
  });
});
