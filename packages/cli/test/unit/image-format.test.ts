import { describe, expect, it } from 'vitest';
import { dockerImageJson } from '../../src/commands/image-inspect.js';
import { diskUsageRows, verboseDiskUsage } from '../../src/commands/system-df.js';

describe('ce system df', () => {
  it('computes reclaimable space as the docker CLI does', () => {
    const rows = diskUsageRows(
      {
        images: [
          { id: 'sha256:a', names: ['a'], size: 1000, sharedSize: 400, uniqueSize: 600, containers: 1 },
          { id: 'sha256:b', names: ['b'], size: 900, sharedSize: 400, uniqueSize: 500, containers: 0 },
        ],
        containers: [
          { key: 'c1', imageId: 'sha256:a', size: 300 },
          { key: 'c2', imageId: 'sha256:a', size: 100 },
        ],
        layersSize: 1500,
        partialDownloads: [
          { digest: 'sha256:p1', size: 2000, active: true },
          { digest: 'sha256:p2', size: 500, active: false },
        ],
      },
      new Set(['c1']),
      [
        { name: 'used', size: 3000, refCount: 2 },
        { name: 'idle', size: 1000, refCount: 0 },
      ],
    );
    expect(rows).toEqual([
      ['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'],
      // 1500 - (1000 - 400) = 900 of 1500: 60%.
      ['Images', '2', '1', '1.5kB', '900B (60%)'],
      ['Containers', '2', '1', '400B', '100B (25%)'],
      // A volume no container references can be reclaimed.
      ['Local Volumes', '2', '1', '4kB', '1kB (25%)'],
      ['Build Cache', '0', '0', '0B', '0B'],
      // What a live pull holds is not reclaimable.
      ['Partial Downloads', '2', '1', '2.5kB', '500B (20%)'],
    ]);
    expect(diskUsageRows({ images: [], containers: [], layersSize: 0, partialDownloads: [] }, new Set(), [])[1]).toEqual(['Images', '0', '0', '0B', '0B']);
  });
});

describe('ce system df -v', () => {
  it('lists each image name with its shared and unique size, and each container with its layer size', () => {
    const now = Date.parse('2024-03-01T00:00:00Z');
    const out = verboseDiskUsage(
      {
        images: [{ id: 'sha256:' + 'a'.repeat(64), names: ['docker.io/library/busybox:latest', 'example.com/bb:1'], size: 4_260_000, sharedSize: 0, uniqueSize: 4_260_000, containers: 1 }],
        containers: [{ key: 'f'.repeat(64), imageId: 'sha256:' + 'a'.repeat(64), size: 5 }],
        layersSize: 4_260_000,
        partialDownloads: [],
      },
      { images: [{ name: 'docker.io/library/busybox:latest', id: 'sha256:' + 'a'.repeat(64), size: 1, labels: {}, createdAt: new Date(now), created: new Date(now - 3 * 86400_000), configLabels: {}, target: undefined }] },
      [
        {
          id: 'f'.repeat(64),
          name: 'web',
          image: 'busybox',
          imageId: 'sha256:' + 'a'.repeat(64),
          pathAndArgs: ['sleep', '300'],
          createdAt: new Date(now - 3600_000),
          state: { status: 'running', running: true, pid: 1, exitCode: 0, startedAt: new Date(now - 60_000), finishedAt: undefined, error: '' },
          autoRemove: false,
          labels: {},
          hostname: '',
          env: [],
          workingDir: '',
          user: '',
        } as never,
      ],
      [{ name: 'data', size: 2048, refCount: 1 }],
      now,
    );
    expect(out).toBe(
      [
        'Images space usage:',
        '',
        'REPOSITORY       TAG       IMAGE ID       CREATED      SIZE      SHARED SIZE   UNIQUE SIZE   CONTAINERS',
        'busybox          latest    aaaaaaaaaaaa   3 days ago   4.26MB    0B            4.26MB        1',
        'example.com/bb   1         aaaaaaaaaaaa   N/A          4.26MB    0B            4.26MB        1',
        '',
        'Containers space usage:',
        '',
        'CONTAINER ID   IMAGE     COMMAND       LOCAL VOLUMES   SIZE      CREATED             STATUS              NAMES',
        'ffffffffffff   busybox   "sleep 300"   0               5B        About an hour ago   Up About a minute   web',
        '',
        'Local Volumes space usage:',
        '',
        'VOLUME NAME   LINKS     SIZE',
        'data          1         2.048kB',
        '',
        'Build cache usage: 0B',
        '',
      ].join('\n'),
    );
  });
});

describe('ce image inspect', () => {
  it("maps the image config to Docker's inspect JSON", () => {
    const config = {
      created: '2024-01-01T00:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['sh'], Env: ['PATH=/bin'] },
      rootfs: { type: 'layers', diff_ids: ['sha256:l1'] },
    };
    const json = dockerImageJson({
      image: { name: 'docker.io/library/busybox:latest', id: 'sha256:c', size: 42, labels: {}, createdAt: new Date('2024-02-02T00:00:00Z'), target: undefined },
      repoTags: ['busybox:latest'],
      repoDigests: [],
      configJson: Buffer.from(JSON.stringify(config)),
      manifestJson: Buffer.from('{}'),
      manifestDescriptor: undefined,
    });
    expect(json).toEqual({
      Id: 'sha256:c',
      RepoTags: ['busybox:latest'],
      RepoDigests: [],
      Parent: '',
      Comment: '',
      Created: '2024-01-01T00:00:00Z',
      DockerVersion: '',
      Author: '',
      Config: { Cmd: ['sh'], Env: ['PATH=/bin'] },
      Architecture: 'amd64',
      Os: 'linux',
      Size: 42,
      RootFS: { Type: 'layers', Layers: ['sha256:l1'] },
      Metadata: { LastTagTime: '2024-02-02T00:00:00.000Z' },
    });
  });
});
