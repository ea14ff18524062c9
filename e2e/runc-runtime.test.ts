// ce run --runtime: containers run by Debian's runc instead of the shim's in-process runtime.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce, ceArgv } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { cgroupsFor, mountsUnder, processesMentioning } from './support/leaks.js';
import { ptyMissing, runInPty } from './support/pty.js';

function which(name: string): string | undefined {
  try {
    return execFileSync('which', [name], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
const RUNC = which('runc');

let daemon: TestDaemon;
const ids: string[] = [];

beforeAll(async () => {
  // "runc" resolves to the runc on PATH; "myrunc" is the same binary added under another name.
  daemon = await startTestDaemon(RUNC ? ['--add-runtime', `myrunc=${RUNC}`] : []);
  await importBusyboxImage(daemon.socket);
});

afterAll(async () => {
  if (!daemon) return;
  await daemon.dispose();
  expect(mountsUnder(daemon.dir)).toEqual([]);
  expect(processesMentioning(daemon.dir)).toEqual([]);
  expect(cgroupsFor(ids)).toEqual([]);
});

const run = (args: string[], options: { input?: string; timeoutMs?: number } = {}) => ce(args, { socket: daemon.socket, ...options });

async function idOf(name: string): Promise<string> {
  const r = await run(['inspect', '-f', '{{.Id}}', name]);
  const id = r.stdout.trim();
  if (id && !ids.includes(id)) ids.push(id);
  return id;
}

describe('ce run --runtime', () => {
  it('refuses an unknown runtime with Docker\'s message and exit 125, creating nothing', async () => {
    const before = (await run(['ps', '-aq'])).stdout;
    const r = await run(['run', '--runtime', 'nope', '--name', 'never', 'busybox', 'true']);
    expect(r).toEqual({ code: 125, stdout: '', stderr: "ce: Error response from daemon: Unknown runtime specified nope.\nSee 'ce run --help'.\n" });
    expect((await run(['ps', '-aq'])).stdout).toBe(before);
  });

  it('records the default runtime, ce, when none is named', async () => {
    const r = await run(['create', '--name', 'default-runtime', 'busybox', 'true']);
    expect(r.code).toBe(0);
    await idOf('default-runtime');
    expect((await run(['inspect', '-f', '{{.HostConfig.Runtime}}', 'default-runtime'])).stdout).toBe('ce\n');
    expect((await run(['rm', 'default-runtime'])).code).toBe(0);
  });
});

describe.skipIf(!RUNC)('containers run by runc (needs runc on PATH)', () => {
  it('ce info lists the runtimes and the default', async () => {
    const r = await run(['info']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(' Runtimes: ce myrunc runc\n Default Runtime: ce\n');
  });

  it.each(['runc', 'myrunc'])('ce run --rm --runtime %s: output and exit code', async (runtime) => {
    const r = await run(['run', '--rm', '--runtime', runtime, 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('feeds stdin with -i', async () => {
    const r = await run(['run', '--rm', '-i', '--runtime', 'runc', 'busybox', 'sh', '-c', 'cat; exit 0'], { input: 'typed\n' });
    expect(r).toEqual({ code: 0, stdout: 'typed\n', stderr: '' });
  });

  it('a missing command: 127 with runc\'s message', async () => {
    const r = await run(['run', '--rm', '--runtime', 'runc', 'busybox', 'nope-not-here']);
    expect(r.code).toBe(127);
    expect(r.stderr).toContain('nope-not-here');
  });

  it('-d, then exec, update, stats, pause, unpause, top, and stop', async () => {
    const started = await run(['run', '-d', '--name', 'runc-d', '--runtime', 'runc', 'busybox', 'sh', '-c', 'trap "exit 143" TERM; sleep 1000 & wait']);
    expect(started.code).toBe(0);
    const id = await idOf('runc-d');
    expect(started.stdout).toBe(`${id}\n`);
    expect((await run(['inspect', '-f', '{{.HostConfig.Runtime}} {{.State.Status}}', id])).stdout).toBe('runc running\n');

    expect(await run(['exec', 'runc-d', 'sh', '-c', 'echo hi; exit 5'])).toEqual({ code: 5, stdout: 'hi\n', stderr: '' });
    expect(await run(['exec', '-i', 'runc-d', 'cat'], { input: 'piped\n' })).toEqual({ code: 0, stdout: 'piped\n', stderr: '' });

    expect((await run(['pause', 'runc-d'])).code).toBe(0);
    expect((await run(['inspect', '-f', '{{.State.Status}}', id])).stdout).toBe('paused\n');
    expect((await run(['unpause', 'runc-d'])).code).toBe(0);

    expect(await run(['update', '--memory', '64m', '--memory-swap', '128m', 'runc-d'])).toEqual({ code: 0, stdout: 'runc-d\n', stderr: '' });
    // The limit runc wrote is the one the cgroup reports.
    const stats = await run(['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}} {{.PIDs}}', 'runc-d']);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/^runc-d \S+ \/ 64MiB 2\n$/);

    const top = await run(['top', 'runc-d']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('sleep 1000');

    expect(await run(['stop', 'runc-d'])).toEqual({ code: 0, stdout: 'runc-d\n', stderr: '' });
    expect((await run(['inspect', '-f', '{{.State.ExitCode}}', id])).stdout).toBe('143\n');
    expect((await run(['rm', '-f', 'runc-d'])).code).toBe(0);
  });

  it.skipIf(ptyMissing)('ce run -it --runtime runc: a shell on a terminal that exits with its code', async () => {
    const s = runInPty(ceArgv(daemon.socket, 'run', '-it', '--rm', '--runtime', 'runc', 'busybox', 'sh'));
    try {
      await s.waitFor('# ');
      s.type('tty; exit 6\r');
      await s.waitFor(/\/dev\/pts\/\d+/);
      expect(await s.exited).toBe(6);
    } finally {
      s.kill();
    }
  });
});
