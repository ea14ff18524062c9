import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/errors.js';
import { compileExecPlan, compilePlan, type CompileContext } from '../../src/plan/compile.js';
import { CAPABILITIES, CLONE, MS } from '../../src/plan/constants.js';
import { decodePlan, encodePlan, encodeRecord, RecordDecoder } from '../../src/plan/encode.js';
import { Msg, Op, type PlanOp } from '../../src/plan/ops.js';
import { defaultSpec } from '../../src/spec/default-spec.js';
import type { Spec } from '../../src/spec/types.js';
import type { CompiledSeccomp } from '../../src/seccomp/compile.js';

const here = dirname(fileURLToPath(import.meta.url));

function ctx(over: Partial<CompileContext> = {}): CompileContext {
  return {
    bundle: '/b',
    rootfs: '/b/rootfs',
    execFifo: '/run/x/exec.fifo',
    hostPathKind: (p) => (p.endsWith('.conf') ? 'file' : p.includes('missing') ? 'missing' : 'dir'),
    hostPathExists: () => true,
    ...over,
  };
}

const names = (plan: PlanOp[]) => plan.map((p) => p.op);
const index = (plan: PlanOp[], op: string, arg0?: string | number) =>
  plan.findIndex((p) => p.op === op && (arg0 === undefined || p.args[0] === arg0));

function spec(mut?: (s: Spec) => void): Spec {
  const s = defaultSpec();
  mut?.(s);
  return s;
}

