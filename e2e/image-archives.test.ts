// Image archives between ce and Docker 20.10 (a private dockerd): docker save
// → ce load → ce run; ce save → docker load → docker run; and the image
// lifecycle commands (tag, rmi, image inspect/prune, system df) on the way.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLayer } from '@ce/image-store';
import { busyboxLayerEntries } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { mountsUnder, processesMentioning } from './support/leaks.js';
import { repoRoot } from './support/paths.js';

interface PrivateDockerd {
  docker(args: string[], o?: { input?: string | Buffer; timeoutMs?: number }): Promise<{ code: number | null; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

let daemon: TestDaemon;
let dockerd: PrivateDockerd;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ce-e2e-archives-'));
  const { startPrivateDockerd } = (await import(join(repoRoot, 'tools/lib/private-dockerd.mjs'))) as {
    startPrivateDockerd(o: { dir: string }): Promise<PrivateDockerd>;
  };
  dockerd = await startPrivateDockerd({ dir: join(work, 'dockerd') });
  daemon = await startTestDaemon();
});

afterAll(async () => {
  await daemon?.dispose();
  await dockerd?.stop();
  if (work) {
    expect(mountsUnder(work)).toEqual([]);
    expect(processesMentioning(work)).toEqual([]);
    await rm(work, { recursive: true, force: true });
  }
});

