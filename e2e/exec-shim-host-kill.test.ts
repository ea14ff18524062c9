// Decision 0029 in host mode: each exec runs under a ce-monitor of its own, so
// a SIGKILL of the shim host loses neither a running exec nor its exit code.
// ced's wait for the exec is answered by the host the supervisor starts again,
// which adopts it; `docker exec inspect` then gives the exec's own code.
//
// ced's wait for a running exec is always in flight when the host dies: the
// supervisor takes the reset call for the host's death even while the dying
// host's socket still takes a connection for a moment, starts the host again
// and asks the new one.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce, runSleepingBusybox } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { dockerSocketOf } from './support/docker-cli.js';
import { processesMentioning } from './support/leaks.js';
import { until } from './support/until.js';
import { httpOverUnix } from '../packages/docker-api/test/support/http-over-unix.js';
import { isAlive } from '../tools/test/container-fixtures.js';

describe('an exec through a SIGKILL of the shim host (--shim-mode host)', () => {
  let daemon: TestDaemon;
  let container = '';

  beforeAll(async () => {
    daemon = await startTestDaemon(['--shim-mode', 'host']);
    await importBusyboxImage(daemon.socket);
    container = await runSleepingBusybox(daemon.socket);
  }, 120_000);

  afterAll(async () => {
    if (!daemon) return;
    if (container) await ce(['rm', '-f', container], { socket: daemon.socket });
    await daemon.dispose();
  });

  it('runs on and reports its own exit code once the host is started again', async () => {
    const api = dockerSocketOf(daemon);
    const inspect = async (id: string) => JSON.parse((await httpOverUnix(api, 'GET', `/v1.41/exec/${id}/json`)).body) as { Running: boolean; ExitCode: number | null; Pid: number };
    const created = await httpOverUnix(api, 'POST', `/v1.41/containers/${container}/exec`, {
      json: { Cmd: ['sh', '-c', 'while [ ! -e /tmp/go ]; do sleep 0.05; done; exit 9'] },
    });
    expect(created.status).toBe(201);
    const execId = (JSON.parse(created.body) as { Id: string }).Id;
    expect((await httpOverUnix(api, 'POST', `/v1.41/exec/${execId}/start`, { json: { Detach: true } })).status).toBe(200);
    const { Pid: pid } = await until('the exec to run', async () => {
      const e = await inspect(execId);
      return e.Running && e.Pid > 0 && e;
    });

    const host = Number(processesMentioning(join(daemon.state, 'shims', 'host.sock'))[0]?.split(':')[0]) || undefined;
    expect(host, 'the shim host').toBeDefined();
    process.kill(host!, 'SIGKILL');
    await until('the shim host to be gone', () => !isAlive(host!));
    expect(isAlive(pid)).toBe(true);

    // Through the host the supervisor starts again.
    expect(await ce(['exec', container, 'touch', '/tmp/go'], { socket: daemon.socket })).toEqual({ code: 0, stdout: '', stderr: '' });
    const done = await until('the exec to end', async () => {
      const e = await inspect(execId);
      return !e.Running && e;
    });
    expect(done.ExitCode).toBe(9);
    expect(isAlive(pid)).toBe(false);
  });
});
