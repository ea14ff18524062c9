// docker rename: a new unique name for a running or stopped container, with
// Docker 20.10's messages for what it refuses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ce } from './support/ce.js';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import type { TestDaemon } from './support/daemon.js';
import { inspectContainer } from './support/inspect.js';

let daemon: TestDaemon;
const ids: string[] = [];
withBusyboxDaemon((d) => (daemon = d), ids);
const run = (args: string[]) => ce(args, { socket: daemon.socket });

describe('ce rename', () => {
  beforeAll(async () => {
    for (const name of ['taken-a', 'taken-b']) {
      const c = await run(['create', '--name', name, 'busybox', 'true']);
      expect(c.code, c.stderr).toBe(0);
      ids.push(c.stdout.trim());
    }
  });
  afterAll(async () => {
    await run(['rm', 'taken-a', 'taken-b']);
  });

  it('renames a running container; its hostname stays and the old name is free again', async () => {
    const c = await run(['run', '-d', '--name', 'before', 'busybox', 'sleep', '60']);
    expect(c.code, c.stderr).toBe(0);
    const id = c.stdout.trim();
    ids.push(id);
    const hostname = (await inspectContainer(daemon.socket, id)).Config.Hostname;
    const r = await run(['rename', 'before', 'after']);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const json = await inspectContainer(daemon.socket, 'after');
    expect(json).toMatchObject({ Id: id, Name: '/after', Config: { Hostname: hostname } });
    expect((await run(['ps'])).stdout).toMatch(/ after\n/);
    expect((await run(['container', 'rename', 'after', 'again'])).code).toBe(0);
    const reuse = await run(['create', '--name', 'before', 'busybox', 'true']);
    expect(reuse.code, reuse.stderr).toBe(0);
    ids.push(reuse.stdout.trim());
    expect((await run(['rm', '-f', 'again', 'before'])).code).toBe(0);
  });

  it.each([
    [['nope', 'x2'], 'No such container: nope'],
    [['taken-a', 'taken-b'], 'Conflict. The container name "/taken-b" is already in use by container'],
    [['taken-a', 'taken-a'], 'Renaming a container with the same name as its current name'],
    [['taken-a', 'bad name'], 'Invalid container name (bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed'],
  ])('refuses %j in Docker\'s words, exit 1', async (args, message) => {
    const r = await run(['rename', ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Error response from daemon: ${message}`);
    expect((await inspectContainer(daemon.socket, 'taken-a')).Name).toBe('/taken-a');
  });
});
