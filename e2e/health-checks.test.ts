// Health checks (--health-*, an image's HEALTHCHECK) with the real binaries, as Docker 20.10 runs them.
import { describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import { ce } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';

let daemon: TestDaemon;
const ids: string[] = [];
withBusyboxDaemon((d) => (daemon = d), ids);

const run = (args: string[]) => ce(args, { socket: daemon.socket });

async function runDetached(args: string[]): Promise<string> {
  const r = await run(['run', '-d', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const id = r.stdout.trim();
  ids.push(id);
  return id;
}

const healthOf = async (name: string) => (await run(['inspect', '--format', '{{.State.Health.Status}}', name])).stdout.trim();

/** Polls the health status until it is `want` (a probe each second: bounded to 20 s). */
async function waitForHealth(name: string, want: string): Promise<void> {
  let last = '';
  for (let i = 0; i < 100; i++) {
    last = await healthOf(name);
    if (last === want) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`health of ${name} stayed ${last}, not ${want}`);
}

const S = 1_000_000_000;

describe('health checks', () => {
  it('turns healthy once the probe passes and unhealthy after retries failures; ps shows and filters it', async () => {
    // The start period keeps it starting (failures do not count) until the first success, however slow the machine.
    await runDetached(['--name', 'hc', '--health-cmd', 'test -f /tmp/ok', '--health-interval', '1s', '--health-retries', '2', '--health-start-period', '1m', 'busybox', 'sleep', '1000']);
    const config = JSON.parse((await run(['inspect', '--format', '{{json .Config.Healthcheck}}', 'hc'])).stdout);
    expect(config).toEqual({ Test: ['CMD-SHELL', 'test -f /tmp/ok'], Interval: 1 * S, StartPeriod: 60 * S, Retries: 2 });
    expect(await healthOf('hc')).toBe('starting');
    expect((await run(['ps', '--filter', 'name=hc'])).stdout).toMatch(/Up .* \(health: starting\)/);
    expect((await run(['ps', '--format', '{{.Names}}', '--filter', 'health=starting'])).stdout).toBe('hc\n');

    expect((await run(['exec', 'hc', 'touch', '/tmp/ok'])).code).toBe(0);
    await waitForHealth('hc', 'healthy');
    expect((await run(['ps', '--filter', 'name=hc'])).stdout).toMatch(/Up .* \(healthy\)\s+hc\n/);
    expect((await run(['ps', '--format', '{{.Names}}', '--filter', 'health=healthy'])).stdout).toBe('hc\n');
    expect((await run(['ps', '--format', '{{.Names}}', '--filter', 'health=unhealthy'])).stdout).toBe('');

    expect((await run(['exec', 'hc', 'rm', '/tmp/ok'])).code).toBe(0);
    await waitForHealth('hc', 'unhealthy');
    const health = JSON.parse((await run(['inspect', '--format', '{{json .State.Health}}', 'hc'])).stdout);
    expect(health.FailingStreak).toBeGreaterThanOrEqual(2);
    expect(health.Log.length).toBeLessThanOrEqual(5);
    expect(health.Log.at(-1)).toMatchObject({ ExitCode: 1, Output: '' });
    expect((await run(['ps', '--filter', 'name=hc'])).stdout).toMatch(/Up .* \(unhealthy\)\s+hc\n/);
    // Each change is a health_status event, as Docker publishes them.
    // (A duration for --until is whole seconds, as Docker's: an explicit time a second ahead takes in the last events.)
    const until = (Date.now() / 1000 + 1).toFixed(3);
    const changes = await run(['events', '--since', '10m', '--until', until, '--filter', 'container=hc', '--filter', 'event=health_status', '--format', '{{.Action}}']);
    expect(changes.stdout).toBe('health_status: healthy\nhealth_status: unhealthy\n');

    // A stopped container keeps its last health; probes stop with it.
    expect((await run(['stop', '-t', '0', 'hc'])).code).toBe(0);
    expect((await run(['ps', '-a', '--format', '{{.Status}}', '--filter', 'name=hc'])).stdout).toMatch(/^Exited/);
    expect(await healthOf('hc')).toBe('unhealthy');
    expect((await run(['rm', 'hc'])).code).toBe(0);
  }, 60_000);

  it("runs the image's HEALTHCHECK, with its output in the log, and --no-healthcheck turns it off", async () => {
    await importBusyboxImage(daemon.socket, 'docker.io/library/busybox:health', {
      Healthcheck: { Test: ['CMD', 'echo', 'probe said hi'], Interval: 1 * S, Retries: 1 },
    });
    await runDetached(['--name', 'img-hc', 'busybox:health', 'sleep', '1000']);
    await waitForHealth('img-hc', 'healthy');
    const health = JSON.parse((await run(['inspect', '--format', '{{json .State.Health}}', 'img-hc'])).stdout);
    expect(health.Log[0]).toMatchObject({ ExitCode: 0, Output: 'probe said hi\n' });

    await runDetached(['--name', 'no-hc', '--no-healthcheck', 'busybox:health', 'sleep', '1000']);
    // As dockerd merges: NONE replaces the image's test, the image's timings stay.
    expect((await run(['inspect', '--format', '{{json .Config.Healthcheck}}', 'no-hc'])).stdout.trim()).toBe('{"Test":["NONE"],"Interval":1000000000,"Retries":1}');
    expect((await run(['inspect', '--format', '{{json .State.Health}}', 'no-hc'])).stdout.trim()).toBe('null');
    expect((await run(['ps', '--format', '{{.Names}}', '--filter', 'health=none'])).stdout).toBe('no-hc\n');
    expect((await run(['rm', '-f', 'img-hc', 'no-hc'])).code).toBe(0);
  }, 60_000);

  it('a probe past its timeout is killed and counts as a failure', async () => {
    await runDetached(['--name', 'slow-hc', '--health-cmd', 'sleep 30', '--health-interval', '1s', '--health-timeout', '500ms', '--health-retries', '1', 'busybox', 'sleep', '1000']);
    await waitForHealth('slow-hc', 'unhealthy');
    const health = JSON.parse((await run(['inspect', '--format', '{{json .State.Health}}', 'slow-hc'])).stdout);
    expect(health.Log[0]).toMatchObject({ ExitCode: -1, Output: 'Health check exceeded timeout (500ms)' });
    // Killed probes do not linger: every probe seen now is gone a timeout later (a new one may have started meanwhile).
    const probePids = async () =>
      (await run(['top', 'slow-hc'])).stdout
        .split('\n')
        .filter((l) => l.endsWith('sleep 30'))
        .map((l) => l.trim().split(/\s+/)[1]!);
    const seen = await probePids();
    const deadline = Date.now() + 10_000;
    let lingering = seen;
    while (lingering.length && Date.now() < deadline) {
      const now = await probePids();
      lingering = seen.filter((pid) => now.includes(pid));
    }
    expect(lingering).toEqual([]);
    expect((await run(['rm', '-f', 'slow-hc'])).code).toBe(0);
  }, 60_000);

  it("refuses bad health flags in Docker's words, creating nothing", async () => {
    const before = (await run(['ps', '-a', '-q'])).stdout;
    const conflict = await run(['run', '-d', '--name', 'bad-hc', '--no-healthcheck', '--health-retries', '2', 'busybox']);
    expect(conflict.code).toBe(125);
    expect(conflict.stderr).toContain('--no-healthcheck conflicts with --health-* options.');
    const duration = await run(['create', '--health-interval', '30', 'busybox']);
    expect(duration.code).toBe(125);
    expect(duration.stderr).toContain('invalid argument "30" for "--health-interval" flag: time: missing unit in duration "30"');
    const tooShort = await run(['create', '--health-interval', '10us', 'busybox']);
    expect(tooShort.code).toBe(125);
    expect(tooShort.stderr).toContain('Interval in Healthcheck cannot be less than 1ms');
    expect((await run(['ps', '-a', '-q'])).stdout).toBe(before);
  });
});
