// ce stop, start, restart and wait against Docker 20.10 (a private dockerd, no bridge, no
// iptables) from the same image archive: the same command lines, the same exit codes and output.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { mountsUnder, processesMentioning } from './support/leaks.js';
import { repoRoot } from './support/paths.js';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}
interface PrivateDockerd {
  docker(args: string[], o?: { timeoutMs?: number }): Promise<Result>;
  stop(): Promise<void>;
}
interface DockerdLib {
  which(name: string): string | null;
  startPrivateDockerd(o: { dir: string }): Promise<PrivateDockerd>;
}

const IMAGE = 'ce-e2e/lifecycle:latest';
const lib = (await import(join(repoRoot, 'tools/lib/private-dockerd.mjs'))) as DockerdLib;
const haveDockerd = lib.which('dockerd') !== null;
const isRoot = process.getuid?.() === 0;
const COOPERATIVE = 'trap "exit 143" TERM; sleep 1000 & wait';

let work: string;
let dockerd: PrivateDockerd | undefined;
let daemon: TestDaemon | undefined;

/** The same command line in both engines; ce's "ce: " before its errors is Docker's nothing. */
async function both(args: string[]): Promise<{ ce: Result; docker: Result }> {
  const [c, d] = await Promise.all([ce(args, { socket: daemon!.socket }), dockerd!.docker(args, { timeoutMs: 60_000 })]);
  return { ce: { ...c, stderr: c.stderr.replace(/^ce: /gm, '') }, docker: d };
}

async function expectSame(args: string[], expected?: Partial<Result>): Promise<void> {
  const r = await both(args);
  expect(r.ce, args.join(' ')).toEqual(r.docker);
  if (expected) expect(r.docker).toMatchObject(expected);
}

describe.skipIf(!isRoot || !haveDockerd)('ce stop/start/restart/wait match Docker 20.10', () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'ce-e2e-lifecycle-parity-'));
    [dockerd, daemon] = await Promise.all([lib.startPrivateDockerd({ dir: join(work, 'dockerd') }), startTestDaemon()]);
    await importBusyboxImage(daemon.socket, IMAGE);
    const archive = join(work, 'image.tar');
    const saved = await ce(['save', '-o', archive, IMAGE], { socket: daemon.socket });
    expect(saved.code, saved.stderr).toBe(0);
    const loaded = await dockerd.docker(['load', '-i', archive]);
    expect(loaded.code, loaded.stderr).toBe(0);
  }, 180_000);

  afterAll(async () => {
    await daemon?.dispose();
    if (dockerd) {
      const left = (await dockerd.docker(['ps', '-aq'])).stdout.trim();
      if (left) await dockerd.docker(['rm', '-f', ...left.split('\n')]);
      await dockerd.stop();
    }
    if (work) {
      expect(mountsUnder(work)).toEqual([]);
      expect(processesMentioning(work)).toEqual([]);
      await rm(work, { recursive: true, force: true });
    }
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
