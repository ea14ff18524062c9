import { describe, expect, it } from 'vitest';
import type { ContainerStats, CpuStats } from '@ce/protocol/gen/ce/api/v1/containers';
import { blockIo, bytesSize, cpuPercent, formatG, humanSize, memoryPercent, memoryUsageNoCache, statsRow } from '../../src/stats-maths.js';
import { statsTable } from '../../src/commands/stats.js';
import { topTable } from '../../src/commands/top.js';
import { renderStats, parseStatsFormat } from '../../src/stats-format.js';

const MiB = 1024 * 1024;

function cpu(totalUsage: number, systemCpuUsage: number, onlineCpus = 2): CpuStats {
  return { totalUsage, percpuUsage: [], usageInKernelmode: 0, usageInUsermode: 0, systemCpuUsage, onlineCpus, throttlingPeriods: 0, throttledPeriods: 0, throttledTime: 0 };
}

function sample(memoryStat: Record<string, number>, over: Partial<ContainerStats> = {}): ContainerStats {
  return {
    id: 'a'.repeat(64),
    name: '/web',
    read: new Date(),
    preread: new Date(),
    // 0.5 s of CPU while the host's 2 CPUs ran 2 s: a quarter of the host, 50% of one CPU × 2
    cpuStats: cpu(1.5e9, 102e9),
    precpuStats: cpu(1e9, 100e9),
    memoryStats: { usage: 10 * MiB, maxUsage: 12 * MiB, limit: 64 * MiB, failcnt: 0, stats: memoryStat },
    pidsCurrent: 3,
    pidsLimit: 0,
    ioServiceBytesRecursive: [
      { major: 8, minor: 0, op: 'Read', value: 4096 },
      { major: 8, minor: 0, op: 'Write', value: 8192 },
      { major: 8, minor: 0, op: 'Total', value: 12288 },
    ],
    ioServicedRecursive: [],
    networks: {},
    running: true,
    ...over,
  };
}

describe("docker stats' sums", () => {
  it('cgroup v1: usage minus total_inactive_file, CPU over the host delta × online CPUs', () => {
    const s = sample({ total_inactive_file: 2 * MiB, inactive_file: 1 * MiB, cache: 5 * MiB });
    expect(cpuPercent(s)).toBeCloseTo(50, 10);
    expect(memoryUsageNoCache(s)).toBe(8 * MiB);
    expect(memoryPercent(s)).toBeCloseTo(12.5, 10);
    expect(statsRow(s, { noTrunc: false, running: true })).toEqual({
      id: 'aaaaaaaaaaaa',
      name: 'web',
      cpu: '50.00%',
      memUsage: '8MiB / 64MiB',
      memPercent: '12.50%',
      netIo: '0B / 0B',
      blockIo: '4.1kB / 8.19kB',
      pids: '3',
    });
  });

  it('cgroup v2: usage minus inactive_file', () => {
    const s = sample({ inactive_file: 1 * MiB, anon: 8 * MiB });
    expect(memoryUsageNoCache(s)).toBe(9 * MiB);
    expect(statsRow(s, { noTrunc: true, running: true }).memUsage).toBe('9MiB / 64MiB');
    // v2's io.stat ops are lower case in Docker's conversion
    expect(blockIo(sample({}, { ioServiceBytesRecursive: [{ major: 8, minor: 0, op: 'read', value: 1_000_000 }, { major: 8, minor: 0, op: 'write', value: 5 }] }))).toEqual({ read: 1_000_000, write: 5 });
  });

  it('keeps the usage when the inactive file pages are not below it, and 0% without deltas or limit', () => {
    expect(memoryUsageNoCache(sample({ total_inactive_file: 20 * MiB }))).toBe(10 * MiB);
    expect(cpuPercent(sample({}, { precpuStats: cpu(1.5e9, 102e9) }))).toBe(0);
    expect(memoryPercent(sample({}, { memoryStats: { usage: 1, maxUsage: 0, limit: 0, failcnt: 0, stats: {} } }))).toBe(0);
    // no online_cpus: the per-CPU figures count them, as docker's CLI does
    const perCpu = sample({}, { cpuStats: { ...cpu(1.5e9, 102e9, 0), percpuUsage: [1, 2, 3, 4] } });
    expect(cpuPercent(perCpu)).toBeCloseTo(100, 10);
  });

  it("words sizes as go-units does: decimal %.3g for I/O, binary %.4g for memory", () => {
    expect([0, 999, 4096, 8192, 999_500, 1_234_567].map(humanSize)).toEqual(['0B', '999B', '4.1kB', '8.19kB', '1e+03kB', '1.23MB']);
    expect([0, 1536, 8 * MiB, 123456789, 1023.5 * 1024, 7.5 * 1024 * MiB].map(bytesSize)).toEqual(['0B', '1.5KiB', '8MiB', '117.7MiB', '1024KiB', '7.5GiB']);
    expect(formatG(0.0001234, 3)).toBe('0.000123');
  });

  it('prints a stopped container as zeros, in the table docker prints', () => {
    const stopped = sample({}, { running: false, id: 'b'.repeat(64), name: '/idle' });
    expect(statsTable([sample({ total_inactive_file: 2 * MiB }), stopped], false)).toBe(
      'CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O   BLOCK I/O        PIDS\n' +
        'aaaaaaaaaaaa   web       50.00%    8MiB / 64MiB        12.50%    0B / 0B   4.1kB / 8.19kB   3\n' +
        'bbbbbbbbbbbb   idle      0.00%     0B / 0B             0.00%     0B / 0B   0B / 0B          0\n',
    );
  });
});

describe('top table', () => {
  it("pads all but a line's last cell to the widest plus 3, at least 20, as docker top does", () => {
    expect(topTable({ titles: ['UID', 'PID', 'CMD'], processes: [{ fields: ['root', '12345', 'sleep 1000'] }] })).toBe(
      `${'UID'.padEnd(20)}${'PID'.padEnd(20)}CMD\n${'root'.padEnd(20)}${'12345'.padEnd(20)}sleep 1000\n`,
    );
  });
});

describe('stats --format', () => {
  it("takes docker's placeholders, with a header row for table formats", () => {
    const s = sample({ total_inactive_file: 2 * MiB });
    expect(renderStats(parseStatsFormat('{{.Name}}: {{.CPUPerc}} {{.PIDs}}'), [s], false)).toMatch(/^web: \d+\.\d\d% \d+\n$/);
    expect(renderStats(parseStatsFormat('table {{.Container}}\t{{.MemPerc}}'), [s], false, new Map([[s.id, 'web']]))).toMatch(/^CONTAINER   MEM %\nweb         \d+\.\d\d%\n$/);
    expect(() => parseStatsFormat('{{.Nope')).toThrow();
  });
});