describe('compilePlan', () => {
  it('sets shared or unbindable root propagation again on the new / after the last bind; unbindable never on the old /', () => {
    const propagations = (value: string) => {
      const plan = compilePlan(spec((s) => void (s.linux!.rootfsPropagation = value)), ctx());
      return plan.flatMap((p, i) => (p.op === 'ROOT_PROPAGATION' ? [{ at: i, flags: p.args[0] }] : [])).map(({ at, flags }) => ({
        flags,
        after: at > index(plan, 'PIVOT_ROOT') ? (at > index(plan, 'MASK', '/proc/kcore') && at > index(plan, 'READONLY', '/proc/sys') ? 'masks' : 'pivot') : 'before',
      }));
    };
    expect(propagations('rshared')).toEqual([{ flags: MS.SHARED | MS.REC, after: 'before' }, { flags: MS.SHARED | MS.REC, after: 'masks' }]);
    expect(propagations('runbindable')).toEqual([{ flags: MS.SLAVE | MS.REC, after: 'before' }, { flags: MS.UNBINDABLE | MS.REC, after: 'masks' }]);
    expect(propagations('unbindable')).toEqual([{ flags: MS.SLAVE | MS.REC, after: 'before' }, { flags: MS.UNBINDABLE, after: 'masks' }]);
    expect(propagations('rslave')).toEqual([{ flags: MS.SLAVE | MS.REC, after: 'before' }]);
    expect(propagations('rprivate')).toEqual([{ flags: MS.PRIVATE | MS.REC, after: 'before' }]);
  });

  it('orders namespaces, rootfs, mounts, devices, pivot_root, paths, user and exec', () => {
    const plan = compilePlan(spec(), ctx());
    const ops = names(plan);
    // the exec fifo is opened by ce-init's parent, before any namespace change
    expect(ops.slice(0, 5)).toEqual(['EXEC_FIFO', 'UNSHARE', 'SYNC_WAIT', 'ROOT_PROPAGATION', 'ROOTFS']);
    expect(plan[1]!.args).toEqual([CLONE.NEWPID | CLONE.NEWIPC | CLONE.NEWUTS | CLONE.NEWNS | CLONE.NEWNET]);
    expect(plan[0]!.args).toEqual(['/run/x/exec.fifo']);
    expect(plan[3]!.args).toEqual([MS.SLAVE | MS.REC]);
    expect(plan[4]!.args).toEqual(['/b/rootfs']);
    const pivot = index(plan, 'PIVOT_ROOT');
    // every mount and device is made before pivot_root; masks and read-only paths after it
    expect(plan.slice(5, pivot).every((p) => ['MKDIR', 'MKFILE', 'MOUNT', 'MKNOD', 'SYMLINK'].includes(p.op))).toBe(true);
    expect(index(plan, 'MOUNT', 'proc')).toBeLessThan(index(plan, 'MOUNT', 'tmpfs'));
    expect(index(plan, 'MKNOD', '/dev/null')).toBeGreaterThan(index(plan, 'MOUNT', 'tmpfs'));
    expect(index(plan, 'READONLY', '/proc/sys')).toBeGreaterThan(pivot);
    expect(index(plan, 'MASK', '/proc/kcore')).toBeGreaterThan(index(plan, 'READONLY', '/proc/sys'));
    expect(index(plan, 'LOOPBACK_UP')).toBeGreaterThan(pivot);
    expect(ops.slice(-3)).toEqual(['UMASK', 'RESOLVE_EXE', 'READY']);
    expect(plan[index(plan, 'ARGS')]!.args).toEqual(['sh']);
    expect(plan[index(plan, 'ENV')]!.args).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
    expect(index(plan, 'ARGS')).toBeLessThan(index(plan, 'RESOLVE_EXE'));
  });

  it("creates a missing cwd inside the rootfs after the mounts and devices, before pivot_root (runc's and Docker's behaviour)", () => {
    const plan = compilePlan(
      spec((s) => (s.process!.cwd = '/does/not/exist')),
      ctx(),
    );
    const mkdir = plan.findIndex((p) => p.op === 'MKDIR' && p.args[0] === '/does/not/exist');
    expect(mkdir).toBeGreaterThan(index(plan, 'MOUNT', 'shm'));
    expect(mkdir).toBeGreaterThan(plan.findLastIndex((p) => p.op === 'MKNOD' || p.op === 'SYMLINK'));
    expect(plan[mkdir]!.args).toEqual(['/does/not/exist', 0o755]);
    expect(mkdir).toBeLessThan(index(plan, 'PIVOT_ROOT'));
    const procCwd = compilePlan(
      spec((s) => (s.process!.cwd = '/proc/self/fd/7')),
      ctx(),
    );
    expect(procCwd.some((p) => p.op === 'MKDIR' && p.args[0] === '/proc/self/fd/7')).toBe(false);
  });

  it('mounts the config mounts with their flags and data', () => {
    const plan = compilePlan(spec(), ctx());
    const dev = plan.find((p) => p.op === 'MOUNT' && p.args[1] === '/dev')!;
    expect(dev.args).toEqual(['tmpfs', '/dev', 'tmpfs', MS.NOSUID | MS.STRICTATIME, 'mode=755,size=65536k']);
    const pts = plan.find((p) => p.op === 'MOUNT' && p.args[1] === '/dev/pts')!;
    expect(pts.args[4]).toBe('newinstance,ptmxmode=0666,mode=0620,gid=5');
    const sys = plan.find((p) => p.op === 'MOUNT' && p.args[1] === '/sys')!;
    expect(sys.args[3]).toBe(MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RDONLY);
    expect(index(plan, 'MKDIR', '/dev/pts')).toBeLessThan(index(plan, 'MOUNT', 'devpts'));
  });

  it('creates the default devices and /dev symlinks, /dev/core only when the host has /proc/kcore', () => {
    const plan = compilePlan(spec(), ctx({ hostPathExists: () => false }));
    const devices = plan.filter((p) => p.op === 'MKNOD').map((p) => p.args[0]);
    expect(devices).toEqual(['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty']);
    expect(plan.find((p) => p.op === 'MKNOD')!.args).toEqual(['/dev/null', 0o020666, 1, 3, 0, 0, '/dev/null']);
    const links = plan.filter((p) => p.op === 'SYMLINK').map((p) => `${p.args[1]}->${p.args[0]}`);
    expect(links).toEqual(['/dev/ptmx->pts/ptmx', '/dev/fd->/proc/self/fd', '/dev/stdin->/proc/self/fd/0', '/dev/stdout->/proc/self/fd/1', '/dev/stderr->/proc/self/fd/2']);
    expect(compilePlan(spec(), ctx()).some((p) => p.op === 'SYMLINK' && p.args[1] === '/dev/core')).toBe(true);
  });

  it('skips the default devices when /dev is a bind mount', () => {
    const plan = compilePlan(
      spec((s) => s.mounts!.splice(1, 1, { destination: '/dev', type: 'bind', source: '/dev', options: ['rbind'] })),
      ctx(),
    );
    expect(plan.some((p) => p.op === 'MKNOD')).toBe(false);
  });

  it('binds: mount point by source kind, remount for flags, propagation last, relative sources from the bundle', () => {
    const plan = compilePlan(
      spec((s) => {
        s.mounts = [
          { destination: '/etc/app.conf', type: 'bind', source: 'files/app.conf', options: ['bind', 'ro', 'rprivate'] },
          { destination: '/data', source: '/srv/data', options: ['rbind', 'nosuid'] },
        ];
      }),
      ctx(),
    );
    const mountOps = plan.slice(index(plan, 'ROOTFS') + 1, index(plan, 'MKNOD'));
    expect(mountOps).toEqual([
      { op: 'MKFILE', args: ['/etc/app.conf', 0o644] },
      { op: 'MOUNT', args: ['/b/files/app.conf', '/etc/app.conf', '', MS.BIND, ''] },
      { op: 'MOUNT', args: ['', '/etc/app.conf', '', MS.BIND | MS.REMOUNT | MS.RDONLY, ''] },
      { op: 'MOUNT', args: ['', '/etc/app.conf', '', MS.PRIVATE | MS.REC, ''] },
      { op: 'MKDIR', args: ['/data', 0o755] },
      { op: 'MOUNT', args: ['/srv/data', '/data', '', MS.BIND | MS.REC, ''] },
      { op: 'MOUNT', args: ['', '/data', '', MS.BIND | MS.REMOUNT | MS.NOSUID, ''] },
    ]);
  });

  it('names the mount whose bind source is missing', () => {
    expect(() =>
      compilePlan(spec((s) => s.mounts!.push({ destination: '/x', type: 'bind', source: '/missing', options: ['bind'] })), ctx()),
    ).toThrow(RuntimeError);
    expect(() =>
      compilePlan(spec((s) => s.mounts!.push({ destination: '/x', type: 'bind', source: '/missing', options: ['bind'] })), ctx()),
    ).toThrow('mounts[7].source: bind source /missing does not exist');
  });

  it('turns a v1 cgroup mount into a tmpfs with read-only binds of the container cgroup', () => {
    const plan = compilePlan(
      spec(),
      ctx({
        cgroupMount: {
          kind: 'v1',
          binds: [
            { name: 'cpu,cpuacct', hostPath: '/sys/fs/cgroup/cpu,cpuacct/c1' },
            { name: 'memory', hostPath: '/sys/fs/cgroup/memory/c1' },
          ],
          links: [
            { name: 'cpu', target: 'cpu,cpuacct' },
            { name: 'cpuacct', target: 'cpu,cpuacct' },
          ],
        },
      }),
    );
    const start = index(plan, 'MKDIR', '/sys/fs/cgroup');
    const ops = plan.slice(start, start + 12).map((p) => `${p.op} ${p.args.join(' ')}`);
    const sub = MS.NOSUID | MS.NODEV | MS.NOEXEC;
    expect(ops).toEqual([
      'MKDIR /sys/fs/cgroup 493',
      `MOUNT tmpfs /sys/fs/cgroup tmpfs ${sub} mode=755`,
      'MKDIR /sys/fs/cgroup/cpu,cpuacct 493',
      `MOUNT /sys/fs/cgroup/cpu,cpuacct/c1 /sys/fs/cgroup/cpu,cpuacct  ${MS.BIND | MS.REC} `,
      `MOUNT  /sys/fs/cgroup/cpu,cpuacct  ${MS.BIND | MS.REMOUNT | sub | MS.RDONLY} `,
      'MKDIR /sys/fs/cgroup/memory 493',
      `MOUNT /sys/fs/cgroup/memory/c1 /sys/fs/cgroup/memory  ${MS.BIND | MS.REC} `,
      `MOUNT  /sys/fs/cgroup/memory  ${MS.BIND | MS.REMOUNT | sub | MS.RDONLY} `,
      'SYMLINK cpu,cpuacct /sys/fs/cgroup/cpu',
      'SYMLINK cpu,cpuacct /sys/fs/cgroup/cpuacct',
      `MOUNT  /sys/fs/cgroup  ${MS.REMOUNT | sub | MS.RDONLY} `,
      'MKDIR /dev/mqueue 493',
    ]);
    const v2 = compilePlan(spec(), ctx());
    expect(v2.find((p) => p.op === 'MOUNT' && p.args[1] === '/sys/fs/cgroup')!.args.slice(0, 3)).toEqual(['cgroup', '/sys/fs/cgroup', 'cgroup2']);
  });

  it('joins namespaces by path (user first, mount last) and unshares the rest', () => {
    const plan = compilePlan(
      spec((s) => {
        s.linux!.namespaces = [
          { type: 'mount', path: '/proc/1/ns/mnt' },
          { type: 'network', path: '/run/netns/n1' },
          { type: 'pid' },
          { type: 'uts' },
          { type: 'cgroup' },
        ];
      }),
      ctx(),
    );
    expect(plan.slice(1, 4)).toEqual([
      { op: 'SETNS', args: ['network', '/run/netns/n1'] },
      { op: 'SETNS', args: ['mount', '/proc/1/ns/mnt'] },
      { op: 'UNSHARE', args: [CLONE.NEWPID | CLONE.NEWUTS] },
    ]);
    // a new cgroup namespace is made by the init once it is in its cgroup; no loopback for a joined netns
    expect(names(plan).slice(4, 6)).toEqual(['SYNC_WAIT', 'CGROUP_NS']);
    expect(names(plan)).not.toContain('LOOPBACK_UP');
  });

  it('drops capabilities around the user switch and sets the rest', () => {
    const plan = compilePlan(
      spec((s) => {
        s.process!.user = { uid: 1000, gid: 100, additionalGids: [10, 20], umask: 0o077 };
        s.process!.capabilities = { bounding: ['CAP_KILL', 'CAP_CHOWN'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], ambient: ['CAP_KILL'] };
        s.process!.noNewPrivileges = true;
        s.process!.oomScoreAdj = -500;
        s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 2 ** 64 }];
        s.root!.readonly = true;
        s.hostname = 'box';
        s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
      }),
      ctx(),
    );
    // first, by P, while it is still the host's root (a user namespace's root could not write it)
    expect(plan.slice(0, 2)).toEqual([expect.objectContaining({ op: 'EXEC_FIFO' }), { op: 'OOM_SCORE_ADJ', args: ['-500'] }]);
    const tail = plan.slice(index(plan, 'PIVOT_ROOT') + 1).filter((p) => !['READONLY', 'MASK'].includes(p.op));
    const kill = 1n << BigInt(CAPABILITIES.CAP_KILL!);
    expect(tail).toEqual([
      { op: 'SYSCTL', args: ['net.ipv4.ip_forward', '1'] },
      { op: 'REMOUNT', args: ['/', MS.BIND | MS.RDONLY] },
      { op: 'HOSTNAME', args: ['box'] },
      { op: 'LOOPBACK_UP', args: [] },
      { op: 'RLIMIT', args: [7, 10n, 0xffffffffffffffffn] },
      { op: 'ENV', args: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
      { op: 'ARGS', args: ['sh'] },
      { op: 'CHDIR', args: ['/'] },
      { op: 'CAPBSET', args: [kill | 1n] },
      { op: 'KEEPCAPS', args: [1] },
      { op: 'SETUSER', args: [1000, 100, 10, 20] },
      { op: 'KEEPCAPS', args: [0] },
      // ambient CAP_KILL is not inheritable: left out, as the kernel (and so runc) would
      { op: 'CAPSET', args: [kill, kill, 0n, 0n] },
      { op: 'UMASK', args: [0o077] },
      { op: 'NO_NEW_PRIVS', args: [] },
      { op: 'RESOLVE_EXE', args: [0, 1000, 100, 10, 20] },
      { op: 'READY', args: [] },
    ]);
  });

  it('makes a read-only /dev read-only only after the devices exist', () => {
    const plan = compilePlan(spec((s) => s.mounts![1]!.options!.push('ro')), ctx());
    const dev = plan.find((p) => p.op === 'MOUNT' && p.args[1] === '/dev')!;
    expect(Number(dev.args[3]) & MS.RDONLY).toBe(0);
    const remount = index(plan, 'REMOUNT', '/dev');
    expect(remount).toBeGreaterThan(index(plan, 'PIVOT_ROOT'));
    expect(Number(plan[remount]!.args[1]) & MS.RDONLY).toBe(MS.RDONLY);
  });
});

