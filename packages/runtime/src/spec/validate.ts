import { RuntimeError } from '../errors.js';
import { CAPABILITIES, RLIMITS } from './linux-constants.js';
import { PROPAGATION_NAMES } from '@ce/native';
import { seccompProblems } from '../seccomp/validate.js';
import type { LinuxResources, Process, Spec } from './types.js';

type Json = unknown;

const NAMESPACE_TYPES = ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'];
const DEVICE_TYPES = ['c', 'b', 'u', 'p'];
const UINT32_MAX = 0xffffffff;
/** Above it an id is -1 as a 32-bit int: "leave unchanged" to setresuid and friends, i.e. root stays root. */
const MAX_PROCESS_ID = 2147483647;

/** Collects "<json path>: <problem>" messages while walking a config. */
class Checker {
  readonly errors: string[] = [];

  fail(path: string, problem: string): void {
    this.errors.push(`${path}: ${problem}`);
  }

  isObject(v: Json): v is Record<string, Json> {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  }

  object(path: string, v: Json, required = false): Record<string, Json> | undefined {
    if (v === undefined || v === null) {
      if (required) this.fail(path, 'is required');
      return undefined;
    }
    if (!this.isObject(v)) {
      this.fail(path, 'must be an object');
      return undefined;
    }
    return v;
  }

  array(path: string, v: Json, required = false): Json[] | undefined {
    if (v === undefined || v === null) {
      if (required) this.fail(path, 'is required');
      return undefined;
    }
    if (!Array.isArray(v)) {
      this.fail(path, 'must be an array');
      return undefined;
    }
    return v;
  }

  string(path: string, v: Json, required = false): string | undefined {
    if (v === undefined) {
      if (required) this.fail(path, 'is required');
      return undefined;
    }
    if (typeof v !== 'string') {
      this.fail(path, 'must be a string');
      return undefined;
    }
    return v;
  }

  absPath(path: string, v: Json, required = false): string | undefined {
    const s = this.string(path, v, required);
    if (s !== undefined && !s.startsWith('/')) this.fail(path, `must be an absolute path, not ${JSON.stringify(s)}`);
    if (s?.includes('\0')) this.fail(path, 'must not contain NUL');
    return s;
  }

  bool(path: string, v: Json): void {
    if (v !== undefined && typeof v !== 'boolean') this.fail(path, 'must be a boolean');
  }

  int(path: string, v: Json, opts: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    if (v === undefined || v === null) {
      if (opts.required) this.fail(path, 'is required');
      return undefined;
    }
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.fail(path, 'must be an integer');
      return undefined;
    }
    if (opts.min !== undefined && v < opts.min) this.fail(path, `must be at least ${opts.min}`);
    if (opts.max !== undefined && v > opts.max) this.fail(path, `must be at most ${opts.max}`);
    return v;
  }

  strings(path: string, v: Json, required = false): string[] | undefined {
    const a = this.array(path, v, required);
    if (!a) return undefined;
    a.forEach((s, i) => {
      if (typeof s !== 'string') this.fail(`${path}[${i}]`, 'must be a string');
    });
    return a as string[];
  }

  stringMap(path: string, v: Json): void {
    const o = this.object(path, v);
    if (!o) return;
    for (const [k, val] of Object.entries(o)) if (typeof val !== 'string') this.fail(`${path}.${k}`, 'must be a string');
  }
}

/** A uid or gid the process runs with, in Docker's (and runc's libcontainer/user) range. */
function checkProcessId(c: Checker, path: string, v: Json, required: boolean): void {
  const id = c.int(path, v, { required, min: 0 });
  if (id !== undefined && id > MAX_PROCESS_ID) c.fail(path, `${id}: uids and gids must be in range 0-${MAX_PROCESS_ID}`);
}

