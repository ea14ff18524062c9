import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { failedPrecondition } from '@ce/protocol';
import type { SupervisorApi } from '@ce/supervisor';
import { ContainerService, type ContainerImages } from '../../src/containers/container-service.js';
import { ContainerStore } from '../../src/containers/container-store.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const silent = { debug() {}, info() {}, warn() {}, error() {} };

it("removes container layers of ced's namespace that no record owns, keeps other owners' layers, and keeps going past one that cannot be removed", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-api-test-'));
  dirs.push(dir);
  const removed: string[] = [];
  const layers = new Set(['owned', 'orphan-1', 'orphan-busy', 'orphan-2', 'k8s-layer', 'library-layer']);
  // Unlabelled layers predate namespaces and were ced's; the CRI's and a library user's are theirs.
  const labels: Record<string, Record<string, string>> = {
    'orphan-2': { 'ce.namespace': 'default', 'ce.owner': 'ced' },
    'k8s-layer': { 'ce.namespace': 'k8s.io', 'ce.owner': 'cri' },
    'library-layer': { 'ce.namespace': 'default', 'ce.owner': 'my-tool' },
  };
  const images = {
    get: async () => ({ id: 'sha256:x', name: 'x', config: { config: { Cmd: ['true'] } } }),
    prepareRootfs: async (key: string) => (layers.add(key), []),
    rootfsMounts: () => [],
    removeRootfs: async (key: string) => {
      if (key === 'orphan-busy') throw failedPrecondition('rootfs orphan-busy is still mounted');
      layers.delete(key);
      removed.push(key);
    },
    rootfsKeys: () => [...layers],
    rootfsLabels: (key: string) => labels[key] ?? {},
  } satisfies ContainerImages;
  const store = new ContainerStore(join(dir, 'containers'));
  const svc = new ContainerService(store, images, {} as SupervisorApi, join(dir, 'tasks'), silent);
  const owned = await svc.create({ name: 'keeper', config: { Image: 'x' }, hostConfig: {} });
  layers.delete('owned');

  expect(await svc.removeOrphanRootfs()).toBe(2);
  expect(removed.sort()).toEqual(['orphan-1', 'orphan-2']);
  expect([...layers].sort()).toEqual([owned.Id, 'orphan-busy', 'k8s-layer', 'library-layer'].sort());
});
