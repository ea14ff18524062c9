import { isAbsolute, join, posix } from 'node:path';
import type { CgroupMountPlan } from '../cgroups/types.js';
import { RuntimeError } from '../errors.js';
import type { Hook, LinuxDevice, LinuxNamespace, Mount, Process, Spec } from '../spec/types.js';
import { CAPABILITIES, MS, NAMESPACE_FLAGS, RLIMITS, S_IFBLK, S_IFCHR, S_IFIFO } from './constants.js';
import { parseMountOptions, rootPropagation } from '@ce/native';
import { CONSOLE_SOCKET_FD, type PlanOp } from './ops.js';
import type { CompiledSeccomp } from '../seccomp/compile.js';

export type HostPathKind = 'dir' | 'file' | 'missing';

/** Facts about the host the compiler needs; fakes in unit tests. */
export interface CompileContext {
  /** Absolute bundle directory (relative bind sources are resolved against it). */
  bundle: string;
  /** Absolute, symlink-free rootfs path. */
  rootfs: string;
  /** The exec fifo ce-init blocks on. */
  execFifo: string;
  hostPathKind(path: string): HostPathKind;
  hostPathExists(path: string): boolean;
  /** What a `cgroup` mount becomes; by default a cgroup2 mount. */
  cgroupMount?: CgroupMountPlan;
  /** chroot instead of pivot_root (runc --no-pivot), e.g. on an initramfs. */
  noPivotRoot?: boolean;
  /** The session keyring the container joins (runc's `_ses.<id>`); none: it keeps the caller's (--no-new-keyring). */
  sessionKeyring?: string;
  /** linux.seccomp, compiled (see compileSeccomp). */
  seccomp?: CompiledSeccomp;
}

/** Order in which ce-init joins namespaces by path: user first (it grants rights for the rest), mount last (it changes how paths resolve). */
const JOIN_ORDER = ['user', 'ipc', 'uts', 'network', 'pid', 'cgroup', 'time', 'mount'];

/** runc's default devices, created in every container whose /dev is not a bind mount. */
export const DEFAULT_DEVICES: LinuxDevice[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0, fileMode: 0o666, uid: 0, gid: 0 },
];

function capMask(names: readonly string[] | undefined): bigint {
  let m = 0n;
  for (const n of names ?? []) {
    const bit = CAPABILITIES[n];
    if (bit !== undefined) m |= 1n << BigInt(bit);
  }
  return m;
}

const RLIM_INFINITY = 0xffffffffffffffffn;
function rlimitValue(v: number): bigint {
  // JSON cannot carry 2^64-1 exactly; anything that large means unlimited.
  return v >= Number.MAX_SAFE_INTEGER ? RLIM_INFINITY : BigInt(v);
}

function isBind(m: Mount): boolean {
  return m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
}

function cleanDest(d: string): string {
  return posix.normalize(d).replace(/(.)\/+$/, '$1');
}

