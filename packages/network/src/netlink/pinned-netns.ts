// NetnsOps: network namespaces pinned at a path by a bind mount, as
// `ip netns add` does, and sysctls written from inside them.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { netnsCreate, netnsRemove, netnsWriteSysctl, SyscallError } from '@ce/native';
import { alreadyExists, CeError, invalidArgument, notFound } from '@ce/protocol/errors';
import type { NetnsOps } from '../link-ops.js';
import { kernelRefusal } from './errors.js';

// "net.ipv4.conf.eth0.route_localnet" or, as sysctl(8) also takes it,
// "net/ipv4/conf/eth0.100/rp_filter" (dots inside a component, e.g. a VLAN).
const DOTTED_KEY = /^net(\.[A-Za-z0-9_-]+)+$/;
const SLASHED_KEY = /^net(\/[A-Za-z0-9_.-]+)+$/;

/** The file below /proc/sys/net that a net.* sysctl key names. */
export function sysctlFile(key: string): string {
  if (DOTTED_KEY.test(key)) return `/proc/sys/${key.replace(/\./g, '/')}`;
  if (SLASHED_KEY.test(key) && !key.split('/').some((c) => c === '.' || c === '..')) return `/proc/sys/${key}`;
  throw invalidArgument(`invalid network sysctl "${key}": want a key below net., e.g. net.ipv4.conf.eth0.route_localnet`);
}

export class PinnedNetns implements NetnsOps {
  async create(path: string): Promise<void> {
    mkdirSync(dirname(path), { recursive: true, mode: 0o711 });
    try {
      await netnsCreate(path);
    } catch (err) {
      if (err instanceof SyscallError && err.code === 'EEXIST') throw alreadyExists(`network namespace ${path} already exists`);
      throw kernelRefusal(`create network namespace ${path}`, err);
    }
  }

  async remove(path: string): Promise<void> {
    try {
      netnsRemove(path);
    } catch (err) {
      throw kernelRefusal(`remove network namespace ${path}`, err);
    }
  }

  async setSysctl(path: string, key: string, value: string): Promise<void> {
    const file = sysctlFile(key);
    try {
      netnsWriteSysctl(path, file, value);
    } catch (err) {
      if (err instanceof SyscallError) {
        if (err.args[0] === path && err.code === 'ENOENT') throw notFound(`network namespace ${path} not found`);
        if (err.args[0] === path && err.syscall === 'setns') throw invalidArgument(`${path} is not a network namespace`);
        if (err.code === 'ENOENT') throw invalidArgument(`sysctl ${key} does not exist in network namespace ${path}`);
        if (err.code === 'EINVAL') throw invalidArgument(`invalid value "${value}" for sysctl ${key}`);
      }
      throw err instanceof CeError ? err : kernelRefusal(`set sysctl ${key}=${value} in network namespace ${path}`, err);
    }
  }
}

export function pinnedNetns(): PinnedNetns {
  return new PinnedNetns();
}
