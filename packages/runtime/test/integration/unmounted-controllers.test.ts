// Root-only: limits on a v1 controller this host does not mount (net_cls,
// net_prio, hugetlb on systemd's hybrid layout here), run by the real ce-runc
// and by Debian's runc on the same bundle: both refuse, naming the controller;
// both accept the same limits left at zero or empty.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LinuxResources } from '../../src/spec/types.js';
import { cgroupDirs, Fixture, isRoot } from './helpers.js';

const RUNC = '/usr/sbin/runc';
const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const ceRuncBin = join(packageDir, 'bin/ce-runc.mjs');

/** v1 controllers mounted on this host (from mountinfo's super options). */
function mountedV1Controllers(): Set<string> {
  const out = new Set<string>();
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const post = line.split(' - ')[1]?.split(' ');
    if (post?.[0] === 'cgroup') for (const o of post[2]!.split(',')) out.add(o);
  }
  return out;
}

const mounted = mountedV1Controllers();
const unmounted = ['net_cls', 'net_prio', 'hugetlb'].filter((c) => !mounted.has(c));
const hybridOrV1 = mounted.size > 0;

function run(cmd: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

let seq = 0;

describe.skipIf(!isRoot || !existsSync(RUNC) || !hybridOrV1)('limits on unmounted v1 controllers: ce-runc and runc (root)', () => {
  let f: Fixture;
  beforeAll(() => {
    if (!existsSync(join(packageDir, 'dist/ce-runc.mjs'))) throw new Error('dist/ce-runc.mjs is missing: run `npm run build -w @ce/runtime` first');
  });
  beforeEach(() => {
    f = new Fixture();
  });
  afterEach(async () => {
    expect(await f.cleanup()).toEqual([]);
  });

  async function both(resources: LinuxResources) {
    f.writeSpec(['true'], (s) => {
      s.linux!.cgroupsPath = f.cgroupName;
      // runc spec's device rules (Docker's allow-list trips runc 1.1's v1 devices cgroup below a relative path)
      s.linux!.resources = { devices: [{ allow: false, access: 'rwm' }], ...resources };
    });
    const id = `unmounted-${process.pid}-${++seq}`;
    const runc = await run(RUNC, ['--root', join(f.dir, 'runc-state'), 'run', '-b', f.bundle, `${id}-runc`]);
    const ce = await run(process.execPath, [ceRuncBin, '--root', f.stateRoot, 'run', '-b', f.bundle, `${id}-ce`]);
    // neither leaves the container's cgroup behind
    expect(cgroupDirs(f.cgroupName)).toEqual([]);
    return { runc, ce };
  }

  const refused: Array<[string, LinuxResources]> = [
    ['net_cls', { network: { classID: 0x100001 } }],
    ['net_prio', { network: { priorities: [{ name: 'lo', priority: 1 }] } }],
    ['hugetlb', { hugepageLimits: [{ pageSize: '2MB', limit: 2 << 20 }] }],
    // runc writes every hugetlb entry, a zero limit too
    ['hugetlb', { hugepageLimits: [{ pageSize: '2MB', limit: 0 }] }],
  ];
  for (const [controller, resources] of refused) {
    it.skipIf(!unmounted.includes(controller))(`refuses ${JSON.stringify(resources)} as runc does, naming ${controller}`, async () => {
      const { runc, ce } = await both(resources);
      expect(runc).toMatchObject({ code: 1, stderr: expect.stringContaining(`cannot set ${controller} limit`) });
      expect(ce).toMatchObject({ code: 1, stderr: expect.stringContaining(`cannot set ${controller} limit`) });
      expect(ce.stderr).toContain(`the ${controller} cgroup controller is not mounted`);
    });
  }

  it.skipIf(unmounted.length < 3)('accepts the same limits left at zero or empty, as runc does', async () => {
    const { runc, ce } = await both({ network: { classID: 0, priorities: [] }, hugepageLimits: [] });
    expect(runc.code).toBe(0);
    expect(ce).toEqual({ code: 0, stderr: '' });
  });
});
