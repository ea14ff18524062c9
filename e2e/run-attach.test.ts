// docker run -a: only the streams asked for are attached, and Config records
// what run, run -d and create attach, as Docker 20.10 records it.
import { describe, expect, it } from 'vitest';
import { ce } from './support/ce.js';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import type { TestDaemon } from './support/daemon.js';
import { inspectContainer } from './support/inspect.js';

let daemon: TestDaemon;
withBusyboxDaemon((d) => (daemon = d));
const run = (args: string[], input?: string) => ce(args, { socket: daemon.socket, ...(input !== undefined ? { input } : {}) });
const OUT_AND_ERR = ['busybox', 'sh', '-c', 'echo out; echo err >&2'];

describe('ce run -a', () => {
  it('passes only the streams it names', async () => {
    expect(await run(['run', '--rm', '-a', 'stdout', ...OUT_AND_ERR])).toMatchObject({ code: 0, stdout: 'out\n', stderr: '' });
    expect(await run(['run', '--rm', '-a', 'STDERR', ...OUT_AND_ERR])).toMatchObject({ code: 0, stdout: '', stderr: 'err\n' });
    expect(await run(['run', '--rm', ...OUT_AND_ERR])).toMatchObject({ code: 0, stdout: 'out\n', stderr: 'err\n' });
    expect(await run(['run', '--rm', '-i', '-a', 'stdin', '-a', 'stdout', 'busybox', 'cat'], 'typed\n')).toMatchObject({ code: 0, stdout: 'typed\n' });
  });

  it("refuses a bad stream and -a with -d in Docker's words, exit 125, nothing created", async () => {
    const bad = await run(['run', '--rm', '-a', 'out', 'busybox', 'true']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toContain('invalid argument "out" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR');
    const both = await run(['run', '-d', '-a', 'stdout', 'busybox', 'true']);
    expect(both.code).toBe(125);
    expect(both.stderr).toContain('Conflicting options: -a and -d');
    expect((await run(['ps', '-aq'])).stdout).toBe('');
  });

  it('records the attached streams in Config as Docker does for run, run -d and create', async () => {
    const fg = await run(['run', '--name', 'att-fg', '-i', 'busybox', 'true'], '');
    expect(fg.code).toBe(0);
    expect((await inspectContainer(daemon.socket, 'att-fg')).Config).toMatchObject({ AttachStdin: true, AttachStdout: true, AttachStderr: true, OpenStdin: true, StdinOnce: true });
    expect((await run(['run', '-d', '--name', 'att-bg', 'busybox', 'true'])).code).toBe(0);
    expect((await inspectContainer(daemon.socket, 'att-bg')).Config).toMatchObject({ AttachStdin: false, AttachStdout: false, AttachStderr: false, StdinOnce: false });
    expect((await run(['create', '--name', 'att-cr', 'busybox', 'true'])).code).toBe(0);
    expect((await inspectContainer(daemon.socket, 'att-cr')).Config).toMatchObject({ AttachStdin: false, AttachStdout: true, AttachStderr: true });
    expect((await run(['rm', '-f', 'att-fg', 'att-bg', 'att-cr'])).code).toBe(0);
  });
});
