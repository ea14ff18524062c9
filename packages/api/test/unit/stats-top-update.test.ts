import { describe, expect, it } from 'vitest';
import type { CgroupStats } from '@ce/protocol/gen/ce/types/v1/resources';
import { parseMemTotal, parseProcStat } from '../../src/containers/host-figures.js';
import { defaultHostConfig, type HostConfig } from '../../src/containers/model/index.js';
import { cgroupUpdate, updatedHostConfig } from '../../src/containers/resources.js';
import { emptyStats, toContainerStats, type RawSample } from '../../src/containers/stats-sample.js';
import { parsePsOutput, validatePsArgs } from '../../src/containers/top.js';

const MiB = 1024 * 1024;

describe('host figures', () => {
  it("reads the host's CPU time (first seven fields, USER_HZ ticks) and counts the online CPUs", () => {
    const stat = 'cpu  76234 0 15506 37281 231 0 102 75 0 0\ncpu0 37868 0 7384 19357 28 0 6 42 0 0\ncpu1 38365 0 8122 17923 202 0 95 33 0 0\nintr 1 2\n';
    expect(parseProcStat(stat)).toEqual({ systemCpuUsage: (76234 + 15506 + 37281 + 231 + 102) * 1e7, onlineCpus: 2 });
    expect(() => parseProcStat('cpu 1 2\n')).toThrow('invalid number of cpu fields');
    expect(parseMemTotal('MemTotal:        8038452 kB\nMemFree: 1 kB\n')).toBe(8038452 * 1024);
  });
});

function cgroup(over: Partial<CgroupStats>): CgroupStats {
  return {
    cpuTotal: 2e9,
    cpuPercpu: [1e9, 1e9],
    cpuKernel: 5e8,
    cpuUser: 1.5e9,
    throttlingPeriods: 0,
    throttledPeriods: 0,
    throttledTime: 0,
    memoryUsage: 10 * MiB,
    memoryMaxUsage: 11 * MiB,
    memoryLimit: Number.MAX_SAFE_INTEGER,
    memoryFailcnt: 0,
    memoryStat: {},
    pidsCurrent: 1,
    pidsLimit: 0,
    ioServiceBytesRecursive: [],
    ioServicedRecursive: [],
    cgroupV2: false,
    ...over,
  };
}

const raw = (c: CgroupStats, machineMemory = 8 * 1024 * MiB): RawSample => ({
  cgroup: c,
  system: { systemCpuUsage: 1000e9, onlineCpus: 2 },
  machineMemory,
  read: new Date(1000),
});

describe('stats samples', () => {
  it("v1: the hierarchical limit, capped at the machine's memory; precpu from the sample before", () => {
    const unlimited = cgroup({ memoryStat: { hierarchical_memory_limit: Number.MAX_SAFE_INTEGER, total_inactive_file: MiB } });
    const before = raw(cgroup({ cpuTotal: 1e9 }));
    const s = toContainerStats('id1', 'web', raw(unlimited), before);
    expect(s.memoryStats!.limit).toBe(8 * 1024 * MiB);
    expect(s.cpuStats).toMatchObject({ totalUsage: 2e9, systemCpuUsage: 1000e9, onlineCpus: 2, percpuUsage: [1e9, 1e9] });
    expect(s.precpuStats!.totalUsage).toBe(1e9);
    expect(s).toMatchObject({ id: 'id1', name: '/web', running: true, networks: {} });
    // a parent's limit below the container's own counts, as memory.stat says
    const parentLimited = cgroup({ memoryLimit: 512 * MiB, memoryStat: { hierarchical_memory_limit: 256 * MiB } });
    expect(toContainerStats('id1', 'web', raw(parentLimited), undefined).memoryStats!.limit).toBe(256 * MiB);
  });

  it('v2: the cgroup limit; the first sample has zero precpu', () => {
    const s = toContainerStats('id2', 'db', raw(cgroup({ cgroupV2: true, memoryLimit: 64 * MiB, memoryStat: { inactive_file: MiB } })), undefined);
    expect(s.memoryStats!.limit).toBe(64 * MiB);
    expect(s.precpuStats!.totalUsage).toBe(0);
    expect(s.preread).toBeUndefined();
  });

  it('a container that is not running: id and name, zeros', () => {
    expect(emptyStats('id3', 'idle')).toMatchObject({ id: 'id3', name: '/idle', running: false, pidsCurrent: 0, memoryStats: { usage: 0, limit: 0 } });
  });
});

