// Root-only like every e2e file: ids that would read as -1 ("leave unchanged") to the kernel must
// never reach it, whichever way they enter: `ce run -u`, the API, or an image's config User.
import { dialUnix, unary } from '@ce/protocol';
import { ContainersClient } from '@ce/protocol/gen/ce/api/v1/containers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { mountsUnder, processesMentioning } from './support/leaks.js';

const RANGE = 'uids and gids must be in range 0-2147483647';
let daemon: TestDaemon;

beforeAll(async () => {
  daemon = await startTestDaemon();
  await importBusyboxImage(daemon.socket);
  await importBusyboxImage(daemon.socket, 'ce-e2e/user-max:latest', { User: '4294967295' });
  await importBusyboxImage(daemon.socket, 'ce-e2e/group-max:latest', { User: '65534:4294967295' });
  await importBusyboxImage(daemon.socket, 'ce-e2e/user-nobody:latest', { User: 'nobody' });
});

afterAll(async () => {
  if (!daemon) return;
  await daemon.dispose();
  expect(mountsUnder(daemon.dir)).toEqual([]);
  expect(processesMentioning(daemon.dir)).toEqual([]);
});

const run = (args: string[]) => ce(args, { socket: daemon.socket });
const containersLeft = async () => (await run(['ps', '-a', '-q'])).stdout.trim();

describe('uids and gids out of 0-2147483647 are refused', () => {
  it.each([['4294967295'], ['65534:4294967295'], ['2147483648'], ['-1']])('ce run -u %s', async (user) => {
    const r = await run(['run', '--rm', '-u', user, 'busybox', 'id']);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`ce: ${RANGE}.\nSee 'ce run --help'.\n`);
    expect(r.code).toBe(125);
    expect(await containersLeft()).toBe('');
  });

  it('the API refuses them at create (a client that skips the CLI check)', async () => {
    const client = dialUnix(ContainersClient, daemon.socket);
    try {
      for (const user of ['4294967295', '0:4294967295']) {
        const create = unary((cb) =>
          client.create(
            { name: '', image: 'busybox', cmd: { values: ['id'] }, env: [], workingDir: '', user, hostname: '', autoRemove: false, tty: false, openStdin: false, labels: {}, privileged: false, capAdd: [], capDrop: [], securityOpt: [], stopSignal: '', configJson: '', hostConfigJson: '', networkingConfigJson: '' },
            cb,
          ),
        );
        await expect(create).rejects.toThrow(RANGE);
      }
    } finally {
      client.close();
    }
    expect(await containersLeft()).toBe('');
  });

  it.each([['ce-e2e/user-max'], ['ce-e2e/group-max']])("an image whose config User is out of range (%s) is refused at create", async (image) => {
    const r = await run(['run', '--rm', image, 'id']);
    expect(r.stderr).toBe(`ce: Error response from daemon: ${RANGE}.\nSee 'ce run --help'.\n`);
    expect(r.code).toBe(125);
    expect(await containersLeft()).toBe('');
  });

  it('ids in range still run as asked, and an image User by name resolves in the container', async () => {
    expect((await run(['run', '--rm', '-u', '2147483647:2147483647', 'busybox', 'id'])).stdout).toBe('uid=2147483647 gid=2147483647 groups=2147483647\n');
    expect((await run(['run', '--rm', 'ce-e2e/user-nobody', 'id'])).stdout).toBe('uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n');
    const missing = await run(['run', '--rm', '-u', 'nosuch', 'busybox', 'id']);
    expect(missing.stderr).toContain('unable to find user nosuch: no matching entries in passwd file');
    expect(missing.code).toBe(125);
  });
});
