import { describe, expect, it } from 'vitest';
import { Container } from '@ce/protocol/gen/ce/api/v1/containers';
import { Volume } from '@ce/protocol/gen/ce/api/v1/volumes';
import { DiskUsageResponse, Image } from '@ce/protocol/gen/ce/images/v1/images';
import { dockerDiskUsage } from '../../src/routes/system-df.js';

const IMAGE_ID = `sha256:${'a'.repeat(64)}`;
const now = Date.parse('2026-12-07T03:00:00Z');

describe('GET /system/df', () => {
  it("answers dockerd's DiskUsage: images with their counts, containers with sizes, volumes with UsageData, no build cache", () => {
    const df = DiskUsageResponse.fromPartial({
      layersSize: 2_000_000,
      images: [{ id: IMAGE_ID, names: ['docker.io/library/busybox:latest'], size: 1_984_162, sharedSize: 0, uniqueSize: 1_984_162, containers: 1 }],
      containers: [{ key: 'c'.repeat(64), imageId: IMAGE_ID, size: 4096 }],
    });
    const images = [Image.fromPartial({ name: 'docker.io/library/busybox:latest', id: IMAGE_ID, size: 1_984_162, created: new Date('2024-01-01T00:00:00Z') })];
    const containers = [
      Container.fromPartial({
        id: 'c'.repeat(64),
        name: 'web',
        image: 'busybox',
        imageId: IMAGE_ID,
        pathAndArgs: ['sleep', '1000'],
        createdAt: new Date(now - 60_000),
        state: { status: 'running', running: true, startedAt: new Date(now - 59_000), exitCode: 0, health: '' },
        json: JSON.stringify({ HostConfig: { NetworkMode: 'default' }, NetworkSettings: { Networks: { bridge: {} }, Ports: {} }, Mounts: [{ Type: 'volume', Name: 'v9', Driver: 'local' }] }),
      }),
    ];
    const volumes = [Volume.fromPartial({ name: 'v9', json: JSON.stringify({ CreatedAt: '2026-12-07T02:30:27Z', Driver: 'local', Labels: null, Mountpoint: '/r/volumes/v9/_data', Name: 'v9', Options: null, Scope: 'local' }) })];
    const body = dockerDiskUsage({ df, images, containers, volumes, volumeUsage: [{ name: 'v9', size: 12, refCount: 1 }] }, now);
    expect(body).toEqual({
      LayersSize: 2_000_000,
      Images: [
        {
          Containers: 1,
          Created: Date.parse('2024-01-01T00:00:00Z') / 1000,
          Id: IMAGE_ID,
          Labels: null,
          ParentId: '',
          RepoDigests: null,
          RepoTags: ['busybox:latest'],
          SharedSize: 0,
          Size: 1_984_162,
          VirtualSize: 1_984_162,
        },
      ],
      Containers: [
        expect.objectContaining({ Id: 'c'.repeat(64), Names: ['/web'], Image: 'busybox', Command: 'sleep 1000', State: 'running', Status: 'Up 59 seconds', SizeRw: 4096, SizeRootFs: 4096 + 1_984_162, Mounts: [{ Type: 'volume', Name: 'v9', Driver: 'local' }] }),
      ],
      Volumes: [{ CreatedAt: '2026-12-07T02:30:27Z', Driver: 'local', Labels: null, Mountpoint: '/r/volumes/v9/_data', Name: 'v9', Options: null, Scope: 'local', UsageData: { RefCount: 1, Size: 12 } }],
      BuildCache: null,
      BuilderSize: 0,
    });
  });
});
