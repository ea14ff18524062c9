import { describe, expect, it } from 'vitest';
import { dockerImageJson } from '../../src/commands/image-inspect.js';
import { diskUsageRows } from '../../src/commands/system-df.js';

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
      },
      new Set(['c1']),
    );
    expect(rows).toEqual([
      ['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'],
      // 1500 - (1000 - 400) = 900 of 1500: 60%.
      ['Images', '2', '1', '1.5kB', '900B (60%)'],
      ['Containers', '2', '1', '400B', '100B (25%)'],
      ['Build Cache', '0', '0', '0B', '0B'],
    ]);
    expect(diskUsageRows({ images: [], containers: [], layersSize: 0 }, new Set())[1]).toEqual(['Images', '0', '0', '0B', '0B']);
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