/** The ops for one config mount (before the root change). */
function mountOps(m: Mount, index: number, ctx: CompileContext, deferred: PlanOp[]): PlanOp[] {
  const ops: PlanOp[] = [];
  const dest = cleanDest(m.destination);
  const { flags, propagation, data } = parseMountOptions(m.options);
  const type = m.type ?? '';
  const setPropagation = () => {
    for (const p of propagation) ops.push({ op: 'MOUNT', args: ['', dest, '', p, ''] });
  };

  if (isBind(m)) {
    const src = m.source ?? '';
    const source = isAbsolute(src) ? src : join(ctx.bundle, src);
    const kind = ctx.hostPathKind(source);
    if (kind === 'missing') {
      throw new RuntimeError('InvalidArgument', `mounts[${index}].source: bind source ${source} does not exist`);
    }
    ops.push(kind === 'dir' ? { op: 'MKDIR', args: [dest, 0o755] } : { op: 'MKFILE', args: [dest, 0o644] });
    ops.push({ op: 'MOUNT', args: [source, dest, '', MS.BIND | (flags & MS.REC), ''] });
    // A bind mount ignores all other flags until it is remounted.
    const extra = flags & ~(MS.BIND | MS.REC | MS.REMOUNT);
    if (extra) ops.push({ op: 'MOUNT', args: ['', dest, '', MS.BIND | MS.REMOUNT | extra, ''] });
    setPropagation();
    return ops;
  }

  if (type === 'cgroup') {
    const plan = ctx.cgroupMount ?? { kind: 'cgroup2' };
    ops.push({ op: 'MKDIR', args: [dest, 0o755] });
    if (plan.kind === 'cgroup2') {
      ops.push({ op: 'MOUNT', args: ['cgroup', dest, 'cgroup2', flags, ''] });
    } else {
      // runc's v1 layout: a tmpfs with one read-only bind per hierarchy of the container's cgroup.
      const sub = flags & (MS.NOSUID | MS.NODEV | MS.NOEXEC);
      ops.push({ op: 'MOUNT', args: ['tmpfs', dest, 'tmpfs', sub, 'mode=755'] });
      for (const b of plan.binds) {
        const d = posix.join(dest, b.name);
        ops.push({ op: 'MKDIR', args: [d, 0o755] });
        ops.push({ op: 'MOUNT', args: [b.hostPath, d, '', MS.BIND | MS.REC, ''] });
        ops.push({ op: 'MOUNT', args: ['', d, '', MS.BIND | MS.REMOUNT | sub | (flags & MS.RDONLY), ''] });
      }
      for (const l of plan.links) ops.push({ op: 'SYMLINK', args: [l.target, posix.join(dest, l.name)] });
      if (flags & MS.RDONLY) ops.push({ op: 'MOUNT', args: ['', dest, '', MS.REMOUNT | sub | MS.RDONLY, ''] });
    }
    setPropagation();
    return ops;
  }

  ops.push({ op: 'MKDIR', args: [dest, 0o755] });
  let mountFlags = flags;
  if (dest === '/dev' && flags & MS.RDONLY) {
    // Devices are created in /dev after this mount: make it read-only after the root change.
    mountFlags &= ~MS.RDONLY;
    deferred.push({ op: 'REMOUNT', args: ['/dev', flags | MS.REMOUNT] });
  }
  ops.push({ op: 'MOUNT', args: [m.source ?? type, dest, type, mountFlags, data] });
  setPropagation();
  return ops;
}

function deviceOps(devices: readonly LinuxDevice[]): PlanOp[] {
  const byPath = new Map<string, LinuxDevice>();
  for (const d of devices) byPath.set(cleanDest(d.path), d);
  const ops: PlanOp[] = [];
  for (const [path, d] of byPath) {
    const typeBits = d.type === 'b' ? S_IFBLK : d.type === 'p' ? S_IFIFO : S_IFCHR;
    const mode = typeBits | ((d.fileMode ?? 0o666) & 0o7777);
    ops.push({ op: 'MKNOD', args: [path, mode, d.major ?? 0, d.minor ?? 0, d.uid ?? 0, d.gid ?? 0, d.type === 'p' ? '' : path] });
  }
  return ops;
}

/** A pty for the process (runc's model): opened inside the container, its master sent over the console socket. */
function consoleOp(proc: Process): PlanOp {
  const size = proc.consoleSize;
  return { op: 'CONSOLE', args: [CONSOLE_SOCKET_FD, size?.height ?? 0, size?.width ?? 0, proc.user.uid] };
}

/** A createContainer or startContainer hook, run by ce-init: kind path timeout argc args... env... */
function hookOp(kind: 'createContainer' | 'startContainer', h: Hook): PlanOp {
  const args = h.args ?? [];
  return { op: 'HOOK', args: [kind, h.path, h.timeout ?? 0, args.length, ...args, ...(h.env ?? [])] };
}

/**
 * The process part of a plan, from the cwd to the args (exec and create share
 * it). The seccomp filter goes where runc puts it: without no_new_privs it
 * needs CAP_SYS_ADMIN, so before the user and capabilities change; with it,
 * as late as possible, so that the filter sees few of ce-init's own syscalls.
 * The executable is looked up (for the process's user) just before the filter
 * goes in, so that no profile can break the lookup (docs/decisions/0014).
 */
