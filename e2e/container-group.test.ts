// `ce container …` with the real binaries: the same verbs as the top-level commands.
import { describe, expect, it } from 'vitest';
import { ce } from './support/ce.js';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import type { TestDaemon } from './support/daemon.js';

let daemon: TestDaemon;
const ids: string[] = [];

withBusyboxDaemon((d) => (daemon = d), ids);

const run = (args: string[]) => ce(args, { socket: daemon.socket });

describe('ce container', () => {
  it('run --rm streams the output and leaves nothing behind', async () => {
    expect(await run(['container', 'run', '--rm', 'busybox', 'echo', 'hi'])).toEqual({ code: 0, stdout: 'hi\n', stderr: '' });
    expect((await run(['ps', '-aq'])).stdout).toBe('');
  });

  it('create, start, wait, logs, stop, rm drive one container through its life', async () => {
    const created = await run(['container', 'create', '--name', 'grouped', 'busybox', 'sh', '-c', 'echo out; exit 3']);
    expect(created.code).toBe(0);
    ids.push(created.stdout.trim());
    expect(await run(['container', 'start', 'grouped'])).toEqual({ code: 0, stdout: 'grouped\n', stderr: '' });
    expect(await run(['container', 'wait', 'grouped'])).toEqual({ code: 0, stdout: '3\n', stderr: '' });
    expect(await run(['container', 'logs', 'grouped'])).toEqual({ code: 0, stdout: 'out\n', stderr: '' });
    const sleeper = await run(['container', 'run', '-d', '--name', 'sleeper', 'busybox', 'sleep', '1000']);
    expect(sleeper.code).toBe(0);
    ids.push(sleeper.stdout.trim());
    expect(await run(['container', 'stop', '-t', '0', 'sleeper'])).toEqual({ code: 0, stdout: 'sleeper\n', stderr: '' });
    expect(await run(['container', 'rm', 'sleeper', 'grouped'])).toEqual({ code: 0, stdout: 'sleeper\ngrouped\n', stderr: '' });
  });

  it('ls -a, list -a and ps -a print what ce ps -a prints', async () => {
    const r = await run(['container', 'run', '-d', '--name', 'listed', 'busybox', 'sleep', '1000']);
    ids.push(r.stdout.trim());
    await run(['create', '--name', 'idle', 'busybox', 'true']).then((c) => ids.push(c.stdout.trim()));
    // The CREATED and STATUS columns age; -q and --no-trunc compare the rest exactly.
    const expected = await run(['ps', '-a', '--no-trunc', '-q']);
    expect(expected.stdout.trim().split('\n')).toHaveLength(2);
    for (const verb of ['ls', 'list', 'ps']) expect(await run(['container', verb, '-a', '--no-trunc', '-q'])).toEqual(expected);
    const table = (await run(['container', 'ls', '-a'])).stdout;
    expect(table.split('\n')[0]).toMatch(/^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$/);
    expect(table).toMatch(/listed/);
    expect(table).toMatch(/idle/);
    expect(await run(['container', 'kill', 'listed'])).toEqual({ code: 0, stdout: 'listed\n', stderr: '' });
    expect(await run(['container', 'restart', '-t', '0', 'listed'])).toEqual({ code: 0, stdout: 'listed\n', stderr: '' });
    expect((await run(['container', 'rm', '-f', 'listed', 'idle'])).code).toBe(0);
  });
});