function checkProcess(c: Checker, p: Record<string, Json>): void {
  c.bool('process.terminal', p.terminal);
  const size = c.object('process.consoleSize', p.consoleSize);
  if (size) {
    c.int('process.consoleSize.height', size.height, { required: true, min: 0, max: 0xffff });
    c.int('process.consoleSize.width', size.width, { required: true, min: 0, max: 0xffff });
  }
  const user = c.object('process.user', p.user, true);
  if (user) {
    checkProcessId(c, 'process.user.uid', user.uid, true);
    checkProcessId(c, 'process.user.gid', user.gid, true);
    c.int('process.user.umask', user.umask, { min: 0, max: 0o777 });
    c.array('process.user.additionalGids', user.additionalGids)?.forEach((g, i) => checkProcessId(c, `process.user.additionalGids[${i}]`, g, false));
    c.string('process.user.username', user.username);
  }
  const args = c.strings('process.args', p.args);
  if (!args || args.length === 0) {
    if (p.args === undefined || (Array.isArray(p.args) && p.args.length === 0)) c.fail('process.args', 'must be a non-empty array');
  } else if (args[0] === '') {
    c.fail('process.args[0]', 'must not be empty');
  }
  if (p.commandLine !== undefined) c.fail('process.commandLine', 'is for Windows and not supported');
  c.strings('process.env', p.env)?.forEach((e, i) => {
    if (typeof e === 'string' && (!e.includes('=') || e.startsWith('='))) c.fail(`process.env[${i}]`, `must be KEY=value, not ${JSON.stringify(e)}`);
    if (typeof e === 'string' && e.includes('\0')) c.fail(`process.env[${i}]`, 'must not contain NUL');
  });
  c.absPath('process.cwd', p.cwd, true);
  const caps = c.object('process.capabilities', p.capabilities);
  if (caps) {
    for (const set of ['bounding', 'effective', 'inheritable', 'permitted', 'ambient']) {
      c.strings(`process.capabilities.${set}`, caps[set])?.forEach((name, i) => {
        if (typeof name === 'string' && !(name in CAPABILITIES)) c.fail(`process.capabilities.${set}[${i}]`, `unknown capability ${JSON.stringify(name)}`);
      });
    }
  }
  const seen = new Set<string>();
  c.array('process.rlimits', p.rlimits)?.forEach((r, i) => {
    const path = `process.rlimits[${i}]`;
    const o = c.object(path, r, true);
    if (!o) return;
    const type = c.string(`${path}.type`, o.type, true);
    if (type !== undefined && !(type in RLIMITS)) c.fail(`${path}.type`, `unknown rlimit ${JSON.stringify(type)}`);
    if (type && seen.has(type)) c.fail(`${path}.type`, `duplicate rlimit ${type}`);
    if (type) seen.add(type);
    const hard = c.int(`${path}.hard`, o.hard, { required: true, min: 0 });
    const soft = c.int(`${path}.soft`, o.soft, { required: true, min: 0 });
    if (hard !== undefined && soft !== undefined && soft > hard) c.fail(`${path}.soft`, `must not exceed hard (${hard})`);
  });
  c.bool('process.noNewPrivileges', p.noNewPrivileges);
  c.int('process.oomScoreAdj', p.oomScoreAdj, { min: -1000, max: 1000 });
  c.string('process.apparmorProfile', p.apparmorProfile);
  c.string('process.selinuxLabel', p.selinuxLabel);
}

