import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CgroupHybridManager } from '../../src/cgroups/index.js';
import { neededControllers } from '../../src/cgroups/needed-controllers.js';
import type { CgroupLayout } from '../../src/cgroups/types.js';
import { CgroupV1Manager } from '../../src/cgroups/v1.js';
import { CgroupV2Manager } from '../../src/cgroups/v2.js';
import { RuntimeError } from '../../src/errors.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ce-cgroup-avail-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** This machine's layout: v1 without net_cls, net_prio and hugetlb, plus the unified hierarchy. */
function hybrid(): CgroupHybridManager {
  const names = ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'name=systemd'];
  const layout: CgroupLayout = {
    mode: 'hybrid',
    v1: names.map((n) => ({ mountpoint: join(root, n), root: '/', controllers: [n] })),
    unified: { mountpoint: join(root, 'unified'), root: '/', controllers: [] },
    own: new Map([...names.map((n): [string, string] => [n, '/']), ['', '/']]),
  };
  for (const n of [...names, 'unified']) mkdirSync(join(root, n));
  return new CgroupHybridManager(layout, { attachDeviceFilter: () => {} });
}

function v2(controllers: string): CgroupV2Manager {
  writeFileSync(join(root, 'cgroup.controllers'), `${controllers}\n`);
  const layout: CgroupLayout = { mode: 'v2', v1: [], unified: { mountpoint: root, root: '/', controllers: [] }, own: new Map([['', '/']]) };
  return new CgroupV2Manager(layout, { attachDeviceFilter: () => {} });
}

async function refusal(p: Promise<unknown>): Promise<RuntimeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RuntimeError);
  return err as RuntimeError;
}

describe('limits on a controller the host does not have', () => {
  it('hybrid: refuses net_cls, net_prio and hugetlb limits before creating any directory, naming the controller', async () => {
    const m = hybrid();
    const cases = [
      [{ network: { classID: 0x100001 } }, 'cannot set net_cls limit (linux.resources.network.classID): the net_cls cgroup controller is not mounted'],
      [{ network: { priorities: [{ name: 'lo', priority: 1 }] } }, 'cannot set net_prio limit (linux.resources.network.priorities): the net_prio cgroup controller is not mounted'],
      // a hugetlb entry writes even with limit 0 (runc refuses it too)
      [{ hugepageLimits: [{ pageSize: '2MB', limit: 0 }] }, 'cannot set hugetlb limit (linux.resources.hugepageLimits): the hugetlb cgroup controller is not mounted'],
    ] as const;
    for (const [resources, message] of cases) {
      const err = await refusal(m.apply('/ce/c1', resources));
      expect(err.code).toBe('FailedPrecondition');
      expect(err.message).toBe(message);
      expect(existsSync(join(root, 'memory/ce'))).toBe(false);
      expect((await refusal(m.update('/ce/c1', resources))).message).toBe(message);
    }
  });

  it('hybrid: unset, zero and empty limits write nothing and are accepted, as runc accepts them', async () => {
    const m = hybrid();
    await m.apply('/ce/c1', { network: { classID: 0, priorities: [] }, hugepageLimits: [], memory: { limit: 0 }, pids: { limit: 0 } });
    expect(existsSync(join(root, 'memory/ce/c1'))).toBe(true);
    expect(existsSync(join(root, 'unified/ce/c1'))).toBe(true);
  });

  it('v1: a missing memory or pids hierarchy is refused the same way', async () => {
    const layout: CgroupLayout = { mode: 'v1', v1: [{ mountpoint: join(root, 'cpu'), root: '/', controllers: ['cpu'] }], own: new Map([['cpu', '/']]) };
    const m = new CgroupV1Manager(layout);
    expect((await refusal(m.apply('/ce/c1', { memory: { limit: 1 << 20 } }))).message).toBe(
      'cannot set memory limit (linux.resources.memory.limit): the memory cgroup controller is not mounted',
    );
    expect((await refusal(m.update('/ce/c1', { pids: { limit: 5 } }))).message).toContain('cannot set pids limit');
  });

  it('v2: refuses a controller missing from cgroup.controllers, and network limits (v2 has no net_cls or net_prio)', async () => {
    const m = v2('cpu memory pids');
    expect((await refusal(m.apply('/ce/c1', { hugepageLimits: [{ pageSize: '2MB', limit: 1 << 21 }] }))).message).toBe(
      'cannot set hugetlb limit (linux.resources.hugepageLimits): the hugetlb cgroup controller is not available (not in cgroup.controllers)',
    );
    expect(existsSync(join(root, 'ce'))).toBe(false);
    expect((await refusal(m.apply('/ce/c1', { blockIO: { weight: 100 } }))).message).toContain('cannot set io limit (linux.resources.blockIO.weight)');
    expect((await refusal(m.apply('/ce/c1', { network: { classID: 1 } }))).message).toBe(
      'cannot set net_cls limit (linux.resources.network.classID): cgroup v2 has no net_cls controller',
    );
    await m.apply('/ce/c1', { memory: { limit: 1 << 20 }, pids: { limit: 3 }, network: { classID: 0 } });
    // an update checks what the cgroup itself offers
    writeFileSync(join(root, 'ce/c1/cgroup.controllers'), 'pids\n');
    expect((await refusal(m.update('/ce/c1', { memory: { limit: 2 << 20 } }))).message).toContain('cannot set memory limit');
    await m.update('/ce/c1', { pids: { limit: 4 } });
  });

  it('names v2 controllers for v2 and v1 ones for v1', () => {
    const r = { blockIO: { weight: 10 }, memory: { swappiness: 10 } };
    expect(neededControllers(r, 'v1')).toEqual([
      { controller: 'memory', field: 'linux.resources.memory.swappiness' },
      { controller: 'blkio', field: 'linux.resources.blockIO.weight' },
    ]);
    expect(neededControllers(r, 'v2')).toEqual([{ controller: 'io', field: 'linux.resources.blockIO.weight' }]);
  });
});
