import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { cgroupsFor, mountsUnder } from './support/leaks.js';
import { hostSecurityModules } from '../packages/api/src/containers/security-defaults.js';

let daemon: TestDaemon;

withBusyboxDaemon((d) => (daemon = d));

const run = (args: string[]) => ce(args, { socket: daemon.socket });
/** A line of the container's /proc/self/status, e.g. "Seccomp:\t2". */
const STATUS = (field: string) => `grep '^${field}:' /proc/self/status`;
/** What the outside tester ran: a user namespace, then a tmpfs mount in a mount namespace it owns. */
const USERNS_MOUNT = "unshare -U -r -m sh -c 'mount -t tmpfs none /tmp && echo mounted'";

function ownStatus(pid: number, field: string): string {
  return new RegExp(`^${field}:\\s*(\\S+)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]!;
}

describe('seccomp', () => {
  it('filters a default container with the default profile: no user namespace, no mount', async () => {
    const status = await run(['run', '--rm', 'busybox', 'sh', '-c', STATUS('Seccomp')]);
    expect(status.stdout).toBe('Seccomp:\t2\n');
    const r = await run(['run', '--rm', 'busybox', 'sh', '-c', USERNS_MOUNT]);
    expect(r.stdout).not.toContain('mounted');
    expect(r.stderr).toMatch(/Operation not permitted/);
    expect(r.code).not.toBe(0);
  });

  it('runs without a filter with --security-opt seccomp=unconfined', async () => {
    const r = await run(['run', '--rm', '--security-opt', 'seccomp=unconfined', 'busybox', 'sh', '-c', `${STATUS('Seccomp')}; ${USERNS_MOUNT}`]);
    expect(r.stdout).toBe('Seccomp:\t0\nmounted\n');
    expect(r.code).toBe(0);
  });

  it('applies a profile file given with --security-opt seccomp=<file>', async () => {
    const file = join(daemon.dir, 'no-mkdir.json');
    writeFileSync(
      file,
      JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] }),
    );
    const r = await run(['run', '--rm', '--security-opt', `seccomp=${file}`, 'busybox', 'sh', '-c', `${STATUS('Seccomp')}; mkdir /tmp/d`]);
    expect(r.stdout).toBe('Seccomp:\t2\n');
    expect(r.stderr).toMatch(/Permission denied/); // errnoRet 13 = EACCES
    expect(r.code).not.toBe(0);
  });

  it('refuses a missing or invalid profile file, naming it', async () => {
    const missing = join(daemon.dir, 'missing.json');
    const r = await run(['run', '--rm', '--security-opt', `seccomp=${missing}`, 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(`opening seccomp profile (${missing}) failed: no such file or directory`);
    const bad = join(daemon.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_DENY' }] }));
    const b = await run(['create', '--security-opt', `seccomp=${bad}`, 'busybox', 'true']);
    expect(b.code).toBe(125);
    expect(b.stderr).toContain(`seccomp profile ${bad}: syscalls[0].action: unknown action "SCMP_ACT_DENY"`);
    const j = await run(['create', '--security-opt', `seccomp=${bad}x`, 'busybox']);
    expect(j.stderr).toContain(`opening seccomp profile (${bad}x) failed`);
  });

  it('sets no_new_privs with --security-opt no-new-privileges, not by default', async () => {
    const off = await run(['run', '--rm', 'busybox', 'sh', '-c', STATUS('NoNewPrivs')]);
    expect(off.stdout).toBe('NoNewPrivs:\t0\n');
    const on = await run(['run', '--rm', '--security-opt', 'no-new-privileges', 'busybox', 'sh', '-c', `${STATUS('NoNewPrivs')}; ${STATUS('Seccomp')}`]);
    expect(on.stdout).toBe('NoNewPrivs:\t1\nSeccomp:\t2\n');
  });

  it.skipIf(Object.values(hostSecurityModules()).some(Boolean))(
    'takes SELinux labels and AppArmor profiles on a host that enforces neither, as dockerd does, and keeps them in inspect',
    async () => {
      const opts = ['label=type:svirt_lxc_net_t', 'label:level:s0:c1,c2', 'apparmor=docker-default'];
      const name = `lsm-${process.pid}`;
      const r = await run(['run', '--name', name, ...opts.flatMap((o) => ['--security-opt', o]), 'busybox', 'echo', 'ran']);
      expect(r).toMatchObject({ code: 0, stdout: 'ran\n' });
      expect((await run(['inspect', '--format', '{{json .HostConfig.SecurityOpt}}', name])).stdout).toBe(`${JSON.stringify(opts)}\n`);
      await run(['rm', name]);
    },
  );

  it('refuses an unknown --security-opt', async () => {
    const r = await run(['create', '--security-opt', 'seccomp', 'busybox']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('invalid --security-opt "seccomp"');
  });
});

describe('capabilities and --privileged', () => {
  it('gives a privileged container every capability of ced\'s bounding set and no filter', async () => {
    const r = await run(['run', '--rm', '--privileged', 'busybox', 'sh', '-c', `${STATUS('CapEff')}; ${STATUS('Seccomp')}; ${USERNS_MOUNT}; test -e /dev/kmsg && echo devices`]);
    expect(r.stdout).toBe(`CapEff:\t${ownStatus(daemon.process.pid!, 'CapBnd')}\nSeccomp:\t0\nmounted\ndevices\n`);
    expect(r.code).toBe(0);
  });

  it('--cap-drop ALL --cap-add NET_RAW leaves only CAP_NET_RAW', async () => {
    const r = await run(['run', '--rm', '--cap-drop', 'ALL', '--cap-add', 'net_raw', 'busybox', 'sh', '-c', `${STATUS('CapEff')}; ${STATUS('CapBnd')}`]);
    expect(r.stdout).toBe('CapEff:\t0000000000002000\nCapBnd:\t0000000000002000\n');
  });

  it('--cap-add SYS_ADMIN also opens the syscalls the profile ties to it (mount)', async () => {
    const r = await run(['run', '--rm', '--cap-add', 'CAP_SYS_ADMIN', 'busybox', 'sh', '-c', `${STATUS('Seccomp')}; mount -t tmpfs none /tmp && echo mounted`]);
    expect(r.stdout).toBe('Seccomp:\t2\nmounted\n');
  });

  it('refuses an unknown capability by name', async () => {
    const r = await run(['create', '--cap-add', 'FLY', 'busybox']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('invalid CapAdd: unknown capability: "CAP_FLY"');
  });
});

describe('ce info', () => {
  it('shows counts, storage, cgroups and the seccomp profile in use', async () => {
    const created = await run(['create', '--name', 'info-probe', 'busybox', 'true']);
    expect(created.code).toBe(0);
    try {
      const r = await run(['info']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/\n Containers: 1\n  Running: 0\n  Paused: 0\n  Stopped: 1\n Images: [12]\n/);
      expect(r.stdout).toContain(' Security Options:\n  seccomp\n   Profile: default\n');
      expect(r.stdout).toContain(` Ce Root Dir: ${daemon.root}\n`);
      expect(r.stdout).toContain(' Cgroup Driver: cgroupfs\n');
      expect(r.stdout).toMatch(/ Cgroup Version: [12]\n/);
      expect(r.stdout).toMatch(/ Server Version: \d+\.\d+\.\d+\n/);
    } finally {
      await run(['rm', '-f', 'info-probe']);
    }
    expect(cgroupsFor([created.stdout.trim()])).toEqual([]);
  });
});

describe('ced --seccomp-profile unconfined', () => {
  it('runs containers without a filter and says so in ce info', async () => {
    const unconfined = await startTestDaemon(['--seccomp-profile', 'unconfined']);
    try {
      await importBusyboxImage(unconfined.socket);
      const r = await ce(['run', '--rm', 'busybox', 'sh', '-c', STATUS('Seccomp')], { socket: unconfined.socket });
      expect(r.stdout).toBe('Seccomp:\t0\n');
      const info = await ce(['info'], { socket: unconfined.socket });
      expect(info.stdout).toContain(' Security Options:\n  seccomp\n   Profile: unconfined\n');
    } finally {
      await unconfined.dispose();
    }
    expect(mountsUnder(unconfined.dir)).toEqual([]);
  });
});
