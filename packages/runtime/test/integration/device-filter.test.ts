// Root-only: the v2 device filter on this machine's real unified hierarchy
// (hybrid here: /sys/fs/cgroup/unified; v2 hosts: /sys/fs/cgroup). A v2-only
// CgroupManager places the container there and nowhere else, so the eBPF
// program is the only device control it has.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupDeviceFilters, mknod, S_IFCHR } from '@ce/native';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectCgroups } from '../../src/cgroups/detect.js';
import type { CgroupLayout } from '../../src/cgroups/types.js';
import { CgroupV2Manager } from '../../src/cgroups/v2.js';
import { Runtime } from '../../src/runtime.js';
import type { LinuxDeviceCgroup } from '../../src/spec/types.js';
import { collect, Fixture, isRoot } from './helpers.js';

const DENY_ALL: LinuxDeviceCgroup = { allow: false, access: 'rwm' };

/** A v2 manager over the real unified hierarchy, whatever the host's mode. */
function unifiedOnly(): CgroupV2Manager {
  const layout = detectCgroups();
  if (!layout.unified) throw new Error('no cgroup2 hierarchy is mounted');
  const v2: CgroupLayout = { mode: 'v2', v1: [], unified: layout.unified, own: new Map([['', layout.own.get('') ?? '/']]) };
  return new CgroupV2Manager(v2);
}

describe.skipIf(!isRoot)('v2 device filter (root)', () => {
  let f: Fixture;
  let nodes: string;
  beforeEach(() => {
    f = new Fixture();
    nodes = mkdtempSync(join(tmpdir(), 'ce-devnodes-'));
  });
  afterEach(async () => {
    expect(await f.cleanup()).toEqual([]);
    rmSync(nodes, { recursive: true, force: true });
  });

  it("the manager's program lets a process in the cgroup open allowed devices and refuses the others with EPERM, and update replaces it", async () => {
    const cg = unifiedOnly();
    const dir = cg.path(f.cgroupName);
    // device nodes of our own: c 1:3 is /dev/null's device, c 10:229 /dev/fuse's (opened, never used: harmless and needs no capability)
    mknod(join(nodes, 'null'), S_IFCHR | 0o666, 1, 3);
    mknod(join(nodes, 'fuse'), S_IFCHR | 0o600, 10, 229);
    const tryOpen = () => {
      const script = `echo $$ > ${dir}/cgroup.procs || exit 99
        for spec in "null <" "fuse <" "fuse >"; do set -- $spec
          if err=$( (eval "exec 3$2 ${nodes}/$1") 2>&1 ); then echo "$1$2 ok"; else case "$err" in *"Operation not permitted"*) echo "$1$2 EPERM";; *) echo "$1$2 $err";; esac; fi
        done`;
      const r = spawnSync('/bin/busybox', ['sh', '-c', script], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.trim().split('\n');
    };
    try {
      await cg.apply(f.cgroupName, { devices: [DENY_ALL] });
      expect(cgroupDeviceFilters(dir)).toHaveLength(1);
      expect(tryOpen()).toEqual(['null< ok', 'fuse< EPERM', 'fuse> EPERM']);

      await cg.update(f.cgroupName, { devices: [DENY_ALL, { allow: true, type: 'c', major: 10, minor: 229, access: 'r' }] });
      expect(cgroupDeviceFilters(dir)).toHaveLength(1);
      expect(tryOpen()).toEqual(['null< ok', 'fuse< ok', 'fuse> EPERM']);

      // an update without device rules keeps the program
      await cg.update(f.cgroupName, {});
      expect(tryOpen()).toEqual(['null< ok', 'fuse< ok', 'fuse> EPERM']);
    } finally {
      await cg.destroy(f.cgroupName);
    }
    expect(existsSync(dir)).toBe(false);
  });

  it('a container created through the runtime with a v2-only manager cannot open a denied device while /dev/null works', async () => {
    const cg = unifiedOnly();
    const rt = new Runtime({ root: join(f.dir, 'state-v2'), cgroups: cg });
    const script = 'for d in /dev/null /dev/fuse; do if (exec 3<$d) 2>/tmp/err; then echo "$d ok"; else echo "$d $(cat /tmp/err)"; fi; done; read x; exec 3</dev/fuse && echo "/dev/fuse ok"';
    f.writeSpec(['sh', '-c', script], (s) => {
      s.linux!.cgroupsPath = f.cgroupName;
      // the node exists in the container's /dev: only the cgroup may refuse it
      s.linux!.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o600 }];
      s.linux!.resources = { ...s.linux!.resources, devices: [DENY_ALL] }; // Docker's: deny all, then the defaults
    });
    try {
      const c = await rt.create('dev1', f.bundle, { stdio: ['pipe', 'pipe', 'pipe'] });
      const out = collect(c.stdout);
      const err = collect(c.stderr);
      const dir = cg.path(f.cgroupName);
      expect(cgroupDeviceFilters(dir)).toHaveLength(1);
      // let the first round finish before the update allows reads of fuse; the
      // listener goes on before start, since the round can end before start returns
      const firstRound = new Promise<void>((resolve) => {
        let seen = '';
        const onData = (d: Buffer | string) => {
          seen += d;
          if (seen.includes('/dev/fuse')) {
            c.stdout!.off('data', onData);
            resolve();
          }
        };
        c.stdout!.on('data', onData);
      });
      await rt.start('dev1');
      await firstRound;
      await rt.update('dev1', { devices: [DENY_ALL, { allow: true, type: 'c', major: 10, minor: 229, access: 'r' }] });
      c.stdin!.end('\n');
      const exit = await c.exited;
      const lines = (await out).trim().split('\n');
      expect(lines[0]).toBe('/dev/null ok');
      expect(lines[1]).toMatch(/^\/dev\/fuse .*Operation not permitted$/);
      expect(lines[2]).toBe('/dev/fuse ok');
      expect(exit.exitStatus, await err).toBe(0);
      await rt.delete('dev1');
      expect(existsSync(dir)).toBe(false);
    } finally {
      for (const c of await rt.list().catch(() => [])) await rt.delete(c.id, { force: true }).catch(() => {});
    }
  });
});
