// ce stop, start, restart and wait against Docker 20.10 (a private dockerd, no bridge, no
// iptables) from the same image archive: the same command lines, the same exit codes and output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ce } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';
import { dockerPeerMissing, startDockerPeer, type CommandResult, type DockerPeer, type PrivateDockerd } from './support/docker-peer.js';


const IMAGE = 'ce-e2e/lifecycle:latest';
const COOPERATIVE = 'trap "exit 143" TERM; sleep 1000 & wait';

let peer: DockerPeer | undefined;
let daemon: TestDaemon;
let dockerd: PrivateDockerd;

/** The same command line in both engines; ce's "ce: " before its errors is Docker's nothing. */
async function both(args: string[]): Promise<{ ce: CommandResult; docker: CommandResult }> {
  const [c, d] = await Promise.all([ce(args, { socket: daemon!.socket }), dockerd!.docker(args, { timeoutMs: 60_000 })]);
  return { ce: { ...c, stderr: c.stderr.replace(/^ce: /gm, '') }, docker: d };
}

async function expectSame(args: string[], expected?: Partial<CommandResult>): Promise<void> {
  const r = await both(args);
  expect(r.ce, args.join(' ')).toEqual(r.docker);
  if (expected) expect(r.docker).toMatchObject(expected);
}

describe.skipIf(dockerPeerMissing !== undefined)('ce stop/start/restart/wait match Docker 20.10', () => {
  beforeAll(async () => {
    peer = await startDockerPeer('lifecycle-parity', IMAGE);
    ({ dockerd, daemon } = peer);
  }, 180_000);

  afterAll(async () => {
    await peer?.dispose();
  }, 120_000);

  it('stop: SIGKILL after -t for a container that ignores SIGTERM, its own code for one that exits on it', async () => {
    await both(['run', '-d', '--name', 'ignores', IMAGE, 'sleep', '1000']);
    await both(['run', '-d', '--name', 'exits', IMAGE, 'sh', '-c', COOPERATIVE]);
    await both(['run', '-d', '--name', 'usr1', '--stop-signal', 'SIGUSR1', IMAGE, 'sh', '-c', `trap "exit 10" USR1; ${COOPERATIVE}`]);
    await expectSame(['stop', '-t', '1', 'ignores', 'nosuch', 'exits', 'usr1'], { code: 1 });
    await expectSame(['wait', 'ignores', 'exits', 'usr1'], { code: 0, stdout: '137\n143\n10\n' });
    await expectSame(['stop', 'ignores'], { code: 0, stdout: 'ignores\n' });
  });

  it('start: again on the same layer, -a with the exit code, errors for unknown containers', async () => {
    await expectSame(['run', '--name', 'again', IMAGE, 'sh', '-c', 'echo run >> /runs; wc -l < /runs; exit 3'], { code: 3, stdout: '1\n' });
    await expectSame(['start', '-a', 'again'], { code: 3, stdout: '2\n' });
    await expectSame(['start', 'nosuch', 'again'], { code: 1 });
    await expectSame(['wait', 'again'], { code: 0, stdout: '3\n' });
    await expectSame(['start', '-a', 'nosuch']);
    await expectSame(['start', '-a', 'again', 'exits']);
    await expectSame(['wait', 'nosuch']);
  });

  it('restart: a running one, a stopped one, a --rm one, an unknown one', async () => {
    await both(['run', '-d', '--rm', '--name', 'rm-restart', IMAGE, 'sh', '-c', COOPERATIVE]);
    await expectSame(['restart', 'exits', 'rm-restart', 'nosuch'], { code: 1 });
    // Still there after its restart: the stop finds it.
    await expectSame(['stop', 'exits', 'rm-restart'], { code: 0, stdout: 'exits\nrm-restart\n' });
    await expectSame(['wait', 'exits'], { code: 0, stdout: '143\n' });
  });
});
