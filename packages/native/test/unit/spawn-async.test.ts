// spawnFdsAsync: the spawn on a thread of its own, with an environment and a session of the child's own.
import { closeSync, readFileSync, readSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pipe, spawnFdsAsync, waitPid } from '../../src/index.js';

const BUSYBOX = '/bin/busybox';

/** Everything written to `fd` until its writers are gone, then closes it. */
function drain(fd: number): string {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(4096);
  for (let n; (n = readSync(fd, buf)) > 0; ) chunks.push(Buffer.from(buf.subarray(0, n)));
  closeSync(fd);
  return Buffer.concat(chunks).toString();
}

describe('spawnFdsAsync', () => {
  it('gives the child its fds and exactly the environment asked for; the caller may close its fds at once', async () => {
    process.env['CE_SPAWN_ASYNC_TEST'] = 'ours';
    try {
      const [r, w] = pipe();
      const spawned = spawnFdsAsync(BUSYBOX, ['sh', '-c', 'echo "$A|$B|${CE_SPAWN_ASYNC_TEST-unset}"'], [0, w, 2], { env: ['A=1', 'B=two words'] });
      closeSync(w);
      const pid = await spawned;
      expect(drain(r)).toBe('1|two words|unset\n');
      expect(await waitPid(pid)).toEqual({ exitCode: 0, signal: null });
    } finally {
      delete process.env['CE_SPAWN_ASYNC_TEST'];
    }
  });

  it('starts the child in a session and process group of its own when asked, in ours otherwise', async () => {
    const sessionOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[3]);
    for (const newSession of [true, false]) {
      const pid = await spawnFdsAsync(BUSYBOX, ['sleep', '5'], [0, 1, 2], { newSession });
      try {
        expect(sessionOf(pid)).toBe(newSession ? pid : sessionOf(process.pid));
        if (newSession) process.kill(-pid, 'SIGKILL');
        else process.kill(pid, 'SIGKILL');
        expect(await waitPid(pid)).toEqual({ exitCode: null, signal: 9 });
      } finally {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // reaped
        }
      }
    }
  });

  it('rejects with the syscall error when the file cannot be run', async () => {
    await expect(spawnFdsAsync('/nonexistent/plugin', ['x'], [0, 1, 2])).rejects.toMatchObject({ code: 'ENOENT', syscall: 'posix_spawn', args: ['/nonexistent/plugin'] });
  });
});
