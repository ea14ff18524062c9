import { describe, expect, it } from 'vitest';
import { parseDockerFormat, renderDockerFormat } from '../../src/format/docker-format.js';
import { mountRequest } from '../../src/mount-flags.js';
import { naturalLess, volumeContext, volumesFormat, volumesHeader } from '../../src/volume-format.js';

const flags = (o: Partial<Parameters<typeof mountRequest>[0]>) => ({ volume: [], mount: [], tmpfs: [], volumesFrom: [], ...o });

describe('run/create mount flags', () => {
  it('send -v with a source as Binds (each once), without one as Config.Volumes, as the docker CLI does', () => {
    expect(mountRequest(flags({ volume: ['data:/d', '/h:/h:ro', '/anon', 'data:/d'] }))).toEqual({
      hostConfig: { Binds: ['data:/d', '/h:/h:ro'] },
      config: { Volumes: { '/anon': {} } },
    });
  });

  it('send --mount, --tmpfs, --volumes-from and --volume-driver as Docker\'s HostConfig fields', () => {
    expect(
      mountRequest(flags({ mount: ['type=tmpfs,target=/t,tmpfs-size=64k'], tmpfs: ['/run:size=1m'], volumesFrom: ['other:ro'], volumeDriver: 'local' })).hostConfig,
    ).toEqual({
      Mounts: [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 65536 } }],
      Tmpfs: { '/run': 'size=1m' },
      VolumesFrom: ['other:ro'],
      VolumeDriver: 'local',
    });
    expect(mountRequest(flags({})).hostConfig).toEqual({});
  });

  it('word a bad --mount as the docker CLI does', () => {
    expect(() => mountRequest(flags({ mount: ['source=/x'] }))).toThrow('invalid argument "source=/x" for "--mount" flag: target is required');
  });
});

describe('volume ls output', () => {
  it('prints Docker\'s table, -q and templates over the volume context', () => {
    const rows = [
      { Name: 'web', Driver: 'local', Scope: 'local', Mountpoint: '/v/web/_data', Labels: { team: 'a' } },
      { Name: 'x1', Driver: 'local', Scope: 'local', Mountpoint: '/v/x1/_data', Labels: null },
    ].map(volumeContext);
    expect(renderDockerFormat(parseDockerFormat(volumesFormat(undefined, false)), rows, volumesHeader())).toBe('DRIVER    VOLUME NAME\nlocal     web\nlocal     x1\n');
    expect(renderDockerFormat(parseDockerFormat(volumesFormat(undefined, true)), rows, volumesHeader())).toBe('web\nx1\n');
    expect(renderDockerFormat(parseDockerFormat('{{.Name}} {{.Labels}} {{.Label "team"}} {{.Links}} {{.Size}}'), rows, volumesHeader())).toBe('web team=a a N/A N/A\nx1   N/A N/A\n');
  });

  it('sorts names naturally, as docker/cli does', () => {
    const names = ['cf31', '113a', 'keep', '69a4', 'bindv', '923a'];
    expect([...names].sort((a, b) => (naturalLess(a, b) ? -1 : naturalLess(b, a) ? 1 : 0))).toEqual(['69a4', '113a', '923a', 'bindv', 'cf31', 'keep']);
  });
});
