// Docker's RepoDigests with the real binaries and a loopback registry
// (Debian's docker-registry): push and pull by tag name the image by the
// manifest digest too; `ce images --digests`, `ce image inspect` and the
// Docker API show it; it survives a restart of ced; pull, run and rmi by
// digest behave as with dockerd 20.10.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpOverUnix } from '../packages/docker-api/test/support/http-over-unix.js';
import { REGISTRY_BIN, startRegistry, type RegistryServer } from '../packages/image-store/test/support/registry.js';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { dockerSocketOf } from './support/docker-cli.js';

const registryMissing = existsSync(REGISTRY_BIN) ? '' : `needs ${REGISTRY_BIN} (apt-get install docker-registry)`;

describe.skipIf(registryMissing !== '')(`RepoDigests ${registryMissing}`, () => {
  let daemon: TestDaemon;
  let reg: RegistryServer;
  const run = (args: string[]) => ce(args, { socket: daemon.socket });
  const ok = async (args: string[]) => {
    const r = await run(args);
    expect(r.stderr, `ce ${args.join(' ')}`).toBe('');
    expect(r.code, `ce ${args.join(' ')}`).toBe(0);
    return r.stdout;
  };

  beforeAll(async () => {
    [daemon, reg] = await Promise.all([startTestDaemon(), startRegistry()]);
  });
  afterAll(async () => {
    await daemon?.dispose();
    await reg?.stop();
  });

  it('push and pull by tag record the digest; images, inspect and the Docker API show it, also after a restart; pull, run and rmi by digest', async () => {
    const repo = `${reg.host}/ce/digests`;
    const name = `${repo}:v1`;
    await importBusyboxImage(daemon.socket, name);
    const push = await ok(['push', name]);
    const digest = /^v1: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(push)![1]!;
    const byDigest = `${repo}@${digest}`;
    const id = (await ok(['image', 'inspect', '--format', '{{.Id}}', name])).trim();
    expect(await ok(['image', 'inspect', '--format', '{{json .RepoTags}} {{json .RepoDigests}}', name])).toBe(`${JSON.stringify([name])} ${JSON.stringify([byDigest])}\n`);

    // docker rmi of the last tag takes the repository's digest names along, then the image.
    expect(await ok(['rmi', name])).toBe(`Untagged: ${name}\nUntagged: ${byDigest}\nDeleted: ${id}\n`);
    const pull = await ok(['pull', name]);
    expect(pull).toContain(`\nDigest: ${digest}\nStatus: Downloaded newer image for ${name}\n`);
    const table = await ok(['images', '--digests', repo]);
    expect(table.split('\n')[0]).toMatch(/^REPOSITORY +TAG +DIGEST +IMAGE ID +CREATED +SIZE$/);
    expect(table.split('\n')[1]).toMatch(new RegExp(`^${repo} +v1 +${digest} +${id.slice(7, 19)} `));
    expect(await ok(['images', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}', repo])).toBe(`${repo} v1 <none>\n`);

    // Kept in the image records: a restarted ced has it.
    await daemon.stop();
    await daemon.restart();
    expect(await ok(['image', 'inspect', '--format', '{{json .RepoDigests}}', name])).toBe(`${JSON.stringify([byDigest])}\n`);
    const summaries = JSON.parse((await httpOverUnix(dockerSocketOf(daemon), 'GET', '/v1.41/images/json')).body) as { Id: string; RepoTags: string[]; RepoDigests: string[] }[];
    expect(summaries.find((s) => s.Id === id)).toMatchObject({ RepoTags: [name], RepoDigests: [byDigest] });
    const inspect = JSON.parse((await httpOverUnix(dockerSocketOf(daemon), 'GET', `/v1.41/images/${encodeURIComponent(byDigest)}/json`)).body) as { Id: string; RepoDigests: string[] };
    expect(inspect).toMatchObject({ Id: id, RepoDigests: [byDigest] });

    // By digest: the pull finds it there, run uses it, rmi removes only that name.
    const again = await ok(['pull', byDigest]);
    expect(again.split('\n')[0]).toBe(`${byDigest}: Pulling from ce/digests`);
    expect(again).toMatch(new RegExp(`\nDigest: ${digest}\nStatus: Image is up to date for ${byDigest}\n${byDigest}\n$`));
    expect(await ok(['run', '--rm', byDigest, 'echo', 'by digest'])).toBe('by digest\n');
    expect(await ok(['rmi', byDigest])).toBe(`Untagged: ${byDigest}\n`);
    expect(await ok(['image', 'inspect', '--format', '{{json .RepoDigests}}', name])).toBe('[]\n');

    // Pulled by digest alone, the image is its repository's <none> row; dangling until a tag names it again.
    await ok(['rmi', name]);
    await ok(['pull', '-q', byDigest]);
    expect(await ok(['images', '--digests', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}', repo])).toBe(`${repo} <none> ${digest}\n`);
    expect(await ok(['images', '--filter', 'dangling=true', '--format', '{{.Repository}} {{.Tag}}'])).toBe(`${repo} <none>\n`);
    // dockerd's ImageSummary: no tag is a null RepoTags.
    const digestOnly = JSON.parse((await httpOverUnix(dockerSocketOf(daemon), 'GET', '/v1.41/images/json')).body) as { Id: string; RepoTags: null; RepoDigests: string[] }[];
    expect(digestOnly.find((s) => s.Id === id)).toMatchObject({ RepoTags: null, RepoDigests: [byDigest] });
    await ok(['pull', '-q', name]);
    expect(await ok(['images', '--filter', 'dangling=true', '-q'])).toBe('');
    expect(await ok(['image', 'inspect', '--format', '{{json .RepoTags}} {{json .RepoDigests}}', byDigest])).toBe(`${JSON.stringify([name])} ${JSON.stringify([byDigest])}\n`);
  });
});
