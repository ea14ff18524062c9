import { buildSpecSync } from '@ce/runtime/spec';
import { describe, expect, it } from 'vitest';
import { mergeHostConfig, type HostConfig } from '../../src/containers/model/index.js';
import { resolveUser } from '../../src/containers/process-user.js';
import { cgroupResources, checkResources, parseCpuset, resourceSpecOpts } from '../../src/containers/resource-options.js';

const host = { cpuCount: 2, onlineCpus: '0-1', onlineMems: '0' };
const hc = (o: Partial<HostConfig>) => mergeHostConfig(o);
const MiB = 1024 * 1024;
const nullDevice = () => ({ type: 'c' as const, major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 });

describe("resource checks, in dockerd's words", () => {
  it.each([
    [{ Memory: 1024 }, 'Minimum memory limit allowed is 6MB'],
    [{ Memory: 10 * MiB, MemorySwap: 5 * MiB }, 'Minimum memoryswap limit should be larger than memory limit, see usage'],
    [{ MemorySwap: 20 * MiB }, 'You should always set the Memory limit when using Memoryswap limit, see usage'],
    [{ MemoryReservation: 20 * MiB, Memory: 10 * MiB }, 'Minimum memory limit can not be less than memory reservation limit, see usage'],
    [{ NanoCpus: 9e9 }, 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available'],
    [{ NanoCpus: 1e9, CpuPeriod: 1000 }, 'Conflicting options: Nano CPUs and CPU Period cannot both be set'],
    [{ CpusetCpus: '7' }, 'Requested CPUs are not available - requested 7, available: 0-1'],
    [{ CpusetCpus: 'a' }, 'Invalid value a for cpuset cpus: invalid format: a'],
    [{ OomScoreAdj: 2000 }, 'Invalid value 2000, range for oom score adj is [-1000, 1000]'],
    [{ Ulimits: [{ Name: 'nofile', Soft: 10, Hard: 5 }] }, 'ulimit soft limit must be less than or equal to hard limit: 10 > 5'],
  ] as [Partial<HostConfig>, string][])('%j: %s', (o, message) => {
    expect(() => checkResources(hc(o), host)).toThrow(message);
  });

  it('fills MemorySwap with twice Memory, as Docker records it, and keeps -1', () => {
    expect(checkResources(hc({ Memory: 10 * MiB }), host).MemorySwap).toBe(20 * MiB);
    expect(checkResources(hc({ Memory: 64 * MiB, MemorySwap: -1 }), host).MemorySwap).toBe(-1);
  });

  it('expands cpuset lists', () => {
    expect([...parseCpuset('0-2,5')]).toEqual([0, 1, 2, 5]);
    expect(() => parseCpuset('2-1')).toThrow('invalid format: 2-1');
  });
});

describe('resource spec options', () => {
  it('sets cgroup limits as runc gets them from Docker', () => {
    expect(cgroupResources(checkResources(hc({ Memory: 10 * MiB, NanoCpus: 1.5e9, CpuShares: 512, CpusetCpus: '0', PidsLimit: 5, MemoryReservation: 8 * MiB }), host))).toEqual({
      memory: { limit: 10 * MiB, swap: 20 * MiB, reservation: 8 * MiB },
      cpu: { shares: 512, period: 100000, quota: 150000, cpus: '0' },
      pids: { limit: 5 },
    });
    expect(cgroupResources(hc({}))).toEqual({});
    expect(cgroupResources(hc({ PidsLimit: -1 }))).toEqual({ pids: { limit: -1 } });
  });

  it('adds rlimits, devices at their container path, a read-only root, oom score and /dev/shm size', () => {
    const spec = buildSpecSync(
      resourceSpecOpts(
        hc({ Ulimits: [{ Name: 'nofile', Soft: 100, Hard: 200 }], Devices: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/mynull', CgroupPermissions: 'rw' }], ReadonlyRootfs: true, OomScoreAdj: 100, ShmSize: MiB }),
        nullDevice,
      ),
    );
    expect(spec.process!.rlimits).toContainEqual({ type: 'RLIMIT_NOFILE', soft: 100, hard: 200 });
    expect(spec.linux!.devices).toContainEqual(expect.objectContaining({ path: '/dev/mynull', type: 'c', major: 1, minor: 3 }));
    expect(spec.linux!.resources!.devices).toContainEqual({ allow: true, type: 'c', major: 1, minor: 3, access: 'rw' });
    expect(spec.root!.readonly).toBe(true);
    expect(spec.process!.oomScoreAdj).toBe(100);
    expect(spec.mounts!.find((m) => m.destination === '/dev/shm')!.options).toContain('size=1024k');
  });

  it("names a missing device as Docker does", () => {
    const missing = () => {
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    };
    expect(() => resourceSpecOpts(hc({ Devices: [{ PathOnHost: '/dev/nope', PathInContainer: '/dev/nope', CgroupPermissions: 'rwm' }] }), missing)).toThrow(
      'error gathering device information while adding custom device "/dev/nope": no such file or directory',
    );
  });
});

describe('--group-add', () => {
  const group = 'root:x:0:\naudio:x:29:\n';
  it('adds groups by name or id after the primary one, and names a missing one', () => {
    expect(resolveUser('', 'root:x:0:0:root:/root:/bin/sh\n', group, ['audio', '123']).additionalGids).toEqual([0, 29, 123]);
    expect(() => resolveUser('', null, group, ['nogroupx'])).toThrow('Unable to find group nogroupx: no matching entries in group file');
  });
});
