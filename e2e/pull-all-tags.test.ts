// `ce pull --all-tags` and the docker CLI's `docker pull -a` through ced's
// Docker API (POST /images/create without a tag), against a loopback
// registry (Debian's docker-registry): every tag the registry lists, pulled
// in its order, with dockerd 20.10's output.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRY_BIN, startRegistry, type RegistryServer } from '../packages/image-store/test/support/registry.js';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { dockerCli, dockerClientMissing } from './support/docker-cli.js';

const registryMissing = existsSync(REGISTRY_BIN) ? '' : `needs ${REGISTRY_BIN} (apt-get install docker-registry)`;

describe.skipIf(registryMissing !== '')(`pulling every tag of a repository ${registryMissing}`, () => {
  let daemon: TestDaemon;
  let reg: RegistryServer;
  let repo: string;
  const run = (args: string[]) => ce(args, { socket: daemon.socket });
  const digests = new Map<string, string>();
  const tagsOf = async () => (await run(['images', '--format', '{{.Tag}}', repo])).stdout.split('\n').filter(Boolean).sort();

  beforeAll(async () => {
    [daemon, reg] = await Promise.all([startTestDaemon(), startRegistry()]);
    repo = `${reg.host}/ce/all`;
    // v1 and v2 name one image, v3 another.
    await importBusyboxImage(daemon.socket, `${repo}:v1`);
    await importBusyboxImage(daemon.socket, `${repo}:v3`, { Env: ['PATH=/bin', 'V=3'] });
    await run(['tag', `${repo}:v1`, `${repo}:v2`]);
    for (const tag of ['v1', 'v2', 'v3']) {
      const push = await run(['push', `${repo}:${tag}`]);
      expect(push.code).toBe(0);
      digests.set(tag, /digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)![1]!);
    }
    for (const tag of ['v1', 'v2', 'v3']) expect((await run(['rmi', `${repo}:${tag}`])).code).toBe(0);
  });
  afterAll(async () => {
    await daemon?.dispose();
    await reg?.stop();
  });

  it('ce pull -a pulls each tag in the registry\'s order, then says once whether anything was new', async () => {
    const pull = await run(['pull', '-a', repo]);
    expect(pull.stderr).toBe('');
    expect(pull.code).toBe(0);
    const lines = pull.stdout.trim().split('\n');
    expect(lines.filter((l) => / Pulling from |^Digest: |^Status: /.test(l))).toEqual([
      'v1: Pulling from ce/all',
      `Digest: ${digests.get('v1')}`,
      'v2: Pulling from ce/all',
      `Digest: ${digests.get('v2')}`,
      'v3: Pulling from ce/all',
      `Digest: ${digests.get('v3')}`,
      `Status: Downloaded newer image for ${repo}`,
    ]);
    expect(lines.at(-1)).toBe(repo);
    expect(await tagsOf()).toEqual(['v1', 'v2', 'v3']);

    const again = await run(['pull', '--all-tags', '-q', repo]);
    expect(again).toMatchObject({ code: 0, stdout: `${repo}\n` });
    expect((await run(['pull', '-a', repo])).stdout).toMatch(new RegExp(`\\nStatus: Image is up to date for ${repo}\\n${repo}\\n$`));
  });

  it('refuses a tag or digest with -a, and names a repository the registry does not know, as docker pull does', async () => {
    expect(await run(['pull', '-a', `${repo}:v1`])).toMatchObject({ code: 1, stdout: '', stderr: "ce: tag can't be used with --all-tags/-a\n" });
    expect(await run(['pull', '-a', `${repo}@${digests.get('v1')}`])).toMatchObject({ code: 1, stderr: "ce: tag can't be used with --all-tags/-a\n" });
    const unknown = await run(['pull', '-a', `${reg.host}/ce/nosuch`]);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toBe(`ce: Error response from daemon: repository ${reg.host}/ce/nosuch not found: name unknown: repository name not known to registry\n`);
  });

  it.skipIf(dockerClientMissing !== '')(`docker pull -a through ced's Docker API ${dockerClientMissing}`, async () => {
    for (const tag of ['v1', 'v2', 'v3']) await run(['rmi', `${repo}:${tag}`]);
    const pull = await dockerCli(['pull', '-a', repo], { daemon });
    expect(pull.stderr).toBe('');
    expect(pull.code).toBe(0);
    const lines = pull.stdout.trim().split('\n');
    expect(lines.filter((l) => / Pulling from |^Digest: |^Status: /.test(l))).toEqual([
      'v1: Pulling from ce/all',
      `Digest: ${digests.get('v1')}`,
      'v2: Pulling from ce/all',
      `Digest: ${digests.get('v2')}`,
      'v3: Pulling from ce/all',
      `Digest: ${digests.get('v3')}`,
      `Status: Downloaded newer image for ${repo}`,
    ]);
    expect(lines.at(-1)).toBe(repo);
    expect(await tagsOf()).toEqual(['v1', 'v2', 'v3']);
  });
});
