import { describe, expect, it } from 'vitest';
import { pruneContainers, systemPrune, type PruneSources } from '../../src/system/prune.js';
import type { ContainerRecord } from '../../src/containers/record.js';

const silent = { warn() {}, info() {}, error() {}, debug() {} } as unknown as PruneSources['logger'];

function record(id: string, o: { running?: boolean; created: string; labels?: Record<string, string> }): ContainerRecord {
  return { Id: id, Created: o.created, State: { Running: !!o.running, Paused: false, Status: o.running ? 'running' : 'exited' }, Config: { Labels: o.labels ?? {} } } as unknown as ContainerRecord;
}

function sources(records: ContainerRecord[]) {
  const calls: string[] = [];
  const src: PruneSources = {
    containers: {
      list: () => records,
      remove: async (id) => void calls.push(`rm ${id}`),
    },
    images: {
      prune: async (o) => (calls.push(`images ${JSON.stringify(o)}`), { untagged: [], deleted: [], reclaimedBytes: 7, partialDownloads: [] }),
      rootfsSize: async () => 100,
    },
    networks: { prune: async () => (calls.push('networks'), ['net1']) },
    volumes: { prune: async (f) => (calls.push(`volumes ${JSON.stringify(f)}`), { deleted: ['v1'], spaceReclaimed: 5 }) },
    logger: silent,
  };
  return { src, calls };
}

const RECORDS = [
  record('old-web', { created: '2024-01-01T00:00:00Z', labels: { app: 'web' } }),
  record('new-db', { created: new Date().toISOString(), labels: { app: 'db' } }),
  record('up', { running: true, created: '2024-01-01T00:00:00Z' }),
];

describe('container prune', () => {
  it('removes the stopped containers the filters pick and counts their layers', async () => {
    const { src, calls } = sources(RECORDS);
    expect(await pruneContainers(src, [{ key: 'until', value: '1h' }])).toEqual({ containersDeleted: ['old-web'], reclaimedBytes: 100 });
    expect(await pruneContainers(src, [{ key: 'label!', value: 'app=web' }])).toEqual({ containersDeleted: ['new-db'], reclaimedBytes: 100 });
    expect(calls).toEqual(['rm old-web', 'rm new-db']);
  });
});

describe('system prune', () => {
  it("runs Docker's order and sums what each freed", async () => {
    const { src, calls } = sources(RECORDS);
    const res = await systemPrune(src, { all: true, volumes: true, filters: [{ key: 'label', value: 'app' }] });
    expect(res).toMatchObject({ containersDeleted: ['old-web', 'new-db'], networksDeleted: ['net1'], volumesDeleted: ['v1'], reclaimedBytes: 212 });
    expect(calls).toEqual(['rm old-web', 'rm new-db', 'networks', 'volumes {"label":["app"]}', 'images {"all":true,"filters":[{"key":"label","value":"app"}]}']);
  });

  it('removes nothing when a filter is bad, or until comes with volumes', async () => {
    const { src, calls } = sources(RECORDS);
    await expect(systemPrune(src, { filters: [{ key: 'bogus', value: '1' }] })).rejects.toThrow("Invalid filter 'bogus'");
    await expect(systemPrune(src, { volumes: true, filters: [{ key: 'until', value: '1h' }] })).rejects.toThrow("Invalid filter 'until'");
    expect(calls).toEqual([]);
  });
});
