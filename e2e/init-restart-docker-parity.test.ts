// --init and --restart against Docker 20.10 (a private dockerd with its own
// docker-init, Debian's tini) from the same image archive: the same output
// and exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as pause } from 'node:timers/promises';
import { ce } from './support/ce.js';
import { inspectContainer } from './support/inspect.js';
import type { TestDaemon } from './support/daemon.js';
import { dockerPeerMissing, startDockerPeer, type CommandResult, type DockerPeer, type PrivateDockerd } from './support/docker-peer.js';

const IMAGE = 'ce-e2e/init-restart:latest';

let peer: DockerPeer | undefined;
let daemon: TestDaemon;
let dockerd: PrivateDockerd;

/** The same command line in both engines; ce's "ce: " / "See 'ce …'" are Docker's "docker: " / "See 'docker …'". */
async function both(args: string[]): Promise<{ ce: CommandResult; docker: CommandResult }> {
  const [c, d] = await Promise.all([ce(args, { socket: daemon!.socket }), dockerd!.docker(args, { timeoutMs: 60_000 })]);
  return { ce: { ...c, stderr: c.stderr.replace(/^ce: /gm, 'docker: ').replace(/See 'ce /g, "See 'docker ") }, docker: d };
}

async function expectSame(args: string[], expected?: Partial<CommandResult>): Promise<void> {
  const r = await both(args);
  expect(r.ce, args.join(' ')).toEqual(r.docker);
  if (expected) expect(r.docker).toMatchObject(expected);
}

describe.skipIf(dockerPeerMissing !== undefined)('--init and --restart match Docker 20.10', () => {
  beforeAll(async () => {
    peer = await startDockerPeer('init-restart-parity', IMAGE);
    ({ dockerd, daemon } = peer);
  }, 180_000);

  afterAll(async () => {
    await peer?.dispose();
  }, 120_000);

  it('run --init: pid 1 is /sbin/docker-init -- <command>, mounted read-only; exit codes pass through', async () => {
    await expectSame(['run', '--rm', '--init', IMAGE, 'sh', '-c', `tr '\\0' ' ' < /proc/1/cmdline; echo; grep -c ' /sbin/docker-init ro,' /proc/self/mountinfo`], {
      code: 0,
      stdout: `/sbin/docker-init -- sh -c tr '\\0' ' ' < /proc/1/cmdline; echo; grep -c ' /sbin/docker-init ro,' /proc/self/mountinfo \n1\n`,
    });
    await expectSame(['run', '--rm', '--init', IMAGE, 'sh', '-c', 'exit 7'], { code: 7 });
    await expectSame(['run', '--rm', '--init', IMAGE, 'sh', '-c', 'kill -USR1 $$'], { code: 138 });
  });

  it('--restart: the same refusals', async () => {
    await expectSame(['run', '--rm', '--restart', 'always', IMAGE, 'true'], { code: 125 });
    await expectSame(['create', '--restart', 'a:b:c', IMAGE, 'true'], { code: 125 });
    await expectSame(['create', '--restart', 'on-failure:x', IMAGE, 'true'], { code: 125 });
    await expectSame(['run', '--restart', 'foo', IMAGE, 'true'], { code: 125 });
    await expectSame(['run', '--restart', 'on-failure:-1', IMAGE, 'true'], { code: 125 });
    await expectSame(['run', '--restart', 'always:3', IMAGE, 'true'], { code: 125 });
  });

  it('on-failure:2 stops after 2 restarts in both, with RestartCount 2', async () => {
    await both(['run', '-d', '--name', 'fails', '--restart', 'on-failure:2', IMAGE, 'sh', '-c', 'echo run; exit 3']);
    for (const engine of ['ce', 'docker'] as const) {
      const deadline = Date.now() + 30_000;
      let last = '';
      for (;;) {
        if (engine === 'ce') {
          const c = await inspectContainer(daemon.socket, 'fails');
          last = `${c.State.Status} ${c.RestartCount} ${c.State.ExitCode}\n`;
        } else {
          last = (await dockerd.docker(['inspect', '--format', '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}', 'fails'])).stdout;
        }
        if (last === 'exited 2 3\n' || Date.now() > deadline) break;
        await pause(50);
      }
      expect(last, engine).toBe('exited 2 3\n');
    }
    await expectSame(['logs', 'fails'], { code: 0, stdout: 'run\nrun\nrun\n' });
    await expectSame(['rm', 'fails'], { code: 0, stdout: 'fails\n' });
  });
});