function checkLinux(c: Checker, l: Record<string, Json>, spec: Record<string, Json>): void {
  const types = new Set<string>();
  let newUserns = false;
  c.array('linux.namespaces', l.namespaces)?.forEach((n, i) => {
    const path = `linux.namespaces[${i}]`;
    const o = c.object(path, n, true);
    if (!o) return;
    const type = c.string(`${path}.type`, o.type, true);
    if (type !== undefined && !NAMESPACE_TYPES.includes(type)) c.fail(`${path}.type`, `unknown namespace type ${JSON.stringify(type)}`);
    if (type && types.has(type)) c.fail(`${path}.type`, `duplicate namespace ${type}`);
    if (type) types.add(type);
    c.absPath(`${path}.path`, o.path);
    if (type === 'user' && o.path === undefined) newUserns = true;
  });
  if (spec.hostname !== undefined && spec.hostname !== '' && !types.has('uts')) c.fail('hostname', 'cannot be set without a uts namespace');
  if (spec.domainname !== undefined && spec.domainname !== '' && !types.has('uts')) c.fail('domainname', 'cannot be set without a uts namespace');
  for (const field of ['uidMappings', 'gidMappings'] as const) {
    const path = `linux.${field}`;
    const maps = checkIdMappings(c, path, l[field]);
    if (maps?.length && !types.has('user')) c.fail(path, 'needs a user namespace in linux.namespaces');
    if (newUserns && !maps?.length) c.fail(path, 'is required for a new user namespace (linux.namespaces has "user" without a path)');
    const mapsRoot = maps?.some((m) => c.isObject(m) && typeof m.containerID === 'number' && typeof m.size === 'number' && m.containerID === 0 && m.size >= 1);
    if (newUserns && maps?.length && !mapsRoot) c.fail(path, `must map container ${field === 'uidMappings' ? 'uid' : 'gid'} 0 (ce-init sets up the container as its root)`);
  }
  const offsets = c.object('linux.timeOffsets', l.timeOffsets);
  if (offsets) {
    for (const [clock, o] of Object.entries(offsets)) {
      const path = `linux.timeOffsets.${clock}`;
      if (clock !== 'monotonic' && clock !== 'boottime') c.fail(path, 'only the monotonic and boottime clocks have offsets');
      const off = c.object(path, o, true);
      if (!off) continue;
      c.int(`${path}.secs`, off.secs);
      c.int(`${path}.nanosecs`, off.nanosecs, { min: 0, max: 999_999_999 });
    }
    const freshTime = (l.namespaces as Array<Record<string, Json>> | undefined)?.some((n) => n?.type === 'time' && !n.path);
    if (!freshTime) c.fail('linux.timeOffsets', 'needs a new time namespace (a linux.namespaces entry of type "time" without a path)');
  }
  if (l.seccomp !== undefined && l.seccomp !== null) c.errors.push(...seccompProblems(l.seccomp));
  c.stringMap('linux.sysctl', l.sysctl);
  const cgroupsPath = c.string('linux.cgroupsPath', l.cgroupsPath);
  if (cgroupsPath !== undefined) {
    if (/^[^/:]*:[^/:]*:[^/:]*$/.test(cgroupsPath)) c.fail('linux.cgroupsPath', 'systemd cgroup paths (slice:prefix:name) are not supported');
    if (cgroupsPath.split('/').includes('..')) c.fail('linux.cgroupsPath', 'must not contain ".."');
  }
  c.array('linux.devices', l.devices)?.forEach((d, i) => {
    const path = `linux.devices[${i}]`;
    const o = c.object(path, d, true);
    if (!o) return;
    c.absPath(`${path}.path`, o.path, true);
    const type = c.string(`${path}.type`, o.type, true);
    if (type !== undefined && !DEVICE_TYPES.includes(type)) c.fail(`${path}.type`, `must be one of ${DEVICE_TYPES.join(', ')}`);
    const needsNumbers = type !== 'p';
    c.int(`${path}.major`, o.major, { required: needsNumbers, min: 0 });
    c.int(`${path}.minor`, o.minor, { required: needsNumbers, min: 0 });
    c.int(`${path}.fileMode`, o.fileMode, { min: 0, max: 0o7777 });
    c.int(`${path}.uid`, o.uid, { min: 0, max: UINT32_MAX });
    c.int(`${path}.gid`, o.gid, { min: 0, max: UINT32_MAX });
  });
  const prop = c.string('linux.rootfsPropagation', l.rootfsPropagation);
  if (prop !== undefined && prop !== '' && !PROPAGATION_NAMES.includes(prop)) c.fail('linux.rootfsPropagation', `unknown propagation ${JSON.stringify(prop)}`);
  c.array('linux.maskedPaths', l.maskedPaths)?.forEach((p, i) => c.absPath(`linux.maskedPaths[${i}]`, p));
  c.array('linux.readonlyPaths', l.readonlyPaths)?.forEach((p, i) => c.absPath(`linux.readonlyPaths[${i}]`, p));
  if (!types.has('mount')) {
    // runc refuses these too ("unable to restrict sys entries without a private MNT namespace"):
    // masking /proc and /sys of the host's mount table would mask them for the host.
    for (const field of ['maskedPaths', 'readonlyPaths'] as const) {
      const list = l[field];
      if (Array.isArray(list) && list.length) c.fail(`linux.${field}`, 'cannot be applied without a mount namespace (linux.namespaces has no "mount")');
    }
    if (prop) c.fail('linux.rootfsPropagation', 'needs a mount namespace (linux.namespaces has no "mount"): it would change the propagation of the host\'s /');
  }
  const res = c.object('linux.resources', l.resources);
  if (res) checkResources(c, res);
}

/** The kernel takes at most 340 lines per map (Linux 4.15+). */
const ID_MAP_MAX = 340;

