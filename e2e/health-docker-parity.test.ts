// Health checks against Docker 20.10 (a private dockerd) from the same image
// archive: the same refusals, the same Config.Healthcheck, the same health.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ce } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';
import { dockerPeerMissing, startDockerPeer, type CommandResult, type DockerPeer, type PrivateDockerd } from './support/docker-peer.js';

const IMAGE = 'ce-e2e/health:latest';

let peer: DockerPeer | undefined;
let daemon: TestDaemon;
let dockerd: PrivateDockerd;

/**
 * The same command line in both engines; ce's "ce: " / "See 'ce …'" are Docker's "docker: " / "See 'docker …'".
 * Docker prints a flag value its flag parser refuses without "docker: "; ce (every flag, not only these) with "ce: ".
 */
async function both(args: string[]): Promise<{ ce: CommandResult; docker: CommandResult }> {
  const [c, d] = await Promise.all([ce(args, { socket: daemon!.socket }), dockerd!.docker(args, { timeoutMs: 60_000 })]);
  const stderr = c.stderr.replace(/^ce: (?!invalid argument)/gm, 'docker: ').replace(/^ce: /gm, '').replace(/See 'ce /g, "See 'docker ");
  return { ce: { ...c, stderr }, docker: d };
}

async function expectSame(args: string[], expected?: Partial<CommandResult>): Promise<void> {
  const r = await both(args);
  expect(r.ce, args.join(' ')).toEqual(r.docker);
  if (expected) expect(r.docker).toMatchObject(expected);
}

/** Polls both engines until `format` prints `want` in each (bounded to 30 s). */
async function waitBoth(name: string, format: string, want: string): Promise<void> {
  let last: { ce: CommandResult; docker: CommandResult } | undefined;
  for (let i = 0; i < 150; i++) {
    last = await both(['inspect', '--format', format, name]);
    if (last.ce.stdout.trim() === want && last.docker.stdout.trim() === want) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${format} of ${name}: ce ${last?.ce.stdout.trim()}, docker ${last?.docker.stdout.trim()}, not ${want}`);
}

describe.skipIf(dockerPeerMissing !== undefined)('health checks match Docker 20.10', () => {
  beforeAll(async () => {
    peer = await startDockerPeer('health-parity', IMAGE);
    ({ dockerd, daemon } = peer);
  }, 180_000);

  afterAll(async () => {
    await peer?.dispose();
  }, 120_000);

  it('the same refusals of bad health flags', async () => {
    await expectSame(['create', '--no-healthcheck', '--health-retries', '2', IMAGE], { code: 125 });
    await expectSame(['create', '--health-interval', '30', IMAGE], { code: 125 });
    await expectSame(['create', '--health-interval', '3x', IMAGE], { code: 125 });
    await expectSame(['create', '--health-timeout', '-1s', IMAGE], { code: 125 });
    await expectSame(['create', '--health-retries', 'x', IMAGE], { code: 125 });
    await expectSame(['run', '-d', '--health-start-period', '10us', IMAGE], { code: 125 });
    // ce prefixes every refused ps filter with "ce: " where Docker prints none: compared without it.
    const ps = await both(['ps', '--filter', 'health=ok']);
    expect({ ...ps.ce, stderr: ps.ce.stderr.replace(/^docker: /, '') }).toEqual(ps.docker);
    expect(ps.docker.code).toBe(1);
  });

  it('the same Config.Healthcheck and health, healthy then unhealthy', async () => {
    const args = ['--health-cmd', 'test -f /tmp/ok', '--health-interval', '1s', '--health-retries', '2', '--health-start-period', '1m'];
    const ran = await both(['run', '-d', '--name', 'hc', ...args, IMAGE, 'sleep', '1000']);
    expect(ran.ce.code).toBe(0);
    expect(ran.docker.code).toBe(0);
    await expectSame(['inspect', '--format', '{{json .Config.Healthcheck}}', 'hc']);
    await expectSame(['inspect', '--format', '{{.State.Health.Status}} {{.State.Health.FailingStreak}}', 'hc']);
    await expectSame(['exec', 'hc', 'touch', '/tmp/ok']);
    await waitBoth('hc', '{{.State.Health.Status}}', 'healthy');
    await expectSame(['ps', '--format', '{{.Names}}', '--filter', 'health=healthy']);
    await expectSame(['exec', 'hc', 'rm', '/tmp/ok']);
    await waitBoth('hc', '{{.State.Health.Status}}', 'unhealthy');
    await expectSame(['ps', '--format', '{{.Names}}', '--filter', 'health=unhealthy']);
    await expectSame(['rm', '-f', 'hc']);
  }, 90_000);

  it('--no-healthcheck: the same Config.Healthcheck and State.Health', async () => {
    const ran = await both(['run', '-d', '--name', 'nohc', '--no-healthcheck', IMAGE, 'sleep', '1000']);
    expect(ran.ce.code).toBe(0);
    await expectSame(['inspect', '--format', '{{json .Config.Healthcheck}} {{json .State.Health}}', 'nohc']);
    await expectSame(['ps', '--format', '{{.Names}}', '--filter', 'health=none']);
    await expectSame(['rm', '-f', 'nohc']);
  });
});
