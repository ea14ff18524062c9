// Root-only: seccomp filters compiled by the runtime, installed by ce-init in real containers.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSpec } from '../../src/spec/default-spec.js';
import type { LinuxSeccomp, Process } from '../../src/spec/types.js';
import { dockerDefaultSeccomp } from '../fixtures/docker-default-seccomp.js';
import { collect, Fixture, isRoot, run } from './helpers.js';

const SIGSYS = 31;
const denyMkdir = (errnoRet?: number): LinuxSeccomp => ({
  defaultAction: 'SCMP_ACT_ALLOW',
  syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', ...(errnoRet === undefined ? {} : { errnoRet }) }],
});

describe.skipIf(!isRoot)('seccomp (root)', () => {
  let f: Fixture;
  beforeEach(() => {
    f = new Fixture();
  });
  afterEach(async () => {
    expect(await f.cleanup()).toEqual([]);
  });

  it.each([false, true])('ERRNO makes mkdir fail with EPERM while other commands work (noNewPrivileges %s)', async (nnp) => {
    f.writeSpec(['sh', '-c', 'mkdir /tmp/d; echo "mkdir=$?"; touch /tmp/f && echo touched; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status'], (s) => {
      s.process!.noNewPrivileges = nnp;
      s.linux!.seccomp = denyMkdir();
    });
    const r = await run(f, 'c1');
    expect(r.stderr).toContain("mkdir: can't create directory '/tmp/d': Operation not permitted");
    expect(r.stdout).toBe(`mkdir=1\ntouched\nNoNewPrivs:\t${nnp ? 1 : 0}\nSeccomp:\t2\n`);
    expect(r.exitStatus).toBe(0);
  });

  it('returns errnoRet', async () => {
    f.writeSpec(['mkdir', '/tmp/d'], (s) => {
      s.linux!.seccomp = denyMkdir(13);
    });
    const r = await run(f, 'c1');
    expect(r.stderr).toContain('Permission denied');
    expect(r.exitStatus).toBe(1);
  });

  it('installs one filter with the flags asked for', async () => {
    f.writeSpec(['sh', '-c', 'mkdir /tmp/d; grep -E "^Seccomp(_filters)?:" /proc/self/status; exit 0'], (s) => {
      s.linux!.seccomp = { ...denyMkdir(), flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'] };
    });
    const r = await run(f, 'c1');
    expect(r.stdout).toBe('Seccomp:\t2\nSeccomp_filters:\t1\n');
    expect(r.stderr).toContain('Operation not permitted');
  });

  it('blocks socket(AF_INET) by its argument while AF_UNIX still works', async () => {
    // nc to an IPv4 address needs socket(AF_INET); syslogd's /dev/log needs socket(AF_UNIX)
    f.writeSpec(['sh', '-c', 'nc 127.0.0.1 1 </dev/null; echo "inet=$?"; syslogd -n -O /tmp/log & for i in 1 2 3 4 5 6 7 8 9 10; do test -S /dev/log && break; sleep 0.1; done; test -S /dev/log && echo unix-ok; kill $!'], (s) => {
      s.linux!.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 97, args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }] }],
      };
    });
    const r = await run(f, 'c1');
    expect(r.stderr).toContain('Address family not supported by protocol');
    expect(r.stderr).not.toContain('Connection refused');
    expect(r.stdout).toBe('inet=1\nunix-ok\n');
  });

  it('KILL_PROCESS ends the process with SIGSYS', async () => {
    f.writeSpec(['mkdir', '/tmp/d'], (s) => {
      s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_KILL_PROCESS' }] };
    });
    const r = await run(f, 'c1');
    expect(r.signal).toBe(SIGSYS);
    expect(r.exitStatus).toBe(128 + SIGSYS);
  });

  it("runs a shell under Docker's default profile, which still denies what it denies", async () => {
    // A new user namespace needs no capability, so only the profile (unshare is for CAP_SYS_ADMIN holders) stops it.
    const script = 'echo hi > /tmp/x && cat /tmp/x && ls / >/dev/null && mkdir /tmp/d && (sleep 0.1) & wait; echo ok; unshare -U true; echo "unshare=$?"';
    f.writeSpec(['sh', '-c', script], (s) => {
      s.process!.noNewPrivileges = true;
    });
    const open = await run(f, 'c0');
    expect(open.stdout).toBe('hi\nok\nunshare=0\n');
    f.writeSpec(['sh', '-c', script], (s) => {
      s.process!.noNewPrivileges = true;
      s.linux!.seccomp = dockerDefaultSeccomp();
    });
    const r = await run(f, 'c1');
    expect(r.stdout).toBe('hi\nok\nunshare=1\n');
    expect(r.stderr).toContain('Operation not permitted');
    expect(r.exitStatus).toBe(0);
  });

  it('puts an exec’d process under the container’s filter', async () => {
    f.writeSpec(['sleep', '30'], (s) => {
      s.linux!.seccomp = { ...dockerDefaultSeccomp(), syscalls: [...dockerDefaultSeccomp().syscalls!.map((r) => ({ ...r, names: r.names.filter((n) => n !== 'mkdir' && n !== 'mkdirat') }))] };
    });
    const init = await f.rt.create('c1', f.bundle);
    await f.rt.start('c1');
    const proc: Process = { ...defaultSpec().process!, args: ['sh', '-c', 'mkdir /tmp/e; echo "mkdir=$?"; grep ^Seccomp: /proc/self/status'] };
    const p = await f.rt.exec('c1', proc, { stdio: ['ignore', 'pipe', 'pipe'] });
    const [out, err] = await Promise.all([collect(p.stdout), collect(p.stderr)]);
    expect((await p.exited).exitStatus).toBe(0);
    expect(out).toBe('mkdir=1\nSeccomp:\t2\n');
    expect(err).toContain('Operation not permitted');
    await f.rt.kill('c1', 'KILL');
    await init.exited;
  });

  it('fails create clearly when the filter kills ce-init itself, leaving nothing behind', async () => {
    f.writeSpec(['true'], (s) => {
      s.process!.noNewPrivileges = true;
      s.linux!.seccomp = { defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [{ names: ['execve', 'exit_group'], action: 'SCMP_ACT_ALLOW' }] };
    });
    await expect(f.rt.create('c1', f.bundle)).rejects.toThrow(/^container init exited before it was ready \(killed by SIGSYS: the seccomp filter kills a syscall/);
    expect(await f.rt.list()).toEqual([]);
  });

  it('refuses a bad profile at create, naming the JSON path, and leaves nothing behind', async () => {
    f.writeSpec(['true'], (s) => {
      s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] };
    });
    await expect(f.rt.create('c1', f.bundle)).rejects.toMatchObject({
      code: 'InvalidArgument',
      message: expect.stringContaining('linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY is not supported'),
    });
    expect(await f.rt.list()).toEqual([]);
  });
});