function checkIdMappings(c: Checker, path: string, v: Json): Json[] | undefined {
  const maps = c.array(path, v);
  if (!maps) return undefined;
  if (maps.length > ID_MAP_MAX) c.fail(path, `must have at most ${ID_MAP_MAX} entries`);
  maps.forEach((m, i) => {
    const o = c.object(`${path}[${i}]`, m, true);
    if (!o) return;
    c.int(`${path}[${i}].containerID`, o.containerID, { required: true, min: 0, max: UINT32_MAX - 1 });
    c.int(`${path}[${i}].hostID`, o.hostID, { required: true, min: 0, max: UINT32_MAX - 1 });
    c.int(`${path}[${i}].size`, o.size, { required: true, min: 1, max: UINT32_MAX });
  });
  return maps;
}

const HOOK_KINDS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

function checkHooks(c: Checker, v: Json): void {
  const hooks = c.object('hooks', v);
  if (!hooks) return;
  for (const [kind, list] of Object.entries(hooks)) {
    if (!HOOK_KINDS.includes(kind)) {
      c.fail(`hooks.${kind}`, `unknown hook kind (one of ${HOOK_KINDS.join(', ')})`);
      continue;
    }
    c.array(`hooks.${kind}`, list)?.forEach((h, i) => {
      const path = `hooks.${kind}[${i}]`;
      const o = c.object(path, h, true);
      if (!o) return;
      c.absPath(`${path}.path`, o.path, true);
      c.strings(`${path}.args`, o.args);
      c.strings(`${path}.env`, o.env)?.forEach((e, j) => {
        if (typeof e === 'string' && (!e.includes('=') || e.startsWith('='))) c.fail(`${path}.env[${j}]`, `must be KEY=value, not ${JSON.stringify(e)}`);
      });
      c.int(`${path}.timeout`, o.timeout, { min: 1 });
    });
  }
}

function checkResources(c: Checker, r: Record<string, Json>): void {
  const mem = c.object('linux.resources.memory', r.memory);
  if (mem) {
    for (const k of ['limit', 'reservation', 'swap', 'kernel', 'kernelTCP']) c.int(`linux.resources.memory.${k}`, mem[k], { min: -1 });
    c.int('linux.resources.memory.swappiness', mem.swappiness, { min: 0, max: 100 });
    c.bool('linux.resources.memory.disableOOMKiller', mem.disableOOMKiller);
  }
  const cpu = c.object('linux.resources.cpu', r.cpu);
  if (cpu) {
    c.int('linux.resources.cpu.shares', cpu.shares, { min: 0 });
    c.int('linux.resources.cpu.quota', cpu.quota, { min: -1 });
    c.int('linux.resources.cpu.period', cpu.period, { min: 0 });
    c.int('linux.resources.cpu.realtimeRuntime', cpu.realtimeRuntime, { min: -1 });
    c.int('linux.resources.cpu.realtimePeriod', cpu.realtimePeriod, { min: 0 });
    for (const k of ['cpus', 'mems']) {
      const s = c.string(`linux.resources.cpu.${k}`, cpu[k]);
      if (s && !/^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$/.test(s)) c.fail(`linux.resources.cpu.${k}`, `must be a list like "0-2,4", not ${JSON.stringify(s)}`);
    }
  }
  const pids = c.object('linux.resources.pids', r.pids);
  if (pids) c.int('linux.resources.pids.limit', pids.limit, { required: true });
  c.array('linux.resources.devices', r.devices)?.forEach((d, i) => {
    const path = `linux.resources.devices[${i}]`;
    const o = c.object(path, d, true);
    if (!o) return;
    if (typeof o.allow !== 'boolean') c.fail(`${path}.allow`, 'must be a boolean');
    const type = c.string(`${path}.type`, o.type);
    if (type !== undefined && !['a', 'c', 'b'].includes(type)) c.fail(`${path}.type`, 'must be one of a, c, b');
    if (o.major !== null) c.int(`${path}.major`, o.major, { min: -1 });
    if (o.minor !== null) c.int(`${path}.minor`, o.minor, { min: -1 });
    const access = c.string(`${path}.access`, o.access);
    if (access !== undefined && !/^[rwm]*$/.test(access)) c.fail(`${path}.access`, 'must be made of r, w and m');
  });
  const blkio = c.object('linux.resources.blockIO', r.blockIO);
  if (blkio) {
    c.int('linux.resources.blockIO.weight', blkio.weight, { min: 0, max: 1000 });
    c.int('linux.resources.blockIO.leafWeight', blkio.leafWeight, { min: 0, max: 1000 });
    const devices = (key: string, fields: string[]) =>
      c.array(`linux.resources.blockIO.${key}`, blkio[key])?.forEach((d, i) => {
        const path = `linux.resources.blockIO.${key}[${i}]`;
        const o = c.object(path, d, true);
        if (!o) return;
        c.int(`${path}.major`, o.major, { required: true, min: 0 });
        c.int(`${path}.minor`, o.minor, { required: true, min: 0 });
        for (const f of fields) c.int(`${path}.${f}`, o[f], { min: 0, required: f === 'rate' });
      });
    devices('weightDevice', ['weight', 'leafWeight']);
    for (const k of ['throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice']) devices(k, ['rate']);
  }
  c.array('linux.resources.hugepageLimits', r.hugepageLimits)?.forEach((h, i) => {
    const path = `linux.resources.hugepageLimits[${i}]`;
    const o = c.object(path, h, true);
    if (!o) return;
    const size = c.string(`${path}.pageSize`, o.pageSize, true);
    // it becomes part of a cgroup file name
    if (size !== undefined && !/^[0-9]+[KMG]B$/.test(size)) c.fail(`${path}.pageSize`, `must be a size like "2MB", not ${JSON.stringify(size)}`);
    c.int(`${path}.limit`, o.limit, { required: true, min: 0 });
  });
  c.stringMap('linux.resources.unified', r.unified);
}