describe('compilePlan without a mount namespace', () => {
  const hostNs = (mut?: (s: Spec) => void) =>
    spec((s) => {
      s.linux!.namespaces = [{ type: 'pid' }, { type: 'network' }];
      s.linux!.maskedPaths = [];
      s.linux!.readonlyPaths = [];
      s.root!.readonly = true;
      mut?.(s);
    });

  it('binds the rootfs privately without touching the host\'s /, and chroots instead of pivot_root', () => {
    const plan = compilePlan(hostNs(), ctx());
    const ops = names(plan);
    expect(ops).not.toContain('ROOT_PROPAGATION');
    expect(ops).not.toContain('ROOTFS');
    expect(ops).not.toContain('PIVOT_ROOT');
    expect(plan[index(plan, 'ROOTFS_HOST_NS')]!.args).toEqual(['/b/rootfs']);
    expect(plan[index(plan, 'ENTER_ROOT')]!.args).toEqual(['/b/rootfs']);
    // the mounts go below the rootfs bind, before the root change; root.readonly remounts that bind after it
    expect(index(plan, 'ROOTFS_HOST_NS')).toBeLessThan(index(plan, 'MOUNT', 'proc'));
    expect(index(plan, 'MOUNT', 'proc')).toBeLessThan(index(plan, 'ENTER_ROOT'));
    expect(index(plan, 'ENTER_ROOT')).toBeLessThan(index(plan, 'REMOUNT', '/'));
    // only the namespaces listed are new
    expect(plan.find((p) => p.op === 'UNSHARE')!.args).toEqual([CLONE.NEWPID | CLONE.NEWNET]);
  });

  it('chroots even with noPivotRoot: moving the rootfs onto / would move it onto the host\'s root', () => {
    const ops = names(compilePlan(hostNs(), ctx({ noPivotRoot: true })));
    expect(ops).toContain('ENTER_ROOT');
    expect(ops).not.toContain('CHROOT');
  });

  it('with no namespaces at all unshares nothing', () => {
    const plan = compilePlan(hostNs((s) => (s.linux!.namespaces = [])), ctx());
    expect(plan.find((p) => p.op === 'UNSHARE')!.args).toEqual([0]);
    expect(names(plan)).not.toContain('CGROUP_NS');
    expect(names(plan)).not.toContain('LOOPBACK_UP');
  });

  it('an exec takes the init\'s root when there is no mount namespace to join', () => {
    const proc = { ...defaultSpec().process!, args: ['ls'], cwd: '/srv' };
    const plan = compileExecPlan(proc, 4242, [{ type: 'pid' }]);
    const ops = names(plan);
    expect(plan[index(plan, 'ENTER_ROOT')]!.args).toEqual(['/proc/4242/root']);
    expect(index(plan, 'SYNC_WAIT')).toBeLessThan(index(plan, 'ENTER_ROOT'));
    expect(index(plan, 'ENTER_ROOT')).toBeLessThan(index(plan, 'CHDIR'));
    expect(names(compileExecPlan(proc, 4242, [{ type: 'mount' }]))).not.toContain('ENTER_ROOT');
    expect(ops).not.toContain('ROOTFS_HOST_NS');
  });
});