describe('top', () => {
  const PS = [
    'UID          PID    PPID  C STIME TTY          TIME CMD',
    'root           1       0  0 10:00 ?        00:00:01 /sbin/init',
    'root        4242    4200  0 10:01 ?        00:00:00 sh -c sleep 1000 & sleep 2000; true',
    'root        4250    4242  0 10:01 ?        00:00:00 sleep 1000',
    '',
  ].join('\n');

  it("keeps the container's processes, the command as one last field", () => {
    expect(parsePsOutput(PS, [4242, 4250])).toEqual({
      titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
      processes: [
        ['root', '4242', '4200', '0', '10:01', '?', '00:00:00', 'sh -c sleep 1000 & sleep 2000; true'],
        ['root', '4250', '4242', '0', '10:01', '?', '00:00:00', 'sleep 1000'],
      ],
    });
  });

  it("refuses output without a PID column and ps args that rename it, in Docker's words", () => {
    expect(() => parsePsOutput('USER COMMAND\nroot init\n', [1])).toThrow("Couldn't find PID field in ps output");
    expect(() => validatePsArgs('-o pid=PID')).not.toThrow();
    // Docker's pattern takes everything between the blank and "=" as the key
    expect(() => validatePsArgs('-o pid,x=PID')).toThrow('specifying "pid,x=PID" is not allowed');
    expect(() => validatePsArgs('-o pid= -o ppid=PID')).toThrow('specifying "ppid=PID" is not allowed');
    expect(() => validatePsArgs('aux')).not.toThrow();
  });
});

describe('update', () => {
  const host = { cpuCount: 2, onlineCpus: '0-1', onlineMems: '0' };
  const hc = (o: Partial<HostConfig> = {}): HostConfig => ({ ...defaultHostConfig(), ...o });
  const update = (kept: HostConfig, u: Parameters<typeof updatedHostConfig>[2], nanoCpus = 0) => updatedHostConfig('c1', kept, u, nanoCpus, host);

  it("merges the fields given over the kept HostConfig, as Docker's daemon does", () => {
    const kept = update(hc(), { memory: 64 * MiB, memorySwap: 128 * MiB });
    expect(kept).toMatchObject({ Memory: 64 * MiB, MemorySwap: 128 * MiB, PidsLimit: null, NanoCpus: 0 });
    expect(update(kept, { pidsLimit: 20 }, 500_000_000)).toMatchObject({ Memory: 64 * MiB, MemorySwap: 128 * MiB, PidsLimit: 20, NanoCpus: 500_000_000 });
    expect(update(kept, { pidsLimit: 0 }).PidsLimit).toBe(-1);
  });

  it('checks the update alone first, without the "Cannot update" prefix', () => {
    expect(() => update(hc(), { memory: MiB })).toThrow(/^Minimum memory limit allowed is 6MB$/);
    expect(() => update(hc(), { memory: 64 * MiB, memorySwap: 32 * MiB })).toThrow('Minimum memoryswap limit should be larger than memory limit, see usage');
    expect(() => update(hc(), {}, 3e9)).toThrow('Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available');
    expect(() => update(hc(), { cpusetCpus: 'zero' })).toThrow('Invalid value zero for cpuset cpus');
    expect(() => update(hc(), { cpusetCpus: '5' })).toThrow('Requested CPUs are not available - requested 5, available: 0-1');
    // swap alone is fine on an update: the kept memory limit may hold
    expect(update(hc({ Memory: 64 * MiB, MemorySwap: 128 * MiB }), { memorySwap: 256 * MiB }).MemorySwap).toBe(256 * MiB);
  });

  it('then refuses what conflicts with the kept settings, as "Cannot update container <id>"', () => {
    const kept = hc({ Memory: 64 * MiB, MemorySwap: 128 * MiB });
    expect(() => update(kept, { memory: 256 * MiB })).toThrow(
      'Cannot update container c1: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time',
    );
    // Docker's own rule: memory alone on a container that never had a swap limit
    expect(() => update(hc(), { memory: 64 * MiB })).toThrow('Cannot update container c1: Memory limit should be smaller');
    expect(() => update(hc({ NanoCpus: 1e9 }), { cpuQuota: 50000 })).toThrow(
      'Cannot update container c1: Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set',
    );
    expect(() => update(hc({ CpuPeriod: 50000 }), {}, 1e9)).toThrow('Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set');
  });

  it('turns --cpus into a quota over a 100 ms period, and 0 pids into no limit, for the running cgroup', () => {
    expect(cgroupUpdate({ pidsLimit: 0 }, 1_500_000_000)).toEqual({ pidsLimit: -1, cpuPeriod: 100_000, cpuQuota: 150_000 });
  });
});