function processOps(proc: Process, seccomp?: CompiledSeccomp): PlanOp[] {
  const ops: PlanOp[] = [];
  const user = proc.user;
  const ids = [user.uid, user.gid, ...(user.additionalGids ?? [])];
  // the kernel lets a process with CAP_DAC_OVERRIDE execute any file that has an execute bit
  const dacOverride = proc.capabilities?.effective?.includes('CAP_DAC_OVERRIDE') ? 1 : 0;
  const resolveExe: PlanOp = { op: 'RESOLVE_EXE', args: [dacOverride, ...ids] };
  const seccompOps: PlanOp[] = seccomp ? [resolveExe, { op: 'SECCOMP', args: [seccomp.flags, seccomp.program] }] : [];
  ops.push({ op: 'ENV', args: proc.env ?? [] });
  ops.push({ op: 'ARGS', args: proc.args! });
  ops.push({ op: 'CHDIR', args: [proc.cwd] });
  if (seccomp && !proc.noNewPrivileges) ops.push(...seccompOps);
  const setUser: PlanOp = { op: 'SETUSER', args: ids };
  const caps = proc.capabilities;
  if (caps) {
    ops.push({ op: 'CAPBSET', args: [capMask(caps.bounding)] });
    ops.push({ op: 'KEEPCAPS', args: [1] });
    ops.push(setUser);
    ops.push({ op: 'KEEPCAPS', args: [0] });
    // The kernel raises an ambient capability only if it is permitted and inheritable; runc
    // ignores the refusal (runc spec's own example lists ambient caps and no inheritable ones).
    const ambient = capMask(caps.ambient) & capMask(caps.permitted) & capMask(caps.inheritable);
    ops.push({
      op: 'CAPSET',
      args: [capMask(caps.effective), capMask(caps.permitted), capMask(caps.inheritable), ambient],
    });
  } else {
    ops.push(setUser);
  }
  ops.push({ op: 'UMASK', args: [user.umask ?? 0o022] });
  if (proc.noNewPrivileges) ops.push({ op: 'NO_NEW_PRIVS', args: [] });
  if (seccomp && proc.noNewPrivileges) ops.push(...seccompOps);
  if (!seccomp) ops.push(resolveExe);
  return ops;
}

/**
 * Compiles a validated config into ce-init's plan: the ordered operations of
 * the parent (namespaces) and of the container init (mounts, devices, root
 * change, paths, hostname, limits, user, capabilities, exec).
 */
