import { describe, expect, it } from 'vitest';
import { Container, ContainerStats } from '@ce/protocol/gen/ce/api/v1/containers';
import { createContainerRequest } from '../../src/routes/container-create-request.js';
import { containerSummary, summaryPorts } from '../../src/routes/container-summary.js';
import { statsJson } from '../../src/routes/stats-json.js';
import { updateContainerRequest } from '../../src/routes/container-update-request.js';

describe('the create body', () => {
  it('splits Docker\'s Config from its HostConfig and NetworkingConfig', () => {
    const req = createContainerRequest('web', { Image: 'busybox', Cmd: ['true'], HostConfig: { Memory: 1 }, NetworkingConfig: { EndpointsConfig: { n: {} } } });
    expect(req.name).toBe('web');
    expect(JSON.parse(req.configJson)).toEqual({ Image: 'busybox', Cmd: ['true'] });
    expect(JSON.parse(req.hostConfigJson)).toEqual({ Memory: 1 });
    expect(JSON.parse(req.networkingConfigJson)).toEqual({ EndpointsConfig: { n: {} } });
    expect(createContainerRequest('', { Image: 'busybox', HostConfig: null }).hostConfigJson).toBe('');
  });

  it('refuses an empty body in dockerd\'s words', () => {
    for (const body of [null, {}, [], 'x']) expect(() => createContainerRequest('', body)).toThrow('Config cannot be empty in order to create a container');
  });
});

describe('the container list entry', () => {
  const model = {
    HostConfig: { NetworkMode: 'bridge' },
    NetworkSettings: { Networks: { bridge: { IPAddress: '10.0.0.2' } }, Ports: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }], '53/udp': null } },
    Mounts: [{ Type: 'volume', Name: 'v', Destination: '/data' }],
  };
  const container = Container.fromPartial({
    id: 'a'.repeat(64),
    name: 'web',
    image: 'busybox',
    imageId: 'sha256:b',
    pathAndArgs: ['sh', '-c', 'sleep 1'],
    createdAt: new Date('2026-01-01T00:00:10.900Z'),
    labels: { app: 'web' },
    state: { status: 'exited', exitCode: 3, finishedAt: new Date('2026-01-01T00:00:20Z') },
    json: JSON.stringify(model),
  });

  it('is Docker\'s ContainerSummary, with the status as ps words it', () => {
    expect(containerSummary(container, Date.parse('2026-01-01T00:00:25Z'))).toEqual({
      Id: 'a'.repeat(64),
      Names: ['/web'],
      Image: 'busybox',
      ImageID: 'sha256:b',
      Command: "sh -c 'sleep 1'",
      Created: Date.parse('2026-01-01T00:00:10Z') / 1000,
      Ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }, { PrivatePort: 53, Type: 'udp' }],
      Labels: { app: 'web' },
      State: 'exited',
      Status: 'Exited (3) 5 seconds ago',
      HostConfig: { NetworkMode: 'bridge' },
      NetworkSettings: { Networks: { bridge: { IPAddress: '10.0.0.2' } } },
      Mounts: [{ Type: 'volume', Name: 'v', Destination: '/data' }],
    });
  });

  it('is the same from a list of summaries (summary_json) as from whole ContainerJSONs', () => {
    const whole = { ...container, json: JSON.stringify({ Id: 'a'.repeat(64), State: { Status: 'exited' }, Config: { Image: 'busybox' }, ...model }) };
    const summarised = { ...container, json: '', summaryJson: JSON.stringify(model) };
    expect(containerSummary(summarised, 0)).toEqual(containerSummary(whole, 0));
  });

  it('carries sizes only when asked and not zero', () => {
    expect(containerSummary(container, 0, { rw: 0, rootFs: 10 })).toMatchObject({ SizeRootFs: 10 });
    expect(containerSummary(container, 0, { rw: 0, rootFs: 10 })).not.toHaveProperty('SizeRw');
    expect(containerSummary(container, 0, { rw: 4, rootFs: 10 })).toMatchObject({ SizeRw: 4, SizeRootFs: 10 });
  });

  it('lists an exposed port without a host binding with no IP or public port', () => {
    expect(summaryPorts({ '8080/tcp': [] })).toEqual([{ PrivatePort: 8080, Type: 'tcp' }]);
    expect(summaryPorts(null)).toEqual([]);
  });
});