/**
 * Checks linux.resources on its own (runc update's --resources file);
 * errors name `linux.resources.*` paths.
 */
export function validateResources(resources: unknown): asserts resources is LinuxResources {
  const c = new Checker();
  const r = c.object('linux.resources', resources, true);
  if (r) checkResources(c, r);
  if (c.errors.length) throw new RuntimeError('InvalidArgument', `invalid resources: ${c.errors.join('; ')}`);
}

/** SemVer 2.0.0 (semver.org's grammar); group 1 is the major version. */
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*)?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$/;

/**
 * Checks a parsed config.json. Throws a RuntimeError (InvalidArgument) whose
 * message names the JSON path of each problem, e.g.
 * "invalid config.json: process.args: must be a non-empty array".
 */
export function validateSpec(spec: unknown): asserts spec is Spec {
  const c = new Checker();
  const s = c.object('(root)', spec, true);
  if (s) {
    const version = c.string('ociVersion', s.ociVersion, true);
    if (version !== undefined) {
      const semver = SEMVER.exec(version);
      if (!semver) c.fail('ociVersion', `${JSON.stringify(version)} is not a SemVer 2.0.0 version`);
      else if (semver[1] !== '1') c.fail('ociVersion', `${JSON.stringify(version)}: this runtime implements version 1 of the runtime spec`);
    }
    const root = c.object('root', s.root, true);
    if (root) {
      const p = c.string('root.path', root.path, true);
      if (p === '') c.fail('root.path', 'must not be empty');
      c.bool('root.readonly', root.readonly);
    }
    c.array('mounts', s.mounts)?.forEach((m, i) => {
      const path = `mounts[${i}]`;
      const o = c.object(path, m, true);
      if (!o) return;
      c.absPath(`${path}.destination`, o.destination, true);
      c.string(`${path}.type`, o.type);
      c.string(`${path}.source`, o.source);
      c.strings(`${path}.options`, o.options);
      if (o.uidMappings !== undefined || o.gidMappings !== undefined) c.fail(path, 'id-mapped mounts are not supported yet');
    });
    const proc = c.object('process', s.process, true);
    if (proc) checkProcess(c, proc);
    c.string('hostname', s.hostname);
    c.string('domainname', s.domainname);
    c.stringMap('annotations', s.annotations);
    const linux = c.object('linux', s.linux, true);
    if (linux) checkLinux(c, linux, s);
    checkHooks(c, s.hooks);
  }
  if (c.errors.length) {
    throw new RuntimeError('InvalidArgument', `invalid config.json: ${c.errors.join('; ')}`);
  }
}

/**
 * Checks the process of an exec (runc exec's process.json: the shape of
 * config.json's `process`); errors name `process.*` paths.
 */
export function validateProcess(process: unknown): asserts process is Process {
  const c = new Checker();
  const p = c.object('process', process, true);
  if (p) checkProcess(c, p);
  if (c.errors.length) throw new RuntimeError('InvalidArgument', `invalid process: ${c.errors.join('; ')}`);
}
