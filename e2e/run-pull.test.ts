// ce run / ce create of an image that is not there pull it first, as docker
// run does; --pull always|missing|never. Against a loopback registry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RegistryServer } from '../packages/image-store/test/support/registry.js';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';

let reg: RegistryServer;
let pusher: TestDaemon;
let puller: TestDaemon;
let image: string;

beforeAll(async () => {
  reg = await startRegistry();
  [pusher, puller] = await Promise.all([startTestDaemon(), startTestDaemon()]);
  image = `${reg.host}/ce/busybox:v1`;
  await importBusyboxImage(pusher.socket, image);
  const push = await ce(['push', image], { socket: pusher.socket });
  if (push.code !== 0) throw new Error(`push failed: ${push.stderr}`);
});

afterAll(async () => {
  await pusher?.dispose();
  await puller?.dispose();
  await reg?.stop();
});

const run = (args: string[]) => ce(args, { socket: puller.socket });
const containers = async () => (await run(['ps', '-aq'])).stdout;

describe('ce run of a missing image', () => {
  it('says it is not there, pulls it with docker pull progress on stderr, then runs it', async () => {
    const r = await run(['run', '--rm', image, 'echo', 'hi']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('hi\n');
    const lines = r.stderr.trim().split('\n');
    const layer = /^([0-9a-f]{12}): Pulling fs layer$/.exec(lines[2]!)![1];
    expect(lines).toEqual([
      `Unable to find image '${image}' locally`,
      'v1: Pulling from ce/busybox',
      `${layer}: Pulling fs layer`,
      `${layer}: Downloading`,
      `${layer}: Verifying Checksum`,
      `${layer}: Download complete`,
      `${layer}: Extracting`,
      `${layer}: Pull complete`,
      expect.stringMatching(/^Digest: sha256:[0-9a-f]{64}$/),
      `Status: Downloaded newer image for ${image}`,
    ]);
    // Now it is there: no pull.
    expect(await run(['run', '--rm', image, 'echo', 'again'])).toEqual({ code: 0, stdout: 'again\n', stderr: '' });
  });

  it('pulls again with --pull always, and never with --pull never', async () => {
    const always = await run(['run', '--rm', '--pull', 'always', image, 'true']);
    expect(always.code).toBe(0);
    expect(always.stderr.trim().split('\n')).toEqual([
      'v1: Pulling from ce/busybox',
      expect.stringMatching(/^[0-9a-f]{12}: Already exists$/),
      expect.stringMatching(/^Digest: sha256:[0-9a-f]{64}$/),
      `Status: Image is up to date for ${image}`,
    ]);

    const missing = `${reg.host}/ce/busybox:not-pushed`;
    expect(await run(['run', '--pull', 'never', missing, 'true'])).toEqual({
      code: 125,
      stdout: '',
      stderr: `ce: Error response from daemon: No such image: ${missing}.\nSee 'ce run --help'.\n`,
    });
    expect(await run(['create', '--pull=never', missing])).toMatchObject({ code: 125, stderr: `ce: Error response from daemon: No such image: ${missing}.\nSee 'ce create --help'.\n` });
    expect(await containers()).toBe('');
  });

  it('fails with 125 and creates nothing when the pull fails or --pull is not a policy', async () => {
    const absent = `${reg.host}/ce/absent:1`;
    const r = await run(['run', absent, 'true']);
    expect(r.code).toBe(125);
    expect(r.stdout).toBe('');
    // docker 20.10's words, checked against this registry.
    expect(r.stderr).toBe(`Unable to find image '${absent}' locally\nce: Error response from daemon: manifest for ${absent} not found: manifest unknown: manifest unknown.\nSee 'ce run --help'.\n`);

    expect(await run(['run', '--pull', 'sometimes', image, 'true'])).toEqual({
      code: 125,
      stdout: '',
      stderr: `ce: invalid pull option: 'sometimes': must be one of "always", "missing" or "never"\nSee 'ce run --help'.\n`,
    });
    expect(await containers()).toBe('');
  });

  it('ce create pulls a missing image too', async () => {
    expect((await run(['rmi', image])).code).toBe(0);
    const r = await run(['create', '--name', 'pulled', image, 'true']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(r.stderr).toMatch(new RegExp(`^Unable to find image '${image}' locally\\nv1: Pulling from ce/busybox\\n[^]*Status: Downloaded newer image for ${image}\\n$`));
    expect((await run(['rm', 'pulled'])).code).toBe(0);
  });
});