export function compilePlan(spec: Spec, ctx: CompileContext): PlanOp[] {
  const linux = spec.linux ?? {};
  const proc = spec.process!;
  const namespaces = linux.namespaces ?? [];
  const plan: PlanOp[] = [];

  // P: open the exec fifo while the runtime's view of the host applies;
  // join namespaces by path, then (runc's order) unshare a new user namespace,
  // wait for the runtime to write its id maps and become its root, so that
  // the other new namespaces are owned by it. A new cgroup namespace is
  // unshared by C once the runtime has put it in its cgroup.
  plan.push({ op: 'EXEC_FIFO', args: [ctx.execFifo] });
  // Written while P is still the host's root: inside a new user namespace
  // /proc/self/oom_score_adj belongs to an unmapped owner (runc writes it first too).
  if (proc.oomScoreAdj !== undefined) plan.push({ op: 'OOM_SCORE_ADJ', args: [String(proc.oomScoreAdj)] });
  const joins = namespaces.filter((n) => n.path).sort((a, b) => JOIN_ORDER.indexOf(a.type) - JOIN_ORDER.indexOf(b.type));
  for (const n of joins) plan.push({ op: 'SETNS', args: [n.type, n.path!] });
  const fresh = new Set(namespaces.filter((n) => !n.path).map((n) => n.type));
  if (fresh.has('user')) {
    plan.push({ op: 'UNSHARE', args: [NAMESPACE_FLAGS.user!] });
    plan.push({ op: 'USERNS_SYNC', args: [] });
  }
  if (namespaces.some((n) => n.type === 'user')) plan.push({ op: 'BECOME_ROOT', args: [] });
  let flags = 0;
  for (const t of fresh) if (t !== 'cgroup' && t !== 'user') flags |= NAMESPACE_FLAGS[t]!;
  if ((fresh.has('time') || linux.timeOffsets) && !ctx.hostPathExists('/proc/self/ns/time')) {
    throw new RuntimeError('InvalidArgument', `${linux.timeOffsets ? 'linux.timeOffsets' : 'linux.namespaces'}: this kernel has no time namespaces (no /proc/self/ns/time)`);
  }
  plan.push({ op: 'UNSHARE', args: [flags] });
  const offsets = Object.entries(linux.timeOffsets ?? {});
  if (offsets.length) {
    plan.push({ op: 'TIMENS_OFFSETS', args: [offsets.map(([clock, o]) => `${clock} ${o.secs ?? 0} ${o.nanosecs ?? 0}\n`).join('')] });
  }

  // C
  plan.push({ op: 'SYNC_WAIT', args: [] });
  if (fresh.has('cgroup')) plan.push({ op: 'CGROUP_NS', args: [] });
  if (ctx.sessionKeyring) plan.push({ op: 'SESSION_KEYRING', args: [ctx.sessionKeyring] });
  // Without a mount namespace the container's mounts are the host's: the
  // host's / keeps its propagation, the rootfs bind is private (nothing
  // propagates out of it) and the runtime detaches it, with everything
  // mounted below it, when the container is deleted.
  const hostMountNs = !namespaces.some((n) => n.type === 'mount');
  // The propagation is set on the old / (so that a shared one keeps the
  // host's mounts peers of the container's binds of them: bidirectional
  // volumes), the rootfs is bound from a private parent, and shared or
  // unbindable is set again on the new / once the mounts are done, since the
  // bind made from that private parent is neither (runc does the same since
  // 1.2). Unbindable is not set on the old /: binds of host paths would fail.
  const propagation = rootPropagation(linux.rootfsPropagation);
  const unbindable = (propagation & MS.UNBINDABLE) !== 0;
  const setOnNewRoot = unbindable || (propagation & MS.SHARED) !== 0;
  if (hostMountNs) {
    plan.push({ op: 'ROOTFS_HOST_NS', args: [ctx.rootfs] });
  } else {
    plan.push({ op: 'ROOT_PROPAGATION', args: [unbindable ? MS.SLAVE | MS.REC : propagation] });
    plan.push({ op: 'ROOTFS', args: [ctx.rootfs] });
  }

  const deferred: PlanOp[] = [];
  const mounts = spec.mounts ?? [];
  mounts.forEach((m, i) => plan.push(...mountOps(m, i, ctx, deferred)));

  const devBound = mounts.some((m) => cleanDest(m.destination) === '/dev' && isBind(m));
  if (!devBound) {
    plan.push(...deviceOps([...DEFAULT_DEVICES, ...(linux.devices ?? [])]));
    plan.push({ op: 'SYMLINK', args: ['pts/ptmx', '/dev/ptmx'] });
    plan.push({ op: 'SYMLINK', args: ['/proc/self/fd', '/dev/fd'] });
    plan.push({ op: 'SYMLINK', args: ['/proc/self/fd/0', '/dev/stdin'] });
    plan.push({ op: 'SYMLINK', args: ['/proc/self/fd/1', '/dev/stdout'] });
    plan.push({ op: 'SYMLINK', args: ['/proc/self/fd/2', '/dev/stderr'] });
    if (ctx.hostPathExists('/proc/kcore')) plan.push({ op: 'SYMLINK', args: ['/proc/kcore', '/dev/core'] });
  } else if (linux.devices?.length) {
    plan.push(...deviceOps(linux.devices));
  }

  // runc (and Docker before it) creates a missing cwd, root-owned 0755, resolved inside the rootfs;
  // never inside the kernel's own trees, where nothing can be created (and CHDIR names the problem).
  if (!/^\/(proc|sys)(\/|$)/.test(proc.cwd)) plan.push({ op: 'MKDIR', args: [proc.cwd, 0o755] });

  // The runtime runs prestart and createRuntime hooks while C waits here,
  // namespaces and mounts in place; then createContainer hooks run in them.
  const hooks = spec.hooks ?? {};
  const nonEmpty = (h: Hook[] | undefined) => (h?.length ?? 0) > 0;
  if ([hooks.prestart, hooks.createRuntime, hooks.createContainer, hooks.startContainer].some(nonEmpty)) {
    plan.push({ op: 'HOOKS_SYNC', args: [] });
  }
  for (const h of hooks.createContainer ?? []) plan.push(hookOp('createContainer', h));

  // pivot_root and runc's --no-pivot (a move onto /) would change the host's root: a plain chroot then
  if (hostMountNs) plan.push({ op: 'ENTER_ROOT', args: [ctx.rootfs] });
  else plan.push({ op: ctx.noPivotRoot ? 'CHROOT' : 'PIVOT_ROOT', args: [] });
  if (proc.terminal) plan.push(consoleOp(proc));
  plan.push(...deferred);

  for (const [key, value] of Object.entries(linux.sysctl ?? {})) plan.push({ op: 'SYSCTL', args: [key, value] });
  for (const p of linux.readonlyPaths ?? []) plan.push({ op: 'READONLY', args: [p] });
  for (const p of linux.maskedPaths ?? []) plan.push({ op: 'MASK', args: [p] });
  if (spec.root?.readonly) plan.push({ op: 'REMOUNT', args: ['/', MS.BIND | MS.RDONLY] });
  // Last of the mount ops: the binds above (masked and read-only paths) fail on an unbindable tree.
  if (!hostMountNs && setOnNewRoot) plan.push({ op: 'ROOT_PROPAGATION', args: [propagation] });

  if (spec.hostname) plan.push({ op: 'HOSTNAME', args: [spec.hostname] });
  if (spec.domainname) plan.push({ op: 'DOMAINNAME', args: [spec.domainname] });
  if (fresh.has('network')) plan.push({ op: 'LOOPBACK_UP', args: [] });
  for (const r of proc.rlimits ?? []) {
    plan.push({ op: 'RLIMIT', args: [RLIMITS[r.type]!, rlimitValue(r.soft), rlimitValue(r.hard)] });
  }

  plan.push(...processOps(proc, ctx.seccomp));
  // recorded now, run by ce-init after start, just before execve
  for (const h of hooks.startContainer ?? []) plan.push(hookOp('startContainer', h));
  plan.push({ op: 'READY', args: [] });
  return plan;
}