describe('compileExecPlan', () => {
  it('joins the init\'s namespaces (user first, mount last), waits for the cgroup, then sets up the process', () => {
    const proc = { ...defaultSpec().process!, args: ['ls', '-l'], cwd: '/srv', user: { uid: 5, gid: 6 } };
    const plan = compileExecPlan(proc, 4242, [{ type: 'mount' }, { type: 'pid' }, { type: 'network' }, { type: 'uts' }]);
    expect(plan.slice(0, 6)).toEqual([
      { op: 'SETNS', args: ['uts', '/proc/4242/ns/uts'] },
      { op: 'SETNS', args: ['network', '/proc/4242/ns/net'] },
      { op: 'SETNS', args: ['pid', '/proc/4242/ns/pid'] },
      { op: 'SETNS', args: ['mount', '/proc/4242/ns/mnt'] },
      { op: 'UNSHARE', args: [0] },
      { op: 'SYNC_WAIT', args: [] },
    ]);
    const ops = names(plan);
    // no rootfs, mounts or exec fifo: the mount namespace brings its root
    for (const op of ['EXEC_FIFO', 'ROOTFS', 'MOUNT', 'PIVOT_ROOT', 'HOSTNAME']) expect(ops).not.toContain(op);
    expect(plan.find((p) => p.op === 'CHDIR')!.args).toEqual(['/srv']);
    expect(plan.find((p) => p.op === 'SETUSER')!.args).toEqual([5, 6]);
    expect(ops.slice(-2)).toEqual(['RESOLVE_EXE', 'READY']);
    expect(plan.at(-2)!.args).toEqual([1, 5, 6]);
    expect(plan[index(plan, 'ARGS')]!.args).toEqual(['ls', '-l']);
  });
});

