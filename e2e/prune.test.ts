// Issue 8 item 12: a pull that fails mid-layer leaves a partial download;
// `ce system df` shows it, `ce image prune` and `ce system prune` reclaim it,
// and `ce system prune` removes stopped containers and unused images as
// Docker's does, after asking.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBlobProxy, type BlobProxy } from '../packages/image-store/test/support/blob-proxy.js';
import { startRegistry, type RegistryServer } from '../packages/image-store/test/support/registry.js';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';

let reg: RegistryServer;
let pusher: TestDaemon;
let daemon: TestDaemon;
const proxies: BlobProxy[] = [];
let bigLayer = '';
const remote = () => `${reg.host}/ce/big:v1`;

beforeAll(async () => {
  reg = await startRegistry();
  pusher = await startTestDaemon();
  daemon = await startTestDaemon();
  // Random data does not compress: the layer is big enough to be cut mid-way.
  await importBusyboxImage(pusher.socket, remote(), {}, [{ name: 'noise.bin', data: randomBytes(1 << 20) }]);
  const push = await ce(['push', remote()], { socket: pusher.socket });
  expect(push.code).toBe(0);
  const inspect = JSON.parse((await ce(['image', 'inspect', remote()], { socket: pusher.socket })).stdout)[0] as { RootFS: { Layers: string[] } };
  expect(inspect.RootFS.Layers).toHaveLength(1);
  // The layer's blob digest is the manifest's, not the diff id: ask the registry.
  const manifest = (await (await fetch(`${reg.url}/v2/ce/big/manifests/v1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).json()) as {
    layers: { digest: string }[];
  };
  bigLayer = manifest.layers[0]!.digest;
  await importBusyboxImage(daemon.socket);
});

afterAll(async () => {
  for (const p of proxies) await p.close();
  await daemon?.dispose();
  await pusher?.dispose();
  await reg?.stop();
});

/** A pull of the big image that fails for good after part of its layer arrived. */
async function failedPull(): Promise<void> {
  const proxy = await startBlobProxy(reg, bigLayer, { cutAfter: 300_000, thenMissing: true });
  proxies.push(proxy);
  const pull = await ce(['pull', `${proxy.host}/ce/big:v1`], { socket: daemon.socket });
  expect(pull.code).toBe(1);
  expect(pull.stderr).toContain('blob unknown');
}

const partialRow = async () => /\nPartial Downloads +(\d+) +(\d+) +(\S+) +(\S+.*)\n/.exec((await ce(['system', 'df'], { socket: daemon.socket })).stdout);

describe('partial downloads and prune', () => {
  it('system df shows the partial download a failed pull left, and image prune reclaims it', async () => {
    expect((await partialRow())?.slice(1, 3)).toEqual(['0', '0']);
    await failedPull();
    const row = await partialRow();
    expect(row?.slice(1, 3)).toEqual(['1', '0']);
    expect(row![3]).not.toBe('0B');
    expect(row![4]).toBe(`${row![3]} (100%)`);

    const pruned = await ce(['image', 'prune', '-f'], { socket: daemon.socket });
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toMatch(new RegExp(`^Deleted Partial Downloads:\\n${bigLayer}\\n\\nTotal reclaimed space: [1-9][\\d.]*kB\\n$`));
    expect((await partialRow())?.slice(1, 4)).toEqual(['0', '0', '0B']);
  });

  it('system prune asks first, then removes stopped containers, unused images (-a) and partial downloads, and keeps what runs', async () => {
    await failedPull();
    expect((await ce(['run', '--name', 'stopped', 'busybox', 'true'], { socket: daemon.socket })).code).toBe(0);
    const stopped = (await ce(['ps', '-a', '-q', '--no-trunc'], { socket: daemon.socket })).stdout.trim();
    expect(stopped).toMatch(/^[0-9a-f]{64}$/);

    const declined = await ce(['system', 'prune'], { socket: daemon.socket, input: 'n\n' });
    expect(declined.code).toBe(0);
    expect(declined.stdout).toBe(
      'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all dangling images\n  - all partial downloads no pull is using\n\nAre you sure you want to continue? [y/N] ',
    );
    expect((await ce(['ps', '-a', '-q', '--no-trunc'], { socket: daemon.socket })).stdout.trim()).toBe(stopped);
    expect((await partialRow())?.[1]).toBe('1');

    // Without -a an image a stopped container used stays; the container and the partial download go.
    const pruned = await ce(['system', 'prune', '-f'], { socket: daemon.socket });
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toMatch(new RegExp(`^Deleted Containers:\\n${stopped}\\n\\nDeleted Partial Downloads:\\n${bigLayer}\\n\\nTotal reclaimed space: [1-9][\\d.]*kB\\n$`));
    expect((await ce(['ps', '-a', '-q'], { socket: daemon.socket })).stdout).toBe('');
    expect((await ce(['images', '-q'], { socket: daemon.socket })).stdout).not.toBe('');

    await importBusyboxImage(daemon.socket, 'docker.io/library/unused:latest', {}, [{ name: 'unused', data: 'another image id' }]);
    const running = await ce(['run', '-d', '--name', 'up', 'busybox', 'sleep', '300'], { socket: daemon.socket });
    expect(running.code).toBe(0);
    const all = await ce(['system', 'prune', '-a', '-f'], { socket: daemon.socket });
    expect(all.code).toBe(0);
    // ced's embedded hello-world goes too: nothing uses it.
    expect(all.stdout).toMatch(/^Deleted Images:\n(untagged: \S+\n)+(deleted: sha256:[0-9a-f]{64}\n)+\nTotal reclaimed space: \S+\n$/);
    expect(all.stdout).toContain('untagged: unused:latest\n');
    expect(all.stdout).not.toContain('untagged: busybox:latest\n');
    expect((await ce(['ps', '-q', '--no-trunc'], { socket: daemon.socket })).stdout.trim()).toBe(running.stdout.trim());
    const images = (await ce(['images'], { socket: daemon.socket })).stdout;
    expect(images).toMatch(/\nbusybox +latest /);
    expect(images).not.toContain('unused');
    expect((await ce(['rm', '-f', 'up'], { socket: daemon.socket })).code).toBe(0);
  });
});

describe('container, image and system prune with filters', () => {
  const run = (args: string[], input?: string) => ce(args, { socket: daemon.socket, ...(input === undefined ? {} : { input }) });
  const idOf = async (name: string) => (await run(['inspect', '-f', '{{.Id}}', name])).stdout.trim();

  it('container prune asks, then removes the stopped containers its filters pick, and refuses a bad filter', async () => {
    expect((await run(['run', '--name', 'web-old', '--label', 'app=web', 'busybox', 'true'])).code).toBe(0);
    expect((await run(['run', '--name', 'db-old', '--label', 'app=db', 'busybox', 'true'])).code).toBe(0);
    const web = await idOf('web-old');
    const db = await idOf('db-old');

    const declined = await run(['container', 'prune'], 'n\n');
    expect(declined).toMatchObject({ code: 0, stdout: 'WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] Total reclaimed space: 0B\n' });
    expect(await run(['container', 'prune', '-f', '--filter', 'foo=1'])).toMatchObject({ code: 1, stderr: "ce: Error response from daemon: Invalid filter 'foo'\n" });
    expect((await run(['container', 'prune', '-f', '--filter', 'until=xx'])).stderr).toBe('ce: Error response from daemon: failed to parse value as time or duration: "xx"\n');
    // Both were created just now: none was created an hour ago.
    expect(await run(['container', 'prune', '-f', '--filter', 'until=1h'])).toMatchObject({ code: 0, stdout: 'Total reclaimed space: 0B\n' });

    const pruned = await run(['container', 'prune', '-f', '--filter', 'label=app=web']);
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toMatch(new RegExp(`^Deleted Containers:\\n${web}\\n\\nTotal reclaimed space: \\S+\\n$`));
    expect((await run(['ps', '-a', '-q', '--no-trunc'])).stdout.trim()).toBe(db);
    const rest = await run(['container', 'prune', '-f', '--filter', 'label!=app=web']);
    expect(rest.stdout).toMatch(new RegExp(`^Deleted Containers:\\n${db}\\n\\n`));
    expect((await run(['ps', '-a', '-q'])).stdout).toBe('');
  });

  it('image prune -a picks images by their config labels and creation time', async () => {
    await importBusyboxImage(daemon.socket, 'docker.io/library/tier-old:1', { Labels: { tier: 'old' } }, [{ name: 'tier', data: 'old' }]);
    await importBusyboxImage(daemon.socket, 'docker.io/library/tier-new:1', { Labels: { tier: 'new' } }, [{ name: 'tier', data: 'new' }]);
    const old = await run(['image', 'prune', '-a', '-f', '--filter', 'label=tier=old']);
    expect(old.code).toBe(0);
    expect(old.stdout).toMatch(/^Deleted Images:\nuntagged: tier-old:1\ndeleted: sha256:[0-9a-f]{64}\n\nTotal reclaimed space: \S+\n$/);
    // The test images say they were built in 2024: not before 2023.
    expect((await run(['image', 'prune', '-a', '-f', '--filter', 'until=2023-01-01T00:00:00Z'])).stdout).toBe('Total reclaimed space: 0B\n');
    expect(await run(['image', 'prune', '-f', '--filter', 'bogus=1'])).toMatchObject({ code: 1, stderr: "ce: Error response from daemon: Invalid filter 'bogus'\n" });
    const images = (await run(['images'])).stdout;
    expect(images).toMatch(/\ntier-new +1 /);
    expect(images).not.toContain('tier-old');
    expect((await run(['rmi', 'tier-new:1'])).code).toBe(0);
  });

  it('system prune --volumes removes stopped containers, unused networks and volumes, and refuses until with --volumes', async () => {
    const network = `prune-${process.pid}`;
    expect((await run(['network', 'create', network])).code).toBe(0);
    expect((await run(['volume', 'create', 'prune-vol'])).code).toBe(0);
    expect((await run(['run', '--name', 'gone', 'busybox', 'true'])).code).toBe(0);
    const gone = await idOf('gone');
    try {
      expect(await run(['system', 'prune', '-f', '--volumes', '--filter', 'until=1h'])).toMatchObject({
        code: 1,
        stderr: 'ce: The "until" filter is not supported with "--volumes"\n',
      });
      expect((await run(['ps', '-a', '-q', '--no-trunc'])).stdout.trim()).toBe(gone);

      const declined = await run(['system', 'prune', '--volumes', '--filter', 'label!=keep'], 'n\n');
      expect(declined.stdout).toBe(
        'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all volumes not used by at least one container\n' +
          '  - all dangling images\n  - all partial downloads no pull is using\n\n  Items to be pruned will be filtered with:\n  - label!=keep\n\nAre you sure you want to continue? [y/N] ',
      );
      const pruned = await run(['system', 'prune', '-f', '--volumes']);
      expect(pruned.code).toBe(0);
      expect(pruned.stdout).toMatch(
        new RegExp(`^Deleted Containers:\\n${gone}\\n\\nDeleted Networks:\\n${network}\\n\\nDeleted Volumes:\\nprune-vol\\n\\nTotal reclaimed space: \\S+\\n$`),
      );
      expect((await run(['network', 'ls', '-q', '--filter', `name=${network}`])).stdout).toBe('');
      expect((await run(['volume', 'ls', '-q'])).stdout).toBe('');
    } finally {
      await run(['rm', '-f', 'gone']);
      await run(['network', 'rm', network]);
      await run(['volume', 'rm', 'prune-vol']);
    }
  });
});

describe('ce info', () => {
  it("lays out the daemon's facts as docker info does", async () => {
    const info = await ce(['info'], { socket: daemon.socket });
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/\nServer:\n Containers: \d+\n  Running: \d+\n  Paused: \d+\n  Stopped: \d+\n Images: \d+\n Server Version: \S+\n Storage Driver: overlay2\n  Backing Filesystem: \S+\n/);
    expect(info.stdout).toMatch(/\n Logging Driver: json-file\n Cgroup Driver: cgroupfs\n Cgroup Version: [12]\n Plugins:\n  Volume: local\n  Network: bridge cni host null\n  Log: json-file local\n/);
    expect(info.stdout).toContain(' Security Options:\n  seccomp\n   Profile: default\n Kernel Version: ');
    expect(info.stdout).toMatch(/\n ID: [0-9a-f-]{36}\n Ce Root Dir: \S+\/root\n Debug Mode: (true|false)\n Registry: https:\/\/index.docker.io\/v1\/\n Insecure Registries:\n  127\.0\.0\.0\/8\n/);
    expect(info.stdout).toMatch(/ Live Restore Enabled: true\n\n$/);
    // The id is kept: a second look gives the same.
    const id = /\n ID: (\S+)\n/.exec(info.stdout)![1];
    expect((await ce(['info'], { socket: daemon.socket })).stdout).toContain(`\n ID: ${id}\n`);
  });
});
