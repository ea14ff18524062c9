// ced serves the image store's content and snapshots services on its socket
// beside ce.images.v1: the real ced, the real ce, and the library's clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentGrpcClient, sha256, SnapshotsGrpcClient, type SnapshotInfo } from '@ce/image-store';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';

let daemon: TestDaemon;
let content: ContentGrpcClient;
let snapshots: SnapshotsGrpcClient;
const run = (args: string[]) => ce(args, { socket: daemon.socket });

beforeAll(async () => {
  daemon = await startTestDaemon();
  await importBusyboxImage(daemon.socket);
  content = new ContentGrpcClient(daemon.socket);
  snapshots = new SnapshotsGrpcClient(daemon.socket);
});

afterAll(async () => {
  content?.client.close();
  snapshots?.client.close();
  await daemon?.dispose();
});

describe('ce.content.v1 and ce.snapshots.v1 served by ced', () => {
  it("reads the image's blobs, and keeps what a client writes only when it is labelled a gc root", async () => {
    const id = (await run(['image', 'inspect', '--format', '{{.Id}}', 'busybox'])).stdout.trim();
    const config = JSON.parse((await content.readBlob(id)).toString()) as { rootfs: { diff_ids: string[] } };
    expect(config.rootfs.diff_ids).toHaveLength(1);

    const kept = await content.ingest(Buffer.from('kept by its label'), { digest: sha256('kept by its label'), labels: { 'ce.gc.root': 'e2e' } });
    const loose = await content.ingest(Buffer.from('referenced by nothing'));
    expect(await run(['image', 'prune', '-f'])).toMatchObject({ code: 0 });
    expect(await content.exists(kept.digest)).toBe(true);
    expect(await content.exists(loose.digest)).toBe(false);
    expect((await content.info(id)).digest).toBe(id);
    // Prune without -a keeps named images (ced's embedded hello-world too).
    expect((await run(['images', '--format', '{{.Repository}}'])).stdout.split('\n')).toContain('busybox');
  });

  it("shows a container's writable snapshot over the image's layer, and refuses to remove the layer under it", async () => {
    const created = await run(['create', '--name', 'snap-user', 'busybox', 'true']);
    expect(created.code).toBe(0);
    const containerId = created.stdout.trim();
    try {
      const active: SnapshotInfo[] = [];
      await snapshots.walk((s) => void active.push(s), { kind: 'active' });
      const mine = active.find((s) => s.key === containerId);
      expect(mine?.labels['ce.image.name']).toBe('docker.io/library/busybox:latest');
      const [mount] = await snapshots.mounts(containerId);
      expect(mount?.type).toBe('overlay');
      const refused = await snapshots.remove(mine!.parent!).then(
        () => undefined,
        (err: unknown) => err as { code: string; message: string },
      );
      expect(refused?.code).toBe('FailedPrecondition');
      expect(refused?.message).toContain(`cannot remove snapshot ${mine!.parent}: it is the parent of ${containerId}`);
    } finally {
      expect(await run(['rm', containerId])).toMatchObject({ code: 0 });
    }
    const after: string[] = [];
    await snapshots.walk((s) => void after.push(s.key), { kind: 'active' });
    expect(after).not.toContain(containerId);
  });
});
