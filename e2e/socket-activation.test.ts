// ced under socket activation (`-H fd://`), as a ced.socket unit starts it:
// systemd-socket-activate binds ce.sock and passes it as fd 3. ced serves its
// API on that socket, its Docker API and CRI reach ced through it, and the
// processes ced starts do not inherit it.
import { spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import { ce } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';
import { processesMentioning } from './support/leaks.js';
import { cedBin } from './support/paths.js';

const activatorMissing = spawnSync('systemd-socket-activate', ['--help'], { stdio: 'ignore' }).status !== 0;

/** The socket inodes a process holds open ("socket:[N]" links under /proc/<pid>/fd). */
function socketInodes(pid: number): string[] {
  const fds = `/proc/${pid}/fd`;
  const links = readdirSync(fds).map((fd) => {
    try {
      return readlinkSync(`${fds}/${fd}`);
    } catch {
      return '';
    }
  });
  return links.filter((l) => l.startsWith('socket:'));
}

function dockerPing(socketPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/_ping' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(activatorMissing)('ced -H fd:// (socket activation; needs systemd-socket-activate)', () => {
  let daemon: TestDaemon;
  withBusyboxDaemon((d) => (daemon = d), [], { options: { socketActivated: true } });

  it('serves ce.api.v1 on the socket it was given, and says so', async () => {
    expect(statSync(daemon.socket).isSocket()).toBe(true);
    const r = await ce(['run', '--rm', 'busybox', 'echo', 'activated'], { socket: daemon.socket });
    expect(r).toEqual({ code: 0, stdout: 'activated\n', stderr: '' });
    expect(daemon.stderr()).toContain(`ced: listening on ${daemon.socket} (pid ${daemon.process.pid})`);
    expect(daemon.log()).toMatch(/"activatedFd":3/);
  });

  it('reaches itself through that socket from its Docker API', async () => {
    expect(await dockerPing(`${daemon.state}/docker.sock`)).toEqual({ status: 200, body: 'OK' });
    const ps = await ce(['ps', '-a', '-q'], { socket: daemon.socket });
    expect(ps.code).toBe(0);
  });

  it("does not pass the socket on: a container's shim holds no socket of ced's listening fd", async () => {
    const run = await ce(['run', '-d', 'busybox', 'sleep', '60'], { socket: daemon.socket });
    expect(run.code, run.stderr).toBe(0);
    const id = run.stdout.trim();
    try {
      const listening = socketInodes(daemon.process.pid!);
      const shims = processesMentioning(daemon.dir)
        .map((entry) => Number(entry.split(':')[0]))
        .filter((pid) => pid !== daemon.process.pid);
      expect(shims.length).toBeGreaterThan(0);
      // fd 3 of ced is the activated socket: no other process may hold it.
      const activated = readlinkSync(`/proc/${daemon.process.pid}/fd/3`);
      expect(listening).toContain(activated);
      for (const pid of shims) expect(socketInodes(pid), `process ${pid}`).not.toContain(activated);
    } finally {
      await ce(['rm', '-f', id], { socket: daemon.socket });
    }
  });
});

describe('ced -H fd:// without socket activation', () => {
  it("refuses to start, in dockerd's words", () => {
    const r = spawnSync(process.execPath, [cedBin, '--root', '/nonexistent-ce-root', '--state', '/nonexistent-ce-state', '-H', 'fd://'], {
      encoding: 'utf8',
      env: { ...process.env, LISTEN_PID: undefined, LISTEN_FDS: undefined },
      timeout: 30_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no sockets found via socket activation: make sure the service was started by systemd');
  });
});