describe('plan encoding', () => {
  it('round-trips binary-safe arguments', () => {
    const plan: PlanOp[] = [
      { op: 'ARGS', args: ['sh', '-c', 'echo "a b"\n', '', 'ünïcode'] },
      { op: 'RLIMIT', args: [7, 1024n, 0xffffffffffffffffn] },
    ];
    const bytes = encodePlan(plan);
    expect(bytes.subarray(0, 8).toString()).toBe('CEPLAN01');
    expect(decodePlan(bytes)).toEqual([
      { op: 'ARGS', args: ['sh', '-c', 'echo "a b"\n', '', 'ünïcode'] },
      { op: 'RLIMIT', args: ['7', '1024', '18446744073709551615'] },
    ]);
    // little-endian u32 op, u32 argc, then u32 length + bytes
    const rec = encodeRecord(Op.HOSTNAME, ['ab']);
    expect([...rec]).toEqual([24, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 97, 98]);
  });

  it('decodes sync messages split across chunks', () => {
    const dec = new RecordDecoder();
    const bytes = Buffer.concat([encodeRecord(Msg.PID, ['42']), encodeRecord(Msg.READY, [])]);
    expect(dec.push(bytes.subarray(0, 5))).toEqual([]);
    const recs = dec.push(bytes.subarray(5));
    expect(recs.map((r) => [r.op, r.args.map(String)])).toEqual([
      [Msg.PID, ['42']],
      [Msg.READY, []],
    ]);
  });

  it('uses the op numbers of ce-init (plan.h)', () => {
    const header = readFileSync(join(here, '../../../native/native/init/plan.h'), 'utf8');
    const defined = new Map<string, number>();
    for (const m of header.matchAll(/^#define (OP|MSG)_(\w+) (\d+)/gm)) defined.set(`${m[1]}_${m[2]}`, Number(m[3]));
    const ours = new Map<string, number>([
      ...Object.entries(Op).map(([k, v]) => [`OP_${k}`, v] as [string, number]),
      ...Object.entries(Msg).map(([k, v]) => [`MSG_${k}`, v] as [string, number]),
    ]);
    expect(ours).toEqual(defined);
    expect(header).toContain('#define PLAN_MAGIC "CEPLAN01"');
  });
});

describe('seccomp in the plan', () => {
  const filter: CompiledSeccomp = { flags: 1, program: Buffer.from([6, 0, 0, 0, 0, 0, 0xff, 0x7f]), length: 1 };

  it('installs the filter before the user and capabilities change when no_new_privs is off (it needs CAP_SYS_ADMIN)', () => {
    const plan = compilePlan(spec((s) => (s.process!.noNewPrivileges = false)), ctx({ seccomp: filter }));
    const at = index(plan, 'SECCOMP');
    expect(at).toBeGreaterThan(index(plan, 'CHDIR'));
    expect(at).toBeLessThan(index(plan, 'CAPBSET'));
    expect(at).toBeLessThan(index(plan, 'SETUSER'));
    expect(plan[at]!.args).toEqual([1, filter.program]);
    // the executable is looked up right before the filter, as the process's user
    expect(plan[at - 1]).toEqual({ op: 'RESOLVE_EXE', args: [1, 0, 0] });
    expect(index(plan, 'ARGS')).toBeLessThan(at - 1);
    expect(names(plan).filter((o) => o === 'RESOLVE_EXE')).toHaveLength(1);
  });

  it('installs it last, right before ready, with no_new_privs', () => {
    const plan = compilePlan(spec((s) => (s.process!.noNewPrivileges = true)), ctx({ seccomp: filter }));
    expect(names(plan).slice(-4)).toEqual(['NO_NEW_PRIVS', 'RESOLVE_EXE', 'SECCOMP', 'READY']);
    expect(index(plan, 'NO_NEW_PRIVS')).toBeLessThan(index(plan, 'SECCOMP'));
  });

  it('gives an exec the container’s filter, and no filter when the container has none', () => {
    const proc = { ...defaultSpec().process!, args: ['true'], noNewPrivileges: true };
    const ns = [{ type: 'pid' as const }, { type: 'mount' as const }];
    expect(names(compileExecPlan(proc, 42, ns, filter)).slice(-3)).toEqual(['RESOLVE_EXE', 'SECCOMP', 'READY']);
    expect(names(compileExecPlan(proc, 42, ns))).not.toContain('SECCOMP');
    expect(names(compilePlan(spec(), ctx()))).not.toContain('SECCOMP');
  });

  it('sends the program bytes unchanged', () => {
    const bytes = encodePlan([{ op: 'SECCOMP', args: [0, filter.program] }]);
    const rec = new RecordDecoder().push(bytes.subarray(8))[0]!;
    expect(rec.op).toBe(Op.SECCOMP);
    expect(rec.args[1]).toEqual(filter.program);
  });
});

describe('time namespace offsets', () => {
  it('writes the offsets in ce-init\'s parent right after it unshared the time namespace', () => {
    const plan = compilePlan(
      spec((s) => {
        s.linux!.namespaces!.push({ type: 'time' });
        s.linux!.timeOffsets = { monotonic: { secs: -30, nanosecs: 5 }, boottime: { secs: 7200 } };
      }),
      ctx(),
    );
    expect(names(plan).slice(0, 4)).toEqual(['EXEC_FIFO', 'UNSHARE', 'TIMENS_OFFSETS', 'SYNC_WAIT']);
    expect(Number(plan[1]!.args[0]) & CLONE.NEWTIME).toBe(CLONE.NEWTIME);
    expect(plan[2]!.args).toEqual(['monotonic -30 5\nboottime 7200 0\n']);
  });

  it('says so when the kernel has no time namespaces', () => {
    const noTime = ctx({ hostPathExists: (p) => p !== '/proc/self/ns/time' });
    expect(() => compilePlan(spec((s) => s.linux!.namespaces!.push({ type: 'time' })), noTime)).toThrow(
      'linux.namespaces: this kernel has no time namespaces (no /proc/self/ns/time)',
    );
    expect(() =>
      compilePlan(
        spec((s) => {
          s.linux!.namespaces!.push({ type: 'time' });
          s.linux!.timeOffsets = { boottime: { secs: 1 } };
        }),
        noTime,
      ),
    ).toThrow('linux.timeOffsets: this kernel has no time namespaces');
  });
});