/**
 * The plan of an exec: join the namespaces of a running container's init
 * (user first, mount last; the mount namespace brings its root with it),
 * wait for the runtime to put the process in the container's cgroup, then
 * the process part of a create plan, under the container's seccomp filter
 * (as runc exec). No exec fifo: it execs once ready.
 */
export function compileExecPlan(
  proc: Process,
  initPid: number,
  namespaces: readonly LinuxNamespace[],
  seccomp?: CompiledSeccomp,
  sessionKeyring?: string,
): PlanOp[] {
  const plan: PlanOp[] = [];
  if (proc.oomScoreAdj !== undefined) plan.push({ op: 'OOM_SCORE_ADJ', args: [String(proc.oomScoreAdj)] });
  const types = [...new Set(namespaces.map((n) => n.type))].sort((a, b) => JOIN_ORDER.indexOf(a) - JOIN_ORDER.indexOf(b));
  const nsFile: Record<string, string> = { network: 'net', mount: 'mnt' };
  for (const t of types) plan.push({ op: 'SETNS', args: [t, `/proc/${initPid}/ns/${nsFile[t] ?? t}`] });
  plan.push({ op: 'UNSHARE', args: [0] });
  if (types.includes('user')) plan.push({ op: 'BECOME_ROOT', args: [] });
  plan.push({ op: 'SYNC_WAIT', args: [] });
  // No mount namespace to bring the root along: take the init's root (runc
  // would leave the process at the host's /).
  if (!types.includes('mount')) plan.push({ op: 'ENTER_ROOT', args: [`/proc/${initPid}/root`] });
  // the container's session keyring, not the caller's (runc's setns init)
  if (sessionKeyring) plan.push({ op: 'SESSION_KEYRING', args: [sessionKeyring] });
  if (proc.terminal) plan.push(consoleOp(proc));
  for (const r of proc.rlimits ?? []) plan.push({ op: 'RLIMIT', args: [RLIMITS[r.type]!, rlimitValue(r.soft), rlimitValue(r.hard)] });
  plan.push(...processOps(proc, seccomp));
  plan.push({ op: 'READY', args: [] });
  return plan;
}
