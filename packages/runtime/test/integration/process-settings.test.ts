// Root-only: the process settings of config.json, read back from inside real containers.
import { readFileSync, readlinkSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Runtime } from '../../src/runtime.js';
import { Fixture, isRoot, run } from './helpers.js';

/** "Name:\tvalue" lines of /proc/self/status as a map. */
function statusFields(out: string): Record<string, string> {
  return Object.fromEntries(out.trim().split('\n').map((l) => l.split(/:\s+/) as [string, string]));
}

describe.skipIf(!isRoot)('process settings (root)', () => {
  let f: Fixture;
  beforeEach(() => {
    f = new Fixture();
  });
  afterEach(async () => {
    expect(await f.cleanup()).toEqual([]);
  });

  it('sets all five capability sets, the ambient set surviving exec for a non-root user', async () => {
    f.writeSpec(['sh', '-c', 'grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb):" /proc/self/status; exit 0'], (s) => {
      s.process!.user = { uid: 1000, gid: 1000 };
      s.process!.capabilities = {
        bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_SETUID', 'CAP_NET_BIND_SERVICE'],
        effective: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        permitted: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        inheritable: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        ambient: ['CAP_NET_BIND_SERVICE'],
      };
    });
    const r = await run(f, 'c1');
    expect(r.stderr).toBe('');
    // bits: CHOWN 0, KILL 5, SETUID 7, NET_BIND_SERVICE 10; exec keeps the inheritable and bounding sets, and gives the ambient set as permitted and effective
    expect(statusFields(r.stdout)).toEqual({
      CapInh: '0000000000000420',
      CapPrm: '0000000000000400',
      CapEff: '0000000000000400',
      CapBnd: '00000000000004a1',
      CapAmb: '0000000000000400',
    });
  });

  it('sets soft and hard rlimits, oom_score_adj and no_new_privs', async () => {
    f.writeSpec(['sh', '-c', 'grep -E "^Max (open files|core file size|processes)" /proc/self/limits; cat /proc/self/oom_score_adj; grep NoNewPrivs /proc/self/status; exit 0'], (s) => {
      s.process!.rlimits = [
        { type: 'RLIMIT_NOFILE', soft: 321, hard: 654 },
        { type: 'RLIMIT_CORE', soft: 0, hard: 4096 },
        { type: 'RLIMIT_NPROC', soft: 77, hard: 88 },
      ];
      s.process!.oomScoreAdj = 123;
      s.process!.noNewPrivileges = true;
    });
    const r = await run(f, 'c1');
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n').map((l) => l.replace(/\s+/g, ' ').trim());
    expect(lines).toEqual([
      'Max core file size 0 4096 bytes',
      'Max processes 77 88 processes',
      'Max open files 321 654 files',
      '123',
      'NoNewPrivs: 1',
    ]);
  });

  it('leaves no_new_privs off unless asked', async () => {
    f.writeSpec(['grep', 'NoNewPrivs', '/proc/self/status'], (s) => {
      s.process!.noNewPrivileges = false;
    });
    expect((await run(f, 'c1')).stdout).toBe('NoNewPrivs:\t0\n');
  });

  it('warns, naming the field, about AppArmor and SELinux labels this host cannot apply, and runs the container', async () => {
    const warnings: Array<{ obj: unknown; msg?: string }> = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (obj: unknown, msg?: string) => warnings.push({ obj, msg }) };
    const rt = new Runtime({ root: f.stateRoot, logger });
    f.writeSpec(['true'], (s) => {
      s.process!.apparmorProfile = 'docker-default';
      s.process!.selinuxLabel = 'system_u:system_r:container_t:s0:c1,c2';
      s.linux!.mountLabel = 'system_u:object_r:container_file_t:s0:c1,c2';
    });
    const c = await rt.create('c1', f.bundle);
    await rt.start('c1');
    expect((await c.exited).exitStatus).toBe(0);
    await rt.delete('c1');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.obj).toMatchObject({ id: 'c1', ignored: ['process.apparmorProfile', 'process.selinuxLabel', 'linux.mountLabel'] });
    expect(warnings[0]!.msg).toBe('AppArmor and SELinux labels cannot be applied here: the container runs without them');
  });

  it('gives the container a time namespace of its own when asked', async () => {
    f.writeSpec(['readlink', '/proc/self/ns/time'], (s) => {
      s.linux!.namespaces!.push({ type: 'time' });
    });
    const r = await run(f, 'c1');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toMatch(/^time:\[\d+\]$/);
    expect(r.stdout.trim()).not.toBe(readlinkSync('/proc/self/ns/time'));
  });

  it('applies linux.timeOffsets to the container\'s time namespace', async () => {
    f.writeSpec(['cat', '/proc/uptime'], (s) => {
      s.linux!.namespaces!.push({ type: 'time' });
      s.linux!.timeOffsets = { boottime: { secs: 10 * 86400 } };
    });
    const r = await run(f, 'c1');
    expect(r.stderr).toBe('');
    const inside = Number(r.stdout.split(' ')[0]);
    const host = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    // the container's boot clock runs ten days ahead of the host's
    expect(inside - host).toBeGreaterThan(10 * 86400 - 60);
    expect(inside - host).toBeLessThan(10 * 86400 + 1);
  });

  it('denies a device node that the device cgroup does not allow, and allows the defaults', async () => {
    // /dev/mem (1:1) exists in the container, but Docker's default device rules do not allow it
    f.writeSpec(['sh', '-c', 'head -c1 /dev/mem >/dev/null; echo "mem=$?"; head -c1 /dev/zero | wc -c; exit 0'], (s) => {
      s.linux!.cgroupsPath = f.cgroupName;
      s.linux!.devices = [{ path: '/dev/mem', type: 'c', major: 1, minor: 1, fileMode: 0o640, uid: 0, gid: 0 }];
      s.process!.capabilities!.bounding!.push('CAP_SYS_RAWIO');
      s.process!.capabilities!.effective!.push('CAP_SYS_RAWIO');
      s.process!.capabilities!.permitted!.push('CAP_SYS_RAWIO');
    });
    const r = await run(f, 'c1');
    expect(r.stderr).toContain('/dev/mem: Operation not permitted');
    expect(r.stdout).toBe('mem=1\n1\n');
  });
});
