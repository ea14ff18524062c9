import { describe, expect, it } from 'vitest';
import { binarySize, formatInfo, securityOptionLines } from '../../src/commands/info.js';

describe('ce info formatting', () => {
  it('prints security options as docker info does', () => {
    expect(securityOptionLines(['name=seccomp,profile=default'])).toEqual(['  seccomp', '   Profile: default']);
  });

  it('prints memory in binary units with four significant digits', () => {
    expect(binarySize(4123456789)).toBe('3.84GiB');
    expect(binarySize(512)).toBe('512B');
  });

  it('lays out the server section', () => {
    const text = formatInfo({
      serverVersion: '0.1.0', containers: 3, containersRunning: 1, containersPaused: 0, containersStopped: 2, images: 2,
      storageRoot: '/var/lib/ce', cgroupDriver: 'cgroupfs', cgroupVersion: '1', kernelVersion: '6.1.0', operatingSystem: 'Debian',
      osType: 'linux', architecture: 'x86_64', ncpu: 2, memTotal: 2 ** 30, name: 'host', securityOptions: ['name=seccomp,profile=unconfined'], defaultRuntime: 'ce',
      runtimes: ['ce', 'runc'], storageDriver: 'overlay2', backingFilesystem: 'extfs', loggingDriver: 'json-file', initBinary: 'ce-container-init',
      id: '6f1c', debug: false, insecureRegistries: ['127.0.0.0/8'], registryMirrors: [], liveRestore: true, networkPlugins: ['bridge', 'cni', 'host', 'null'],
      logPlugins: ['json-file', 'local'],
    });
    expect(text).toContain('Server:\n Containers: 3\n  Running: 1\n  Paused: 0\n  Stopped: 2\n Images: 2\n Server Version: 0.1.0\n');
    expect(text).toContain(' Security Options:\n  seccomp\n   Profile: unconfined\n Kernel Version: 6.1.0\n');
    expect(text).toContain(' Total Memory: 1GiB\n');
    expect(text).toContain(
      ' Server Version: 0.1.0\n Storage Driver: overlay2\n  Backing Filesystem: extfs\n Logging Driver: json-file\n Cgroup Driver: cgroupfs\n Cgroup Version: 1\n' +
        ' Plugins:\n  Volume: local\n  Network: bridge cni host null\n  Log: json-file local\n Runtimes: ce runc\n Default Runtime: ce\n Init Binary: ce-container-init\n',
    );
    expect(text).toContain(' Name: host\n ID: 6f1c\n Ce Root Dir: /var/lib/ce\n Debug Mode: false\n Registry: https://index.docker.io/v1/\n');
    // As docker info: lists only when they hold something, then a blank line.
    expect(text).toMatch(/ Insecure Registries:\n  127\.0\.0\.0\/8\n Live Restore Enabled: true\n\n$/);
    expect(text).not.toContain('Registry Mirrors');
  });
});
