// A lease's file is rewritten for each resource added; adds made while a
// write is in flight share the next write, and none resolves before a write
// holding its resource is done.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileLeaseManager, type LeaseRecord } from '../../src/leases/manager.js';
import { tempDir } from '../helpers/image.js';

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir('ce-lease-writes-');
});
afterEach(async () => {
  vi.restoreAllMocks();
  await dir.cleanup();
});

const onDisk = async (id: string): Promise<string[]> => {
  const record = JSON.parse(await readFile(join(dir.path, `${id}.json`), 'utf8')) as LeaseRecord;
  return record.resources.map((r) => `${r.kind}:${r.id}`);
};

describe('lease file writes', () => {
  it('writes the adds made at once in two writes, and each add resolves once its resource is on disk', async () => {
    const manager = await FileLeaseManager.open(dir.path);
    const lease = await manager.create({ reason: 'pull' });
    const write = vi.spyOn(manager, 'write');
    const ids = Array.from({ length: 10 }, (_, i) => `sha256:${String(i).repeat(64)}`);
    const seen = await Promise.all(ids.map(async (id) => (await lease.add({ kind: 'content', id }), await onDisk(lease.id))));
    // The first add's write, then one for the nine that arrived while it was in flight.
    expect(write).toHaveBeenCalledTimes(2);
    for (const [i, resources] of seen.entries()) expect(resources).toContain(`content:${ids[i]}`);
    expect(await onDisk(lease.id)).toEqual(ids.map((id) => `content:${id}`));
    // A resource added again waits for nothing new and writes nothing.
    await lease.add({ kind: 'content', id: ids[3]! });
    expect(write).toHaveBeenCalledTimes(2);
  });

  it('deletes the file after the writes in flight, so release leaves no lease behind', async () => {
    const manager = await FileLeaseManager.open(dir.path);
    const lease = await manager.create();
    const adding = Promise.all([lease.add({ kind: 'snapshot', id: 'a' }), lease.add({ kind: 'snapshot', id: 'b' })]);
    await lease.release();
    await adding;
    expect((await readdir(dir.path)).filter((n) => !n.startsWith('.'))).toEqual([]);
  });

  it('fails the adds whose write failed, and writes their resource when added again', async () => {
    const manager = await FileLeaseManager.open(dir.path);
    const lease = await manager.create();
    const write = vi.spyOn(manager, 'write').mockRejectedValueOnce(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
    await expect(lease.add({ kind: 'content', id: 'sha256:x' })).rejects.toThrow('ENOSPC');
    await lease.add({ kind: 'content', id: 'sha256:y' });
    expect(await onDisk(lease.id)).toEqual(['content:sha256:y']);
    const writesBefore = write.mock.calls.length;
    await lease.add({ kind: 'content', id: 'sha256:x' });
    expect(write.mock.calls.length).toBe(writesBefore + 1);
    expect(await onDisk(lease.id)).toEqual(['content:sha256:y', 'content:sha256:x']);
  });
});