const run = (args: string[], input?: string | Buffer) => ce(args, { socket: daemon.socket, input });
async function docker(args: string[]) {
  const r = await dockerd.docker(args, { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

describe('docker save → ce load → ce run', () => {
  it('runs an image Docker saved, and names it as Docker did', async () => {
    const rootfs = join(work, 'busybox-rootfs.tar');
    // Hard links carry the mode of their file: Docker chmods the linked inode to the link entry's mode.
    await writeFile(rootfs, (await buildLayer(busyboxLayerEntries(), { compression: 'none' })).tar);
    await docker(['import', '--change', 'CMD ["sh"]', '--change', 'ENV PATH=/bin', rootfs, 'ce-test/busybox:from-docker']);
    const archive = join(work, 'from-docker.tar');
    await docker(['save', '-o', archive, 'ce-test/busybox:from-docker']);
    const dockerId = (await docker(['image', 'inspect', '--format', '{{.Id}}', 'ce-test/busybox:from-docker'])).trim();

    // Docker forgets the image: the load back later must come from ce's archive alone.
    await docker(['rmi', 'ce-test/busybox:from-docker']);
    expect((await docker(['images', '-q'])).trim()).toBe('');

    const loaded = await run(['load', '-i', archive]);
    expect(loaded.stderr).toBe('');
    expect(loaded.stdout).toBe('Loaded image: ce-test/busybox:from-docker\n');
    expect(loaded.code).toBe(0);

    // From stdin too, as `docker load < archive`: loading the same image again only renames it.
    const fromStdin = await run(['load'], await readFile(archive));
    expect(fromStdin).toMatchObject({ code: 0, stderr: '', stdout: 'Loaded image: ce-test/busybox:from-docker\n' });

    const out = await run(['run', '--rm', 'ce-test/busybox:from-docker', 'echo', 'hello from a docker-saved image']);
    expect(out).toEqual({ code: 0, stdout: 'hello from a docker-saved image\n', stderr: '' });

    const inspect = await run(['image', 'inspect', 'ce-test/busybox:from-docker']);
    const [info] = JSON.parse(inspect.stdout);
    expect(info).toMatchObject({ Id: dockerId, RepoTags: ['ce-test/busybox:from-docker'], Os: 'linux', RootFS: { Type: 'layers' } });
    expect(info.Config.Cmd).toEqual(['sh']);
  });
});

describe('ce save → docker load → docker run', () => {
  it('gives Docker an archive it loads and runs', async () => {
    expect((await run(['tag', 'ce-test/busybox:from-docker', 'ce-test/busybox:from-ce'])).code).toBe(0);
    const archive = join(work, 'from-ce.tar');
    const saved = await run(['save', '-o', archive, 'ce-test/busybox:from-ce']);
    expect(saved).toMatchObject({ code: 0, stderr: '' });
    const loaded = await docker(['load', '-i', archive]);
    expect(loaded).toBe('Loaded image: ce-test/busybox:from-ce\n');
    const out = await docker(['run', '--rm', '--pull', 'never', '--network', 'none', 'ce-test/busybox:from-ce', 'echo', 'hello from a ce-saved image']);
    expect(out).toBe('hello from a ce-saved image\n');
  });

  it('refuses to write an archive of an image it does not have, and leaves no file', async () => {
    const archive = join(work, 'nothing.tar');
    const r = await run(['save', '-o', archive, 'nothere']);
    expect(r).toMatchObject({ code: 1, stderr: 'ce: Error response from daemon: No such image: nothere:latest\n' });
    await expect(import('node:fs/promises').then((fs) => fs.stat(archive))).rejects.toThrow(/ENOENT/);
  });
});

describe('image lifecycle through ced', () => {
  it('untags by name, refuses an id with several names unless forced, reports disk usage and prunes', async () => {
    const df = await run(['system', 'df']);
    expect(df.stdout).toMatch(/^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\n/);
    expect(df.stdout).toMatch(/\nBuild Cache\s+0\s+0\s+0B\s+0B\n/);
    const id = JSON.parse((await run(['image', 'inspect', 'ce-test/busybox:from-ce'])).stdout)[0].Id as string;

    expect(await run(['rmi', 'ce-test/busybox:from-ce'])).toMatchObject({ code: 0, stdout: 'Untagged: ce-test/busybox:from-ce\n' });
    await run(['tag', 'ce-test/busybox:from-docker', 'ce-test/other:1']);
    const refused = await run(['rmi', id.slice(7, 19)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`conflict: unable to delete ${id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`);
    const forced = await run(['rmi', '-f', id.slice(7, 19)]);
    expect(forced.stdout).toBe(`Untagged: ce-test/busybox:from-docker\nUntagged: ce-test/other:1\nDeleted: ${id}\n`);

    // rmi collected the deleted image's blobs and layer already.
    expect(await run(['image', 'prune', '-f'])).toMatchObject({ code: 0, stdout: 'Total reclaimed space: 0B\n' });

    // prune -a removes images no container uses, and says what it freed.
    await run(['load', '-i', join(work, 'from-docker.tar')]);
    // No container: everything is reclaimable (ced's embedded hello-world counts too).
    expect((await run(['system', 'df'])).stdout).toMatch(/\nImages\s+\d+\s+0\s+([\d.]+[kM]B)\s+\1 \(100%\)\n/);
    const pruned = await run(['image', 'prune', '-a', '-f']);
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toMatch(/^Deleted Images:\n(untagged: .*\n)+(deleted: sha256:[a-f0-9]{64}\n)+\nTotal reclaimed space: [1-9][\d.]*MB\n$/);
    expect(pruned.stdout).toContain('untagged: ce-test/busybox:from-docker\n');
    expect(pruned.stdout).toContain(`deleted: ${id}\n`);
    expect((await run(['images', '-q'])).stdout).toBe('');
    const badArchive = await run(['load'], 'this is not a tar archive, it is text');
    expect(badArchive.code).toBe(1);
    expect(badArchive.stderr).toMatch(/^ce: Error response from daemon: archive/);
    const missing = await run(['image', 'inspect', 'ce-test/other:1']);
    expect(missing).toMatchObject({ code: 1, stdout: '[]\n', stderr: 'ce: Error: No such image: ce-test/other:1\n' });
  });

  it("refuses to delete the image of a running container by id even with -f, as ced knows which containers run", async () => {
    const [loaded] = (await run(['load', '-i', join(work, 'from-docker.tar')])).stdout.split('\n');
    expect(loaded).toBe('Loaded image: ce-test/busybox:from-docker');
    const started = await run(['run', '-d', 'ce-test/busybox:from-docker', 'sleep', '300']);
    expect(started.code).toBe(0);
    const ctr = started.stdout.trim();
    try {
      const id = JSON.parse((await run(['image', 'inspect', 'ce-test/busybox:from-docker'])).stdout)[0].Id as string;
      const byId = await run(['rmi', '-f', id]);
      expect(byId.code).toBe(1);
      expect(byId.stderr).toBe(
        `ce: Error response from daemon: conflict: unable to delete ${id.slice(7, 19)} (cannot be forced) - image is being used by running container ${ctr.slice(0, 12)}\n`,
      );
      const byName = await run(['rmi', 'ce-test/busybox:from-docker']);
      expect(byName.stderr).toContain(`conflict: unable to remove repository reference "ce-test/busybox:from-docker" (must force) - container ${ctr.slice(0, 12)} is using its referenced image ${id.slice(7, 19)}`);
      // Forced by name: untagged only; the container keeps running on its layers.
      expect(await run(['rmi', '-f', 'ce-test/busybox:from-docker'])).toMatchObject({ code: 0, stdout: 'Untagged: ce-test/busybox:from-docker\n' });
      expect((await run(['ps', '-q', '--no-trunc'])).stdout.trim()).toBe(ctr);
      const verbose = await run(['system', 'df', '-v']);
      expect(verbose.stdout).toMatch(new RegExp(`\\nContainers space usage:\\n\\nCONTAINER ID .*\\n${ctr.slice(0, 12)} .* Up `));
      expect(verbose.stdout).toMatch(/\nBuild cache usage: 0B\n$/);
    } finally {
      expect((await run(['rm', '-f', ctr])).code).toBe(0);
    }
  });
});
