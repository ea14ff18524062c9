import { mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { takeListenFds, unixSocketPath } from '../../src/listen-fds.js';

const dirs: string[] = [];
const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('takeListenFds', () => {
  it('gives fds 3.. for this process and unsets the variables, as sd_listen_fds(1)', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_PID: '4242', LISTEN_FDS: '2', LISTEN_FDNAMES: 'ced.socket:docker.socket', PATH: '/bin' };
    expect(takeListenFds(env, 4242)).toEqual([3, 4]);
    expect(env).toEqual({ PATH: '/bin' });
  });

  it('gives nothing when the fds are meant for another process, or there are none', () => {
    expect(takeListenFds({ LISTEN_PID: '1', LISTEN_FDS: '1' }, 4242)).toEqual([]);
    expect(takeListenFds({ LISTEN_FDS: '1' }, 4242)).toEqual([]);
    expect(takeListenFds({ LISTEN_PID: '4242', LISTEN_FDS: '0' }, 4242)).toEqual([]);
    expect(takeListenFds({ LISTEN_PID: '4242', LISTEN_FDS: 'x' }, 4242)).toEqual([]);
    expect(takeListenFds({}, 4242)).toEqual([]);
  });
});

describe('unixSocketPath', () => {
  it("finds a listening unix socket's path by its fd, and nothing for a file", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ce-listen-fds-'));
    dirs.push(dir);
    const path = join(dir, 'with space.sock');
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
    expect(unixSocketPath(fd)).toBe(path);
    const file = openSync(join(dir, 'plain'), 'w');
    try {
      expect(unixSocketPath(file)).toBeUndefined();
    } finally {
      closeSync(file);
    }
  });
});