describe('the stats JSON', () => {
  const cpu = { totalUsage: 100, percpuUsage: [60, 40], usageInKernelmode: 30, usageInUsermode: 70, systemCpuUsage: 9000, onlineCpus: 2, throttlingPeriods: 0, throttledPeriods: 0, throttledTime: 0 };
  const sample = ContainerStats.fromPartial({
    id: 'c',
    name: '/web',
    read: new Date('2026-01-01T00:00:01Z'),
    preread: new Date('2026-01-01T00:00:00Z'),
    cpuStats: cpu,
    precpuStats: { ...cpu, totalUsage: 50, systemCpuUsage: 8000 },
    memoryStats: { usage: 4096, maxUsage: 8192, limit: 1 << 20, failcnt: 0, stats: { cache: 1024 } },
    pidsCurrent: 2,
    ioServiceBytesRecursive: [{ major: 8, minor: 0, op: 'Read', value: 5 }],
    networks: { eth0: { rxBytes: 1, rxPackets: 1, rxErrors: 0, rxDropped: 0, txBytes: 2, txPackets: 2, txErrors: 0, txDropped: 0 } },
    running: true,
  });

  it('has Docker\'s field names and omits the zero omitempty ones', () => {
    const json = statsJson(sample);
    expect(json).toMatchObject({
      read: '2026-01-01T00:00:01.000Z',
      preread: '2026-01-01T00:00:00.000Z',
      pids_stats: { current: 2 },
      num_procs: 0,
      cpu_stats: { cpu_usage: { total_usage: 100, percpu_usage: [60, 40], usage_in_kernelmode: 30, usage_in_usermode: 70 }, system_cpu_usage: 9000, online_cpus: 2, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } },
      precpu_stats: { cpu_usage: { total_usage: 50 }, system_cpu_usage: 8000 },
      memory_stats: { usage: 4096, max_usage: 8192, stats: { cache: 1024 }, limit: 1 << 20 },
      name: '/web',
      id: 'c',
      networks: { eth0: { rx_bytes: 1, rx_packets: 1, rx_errors: 0, rx_dropped: 0, tx_bytes: 2, tx_packets: 2, tx_errors: 0, tx_dropped: 0 } },
    });
    expect((json.blkio_stats as Record<string, unknown>).io_service_bytes_recursive).toEqual([{ major: 8, minor: 0, op: 'Read', value: 5 }]);
    expect(json.memory_stats).not.toHaveProperty('failcnt');
    expect(json.pids_stats).not.toHaveProperty('limit');
  });

  it('gives a stopped container Docker\'s empty figures', () => {
    const json = statsJson(ContainerStats.fromPartial({ id: 'c', name: '/web' }));
    expect(json).toMatchObject({ read: '0001-01-01T00:00:00Z', preread: '0001-01-01T00:00:00Z', pids_stats: {}, memory_stats: {}, cpu_stats: { cpu_usage: { total_usage: 0 } } });
    expect(json).not.toHaveProperty('networks');
    expect((json.blkio_stats as Record<string, unknown>).io_service_bytes_recursive).toBeNull();
  });
});

describe('the update body', () => {
  it('takes the set fields, leaving zero, empty and null ones as they are (the docker CLI sends them all)', () => {
    const body = { Memory: 67108864, MemorySwap: 0, CpuShares: 0, CpusetCpus: '', NanoCpus: 500000000, PidsLimit: null, BlkioWeight: 0, Devices: [], RestartPolicy: { Name: '', MaximumRetryCount: 0 } };
    expect(updateContainerRequest('web', body)).toEqual({ id: 'web', resources: { memory: 67108864 }, nanoCpus: 500000000 });
  });

  it('takes a restart policy and a pids limit of 0 (unlimited)', () => {
    expect(updateContainerRequest('web', { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 }, PidsLimit: 0 })).toEqual({
      id: 'web',
      resources: { pidsLimit: 0 },
      nanoCpus: 0,
      restartPolicy: { name: 'on-failure', maximumRetryCount: 3 },
    });
  });

  it('refuses what ce cannot update, and values of the wrong type, naming them', () => {
    expect(() => updateContainerRequest('web', { BlkioWeight: 300 })).toThrow('ce cannot update BlkioWeight of a container');
    expect(() => updateContainerRequest('web', { Memory: '1g' })).toThrow('Memory must be an integer, not "1g"');
  });
});
